"""The five validation units of docs/validation.md (written by a reviewer who did not read the rules) load,
are assessed, and the table of docs/validation.md still says what the assessment gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbt_advisor import Advisor, load_profile

REPO = Path(__file__).resolve().parent.parent
UNITS = sorted((REPO / "docs" / "validation").glob("*.yaml"))


def _row(number: str) -> str:
    text = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    section = text.split("## Results", 1)[1].split("## Judgement", 1)[0]
    return next(line for line in section.splitlines() if line.startswith(f"| {number} |"))


def test_there_are_five_units() -> None:
    assert [p.name[:2] for p in UNITS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name[:2])
def test_the_table_says_what_the_assessment_gives(advisor: Advisor, path: Path) -> None:
    result = advisor.evaluate(load_profile(path))
    assert result.risk.index is not None
    now = _row(path.name[:2]).split(" | ")[3]
    assert now.startswith(f"{result.risk.overall} ({result.risk.index:.0f})"), (path.name, now)
    top = result.recommendations[0].title if result.recommendations else "none"
    assert f"| {top} |" in _row(path.name[:2]), path.name
    for strength in result.strengths:
        assert strength.title in _row(path.name[:2]), (path.name, strength.title)
