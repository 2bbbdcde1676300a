"""How a fired rule is scored, and how the risk of each level and the overall risk are set.

The weights are anchored in the figures of the sources (see docs/scoring.md):

* case support: how many of the documented cases named the rule's determinant (Bales, Verheul & Hutsebaut
  2017, determinants table, out of the 8 named at most), or how far the rule's Table 4 item fell between the
  pre-reorganization and the reorganization cohort (Bales, Timman et al. 2017, out of 6 scale points),
  whichever is larger;
* level weight: the experts' mean agreement that factors at that level contributed (Table 2: organization
  4.1, team 4.2, therapist 3.4, out of 5);
* evidence grade of the rule;
* combination: a share for rules that fire on derived concerns (problems that meet), because the experts
  agreed most strongly (4.49 of 5, Table 2) that success depends on a combination of factors;
* all of it multiplied by the rule's severity.
"""

from __future__ import annotations

from .assessment import RiskLevel, ScoreComponents
from .knowledge_base import KnowledgeBase
from .rule_models import Rule

SEVERITY_WEIGHT = {"low": 0.4, "medium": 0.7, "high": 1.0}
EVIDENCE_WEIGHT = {"several_cases": 1.0, "one_case": 0.75, "expert_consensus": 0.75, "suggestion": 0.4}
W_CASES, W_LEVEL, W_EVIDENCE, W_COMBINATION = 0.40, 0.20, 0.25, 0.15

RISK_ORDER = {"low": 0, "moderate": 1, "high": 2}


def score(rule: Rule, kb: KnowledgeBase) -> tuple[float, ScoreComponents]:
    counts = {d.id: d.cases_naming for d in kb.determinants.determinants}
    most = max(counts.values()) or 1
    determinant_share = counts.get(rule.determinant, 0) / most if rule.determinant else 0.0
    cohort_gap = 0.0
    if rule.table4_item:
        item = next(i for i in kb.rating_items.items if i.id == rule.table4_item)
        before = item.reference_ratings.get("PRE-REORG")
        during = item.reference_ratings.get("REORG")
        if before is not None and during is not None:
            cohort_gap = max(0.0, before - during) / 6
    case_support = max(determinant_share, cohort_gap)
    level_weight = kb.determinants.level_ratings[rule.level] / 5
    evidence_weight = EVIDENCE_WEIGHT[rule.evidence]
    severity = SEVERITY_WEIGHT[rule.severity]
    compounding = 1.0 if rule.concerns_used() else 0.0
    base = W_CASES * case_support + W_LEVEL * level_weight + W_EVIDENCE * evidence_weight + W_COMBINATION * compounding
    value = severity * base
    components = ScoreComponents(
        severity=severity,
        case_support=round(case_support, 3),
        determinant_share=round(determinant_share, 3),
        cohort_gap=round(cohort_gap, 3),
        level_weight=round(level_weight, 3),
        evidence_weight=evidence_weight,
        compounding=compounding,
    )
    return round(value, 3), components


# Level risk from the rules that fired at that level: the sum of their severity weights.
RULES_HIGH, RULES_MODERATE = 1.7, 0.7
# Level risk from the Table 4 ratings: the mean of that level's items (3 = acceptable, 4 = adequate).
MEAN_HIGH, MEAN_MODERATE, WEAKEST_LINK = 3.5, 4.5, 2.0
# Minimum answered fields at a level (when no rule fired there) before its risk is called at all.
MIN_KNOWN = 2


def risk_from_rules(points: float) -> RiskLevel:
    if points >= RULES_HIGH:
        return "high"
    if points >= RULES_MODERATE:
        return "moderate"
    return "low"


def risk_from_ratings(mean: float, lowest: float) -> RiskLevel:
    if mean < MEAN_HIGH:
        return "high"
    if mean < MEAN_MODERATE or lowest <= WEAKEST_LINK:
        return "moderate"
    return "low"


def worst(*risks: RiskLevel) -> RiskLevel:
    return max(risks, key=lambda r: RISK_ORDER[r])
