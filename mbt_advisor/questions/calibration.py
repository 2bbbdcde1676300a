"""Calibration of the risk index on the documented outcomes: ``python -m mbt_advisor.questions.calibration``.

The ten documented cases and cohorts have ordinal outcomes: success 0, mixed 1, failure 2; where the tables
disagree (units F and G: success in one table, mixed in the other) the case is "mixed or better", 0.5. The
index should order them so: a case with a worse outcome (by one full step or more) gets a strictly higher
index. A small grid over the four calibrated numbers of ``scoring.Weights`` is searched; a point is better
when it breaks fewer of these orderings, then has a higher Spearman rank correlation with the outcomes, then
puts more cases in their band (success low, mixed moderate, failure high, mixed-or-better low or moderate),
then separates the outcome groups more widely, then keeps the cases further from the cut points, then lies
closer to the middle of the grid.

Because the case profiles were encoded from the same tables the rules rest on, an in-sample fit flatters;
the leave-one-case-out run fits on nine cases and places the tenth with the weights fitted without it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from mbt_advisor.assessment.advisor import Advisor, default_advisor
from mbt_advisor.assessment.scoring import WEIGHTS, LevelInput, Weights, label, risk_index, rules_index

OUTCOME_CODE = {"success": 0.0, "mixed": 1.0, "failure": 2.0}
GRID = {
    "load_from": ("severity", "score"),
    "load_scale": (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0),
    "breadth": (0.0, 0.25, 0.5, 0.75, 1.0),
    "moderate_from": (10.0, 12.5, 15.0, 17.5, 20.0, 25.0, 30.0, 35.0),
    "high_from": (45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0),
}


@dataclass(frozen=True)
class CaseData:
    case: str
    outcome: str  # as published, both labels where the tables disagree
    code: float
    inputs: list[LevelInput]


@dataclass(frozen=True)
class Fit:
    weights: Weights
    violations: int
    spearman: float
    band_hits: int


@dataclass(frozen=True)
class Placement:
    case: str
    code: float
    index: float
    label: str
    in_band: bool
    violations: int  # orderings with the other cases that the placed case breaks


@dataclass(frozen=True)
class Report:
    fit: Fit
    rows: list[Placement]
    loo: list[Placement]
    loo_spearman: float
    loo_weights: dict[str, Weights]


def outcome_code(outcomes: list[str]) -> float:
    """The mean code of the distinct outcome labels: 0.5 for a case called success in one table and mixed
    in the other."""
    return sum(OUTCOME_CODE[o] for o in outcomes) / len(outcomes)


def case_data(advisor: Advisor | None = None) -> list[CaseData]:
    """The level inputs of each documented case's profile, as the advisor gathers them for any unit."""
    advisor = advisor or default_advisor()
    found = []
    for case_id, profile in sorted(advisor.kb.case_profiles.items()):
        assessment = advisor.evaluate(profile)
        fired = [(r.rule_id, r.level, r.severity, r.score) for r in assessment.recommendations]
        case = advisor.kb.cases[case_id]
        inputs = advisor.level_inputs(advisor.practice_view(profile).answers(), fired)
        found.append(CaseData(case_id, case.outcome_text(), outcome_code(case.outcomes()), inputs))
    return found


def ordered(lower: float, higher: float) -> bool:
    """Whether the outcome codes must be ordered: a full step apart (mixed-or-better vs mixed is not)."""
    return higher - lower >= 1.0


