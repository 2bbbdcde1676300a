"""The assessment: the contract's fields, ranking, risk, citations, similar cases, missing information."""

from __future__ import annotations

from typing import Any

import pytest

import mbt_advisor
from mbt_advisor import Advisor, profile_from_data
from mbt_advisor.rulebase.examples import example_path, list_examples


@pytest.mark.parametrize("name", sorted(list_examples()))
def test_every_example_gives_a_contract_shaped_assessment(name: str, advisor: Advisor) -> None:
    data = advisor.evaluate(example_path(name)).model_dump(mode="json")
    assert set(data["organization"]) >= {"name", "setting", "phase"}
    assert data["risk"]["overall"] in {"low", "moderate", "high", "unknown"}
    assert set(data["risk"]["levels"]) == {"organization", "team", "therapist"}
    priorities = [r["priority"] for r in data["recommendations"]]
    assert priorities == list(range(1, len(priorities) + 1))
    for rec in data["recommendations"]:
        assert {"rule_id", "title", "theme", "level", "priority", "score", "rationale", "actions", "citations"} <= set(
            rec
        )
        assert rec["citations"], rec["rule_id"]
        assert all({"case", "source", "detail"} <= set(c) for c in rec["citations"])
        assert 0 < rec["score"] <= 1
    scores = [r["score"] for r in data["recommendations"]]
    assert scores == sorted(scores, reverse=True)
    for similar in data["similar_cases"]:
        assert 0 <= similar["similarity"] <= 1
    for item in data["missing_information"]:
        assert item["field"], item
        assert item["question"].endswith(("?", ")")), item


def test_module_level_evaluate_accepts_a_dict_a_path_and_a_profile(riverside_path) -> None:
    from_path = mbt_advisor.evaluate(riverside_path)
    from_profile = mbt_advisor.evaluate(mbt_advisor.load_profile(riverside_path))
    assert from_path == from_profile
    assert mbt_advisor.evaluate({"organization": {"name": "x"}}).risk.overall == "unknown"


def test_healthy_programme_is_low_risk_with_no_recommendations(advisor: Advisor) -> None:
    result = advisor.evaluate(example_path("riverside"))
    assert result.risk.overall == "low"
    assert result.recommendations == []
    assert result.similar_cases[0].case in {"B", "PRE-REORG"}


def test_merger_example_is_high_risk_led_by_compounded_problems(advisor: Advisor) -> None:
    result = advisor.evaluate(example_path("merger"))
    assert result.risk.overall == "high"
    top = [r.rule_id for r in result.recommendations[:5]]
    assert "structure.reorganization-with-team-strain" in top
    assert {"weak_support", "weak_leadership", "unstable_organization", "compounded_risk"} <= set(result.concerns)


def test_empty_profile_is_unknown_and_asks_the_founder_questions(advisor: Advisor, minimal: dict[str, Any]) -> None:
    result = advisor.evaluate(profile_from_data(minimal))
    assert result.risk.overall == "unknown"
    assert set(result.risk.levels.values()) == {"unknown"}
    fields = [m.field for m in result.missing_information]
    assert "facts.management_support" in fields
    assert not any(f.startswith("ratings.") for f in fields), "ratings are asked only on the expert path"
    assert not any(f == "facts.principal_support" for f in fields), "school questions only for schools"
    first = result.missing_information[0]
    assert first.needed_by, "missing information names the rules that need it (WHY)"


def test_unknown_is_reported_as_missing_not_as_a_gap(advisor: Advisor, minimal: dict[str, Any]) -> None:
    minimal["facts"] = {"management_support": "strong"}
    result = advisor.evaluate(profile_from_data(minimal))
    assert not any(r.rule_id == "support.management-backing" for r in result.recommendations)
    assert "facts.management_support" not in [m.field for m in result.missing_information]


def test_one_severe_problem_is_moderate_and_each_further_one_raises_the_index(
    advisor: Advisor, minimal: dict[str, Any]
) -> None:
    # partial, not lacking: lacking management support is a decisive barrier, high by itself (docs/scoring.md)
    minimal["facts"] = {
        "management_support": "partial",
        "referral_pathways": "established",
        "implementation_plan": "comprehensive",
        "mission_fit": True,
    }
    one = advisor.evaluate(profile_from_data(minimal)).risk
    assert one.levels["organization"] == "moderate"
    minimal["facts"]["reorganization"] = True
    two = advisor.evaluate(profile_from_data(minimal)).risk
    assert two.level_index["organization"] > one.level_index["organization"]  # type: ignore[operator]
    minimal["facts"].update(management_team_split=True, implementation_pace="hurried", team_isolated=True)
    many = advisor.evaluate(profile_from_data(minimal)).risk
    assert many.levels["organization"] == "high" and many.index > two.index  # type: ignore[operator]


def test_low_ratings_alone_make_a_level_high(advisor: Advisor, minimal: dict[str, Any]) -> None:
    minimal["ratings"] = {
        "team_composition": 3,
        "team_size": 3,
        "team_cohesion": 4,
        "consistency": 4,
        "coherency": 4,
        "continuity": 4,
    }
    result = advisor.evaluate(profile_from_data(minimal))
    team = next(d for d in result.risk.details if d.level == "team")
    assert team.mean_rating == 3.67
    assert team.risk == "moderate"


def test_citations_carry_the_case_outcome_and_full_reference(advisor: Advisor) -> None:
    rec = advisor.evaluate(example_path("merger")).recommendations[0]
    for citation in rec.citations:
        source = advisor.kb.sources[citation.source]
        assert citation.outcome
        assert citation.reference == source.reference()
        assert source.kind == "talk" or f"({source.year})" in citation.reference  # the talk carries no date


def test_score_components_explain_the_score(advisor: Advisor) -> None:
    from mbt_advisor.assessment.scoring import W_COMBINATION, W_EVIDENCE, W_LEVEL, W_SOURCE

    for rec in advisor.evaluate(example_path("merger")).recommendations:
        c = rec.score_components
        expected = c.severity * (
            W_SOURCE * c.source_support
            + W_LEVEL * c.level_weight
            + W_EVIDENCE * c.evidence_weight
            + W_COMBINATION * c.compounding
        )
        assert rec.score == pytest.approx(expected, abs=0.002)


def test_sources_disagreeing_on_outcome_are_both_shown(advisor: Advisor) -> None:
    assert advisor.kb.cases["F"].outcome_text() == "Positive (Table 1); Mixed (Table 2)"
    assert advisor.kb.cases["G"].outcomes() == ["success", "mixed"]
