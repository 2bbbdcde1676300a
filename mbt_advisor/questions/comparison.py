"""What changed between two assessments of the same unit (two visits, or before and during a change).

Answers are compared field by field and judged better or worse with knowledge/field_directions.yaml;
recommendations are matched by rule id (appeared, disappeared, moved); the risk is compared overall and per
level, by its index (a change of less than NOTABLE_CHANGE points is "same"), with the rules that appeared or
were resolved at each level as what drove the change. An early warning is raised when the change looks like
the documented decline of the programme treated during a reorganization (Bales, Timman et al. 2017): a
reorganization or loss of management continuity together with a rise of the overall index by REORG_RISE
points or more, or of two levels by LEVEL_RISE or more; or ratings falling by two points or more on several
items, as every Table 4 item was rated lower for REORG than for PRE-REORG.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mbt_advisor.assessment.advisor import Advisor, ProfileLike, default_advisor
from mbt_advisor.assessment.model import Assessment, RiskLevel
from mbt_advisor.assessment.scoring import SEVERITY_WEIGHT
from mbt_advisor.common.strict import Strict
from mbt_advisor.profile.loading import as_profile
from mbt_advisor.profile.model import LEVELS, Level, Profile, all_fields, field_info
from mbt_advisor.profile.values import plain
from mbt_advisor.rulebase.words import field_label, listed, shown_index, value_label


class AnswerChange(Strict):
    field: str
    level: str
    old: Any
    new: Any
    direction: str  # better | worse | changed
    label: str = Field(default="", description="The field in the question bank's words")
    old_words: str = Field(default="", description="The earlier answer in words ('not known' when unanswered)")
    new_words: str = Field(default="", description="The later answer in words")


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
    direction: str  # better | worse | same | changed (known at one visit only)
    old_index: float | None
    new_index: float | None
    change: float | None = Field(description="new_index - old_index, when both are known")
    rules_appeared: list[str] = Field(description="Rules that fired at the second visit only, heaviest first")
    rules_resolved: list[str] = Field(description="Rules that fired at the first visit only, heaviest first")


class Comparison(Strict):
    old: str
    new: str
    old_assessed_on: str | None
    new_assessed_on: str | None
    same_unit: bool = Field(description="Whether both profiles name the same unit")
    units_note: str | None = Field(description="Said when the two profiles name different units")
    risk: list[RiskChange]
    answers: dict[str, list[AnswerChange]]
    recommendations: list[RecommendationChange]
    warnings: list[str]
    summary: str


# Index points: a smaller change is "same"; the rises that, with a reorganization, raise the early warning.
NOTABLE_CHANGE, REORG_RISE, LEVEL_RISE = 5.0, 15.0, 10.0


def _risk_direction(old: float | None, new: float | None) -> str:
    if old is None or new is None:
        return "same" if old is None and new is None else "changed"
    if abs(new - old) < NOTABLE_CHANGE:
        return "same"
    return "worse" if new > old else "better"


def _risk_change(scope: str, a: Assessment, b: Assessment) -> RiskChange:
    if scope == "overall":
        old, new = a.risk.overall, b.risk.overall
        x, y = a.risk.index, b.risk.index
        before, after = ({r.rule_id: r.severity for r in side.recommendations} for side in (a, b))
    else:
        level: Level = scope  # type: ignore[assignment]
        old, new = a.risk.levels[level], b.risk.levels[level]
        x, y = a.risk.level_index[level], b.risk.level_index[level]
        before, after = ({r.rule_id: r.severity for r in side.recommendations if r.level == level} for side in (a, b))

    def heaviest(ids: set[str], severity: dict[str, str]) -> list[str]:
        return sorted(ids, key=lambda rule_id: (-SEVERITY_WEIGHT[severity[rule_id]], rule_id))

    return RiskChange(
        scope=scope,
        old=old,
        new=new,
        direction=_risk_direction(x, y),
        old_index=x,
        new_index=y,
        change=None if x is None or y is None else round(y - x, 1),
        rules_appeared=heaviest(set(after) - set(before), after),
        rules_resolved=heaviest(set(before) - set(after), before),
    )


def compare(old: ProfileLike, new: ProfileLike, *, advisor: Advisor | None = None) -> Comparison:
    """What changed between two profiles of the same unit, with ``advisor`` or the bundled rule base."""
    return _compare(as_profile(old), as_profile(new), advisor or default_advisor())


def _compare(old: Profile, new: Profile, advisor: Advisor) -> Comparison:
    directions = advisor.kb.directions
    a, b = advisor.evaluate(old), advisor.evaluate(new)
    risk = [_risk_change(scope, a, b) for scope in ("overall", *LEVELS)]
    answers: dict[str, list[AnswerChange]] = {level: [] for level in LEVELS}
    before, after = old.known_fields(), new.known_fields()
    for name in all_fields():
        x, y = before.get(name), after.get(name)
        if x == y:
            continue
        level = field_info(name)["level"]
        answers[level].append(
            AnswerChange(
                field=name,
                level=level,
                old=plain(x),
                new=plain(y),
                direction=directions.direction(name, x, y),
                label=field_label(advisor.tables, name),
                old_words=value_label(advisor.tables, name, x),
                new_words=value_label(advisor.tables, name, y),
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
    same_unit = " ".join(old.organization.name.split()).casefold() == " ".join(new.organization.name.split()).casefold()
    warnings = _early_warnings(old, new, answers, risk)
    worse = sum(1 for changes in answers.values() for c in changes if c.direction == "worse")
    better = sum(1 for changes in answers.values() for c in changes if c.direction == "better")
    overall = risk[0]
    summary = (
        f"Overall risk {_with_index(overall.old, overall.old_index)} -> {_with_index(overall.new, overall.new_index)}"
        f"{'' if overall.change is None else f' ({_shown_change(overall):+d} points)'}; "
        f"{better} answer(s) better, {worse} worse; "
        f"{sum(r.status == 'appeared' for r in recs)} recommendation(s) appeared, "
        f"{sum(r.status == 'disappeared' for r in recs)} disappeared."
    )
    return Comparison(
        old=old.organization.name,
        new=new.organization.name,
        old_assessed_on=a.organization.assessed_on,
        new_assessed_on=b.organization.assessed_on,
        same_unit=same_unit,
        units_note=None if same_unit else _different_units(old, new),
        risk=risk,
        answers=answers,
        recommendations=recs,
        warnings=warnings,
        summary=summary,
    )


def _shown_change(r: RiskChange) -> int:
    """The change between the two indexes as shown, so that "rose by 73 (9 to 82)" adds up."""
    assert r.old_index is not None and r.new_index is not None
    return shown_index(r.new_index) - shown_index(r.old_index)


def _with_index(label: str, index: float | None) -> str:
    return label if index is None else f"{label} (index {index:.0f})"


def _different_units(old: Profile, new: Profile) -> str:
    return (
        f"These profiles name different units (“{old.organization.name}” and “{new.organization.name}”): "
        "this compares two units, not two visits of one unit."
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
    overall = risk[0]
    rising = [r for r in risk[1:] if r.change is not None and r.change >= LEVEL_RISE]
    rating_drops = [
        c
        for changes in answers.values()
        for c in changes
        if c.field.startswith("ratings.")
        and isinstance(c.old, int | float)
        and isinstance(c.new, int | float)
        and c.old - c.new >= 2
    ]
    overall_rise = overall.change is not None and overall.change >= REORG_RISE
    if (reorganizing or continuity) and (overall_rise or len(rising) >= 2):
        size = (
            f"the overall risk index rose by {_shown_change(overall)} points (from {overall.old_index:.0f} to "
            f"{overall.new_index:.0f})"
            if overall_rise
            else "the risk index rose by "
            + ", ".join(f"{_shown_change(r)} points at the {r.scope} level" for r in rising)
        )
        warnings.append(
            f"A reorganization (or a loss of management continuity) comes with a rising risk: "
            f"{size}. In the programme studied by Bales, Timman et al. 2017, the cohort treated during a "
            "reorganization (REORG) had effect sizes of 0.03-0.71 at 18 months against 0.81-1.22 before it "
            "(the paper's published abstract, not the talk). Our advice: protect staffing, leadership and "
            "supervision now."
        )
    if len(rating_drops) >= 3:
        shown, more = listed([f"{c.label} (from {c.old_words} to {c.new_words})" for c in rating_drops], 6)
        items = "; ".join(shown) + (f"; and {more} more" if more else "")
        warnings.append(
            f"{len(rating_drops)} Table 4 ratings fell by two points or more: {items}. In the "
            "REORG cohort every one of the 21 items was rated lower than before the reorganization (Table 4, under "
            "the talk's slide 'How come?'); the slide before it titles Figure 1, the two cohorts' outcome courses, "
            "'Treatment is 2 to 3 times less effective when implementation is cumbersome'."
        )
    return warnings
