"""Citations say what they are, the grade follows from them, and a reading stays a reading along the chain
(issue 25). Each class of the third fidelity audit is broken once, on purpose, in a copy of the bundled
files, and `rules check` must fail on it; the chain and the school ideas are pinned on real assessments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbt_advisor import Advisor
from mbt_advisor.rulebase.knowledge_base import load_knowledge_base
from mbt_advisor.rulebase.knowledge_models import derive_grade
from mbt_advisor.rulebase.lint import Finding, lint
from tests.strategies import profiles


def errors(rules: Path, knowledge: Path | None = None) -> list[Finding]:
    return [f for f in lint(rules, knowledge) if f.severity == "error"]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def the_error(rules: Path, knowledge: Path | None = None) -> Finding:
    found = errors(rules, knowledge)
    assert len(found) == 1, [f.describe() for f in found]
    return found[0]


# --- every grade is derived -----------------------------------------------------------------------------


def test_every_bundled_grade_is_the_grade_its_citations_carry() -> None:
    kb = load_knowledge_base()
    for rule in kb.rules:
        pairs = [(c.role, c.case) for c in rule.citations] + [(s.role, None) for s in rule.source_statements]
        assert derive_grade(kb.evidence, pairs) == rule.evidence, rule.id
    assert not errors(Path(kb.rule_origin[kb.rules[0].id][0]).parent)


def test_no_grade_label_says_expert_consensus_and_table4_alone_says_one_programme() -> None:
    kb = load_knowledge_base()
    labels = {g.id: g.label for g in kb.evidence.grades}
    assert not any("consensus" in label for label in labels.values())
    assert labels["programme_ratings"].startswith("one programme's before/during ratings")
    table4_only = [r for r in kb.rules if {c.role for c in r.citations} == {"rating"}]
    assert table4_only and all(r.evidence == "programme_ratings" for r in table4_only)


# --- one break per audit class ---------------------------------------------------------------------------


def test_grade_a_rule_declaring_more_than_its_citations_carry_fails_with_what_they_carry(rules_copy: Path) -> None:
    text = (rules_copy / "structure.yaml").read_text()
    start = text.index("  - id: structure.team-size")
    end = start + text[start:].index("evidence: one_case") + len("evidence: one_case")
    (rules_copy / "structure.yaml").write_text(
        text[:start] + text[start:end].replace("one_case", "several_cases") + text[end:]
    )
    error = the_error(rules_copy)
    assert error.code == "evidence-grade" and error.rule == "structure.team-size"
    assert Path(error.file or "").name == "structure.yaml" and error.line is not None
    assert "determinants of 1 case (MBT-A)" in error.message and "'one_case'" in error.message


def test_grade_an_outcome_cited_as_a_determinant_fails(rules_copy: Path) -> None:
    replace(
        rules_copy / "structure.yaml",
        '{role: outcome, case: G, source: bales2017-barriers, locator: "Table 1 (outcome)"',
        '{role: determinant, case: G, source: bales2017-barriers, locator: "Table 1"',
    )
    error = the_error(rules_copy)
    assert error.rule == "structure.crisis-protocol"
    assert "case G's file records no such words among its determinants" in error.message


def test_wrong_words_the_case_file_does_not_record_fail(rules_copy: Path) -> None:
    replace(
        rules_copy / "supervision.yaml",
        "detail: \"lack of supervision 'on the spot' by a therapist experienced in the model\"}\n      - {role: rating",
        "detail: \"no supervision 'on the spot' by a therapist experienced in the model\"}\n      - {role: rating",
    )
    error = the_error(rules_copy)
    assert error.rule == "supervision.on-site-expert" and "no supervision 'on the spot'" in error.message


def test_misattributed_another_units_determinant_fails(rules_copy: Path) -> None:
    replace(
        rules_copy / "culture.yaml",
        '{role: determinant, case: C, source: bales2017-barriers, locator: "Table 1", detail: "high levels of conflict',
        '{role: determinant, case: D, source: bales2017-barriers, locator: "Table 1", detail: "high levels of conflict',
    )
    error = the_error(rules_copy)
    assert error.rule == "culture.prior-conflict" and "case D's file records no such words" in error.message


def test_misattributed_a_school_idea_resting_on_a_treatment_case_fails(rules_copy: Path) -> None:
    replace(
        rules_copy / "school.yaml",
        '{role: reading, case: F, source: bales2017-barriers, locator: "Table 1", detail: "small and cohesive team"}',
        '{role: determinant, case: F, source: bales2017-barriers, locator: "Table 1", detail: "small and cohesive team"}',
    )
    error = the_error(rules_copy)
    assert error.code == "evidence-grade" and error.rule == "structure.school-pilot-subteam"


def test_inference_a_proposal_that_loses_its_hedge_fails(rules_copy: Path) -> None:
    text = (rules_copy / "support.yaml").read_text()
    start = text.index("  - id: support.hold-the-start")
    (rules_copy / "support.yaml").write_text(
        text[:start] + text[start:].replace("potentially increases", "increases", 1)
    )
    error = the_error(rules_copy)
    assert error.rule == "support.hold-the-start" and "hedge" in error.message


def test_beyond_the_source_a_quoted_word_no_source_says_fails(rules_copy: Path) -> None:
    replace(
        rules_copy / "supervision.yaml",
        "we read it as training and\n      supervision that is scheduled",
        "we read it as 'structural' training and\n      supervision that is scheduled",
    )
    error = the_error(rules_copy)
    assert (
        error.code == "quote"
        and error.rule == "supervision.training-and-supervision"
        and "'structural'" in error.message
    )


def test_figure_form_a_table4_half_written_as_a_decimal_fails(rules_copy: Path) -> None:
    replace(
        rules_copy / "culture.yaml",
        "mentalizing environment, 6 before vs 2/3 during",
        "mentalizing environment, 6 before vs 2.5 during",
    )
    assert the_error(rules_copy).code == "prose-figure"


def test_misattributed_a_readiness_precondition_on_another_rules_determinant_fails(knowledge_copy: Path) -> None:
    replace(
        knowledge_copy / "readiness.yaml",
        'text: "An MBT-experienced supervisor on the unit itself"\n    determinant: mbt_expertise',
        'text: "An MBT-experienced supervisor on the unit itself"\n    determinant: training_supervision',
    )
    found = [f for f in lint(None, knowledge_copy) if f.severity == "error"]
    assert len(found) == 1 and "supervision.on-site-expert" in found[0].message and "mbt_expertise" in found[0].message


# --- a reading stays a reading along the chain ------------------------------------------------------------

CLEAR_LEAD_SPLIT: dict[str, Any] = {
    "profile_version": 1,
    "organization": {"name": "Clear lead, split from management", "setting": "day_hospital", "phase": "running"},
    "facts": {
        "clinical_leadership": "clear",
        "management_support": "strong",
        "institutional_support": "broad",
        "management_team_split": True,
        "team_splits": ["disciplines"],
        "reorganization": True,
        "research_embedding": False,
    },
}
NO_LEAD = re.compile(
    r"\bnobody leads\b|\bno lead\b|\black of leadership\b|fights concerning leadership|\bwithout a lead\b"
)
NO_BACKING = re.compile(r"\bno firm backing\b|\bneither firm backing\b|\bwithout firm backing\b")


def shown_text(rec: Any) -> str:
    """Everything a person reads of a recommendation: title, reading, actions, questions and its evidence."""
    parts = [rec.title, rec.our_reading or "", *rec.actions, *rec.questions]
    parts += [c.statement for c in rec.shown_citations()] + [s.statement for s in rec.source_statements]
    return " ".join(parts).lower()


def test_a_split_read_as_a_leadership_problem_says_so_and_shows_no_evidence_about_a_missing_lead(
    advisor: Advisor,
) -> None:
    result = advisor.evaluate(CLEAR_LEAD_SPLIT)
    fired = {r.rule_id: r for r in result.recommendations}
    assert "culture.strained-team-weak-lead" not in fired and "support.compounded-support-and-leadership" not in fired
    linked = fired["structure.reorganization-with-team-strain"]
    assert linked.because == ["we read the split between management and team as a leadership problem"]
    assert (linked.our_reading or "").startswith(
        "Because we read the split between management and team as a leadership problem."
    )
    assert "Our reading: Because we read the split" in linked.rationale
    monitoring = fired["support.research-embedding"]
    assert monitoring.because == ["we read the split between management and team as a problem of support"]
    for rec in result.recommendations:
        text = shown_text(rec)
        assert not NO_LEAD.search(text) and not NO_BACKING.search(text), (rec.rule_id, text)


def test_evidence_about_another_answer_is_left_out_where_only_a_reading_concluded_the_concern(advisor: Advisor) -> None:
    profile = {
        "profile_version": 1,
        "organization": {"name": "Top-down, contested lead", "phase": "running"},
        "facts": {"decision_process": "top_down", "clinical_leadership": "contested"},
    }
    rec = next(r for r in advisor.evaluate(profile).recommendations if r.rule_id == "culture.strained-team-weak-lead")
    assert rec.because == ["we read a choice for MBT made without the team as a strain on the team"]
    assert "difficulties to change team culture" not in [c.statement for c in rec.citations]
    assert any(c.case == "A" for c in rec.citations)


LEADERSHIP_FIELDS = [
    "facts.management_team_split",
    "facts.management_support",
    "facts.institutional_support",
    "facts.team_splits",
    "facts.team_conflict",
    "facts.decision_process",
    "facts.reorganization",
    "facts.research_embedding",
    "facts.organizational_fences",
    "facts.team_isolated",
    "facts.team_buy_in",
    "facts.mbt_experience",
    "facts.on_site_supervision",
    "organization.phase",
]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles(LEADERSHIP_FIELDS), support=st.sampled_from(["strong", None]))
def test_a_clear_lead_is_never_told_it_has_none_and_strong_backing_never_that_it_has_none(
    advisor: Advisor, data: dict[str, Any], support: str | None
) -> None:
    data.setdefault("facts", {})["clinical_leadership"] = "clear"
    if support:
        data["facts"]["management_support"] = support
    for rec in advisor.evaluate(data).recommendations:
        text = shown_text(rec)
        assert not NO_LEAD.search(text), (rec.rule_id, text)
        if data["facts"].get("management_support") == "strong":
            assert not NO_BACKING.search(text), (rec.rule_id, text)


# --- school ideas rest on the schools slide alone ---------------------------------------------------------


def test_school_ideas_cite_the_schools_slide_alone_on_every_screen(advisor: Advisor) -> None:
    from mbt_advisor import load_profile
    from mbt_advisor.rendering.brief import render_brief
    from mbt_advisor.rulebase.examples import example_path

    profile = load_profile(example_path("school"))
    result = advisor.evaluate(profile)
    school = [r for r in result.recommendations if r.evidence == "suggestion"]
    assert school
    for rec in school:
        assert rec.shown_citations() == [] and rec.citations  # the contract's case, as our reading only
        assert [s.role for s in rec.source_statements] == ["schools"]
        assert "speaker's suggestions" in rec.evidence_label
    html = render_brief(profile, advisor, "html")
    page_one = html[html.index('<h2 id="top-actions">') : html.index('<h2 id="visit-questions">')]
    assert "Schools slide" in page_one and "speaker&#39;s suggestions" in page_one
    assert "unit C" not in page_one and "unit F" not in page_one


def test_a_citation_about_a_concern_no_reading_concludes_fails(rules_copy: Path) -> None:
    replace(rules_copy / "culture.yaml", "about: [culture_strain]", "about: [culture_strains]")
    error = the_error(rules_copy)
    assert error.rule == "culture.strained-team-weak-lead" and "no rule concludes by a reading" in error.message
    assert "Did you mean 'culture_strain'" in error.message
