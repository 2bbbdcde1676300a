"""What the consultant's pages show of stored assessments: the index per level, the risk as an order, the
change between two visits.

The 0-100 risk index (``risk.index`` and ``risk.level_index``, higher = more risk) is read where the
assessment has it; an assessment stored before it existed shows the risk words only until it is refreshed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mbt_advisor.profile.model import LEVELS
from mbt_advisor.questions.comparison import compare

if TYPE_CHECKING:
    from mbt_advisor.assessment.advisor import Advisor

    from .models import Visit

RISK_RANK = {"low": 1, "moderate": 2, "high": 3}
SCOPES = (*LEVELS, "overall")  # the overall line drawn last, on top


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def visit_index(data: dict[str, Any]) -> dict[str, float | None]:
    """``{"overall": 0-100 or None, "organization": ..., "team": ..., "therapist": ...}``."""
    risk = data.get("risk", {})
    index = risk.get("index")
    out: dict[str, float | None] = dict.fromkeys(SCOPES)
    if isinstance(index, dict):
        out["overall"] = _number(index.get("overall"))
        nested = index.get("levels")
        levels = nested if isinstance(nested, dict) else index
        for level in LEVELS:
            out[level] = _number(levels.get(level))
    else:
        out["overall"] = _number(index)
    for level, value in (risk.get("level_index") or {}).items():
        if out.get(level) is None:
            out[level] = _number(value)
    for detail in risk.get("details", []):
        if out.get(detail.get("level")) is None:
            out[detail["level"]] = _number(detail.get("index"))
    return out


def risk_of(data: dict[str, Any], scope: str) -> str:
    risk = data["risk"]
    return str(risk["overall"] if scope == "overall" else risk["levels"][scope])


def change_since(previous: Visit | None, latest: Visit, advisor: Advisor) -> tuple[float | None, int, list[str]]:
    """(index change, risk change as +1/0/-1, early warnings) from ``previous`` to ``latest``."""
    from .store import assessment_data, profile_of

    if previous is None:
        return None, 0, []
    old, new = assessment_data(previous), assessment_data(latest)
    a, b = visit_index(old)["overall"], visit_index(new)["overall"]
    change = None if a is None or b is None else round(b - a, 1)
    ra, rb = RISK_RANK.get(old["risk"]["overall"]), RISK_RANK.get(new["risk"]["overall"])
    risk_change = 0 if ra is None or rb is None else (rb > ra) - (rb < ra)
    warnings = compare(profile_of(previous), profile_of(latest), advisor=advisor).warnings
    return change, risk_change, warnings


def readiness_line(data: dict[str, Any]) -> str | None:
    """'3 of 7 preconditions in place' for a unit that has not started, else None."""
    readiness = data.get("readiness")
    if not readiness:
        return None
    return f"{readiness['in_place']} of {readiness['total']} preconditions in place"
