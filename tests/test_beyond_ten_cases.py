"""Advice for units unlike the ten documented cases (issue 26): strengths to protect, staff continuity, a risk
never hidden by unknown levels, decisive barriers that read high, and the unit's make-up (settings beyond the
day hospital, the MBT team apart from the ward's staff, converting teams and new adaptations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume
from hypothesis import strategies as st
from strategies import profiles, values
from test_properties import property_test

from mbt_advisor import Advisor, ProfileError, profile_from_data
from mbt_advisor.assessment.advisor import default_advisor
from mbt_advisor.profile.model import PROFILE_VERSION, all_fields

SUSTAINED: dict[str, Any] = {
    "organization": {"name": "Sustained unit", "setting": "day_hospital", "population": "adults", "phase": "running"},
    "facts": {
        "decision_process": "participatory",
        "management_support": "strong",
        "institutional_support": "broad",
        "mission_fit": True,
        "implementation_plan": "comprehensive",
        "implementation_pace": "gradual",
        "training_budget": "sufficient",
        "research_embedding": True,
        "clinical_leadership": "clear",
        "team_buy_in": "broad",
        "roles_defined": True,
        "crisis_protocol": True,
        "on_site_supervision": True,
        "staff_recruitment": "selected",
        "staff_turnover": "low",
        "new_staff_induction": True,
    },
}


def _unit(setting: str = "day_hospital", phase: str = "running", **facts: Any) -> dict[str, Any]:
    return {"organization": {"name": "Unit", "setting": setting, "phase": phase}, "facts": facts}


def _fired(advisor: Advisor, data: dict[str, Any]) -> set[str]:
    return {r.rule_id for r in advisor.evaluate(data).recommendations}


# -- 1. strengths ---------------------------------------------------------------------------------------------
def test_a_sustained_programme_is_told_its_strengths_with_their_citations(advisor: Advisor) -> None:
    result = advisor.evaluate(SUSTAINED)
    assert result.recommendations == [] and result.risk.overall == "low"
    found = {s.id: s for s in result.strengths}
    assert {"support.management-backing", "leadership.clear-lead", "structure.team-continuity"} <= set(found)
    backing = found["support.management-backing"]
    assert [c.case for c in backing.citations] == ["F"]  # Table 4's organization-wide item is not about management
    assert backing.citations[0].statement.startswith("strong support from higher management")
    assert backing.our_reading and backing.protect
    assert any("same managers" in line for line in backing.protect)


def test_strengths_follow_the_answers_and_never_a_problem(advisor: Advisor) -> None:
    lacking = advisor.evaluate(_unit(management_support="lacking", clinical_leadership="contested"))
    assert lacking.strengths == []
    rated = advisor.evaluate({"organization": {"name": "Rated"}, "ratings": {"org_commitment": 6, "leadership": 5}})
    assert [s.id for s in rated.strengths] == ["support.institution-wide"]  # support within the organization


def test_a_planning_unit_is_not_credited_with_practice_it_cannot_have(advisor: Advisor) -> None:
    ratings = {"continuity": 7, "mentalizing_environment": 7}
    data = {
        "organization": {"name": "U", "phase": "planning"},
        "ratings": ratings,
        "facts": {"new_staff_induction": True},
    }
    assert "structure.team-continuity" not in {s.id for s in advisor.evaluate(data).strengths}


def test_strengths_are_in_every_written_form(advisor: Advisor) -> None:
    from mbt_advisor.rendering import formats as render

    result = advisor.evaluate(SUSTAINED)
    text, markdown = render.to_text(result, width=100), render.to_markdown(result)
    for shown in (text, markdown):
        assert "What to protect" in shown and "Higher management backs the programme" in shown
        assert "F, Table 1" in shown or "F (Table 1)" in shown or "Table 1: strong support" in shown
    assert '"strengths": [' in render.assessment_json(result)


def test_the_brief_of_a_unit_with_only_favourable_answers_has_what_to_protect_on_page_one(advisor: Advisor) -> None:
    from mbt_advisor.rendering import brief as report

    html = report.render_brief(profile_from_data(SUSTAINED), advisor, "html")
    page_one = html.split('class="page-break', 1)[0] if 'class="page-break' in html else html
    assert "What to protect" in page_one
    assert "Keep the same managers responsible" in page_one


# -- 2. staff continuity ----------------------------------------------------------------------------------
def test_high_turnover_is_said_and_compounds_with_untrained_newcomers(advisor: Advisor) -> None:
    assert "structure.staff-turnover" in _fired(advisor, _unit(staff_turnover="high"))
    assert "structure.staff-turnover" not in _fired(advisor, _unit(staff_turnover="moderate"))
    both = _fired(advisor, _unit(staff_turnover="high", new_staff_induction=False))
    assert {
        "structure.staff-turnover",
        "supervision.new-staff-induction",
        "structure.turnover-without-induction",
    } <= both


def test_turnover_is_shown_as_an_outcome_of_the_stopped_units_not_as_their_cause(advisor: Advisor) -> None:
    rec = next(r for r in advisor.evaluate(_unit(staff_turnover="high")).recommendations)
    outcomes = [c for c in rec.citations if c.case in {"A", "C", "D"}]
    assert outcomes and all("outcome" in c.locator for c in outcomes)
    assert rec.our_reading and "not among their determinants" in rec.our_reading


def test_a_planning_unit_is_asked_how_newcomers_will_be_trained(advisor: Advisor) -> None:
    result = advisor.evaluate(_unit(phase="planning", new_staff_induction=False))
    assert result.readiness is not None
    status = {p.field: p.status for p in result.readiness.preconditions}
    assert status["facts.new_staff_induction"] == "open"


# -- 3. known levels always count ---------------------------------------------------------------------------
def test_a_therapist_level_finding_alone_gives_a_numeric_overall(advisor: Advisor) -> None:
    risk = advisor.evaluate(_unit(staff_recruitment="assigned")).risk
    assert risk.level_index["organization"] is None and risk.level_index["team"] is None
    assert risk.overall != "unknown" and risk.index is not None
    assert "from the therapist level only" in risk.headline


def test_the_overall_is_unknown_only_when_nothing_that_matters_is_known(advisor: Advisor) -> None:
    risk = advisor.evaluate({"organization": {"name": "Empty"}}).risk
    assert risk.overall == "unknown" and risk.index is None


@property_test(profiles(), st.data())
def test_adding_an_answer_that_fires_a_rule_never_hides_the_overall(data: dict[str, Any], draw: st.DataObject) -> None:
    advisor = default_advisor()
    before = advisor.evaluate(data)
    unanswered = [n for n in all_fields() if n.partition(".")[2] not in data[n.partition(".")[0]]]
    assume(unanswered)
    name = draw.draw(st.sampled_from(unanswered), label="field")
    section, _, key = name.partition(".")
    grown = {**data, section: {**data[section], key: draw.draw(values(name), label="answer")}}
    after = advisor.evaluate(grown)
    assume({r.rule_id for r in after.recommendations} - {r.rule_id for r in before.recommendations})
    assert after.risk.overall != "unknown" and after.risk.index is not None


# -- 4. decisive barriers --------------------------------------------------------------------------------------
def test_a_programme_that_lost_its_management_support_reads_high(advisor: Advisor) -> None:
    risk = advisor.evaluate(_unit(management_support="lacking", training_budget="insufficient")).risk
    assert risk.overall == "high" and risk.index is not None and risk.index >= 65
    assert [d.id for d in risk.decisive_barriers] == ["management-support-lacking"]


def test_partial_support_alone_is_not_decisive(advisor: Advisor) -> None:
    risk = advisor.evaluate(_unit(management_support="partial")).risk
    assert risk.overall == "moderate" and risk.decisive_barriers == []


# -- 5. the unit's make-up ------------------------------------------------------------------------------------
@pytest.mark.parametrize("setting", ["residential", "forensic", "community_team"])
def test_settings_beyond_the_day_hospital_are_accepted(advisor: Advisor, setting: str) -> None:
    assert advisor.evaluate(_unit(setting=setting)).organization.setting == setting


def test_a_large_ward_with_a_small_mbt_team_is_not_told_to_shrink_its_team(advisor: Advisor) -> None:
    fired = _fired(advisor, _unit(setting="inpatient", team_size=8, ward_staff_size=35))
    assert "structure.team-size" not in fired
    assert "structure.ward-staff-beyond-team" in fired
    assert "structure.team-size" in _fired(advisor, _unit(setting="inpatient", team_size=15))


def test_the_ward_question_is_asked_only_where_there_is_a_ward(advisor: Advisor) -> None:
    asked = {m.field for m in advisor.evaluate(_unit(setting="residential")).missing_information}
    assert "facts.ward_staff_size" in asked
    asked = {m.field for m in advisor.evaluate(_unit(setting="outpatient")).missing_information}
    assert "facts.ward_staff_size" not in asked


def test_a_converting_team_and_a_new_adaptation_each_get_their_own_advice(advisor: Advisor) -> None:
    assert "culture.converting-team" in _fired(advisor, _unit(team_origin="converting"))
    assert "culture.converting-team" not in _fired(advisor, _unit(team_origin="new_team"))
    rec = next(r for r in advisor.evaluate(_unit(programme_novelty="new_adaptation")).recommendations)
    assert rec.rule_id == "structure.new-adaptation"
    assert rec.our_reading and "The talk documents no other adaptation" in rec.our_reading


def test_mbt_a_is_the_closest_case_of_a_converted_inpatient_adaptation(advisor: Advisor) -> None:
    data = _unit(
        setting="inpatient", team_origin="converting", programme_novelty="new_adaptation", clinical_leadership="absent"
    )
    data["organization"]["population"] = "adolescents"
    assert advisor.evaluate(data).similar_cases[0].case == "MBT-A"


# -- 6. profile version and migration ----------------------------------------------------------------------
def test_a_version_1_profile_loads_and_reads_as_its_migration(advisor: Advisor) -> None:
    old = {"profile_version": 1, **_unit(team_size=15, clinical_leadership="contested")}
    profile = profile_from_data(old)
    assert profile.profile_version == PROFILE_VERSION == 2
    new = {**old, "profile_version": 2}
    assert advisor.evaluate(old).model_dump() == advisor.evaluate(new).model_dump()


def test_a_newer_profile_version_is_refused() -> None:
    with pytest.raises(ProfileError, match="profile_version"):
        profile_from_data({"profile_version": 3, "organization": {"name": "Future"}})


# -- strengths and decisive barriers are knowledge, checked like rules ---------------------------------------
@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "strengths.yaml",
            "{role: determinant, case: F, source: bales2017-barriers",
            "{role: determinant, case: Q, source: bales2017-barriers",
            "strength 'support.management-backing' cites unknown case 'Q'",
        ),
        (
            "strengths.yaml",
            "{field: facts.management_support, equals: strong}",
            "{field: facts.management_suport, equals: strong}",
            "strength 'support.management-backing' tests unknown field 'facts.management_suport'",
        ),
        ("strengths.yaml", "equals: strong}", "equals: strongest}", "never holds 'strongest'. Did you mean 'strong'"),
        (
            "strengths.yaml",
            "table4_item: org_commitment",
            "table4_item: org_comitment",
            "unknown Table 4 item 'org_comitment'. Did you mean 'org_commitment'",
        ),
        (
            "decisive_barriers.yaml",
            "cases: [F, C]",
            "cases: [F, Z]",
            "decisive barrier 'management-support-lacking' names unknown case 'Z'",
        ),
        (
            "decisive_barriers.yaml",
            '    level: organization\n    text: "Higher management',
            '    level: team\n    text: "Higher management',
            "is at the team level but tests facts.management_support, a field of the organization level",
        ),
        (
            "decisive_barriers.yaml",
            "{field: facts.management_support, equals: lacking}",
            "{concern: weak_support}",
            "a derived concern",
        ),
    ],
)
def test_a_broken_strength_or_barrier_is_one_error_with_file_and_line(
    knowledge_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    from mbt_advisor import KnowledgeError
    from mbt_advisor.rulebase.knowledge_base import default_rules_dir, load_knowledge_files

    path = knowledge_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_files(default_rules_dir(), knowledge_copy)
    assert message in str(caught.value) and file in str(caught.value)
    assert "line " in str(caught.value)


def test_a_strength_that_quotes_a_figure_its_sources_do_not_hold_is_a_prose_error(knowledge_copy: Path) -> None:
    from mbt_advisor.rulebase.knowledge_base import default_rules_dir, load_knowledge_files
    from mbt_advisor.rulebase.prose_figures import prose_problems

    path = knowledge_copy / "strengths.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("7 before vs 4 during") >= 1
    path.write_text(text.replace("7 before vs 4 during", "7 before vs 3 during", 1), encoding="utf-8")
    problems = prose_problems(load_knowledge_files(default_rules_dir(), knowledge_copy))
    assert [(p.file, p.owner) for p in problems] == [("strengths.yaml", "strength support.institution-wide")]
    assert "7 before vs 3 during" in problems[0].message


def test_the_visit_of_a_sustained_programme_asks_what_keeps_its_strengths(advisor: Advisor) -> None:
    from mbt_advisor.rendering import brief

    context = brief.brief_context(profile_from_data(SUSTAINED), advisor)
    asked = [q for q in context.questions if q.kind == "protect"]
    assert asked, "a unit without gaps is still asked about what keeps its strengths"
    assert any("agreements in place" in q.text and "higher management backs" in q.why for q in asked)
