"""How close a unit is to each documented case or cohort.

Two views are blended. *Fields*: a Gower-style similarity over the profile answers that both the unit and
the case have (equal choices 1 or 0; ratings and sizes by distance), shrunk when fewer than six fields can be
compared. *Concerns*: the Jaccard overlap of the derived concerns that the rule base concludes for each, which
lets a unit described by ratings be compared with a case described by facts. With fewer than three shared
fields only the concern view counts, scaled down to show the weaker basis.
"""

from __future__ import annotations

from typing import Any

from .profile import field_domain
from .values import show

FIELD_WEIGHT, CONCERN_WEIGHT = 0.6, 0.4
FULL_COVERAGE = 6
MIN_FIELDS = 3
SHOWN, THRESHOLD = 3, 0.2


def field_similarity(name: str, a: Any, b: Any) -> float:
    kind, _ = field_domain(name)
    if kind == "rating":
        return 1 - abs(a - b) / 6
    if kind == "integer":
        return 1 - min(abs(a - b) / 10, 1.0)
    if kind == "fraction":
        return 1 - abs(a - b)
    if kind == "list":
        union = set(a) | set(b)
        return 1.0 if not union else len(set(a) & set(b)) / len(union)
    return 1.0 if a == b else 0.0


def compare(
    mine: dict[str, Any], unit_concerns: set[str], theirs: dict[str, Any], case_concerns: set[str]
) -> tuple[float, int, list[str], list[str]]:
    """(similarity, compared field count, shared concerns, differences in words), from the known answers
    (``Profile.known_fields()``) and derived concerns of the unit and of the case."""
    common = [name for name in mine if name in theirs]
    sims = {name: field_similarity(name, mine[name], theirs[name]) for name in common}
    union = unit_concerns | case_concerns
    shared = sorted(unit_concerns & case_concerns)
    enough_fields = len(common) >= MIN_FIELDS
    # neither has a concern: alike in that respect only if there is enough else to compare
    concern_sim = len(shared) / len(union) if union else (1.0 if enough_fields else 0.0)
    if enough_fields:
        coverage = min(1.0, len(common) / FULL_COVERAGE)
        value = FIELD_WEIGHT * (sum(sims.values()) / len(common)) * coverage + CONCERN_WEIGHT * concern_sim
    else:
        value = CONCERN_WEIGHT * concern_sim
    differences = [
        f"{name}: {show(mine[name])} here, {show(theirs[name])} there" for name in common if sims[name] < 0.5
    ]
    return round(value, 3), len(common), shared, differences[:6]
