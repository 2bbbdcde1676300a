"""The risk index orders the documented cases by their outcomes (docs/scoring.md, "Calibration").

A change to the rules, the case encodings or the weights that breaks this order fails here; re-run
``python -m mbt_advisor.questions.calibration`` and update docs/scoring.md with the new figures.
"""

from __future__ import annotations

import pytest

from mbt_advisor.assessment.scoring import WEIGHTS, label
from mbt_advisor.questions.calibration import calibrate, case_data, in_band, indices, ordered, spearman, violations

# the figures documented in docs/scoring.md (shipped weights, all ten cases)
SPEARMAN_AT_LEAST = 0.85
IN_BAND_AT_LEAST = 9


def test_every_worse_outcome_gets_a_strictly_higher_index() -> None:
    cases = case_data()
    values = indices(cases, WEIGHTS)
    broken = [
        f"{a.case} ({a.code:g}) {x:.1f} >= {b.case} ({b.code:g}) {y:.1f}"
        for a, x in zip(cases, values, strict=True)
        for b, y in zip(cases, values, strict=True)
        if ordered(a.code, b.code) and x >= y
    ]
    assert not broken, broken


def test_the_rank_correlation_with_the_outcomes_is_as_documented() -> None:
    cases = case_data()
    values = indices(cases, WEIGHTS)
    assert spearman(values, [c.code for c in cases]) >= SPEARMAN_AT_LEAST


def test_the_labels_put_the_cases_in_their_outcome_bands() -> None:
    cases = case_data()
    hits = [in_band(c.code, label(v)) for c, v in zip(cases, indices(cases, WEIGHTS), strict=True)]
    assert sum(hits) >= IN_BAND_AT_LEAST, [c.case for c, hit in zip(cases, hits, strict=True) if not hit]


def test_f_and_g_are_mixed_or_better_and_only_ordered_against_failures() -> None:
    codes = {c.case: c.code for c in case_data()}
    assert codes["F"] == codes["G"] == 0.5 and codes["E"] == 1.0 and codes["B"] == 0.0
    assert ordered(codes["G"], codes["A"]) and not ordered(codes["G"], codes["E"])
    assert not ordered(codes["B"], codes["F"])


def test_spearman_uses_average_ranks_for_ties() -> None:
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([3, 2, 1], [10, 20, 30]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2], [0, 0, 2]) == pytest.approx(1.0)
    assert violations([0.0, 2.0], [50.0, 50.0]) == 1  # a tie across outcomes is a broken order


@pytest.mark.slow
def test_leave_one_case_out_places_most_cases_in_order() -> None:
    report = calibrate()
    assert len(report.loo) == 10
    assert report.loo_spearman >= 0.5
    assert sum(p.violations == 0 for p in report.loo) >= 8


def test_docs_state_the_shipped_weights() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "scoring.md").read_text(encoding="utf-8")
    w = WEIGHTS
    load = "score-weighted load" if w.load_from == "score" else "severity points"
    stated = f"{load}, scale {w.load_scale:g}, breadth {w.breadth:g}, cut points {w.moderate_from:g} / {w.high_from:g}"
    assert stated in text, "re-run python -m mbt_advisor.questions.calibration and update docs/scoring.md"
    assert f"`low` below {w.moderate_from:g}" in text and f"`high`\nfrom {w.high_from:g}" in text
