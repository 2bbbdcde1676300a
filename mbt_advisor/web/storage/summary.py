"""What the consultant's pages show of stored assessments: a visit's profile and assessment as stored, the index
per level, the risk as an order, the readiness line (the change between two visits, which reads both visits, is
``signals.change_since``).

The 0-100 risk index (``risk.index`` and ``risk.level_index``, higher = more risk) is read where the
assessment has it; an assessment stored before it existed shows the risk words only until it is refreshed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mbt_advisor.profile.loading import parse_profile
from mbt_advisor.profile.model import LEVELS, Profile

if TYPE_CHECKING:
    from mbt_advisor.web.storage.models import Visit

RISK_RANK = {"low": 1, "moderate": 2, "high": 3}
SCOPES = (*LEVELS, "overall")  # the overall line drawn last, on top


def profile_of(visit: Visit) -> Profile:
    """The visit's profile, read from the YAML text stored byte for byte."""
    return parse_profile(visit.profile_yaml, f"visit {visit.id}")


def assessment_data(visit: Visit) -> dict[str, Any]:
    """The visit's stored assessment (exactly `evaluate --format json`)."""
    data: dict[str, Any] = json.loads(visit.assessment_json)
    return data


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


def readiness_line(data: dict[str, Any]) -> str | None:
    """'3 of 7 preconditions in place' for a unit that has not started, else None."""
    readiness = data.get("readiness")
    if not readiness:
        return None
    return f"{readiness['in_place']} of {readiness['total']} preconditions in place"