def in_band(code: float, risk: str) -> bool:
    allowed = {0.0: ("low",), 0.5: ("low", "moderate"), 1.0: ("moderate",), 2.0: ("high",)}
    return risk in allowed[code]


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation (ties get their average rank)."""
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return 0.0 if not vx or not vy else cov / (vx * vy) ** 0.5


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def indices(cases: list[CaseData], weights: Weights) -> list[float]:
    """The overall index of each case (an unknown overall counts as 0: nothing known against it)."""
    return [risk_index(c.inputs, weights) or 0.0 for c in cases]


def violations(codes: list[float], values: list[float]) -> int:
    return sum(
        1
        for i, j in itertools.permutations(range(len(codes)), 2)
        if ordered(codes[i], codes[j]) and values[i] >= values[j]
    )


def _margin(codes: list[float], values: list[float]) -> float:
    gaps = [
        values[j] - values[i] for i, j in itertools.permutations(range(len(codes)), 2) if ordered(codes[i], codes[j])
    ]
    return min(gaps) if gaps else 0.0


# Set before fitting: one problem alone, of the largest weight a rule can have, reads moderate and weighs at
# most ONE_PROBLEM_AT_MOST of 100, so that the index keeps room to tell several problems from many.
ONE_PROBLEM_AT_MOST = 40.0
LARGEST = {"severity": 1.0, "score": 0.968}  # a high-severity rule; the highest possible score


def _grid() -> list[Weights]:
    """Every grid point that meets the constraint set before fitting (ONE_PROBLEM_AT_MOST)."""
    points = [Weights(*p) for p in itertools.product(*GRID.values())]  # type: ignore[arg-type]
    return [
        w
        for w in points
        if w.moderate_from <= rules_index(LARGEST[w.load_from], w) <= min(ONE_PROBLEM_AT_MOST, w.high_from)
    ]


def _centrality(weights: Weights) -> float:
    """Distance of a grid point from the middle of the grid, in grid steps (the last tie-breaker)."""
    total = 0.0
    for name, values in GRID.items():
        total += abs(values.index(getattr(weights, name)) - (len(values) - 1) / 2)
    return total


def fit(cases: list[CaseData]) -> Fit:
    """The best grid point for these cases (see the module docstring for the order of the criteria)."""
    codes = [c.code for c in cases]
    best: tuple[tuple[float, ...], Fit] | None = None
    for weights in _grid():
        values = indices(cases, weights)
        broken = violations(codes, values)
        rho = round(spearman(values, codes), 4)
        hits = sum(in_band(c.code, label(v, weights)) for c, v in zip(cases, values, strict=True))
        clearance = min(abs(v - cut) for v in values for cut in (weights.moderate_from, weights.high_from))
        key = (broken, -rho, -hits, -round(_margin(codes, values), 1), -round(clearance, 1), _centrality(weights))
        if best is None or key < best[0]:
            best = (key, Fit(weights, broken, rho, hits))
    assert best is not None
    return best[1]


def _place(case: CaseData, others: list[CaseData], weights: Weights) -> Placement:
    index = risk_index(case.inputs, weights) or 0.0
    broken = 0
    for other, value in zip(others, indices(others, weights), strict=True):
        if ordered(case.code, other.code) and index >= value:
            broken += 1
        if ordered(other.code, case.code) and value >= index:
            broken += 1
    risk = label(index, weights)
    return Placement(case.case, case.code, index, risk, in_band(case.code, risk), broken)


def calibrate(advisor: Advisor | None = None, weights: Weights = WEIGHTS) -> Report:
    """The fit on all cases, the placement of every case under ``weights`` (the shipped ones by default),
    and the leave-one-case-out placements."""
    cases = case_data(advisor)
    best = fit(cases)
    rows = [_place(c, [o for o in cases if o is not c], weights) for c in cases]
    loo: list[Placement] = []
    loo_weights: dict[str, Weights] = {}
    for case in cases:
        others = [o for o in cases if o is not case]
        held_out = fit(others).weights
        loo_weights[case.case] = held_out
        loo.append(_place(case, others, held_out))
    rho = spearman([p.index for p in loo], [p.code for p in loo])
    return Report(best, rows, loo, round(rho, 4), loo_weights)


def report_text(report: Report, weights: Weights = WEIGHTS) -> str:
    rho = spearman([p.index for p in report.rows], [p.code for p in report.rows])
    lines = [
        f"Best grid point on all ten cases: {report.fit.weights}",
        f"  order violations {report.fit.violations}, Spearman {report.fit.spearman:.3f}, "
        f"in band {report.fit.band_hits}/{len(report.rows)}",
        f"Shipped weights: {weights}",
        f"  order violations {sum(p.violations for p in report.rows) // 2}, Spearman {rho:.3f}, "
        f"in band {sum(p.in_band for p in report.rows)}/{len(report.rows)}",
        f"Leave-one-case-out: Spearman {report.loo_spearman:.3f}, "
        f"in band {sum(p.in_band for p in report.loo)}/{len(report.loo)}, "
        f"cases placed with a broken ordering {sum(p.violations > 0 for p in report.loo)}",
        "",
        "| case | outcome code | index (shipped) | label | index (left out) | label | fitted without it |",
        "|---|---|---|---|---|---|---|",
    ]
    for row, held in zip(report.rows, report.loo, strict=True):
        w = report.loo_weights[row.case]
        lines.append(
            f"| {row.case} | {row.code:g} | {row.index:.1f} | {row.label} | {held.index:.1f} | {held.label} | "
            f"{w.load_from}, scale {w.load_scale:g}, breadth {w.breadth:g}, cuts {w.moderate_from:g}/{w.high_from:g} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:  # pragma: no cover - a report for people, pinned by tests/test_calibration.py
    print(report_text(calibrate()), end="")


if __name__ == "__main__":  # pragma: no cover
    main()
