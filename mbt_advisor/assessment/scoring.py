"""How a fired rule is scored, and how the risk of each level and the overall risk are set.

The weights are anchored in the figures of the sources (see docs/scoring.md):

* source support: the determinant slide's X for the rule's determinant (how often it is named there, not a
  count of cases; out of the 8 at most), or how far the rule's Table 4 item fell between the
  pre-reorganization and the reorganization cohort (Bales, Timman et al. 2017, out of 6 scale points),
  whichever is larger;
* level weight: the experts' mean agreement that factors at that level contributed (Table 2: organization
  4.1, team 4.2, therapist 3.4, out of 5);
* evidence grade of the rule;
* combination: a share for rules that fire on derived concerns (problems that meet), because the experts
  agreed most strongly (4.49 of 5, Table 2) that success depends on a combination of factors;
* all of it multiplied by the rule's severity.

The risk index (0-100, higher is worse) of each level and overall, and the labels read from it, are set
here too (``assess_risk``); the advisor only gathers what it reads. The weights and cut points marked
*calibrated* were chosen by ``mbt_advisor.questions.calibration`` on the documented outcomes (docs/scoring.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mbt_advisor.assessment.model import DecisiveBarrierOut, LevelRisk, Risk, RiskLevel, ScoreComponents, trusted
from mbt_advisor.profile.model import Level

if TYPE_CHECKING:
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase
    from mbt_advisor.rulebase.rule_models import Rule

SEVERITY_WEIGHT = {"low": 0.4, "medium": 0.7, "high": 1.0}
W_SOURCE, W_LEVEL, W_EVIDENCE, W_COMBINATION = 0.40, 0.20, 0.25, 0.15

RISK_ORDER = {"low": 0, "moderate": 1, "high": 2}


def score(rule: Rule, kb: KnowledgeBase) -> tuple[float, ScoreComponents]:
    counts = {d.id: d.times_named for d in kb.determinants.determinants}
    most = max(counts.values()) or 1
    determinant_share = counts.get(rule.determinant, 0) / most if rule.determinant else 0.0
    cohort_gap = 0.0
    if rule.table4_item:
        item = next(i for i in kb.rating_items.items if i.id == rule.table4_item)
        before = item.reference_ratings.get("PRE-REORG")
        during = item.reference_ratings.get("REORG")
        if before is not None and during is not None:
            cohort_gap = max(0.0, before - during) / 6
    source_support = max(determinant_share, cohort_gap)
    level_weight = kb.determinants.level_ratings[rule.level] / 5
    evidence_weight = kb.evidence.grade(rule.evidence).weight  # the grade's weight: knowledge/evidence.yaml
    severity = SEVERITY_WEIGHT[rule.severity]
    compounding = 1.0 if rule.concerns_used() else 0.0
    base = (
        W_SOURCE * source_support + W_LEVEL * level_weight + W_EVIDENCE * evidence_weight + W_COMBINATION * compounding
    )
    value = severity * base
    components = ScoreComponents(
        severity=severity,
        source_support=round(source_support, 3),
        determinant_share=round(determinant_share, 3),
        cohort_gap=round(cohort_gap, 3),
        level_weight=round(level_weight, 3),
        evidence_weight=evidence_weight,
        compounding=compounding,
    )
    return round(value, 3), components


# -- the risk index ---------------------------------------------------------------------------------------
# Ratings: the Table 4 scale runs from 1 (very poor) to 7 (excellent; 3 acceptable, 4 adequate). A level's
# mean maps piecewise-linearly onto the index: 7 -> 0, MEAN_MODERATE -> the moderate cut point, MEAN_HIGH ->
# the high cut point, 1 -> 100. The PRE-REORG cohort's level means are 5.7-6.4 (low), REORG's 2.4-2.7 (high).
# Weakest link: an item at WEAKEST_LINK or lower keeps the level at least at the moderate cut point.
MEAN_MODERATE, MEAN_HIGH, WEAKEST_LINK = 4.5, 3.5, 2.0
# Minimum answered fields at a level (when no rule fired there) before its risk is called at all.
MIN_KNOWN = 2
# Below this share of the questions that matter answered, the headline says how little it rests on.
THIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Weights:
    """The calibrated part of the index: what a fired rule weighs in its level's load (``load_from``: its
    severity points, or its score, which also weighs how strongly the cases back it), how fast the load
    saturates (``load_scale``), how much the other levels add to the worst one (``breadth``, 0 = weakest link only,
    1 = every level adds as an independent risk), and the cut points of the labels."""

    load_from: Literal["severity", "score"]
    load_scale: float
    breadth: float
    moderate_from: float
    high_from: float


# calibrated (python -m mbt_advisor.questions.calibration; docs/scoring.md)
WEIGHTS = Weights(load_from="score", load_scale=2.5, breadth=0.0, moderate_from=15.0, high_from=65.0)


def rules_index(load: float, weights: Weights = WEIGHTS) -> float:
    """A level's index from the load of the rules that fired there: 0 for none, rising towards
    100 and never reaching it (each further problem adds less)."""
    return 100.0 * (1.0 - math.exp(-load / weights.load_scale))


def ratings_index(values: list[float], weights: Weights = WEIGHTS) -> float:
    """A level's index from its Table 4 ratings: 0 when every item is 7, 100 when every item is 1."""
    mean = sum(values) / len(values)
    anchors = [(7.0, 0.0), (MEAN_MODERATE, weights.moderate_from), (MEAN_HIGH, weights.high_from), (1.0, 100.0)]
    index = 100.0
    for (top, low_index), (bottom, high_index) in zip(anchors, anchors[1:], strict=False):
        if mean >= bottom:
            index = low_index + (top - mean) / (top - bottom) * (high_index - low_index)
            break
    if min(values) <= WEAKEST_LINK:
        index = max(index, weights.moderate_from)
    return index


