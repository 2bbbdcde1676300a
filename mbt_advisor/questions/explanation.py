"""HOW and WHY: the chain of rule firings behind each recommendation, and why a rule did not fire.

The chain is read from the engine's own record of each activation (the rule, the branch of its ``any``
alternatives that matched, and the facts bound to its patterns), not reconstructed from the output. For a
rule that did not fire, each condition of each alternative is tested against the profile and the concerns
the engine concluded, like CLIPS's ``matches``: which conditions hold, which fail, which are unknown.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mbt_advisor.assessment.advisor import Advisor, ProfileLike, default_advisor
from mbt_advisor.assessment.model import Assessment, CitationOut, MatchedFact, ScoreComponents
from mbt_advisor.common.ids import find_id
from mbt_advisor.common.strict import Strict
from mbt_advisor.engine.compiler import Firing
from mbt_advisor.profile.loading import as_profile
from mbt_advisor.profile.model import Profile
from mbt_advisor.profile.values import plain
from mbt_advisor.rulebase.rule_models import branches
from mbt_advisor.rulebase.words import because


class Step(Strict):
    order: int
    rule_id: str
    branch: int
    matched: list[MatchedFact]
    concludes: list[str]


class RecommendationTrace(Strict):
    rule_id: str
    title: str
    priority: int
    score: float
    score_components: ScoreComponents
    chain: list[Step]
    citations: list[CitationOut]
    because: str = Field(
        default="",
        description="The answers the chain rests on, as a sentence in the question bank's words (the chain is the "
        "engine's trace of the same)",
    )


class ConditionCheck(Strict):
    condition: str
    status: Literal["holds", "fails", "unknown"]
    value: Any = None
    note: str = ""


class RuleCheck(Strict):
    rule_id: str
    title: str
    fired: bool
    alternatives: list[list[ConditionCheck]]
    summary: str
    closest: int | None = None  # the alternative (1-based) with the fewest conditions left, if it did not fire
    to_fire: list[ConditionCheck] = []  # what that alternative still needs: the conditions failing or unknown


class Explanation(Strict):
    organization: str
    risk: str
    risk_index: float | None = Field(description="The overall risk index (0-100), as in the assessment")
    fired_rules: list[str]
    recommendations: list[RecommendationTrace]
    rule: RuleCheck | None = None


def _chain(firing: Firing, firings: list[Firing], advisor: Advisor, seen: set[int]) -> list[Firing]:
    """The firings that led to ``firing``: for each concern it matched, the earlier firing that declared it."""
    chain: list[Firing] = []
    for name, _ in firing.matched:
        if not name.startswith("concern:"):
            continue
        concern = name.split(":", 1)[1]
        producer = next(
            (f for f in firings if f.order < firing.order and concern in advisor.kb.rule(f.rule_id).concludes), None
        )
        if producer is not None and producer.order not in seen:
            seen.add(producer.order)
            chain.extend(_chain(producer, firings, advisor, seen))
            chain.append(producer)
    return chain


def _step(firing: Firing, advisor: Advisor) -> Step:
    return Step(
        order=firing.order + 1,
        rule_id=firing.rule_id,
        branch=firing.branch,
        matched=[MatchedFact(field=f, value=v) for f, v in firing.matched],
        concludes=list(advisor.kb.rule(firing.rule_id).concludes),
    )


def explain(profile: ProfileLike, rule_id: str | None = None, *, advisor: Advisor | None = None) -> Explanation:
    """HOW each recommendation was reached (and, with ``rule_id``, why that rule did or did not fire), with
    ``advisor`` or the bundled rule base."""
    return _explain(as_profile(profile), advisor or default_advisor(), rule_id)


def _explain(profile: Profile, advisor: Advisor, rule_id: str | None) -> Explanation:
    firings = advisor.firings(profile)
    assessment: Assessment = advisor.assessment_from(profile, firings)
    traces = []
    for rec in assessment.recommendations:
        own = [f for f in firings if f.rule_id == rec.rule_id]
        seen: set[int] = {f.order for f in own}
        chain: list[Firing] = []
        for firing in own:
            chain.extend(_chain(firing, firings, advisor, seen))
        chain.extend(own)
        chain.sort(key=lambda f: f.order)
        traces.append(
            RecommendationTrace(
                rule_id=rec.rule_id,
                title=rec.title,
                priority=rec.priority,
                score=rec.score,
                score_components=rec.score_components,
                chain=[_step(f, advisor) for f in chain],
                citations=rec.citations,
                because=because(
                    advisor.tables,
                    [(name, value) for f in chain for name, value in f.matched if not name.startswith("concern:")],
                ),
            )
        )
    check = check_rule(profile, advisor, rule_id, firings) if rule_id else None
    return Explanation(
        organization=profile.organization.name,
        risk=assessment.risk.overall,
        risk_index=assessment.risk.index,
        fired_rules=assessment.fired_rules,
        recommendations=traces,
        rule=check,
    )


def check_rule(profile: Profile, advisor: Advisor, rule_id: str, firings: list[Firing] | None = None) -> RuleCheck:
    kb = advisor.kb
    rule_id = find_id(rule_id, kb.rules_by_id, what="rule", source="--rule", hint="See `mbt-advisor rules list`.")
    rule = kb.rule(rule_id)
    firings = advisor.firings(profile) if firings is None else firings
    concluded = {c for f in firings for c in kb.rule(f.rule_id).concludes}
    values = profile.answers()
    fired = any(f.rule_id == rule_id for f in firings)
    alternatives: list[list[ConditionCheck]] = []
    for atoms in branches(rule):
        checks = []
        for atom in atoms:
            if atom.concern is not None:
                producers = kb.concluders.get(atom.concern, [])
                holds = atom.concern in concluded
                note = "concluded" if holds else f"not concluded; it would be by: {', '.join(producers)}"
                checks.append(
                    ConditionCheck(condition=atom.describe(), status="holds" if holds else "fails", note=note)
                )
                continue
            assert atom.field is not None
            value = values.get(atom.field)
            if value is None and not atom.unknown:
                checks.append(
                    ConditionCheck(condition=atom.describe(), status="unknown", note="not answered in the profile")
                )
            else:
                shown = plain(value)
                checks.append(
                    ConditionCheck(
                        condition=atom.describe(), status="holds" if atom.holds(value) else "fails", value=shown
                    )
                )
        alternatives.append(checks)
    if fired:
        return RuleCheck(
            rule_id=rule_id,
            title=rule.title,
            fired=True,
            alternatives=alternatives,
            summary="fired: every condition of at least one alternative holds",
        )
    left = [[c for c in alt if c.status != "holds"] for alt in alternatives]
    closest = min(range(len(left)), key=lambda i: len(left[i]))
    summary = "did not fire: in every alternative some condition fails or is unknown"
    return RuleCheck(
        rule_id=rule_id,
        title=rule.title,
        fired=False,
        alternatives=alternatives,
        summary=summary,
        closest=closest + 1,
        to_fire=left[closest],
    )
