"""How close a unit is to each documented case or cohort.

Two views are blended. *Fields*: a Gower-style similarity over the profile answers that both the unit and
the case have (equal choices 1 or 0; ratings and sizes by distance), shrunk when fewer than six fields can be
compared. *Concerns*: the Jaccard overlap of the derived concerns that the rule base concludes for each, which
lets a unit described by ratings be compared with a case described by facts. With fewer than three shared
fields only the concern view counts, scaled down to show the weaker basis. The setting (day hospital,
intensive outpatient, inpatient, school) and the population count as fields too, each CONTEXT_WEIGHT times
an ordinary answer, and a difference in context is named first: an adult day hospital is not like an
inpatient adolescent unit, even when their gaps match. The unit's make-up (a converting team, a new
adaptation) weighs and comes first the same way.
"""

from __future__ import annotations

from typing import Any

from mbt_advisor.profile.model import field_domain
from mbt_advisor.profile.values import show

FIELD_WEIGHT, CONCERN_WEIGHT = 0.6, 0.4
FULL_COVERAGE = 6
MIN_FIELDS = 3
SHOWN, THRESHOLD = 3, 0.2
CONTEXT = ("organization.setting", "organization.population")
# The unit's make-up (issue 26): whether an existing team converts, and whether the programme is a new
# adaptation, weigh like the context: MBT-A was both, and no other documented case is known to be either.
MAKE_UP = ("facts.team_origin", "facts.programme_novelty")
CONTEXT_WEIGHT = 2.0


def comparable(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers similarity compares: setting and population, then every rating and fact (not the phase:
    a documented case has no phase of its own)."""
    return {name: value for name, value in answers.items() if name in CONTEXT or not name.startswith("organization.")}


def field_similarity(name: str, a: Any, b: Any) -> float:
    kind, _ = field_domain(name)
    if kind == "rating":
        return 1 - abs(float(a) - float(b)) / 6
    if kind == "integer":
        return 1 - min(abs(float(a) - float(b)) / 10, 1.0)
    if kind == "fraction":
        return 1 - abs(float(a) - float(b))
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
    weight = {name: CONTEXT_WEIGHT if name in CONTEXT or name in MAKE_UP else 1.0 for name in common}
    union = unit_concerns | case_concerns
    shared = sorted(unit_concerns & case_concerns)
    enough_fields = len(common) >= MIN_FIELDS
    # neither has a concern: alike in that respect only if there is enough else to compare
    concern_sim = len(shared) / len(union) if union else (1.0 if enough_fields else 0.0)
    if enough_fields:
        coverage = min(1.0, len(common) / FULL_COVERAGE)
        mean = sum(sims[n] * weight[n] for n in common) / sum(weight.values())
        value = FIELD_WEIGHT * mean * coverage + CONCERN_WEIGHT * concern_sim
    else:
        value = CONCERN_WEIGHT * concern_sim
    first = CONTEXT + MAKE_UP
    order = [n for n in common if n in first] + [n for n in common if n not in first]
    differences = [f"{name}: {show(mine[name])} here, {show(theirs[name])} there" for name in order if sims[name] < 0.5]
    return round(value, 3), len(common), shared, differences[:6]