def overall_index(indices: list[float], weights: Weights = WEIGHTS) -> float:
    """The worst level (weakest link), raised towards the combined risk of all levels by ``breadth``."""
    top = max(indices)
    survive = 1.0
    for value in indices:
        survive *= 1.0 - value / 100.0
    return top + weights.breadth * (100.0 * (1.0 - survive) - top)


def label(index: float, weights: Weights = WEIGHTS) -> RiskLevel:
    if index >= weights.high_from:
        return "high"
    if index >= weights.moderate_from:
        return "moderate"
    return "low"


def cut_points_text(weights: Weights = WEIGHTS) -> str:
    return f"moderate from {weights.moderate_from:g}, high from {weights.high_from:g}"


# Said wherever the index is explained: the sources give no risk index, bands or weakest-link rule.
OWN_SCORING = "The index, its bands and the weakest link rule are mbt-advisor's scoring, not figures from the sources."


@dataclass(frozen=True)
class LevelInput:
    """What the advisor gathered for one level: the fired rules (id, severity, score) there, the Table 4 ratings
    answered (and how many items the level has), and the fields that matter there with those answered."""

    level: Level
    fired: tuple[tuple[str, str, float], ...]
    ratings: tuple[float, ...]
    rating_items: int
    relevant: int
    answered: int
    decisive: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (id, words, cases) of decisive barriers here


def level_index(data: LevelInput, weights: Weights = WEIGHTS) -> float | None:
    """The level's index: the worse of its rule reading and (when at least half its items are rated) its
    rating reading; None (unknown) when no rule fired there and fewer than MIN_KNOWN questions are answered."""
    if not data.fired and not data.decisive and data.answered < MIN_KNOWN:
        return None
    index = rules_index(load_of(data, weights), weights)
    if _rated_enough(data):
        index = max(index, ratings_index(list(data.ratings), weights))
    if data.decisive:  # a decisive barrier alone puts the level in the high band (docs/scoring.md)
        index = max(index, weights.high_from)
    return round(index, 1)


def risk_index(inputs: list[LevelInput], weights: Weights = WEIGHTS) -> float | None:
    """The overall index of the known levels; None only when no level is known."""
    known = [v for v in (level_index(data, weights) for data in inputs) if v is not None]
    if not known:
        return None
    return round(overall_index(known, weights), 1)


def load_of(data: LevelInput, weights: Weights = WEIGHTS) -> float:
    """The summed weight of the rules that fired at a level (severity points, or scores)."""
    if weights.load_from == "score":
        return sum(value for _, _, value in data.fired)
    return sum(SEVERITY_WEIGHT[severity] for _, severity, _ in data.fired)


def _not_judged(data: LevelInput) -> str:
    """Why a level is not judged: answers still missing, or (every question that matters answered) too few
    questions matter at this level for this unit, with no concern among them."""
    if data.answered < data.relevant:
        return f"only {data.answered} of {data.relevant} questions that matter at this level answered"
    asked = "the one question that matters" if data.relevant == 1 else f"all {data.relevant} questions that matter"
    needs = f"{MIN_KNOWN} answers, or a concern, are needed"
    return f"{asked} at this level answered, no concern found: too few to judge the level ({needs})"


