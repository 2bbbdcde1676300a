"""What changed between two assessments of the same unit (two visits, or before and during a change).

Answers are compared field by field and judged better or worse with knowledge/field_directions.yaml;
recommendations are matched by rule id (appeared, disappeared, moved); the risk is compared overall and per
level. An early warning is raised when the change looks like the documented decline of the programme
treated during a reorganization (Bales, Timman et al. 2017): a reorganization or loss of management
continuity together with declines at two or more levels, or ratings falling by two points or more on
several items, as Table 4 fell from 5-7 to 1-4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .assessment import RiskLevel
from .base import Strict
from .profile import LEVELS, Profile, all_fields, field_info
from .scoring import RISK_ORDER
from .values import plain

if TYPE_CHECKING:
    from .advisor import Advisor


class AnswerChange(Strict):
    field: str
    level: str
    old: Any
    new: Any
    direction: str  # better | worse | changed


class RecommendationChange(Strict):
    rule_id: str
    title: str
    status: str  # appeared | disappeared | moved | kept
    old_priority: int | None
    new_priority: int | None


class RiskChange(Strict):
    scope: str
    old: RiskLevel
    new: RiskLevel
    direction: str  # better | worse | same | changed


class Comparison(Strict):
    old: str
    new: str
    risk: list[RiskChange]
    answers: dict[str, list[AnswerChange]]
    recommendations: list[RecommendationChange]
    warnings: list[str]
    summary: str


def _risk_direction(old: str, new: str) -> str:
    if old == new:
        return "same"
    if old == "unknown" or new == "unknown":
        return "changed"
    return "worse" if RISK_ORDER[new] > RISK_ORDER[old] else "better"


def compare(old: Profile, new: Profile, advisor: Advisor) -> Comparison:
    directions = advisor.kb.directions
    a, b = advisor.evaluate(old), advisor.evaluate(new)
    risk = [
        RiskChange(
            scope="overall",
            old=a.risk.overall,
            new=b.risk.overall,
            direction=_risk_direction(a.risk.overall, b.risk.overall),
        )
    ]
    for level in LEVELS:
        risk.append(
            RiskChange(
                scope=level,
                old=a.risk.levels[level],
                new=b.risk.levels[level],
                direction=_risk_direction(a.risk.levels[level], b.risk.levels[level]),
            )
        )
    answers: dict[str, list[AnswerChange]] = {level: [] for level in LEVELS}
    before, after = old.known_fields(), new.known_fields()
    for name in all_fields():
        x, y = before.get(name), after.get(name)
        if x == y:
            continue
        level = field_info(name)["level"]
        answers[level].append(
            AnswerChange(
                field=name, level=level, old=plain(x), new=plain(y), direction=directions.direction(name, x, y)
            )
        )
    old_recs = {r.rule_id: r for r in a.recommendations}
    new_recs = {r.rule_id: r for r in b.recommendations}
    recs: list[RecommendationChange] = []
    for rule_id, rec in new_recs.items():
        if rule_id not in old_recs:
            recs.append(
                RecommendationChange(
                    rule_id=rule_id, title=rec.title, status="appeared", old_priority=None, new_priority=rec.priority
                )
            )
        else:
            status = "moved" if old_recs[rule_id].priority != rec.priority else "kept"
            recs.append(
                RecommendationChange(
                    rule_id=rule_id,
                    title=rec.title,
                    status=status,
                    old_priority=old_recs[rule_id].priority,
                    new_priority=rec.priority,
                )
            )
    for rule_id, rec in old_recs.items():
        if rule_id not in new_recs:
            recs.append(
                RecommendationChange(
                    rule_id=rule_id, title=rec.title, status="disappeared", old_priority=rec.priority, new_priority=None
                )
            )
    warnings = _early_warnings(old, new, answers, risk)
    worse = sum(1 for changes in answers.values() for c in changes if c.direction == "worse")
    better = sum(1 for changes in answers.values() for c in changes if c.direction == "better")
    summary = (
        f"Overall risk {a.risk.overall} -> {b.risk.overall}; {better} answer(s) better, {worse} worse; "
        f"{sum(r.status == 'appeared' for r in recs)} recommendation(s) appeared, "
        f"{sum(r.status == 'disappeared' for r in recs)} disappeared."
    )
    return Comparison(
        old=old.organization.name,
        new=new.organization.name,
        risk=risk,
        answers=answers,
        recommendations=recs,
        warnings=warnings,
        summary=summary,
    )


def _early_warnings(
    old: Profile, new: Profile, answers: dict[str, list[AnswerChange]], risk: list[RiskChange]
) -> list[str]:
    warnings: list[str] = []
    reorganizing = (new.facts.reorganization is True and old.facts.reorganization is not True) or (
        new.organization.phase == "reorganizing" and old.organization.phase != "reorganizing"
    )
    continuity = [
        c for c in answers["organization"] if c.field == "ratings.management_continuity" and c.direction == "worse"
    ]
    levels_declining = [
        level
        for level in LEVELS
        if any(c.direction == "worse" for c in answers[level])
        or any(r.scope == level and r.direction == "worse" for r in risk)
    ]
    rating_drops = [
        c
        for changes in answers.values()
        for c in changes
        if c.field.startswith("ratings.")
        and isinstance(c.old, int | float)
        and isinstance(c.new, int | float)
        and c.old - c.new >= 2
    ]
    if (reorganizing or continuity) and len(levels_declining) >= 2:
        warnings.append(
            "Early warning: a reorganization (or a loss of management continuity) comes with declines at the "
            f"{', '.join(levels_declining)} levels. This is the pattern of the programme treated during a "
            "reorganization (REORG, Bales, Timman et al. 2017), whose effect sizes fell from 0.81-1.22 to "
            "0.03-0.71 at 18 months. Protect staffing, leadership and supervision now."
        )
    if len(rating_drops) >= 3:
        items = ", ".join(c.field.split(".", 1)[1] for c in rating_drops[:6])
        warnings.append(
            f"Early warning: {len(rating_drops)} Table 4 ratings fell by two points or more ({items}); in the "
            "REORG cohort adherence fell from 5-7 to 1-4 on every item and outcomes were two to three times "
            "smaller."
        )
    return warnings