def _rated_enough(data: LevelInput) -> bool:
    return bool(data.ratings) and len(data.ratings) * 2 >= data.rating_items


def level_risk(data: LevelInput, weights: Weights = WEIGHTS) -> LevelRisk:
    load = load_of(data, weights)
    index = level_index(data, weights)
    drivers: list[str] = []
    if data.fired:
        drivers.append(f"{len(data.fired)} concern{'s' if len(data.fired) != 1 else ''} at this level")
    ratings = list(data.ratings)
    mean = round(sum(ratings) / len(ratings), 2) if _rated_enough(data) else None
    if mean is not None:
        drivers.append(f"mean Table 4 rating {mean} over {len(ratings)} item(s), lowest {min(ratings):g}")
    for _, text, _ in data.decisive:
        drivers.append(f"a decisive barrier, high by itself: {text[0].lower()}{text[1:]}")
    if index is None:
        drivers = [_not_judged(data)]
    elif not drivers:
        drivers.append(f"no concerns found in {data.answered} answered question(s)")
    order = sorted(data.fired, key=lambda item: (-item[2], -SEVERITY_WEIGHT[item[1]], item[0]))
    return trusted(
        LevelRisk,
        level=data.level,
        risk="unknown" if index is None else label(index, weights),
        index=index,
        load=round(load, 2),
        rules=[rule_id for rule_id, _, _ in order],
        drivers=drivers,
        mean_rating=mean,
        rated_items=len(ratings),
        known_fields=data.answered,
        total_fields=data.relevant,
        coverage=round(data.answered / data.relevant, 2) if data.relevant else None,
    )


def assess_risk(inputs: list[LevelInput], weights: Weights = WEIGHTS) -> Risk:
    """Risk per level and overall: each level's index and label, the overall index of the known levels, and a
    headline that says which levels it is drawn from."""
    details = [level_risk(data, weights) for data in inputs]
    levels: dict[Level, RiskLevel] = {d.level: d.risk for d in details}
    known = [d for d in details if d.index is not None]
    unknown = [d.level for d in details if d.index is None]
    lacking = [d.level for d in details if d.index is None and d.known_fields < d.total_fields]
    too_few = [level for level in unknown if level not in lacking]
    index: float | None = None
    overall: RiskLevel = "unknown"
    barriers = [
        trusted(DecisiveBarrierOut, id=bid, level=data.level, text=text, cases=list(cases))
        for data in inputs
        for bid, text, cases in data.decisive
    ]
    if not known:
        explanation = "Too little is answered at any level to judge the risk."
        headline = "unknown (too little is answered at any level)"
    else:
        index = risk_index(inputs, weights) or 0.0  # known: some level is
        overall = label(index, weights)
        worst_index = max(d.index for d in known if d.index is not None)
        top = [d.level for d in known if d.index == worst_index]
        explanation = (
            f"The weakest link sets the overall risk: index {index:.0f} of 100 ({cut_points_text(weights)}), "
            f"led by the {_join(top)} level{'s' if len(top) > 1 else ''}. {OWN_SCORING}"
        )
        if barriers:
            explanation += (
                " A decisive barrier alone puts its level in the high band: "
                + "; ".join(b.text[0].lower() + b.text[1:] for b in barriers)
                + "."
            )
        if lacking:
            explanation += f" Not judged for lack of answers: {', '.join(lacking)}."
        if too_few:
            explanation += f" Not judged, as too few questions matter there for this unit: {', '.join(too_few)}."
        headline = f"{overall} (index {index:.0f} of 100)"
        if unknown:
            from_levels = _join([d.level for d in known])
            plural = "s" if len(known) > 1 else ""
            only = "" if len(known) > 1 else " only"
            headline += f", from the {from_levels} level{plural}{only}; {_join(unknown)} unknown"
    answered, relevant = sum(d.answered for d in inputs), sum(d.relevant for d in inputs)
    if relevant and answered / relevant < THIN_COVERAGE:
        headline += f"; rests on only {answered} of the {relevant} questions that matter"
    return trusted(
        Risk,
        overall=overall,
        levels=levels,
        index=index,
        level_index={d.level: d.index for d in details},
        coverage={d.level: d.coverage for d in details},
        headline=headline,
        details=details,
        explanation=explanation,
        decisive_barriers=barriers,
    )


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
