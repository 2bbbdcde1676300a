"""What the third independent fidelity read of issue 25 found, pinned where it was fixed: a Table 4 item whose
words do not name a rule's subject ('Continuity' for staff turnover, 'sound financial management' for a
training budget) is cited as our reading, raises no grade and is never shown as evidence; a plan determinant
does not make a new adaptation a documented barrier; page one tags a card with the cases it rests on, never a
case cited for its proposal; the risk index is labelled as our scoring."""

from __future__ import annotations

import re

import yaml

import mbt_advisor
from mbt_advisor.assessment.scoring import OWN_SCORING
from mbt_advisor.common.prose import GROUNDING_ROLES, READING_ROLE
from mbt_advisor.rendering.brief import brief
from mbt_advisor.rendering.formats import NO_EVIDENCE, summary_text, to_markdown, to_text
from mbt_advisor.rulebase.knowledge_base import load_knowledge_base
from mbt_advisor.rulebase.knowledge_models import DETERMINANT

# rule or strength id -> the grade its citations now carry (the third read's F1, F3, F5)
RULES = {
    "structure.staff-turnover": "our_reading",  # F1: Table 4's bare 'Continuity'
    "structure.turnover-without-induction": "our_reading",  # F1
    "support.training-budget": "one_case",  # F3: B's row alone; financial management is a reading
    "structure.new-adaptation": "our_reading",  # F5: no source names novelty as a barrier
}
STRENGTHS = {
    "structure.team-continuity": "our_reading",  # F1
    "support.training-budget": "one_case",  # F3
}
READ_ITEMS = ("continuity", "sound financial management")


def test_table4_items_that_do_not_name_the_subject_are_readings() -> None:
    kb = load_knowledge_base()
    rules = {r.id: r for r in kb.rules}
    strengths = {s.id: s for s in kb.strengths}
    assert {rid: rules[rid].evidence for rid in RULES} == RULES
    assert {sid: strengths[sid].evidence for sid in STRENGTHS} == STRENGTHS
    for item in [*(rules[r] for r in RULES), *(strengths[s] for s in STRENGTHS)]:
        for citation in item.citations:
            if citation.locator == "Table 4" and citation.detail.startswith(READ_ITEMS):
                assert citation.role == "reading", (item.id, citation.detail)


# -- how the rendered outputs say what a thing rests on (the third read's F1/F3 display, F9-F12) --------------


EXAMPLES = ("adolescent-startup", "merger", "riverside", "school")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_roles_that_tag_a_card_with_a_case_are_the_roles_that_ground_a_grade() -> None:
    spec = load_knowledge_base().evidence
    rated = {
        role
        for grade in spec.grades
        for role in grade.any_role or ()
        if spec.roles[role].case == "required"  # a role about one case that meets a grade by itself
    }
    assert set(GROUNDING_ROLES) == {DETERMINANT} | rated


def test_a_proposal_is_tagged_as_the_authors_proposal_on_page_one_not_as_a_case() -> None:
    """F10: 'Hold the start' rests on the MBT-A authors' hedged proposal, not on the case's findings."""
    path = mbt_advisor.example_path("adolescent-startup")
    md = brief(path, format="markdown")
    line = next(x for x in md.splitlines() if "Hold the start or expansion" in x and x[:1].isdigit())
    assert "the authors' proposal, not a finding" in line and "MBT-A" not in line, line
    summary = summary_text(mbt_advisor.evaluate(path), width=200, actions=10)
    line = next(x for x in summary.splitlines() if "Hold the start" in x)
    assert "cases MBT-A" not in line and "the authors' proposal" in line, line


def test_a_strength_never_shows_our_reading_of_a_case_as_evidence() -> None:
    """F1/F3: Table 4's 'sound financial management' is our reading of a training budget; it is not evidence."""
    path = mbt_advisor.example_path("riverside")
    a = mbt_advisor.evaluate(path)
    strength = next(s for s in a.strengths if s.id == "support.training-budget")
    read = [c.statement for c in strength.citations if c.role == READING_ROLE]
    assert read and all(c.role != READING_ROLE for c in strength.shown_citations())
    for output in (to_text(a, width=400), to_markdown(a), brief(path), brief(path, format="markdown")):
        assert not any(statement in output for statement in read)


def test_a_strength_that_rests_on_our_reading_alone_says_so() -> None:
    data = yaml.safe_load(mbt_advisor.example_path("riverside").read_text())
    data["facts"] |= {"staff_turnover": "low", "new_staff_induction": True}
    a = mbt_advisor.evaluate(data)
    strength = next(s for s in a.strengths if s.id == "structure.team-continuity")
    assert not strength.shown_citations() and not strength.source_statements
    block = to_text(a, width=400).split("+ The team is stable", 1)[1].split("\n  +", 1)[0]
    assert f"Evidence (what the sources report): {NO_EVIDENCE}" in block
    assert "continuity, 6 before vs 2" not in block


def test_the_strengths_header_does_not_call_a_barrier_avoided_a_facilitator() -> None:
    """F9: 'Roles are differentiated' cites only barriers (A, G) where the roles and protocols were missing."""
    html = _one_line(brief(mbt_advisor.example_path("riverside")))
    assert "name as a facilitator, rate high, or name as a barrier where it was missing" in html
    assert "name as a facilitator or rate high;" not in html


def test_the_risk_index_is_labelled_as_our_scoring_in_every_output() -> None:
    """F11: the sources give no risk index, bands or weakest-link rule."""
    for name in EXAMPLES:
        path = mbt_advisor.example_path(name)
        a = mbt_advisor.evaluate(path)
        assert OWN_SCORING in a.risk.explanation
        for output in (to_text(a, width=400), to_markdown(a), brief(path, format="markdown")):
            assert OWN_SCORING in _one_line(output), name


def test_a_level_with_every_question_answered_is_not_called_short_of_answers() -> None:
    """F12: the school's therapist level has its one question answered; it is not judged, for another reason."""
    a = mbt_advisor.evaluate(mbt_advisor.example_path("school"))
    therapist = next(d for d in a.risk.details if d.level == "therapist")
    assert therapist.risk == "unknown" and therapist.known_fields == therapist.total_fields
    assert not any(d.startswith("only ") for d in therapist.drivers), therapist.drivers
    assert "too few to judge" in therapist.drivers[0]
    assert "for lack of answers" not in a.risk.explanation
    assert "too few questions matter there for this unit: therapist" in a.risk.explanation


# -- the rule and knowledge texts (the third read's F1's second half, F2, F6, F7, F8) --------------------------

BARE_CONTINUITY = "Table 4's bare 'Continuity' does not say continuity of what: we read it here as continuity of"


def _cites_bare_continuity(detail: str) -> bool:
    return any(part.strip().startswith("continuity") and "in management" not in part for part in detail.split(","))


def test_both_readings_of_table4_continuity_are_labelled_as_ours_wherever_it_is_used() -> None:
    """F1: the item is read as continuity of staff (turnover) and of treatment (consistency, readiness); each
    place says which, as our reading, and no place cites the item as evidence."""
    kb = load_knowledge_base()
    staff, treatment = set(), set()
    for item in [*kb.rules, *kb.strengths]:
        cited = [c for c in item.citations if c.locator == "Table 4" and _cites_bare_continuity(c.detail)]
        if not cited and "ratings.continuity" not in str(item.when):
            continue
        assert cited and all(c.role == "reading" for c in cited), item.id
        reading = " ".join((item.reading or "").split())
        assert BARE_CONTINUITY in reading, item.id
        (staff if f"{BARE_CONTINUITY} staff" in reading else treatment).add(item.id)
    assert staff == {"structure.staff-turnover", "structure.turnover-without-induction", "structure.team-continuity"}
    assert treatment == {"structure.consistency-and-continuity"}
    why = next(f.why for f in kb.readiness.practice_fields if f.field == "ratings.continuity")
    assert why.startswith("Our reading:") and f"{BARE_CONTINUITY} treatment" in why
    assert BARE_CONTINUITY in kb.questions["facts.staff_turnover"].help


def test_organization_wide_commitment_is_never_shown_as_higher_management_backing() -> None:
    """F2: Table 4's 'commitment and support within the organization' and the determinant slide's item of the
    same words speak of the whole organization; only unit F's row speaks of higher management."""
    kb = load_knowledge_base()
    backing = [x for x in [*kb.rules, *kb.strengths] if "higher management" in x.title.lower()]
    assert {x.id for x in backing} == {"support.management-backing"}
    for item in backing:
        words = [c.detail for c in item.citations] + [x.detail for x in item.source_statements]
        assert not any("within the organization" in w.lower() for w in words), item.id
        assert "ratings.org_commitment" not in str(item.when), item.id
    rated_high = mbt_advisor.evaluate({"organization": {"name": "R"}, "ratings": {"org_commitment": 6}})
    assert [s.id for s in rated_high.strengths] == ["support.institution-wide"]
    rated_low = mbt_advisor.evaluate({"organization": {"name": "R"}, "ratings": {"org_commitment": 3}})
    fired = {r.rule_id for r in rated_low.recommendations}
    assert "support.institution-wide" in fired and "support.management-backing" not in fired


def test_team_size_shows_table4s_range_and_credits_the_12_to_it() -> None:
    """F6: Table 4's item is 'Team size (8-12)'; MBT-A's lessons name a large team without a number."""
    kb = load_knowledge_base()
    pre = next(p for p in kb.readiness.preconditions if p.field == "facts.team_size")
    assert "Table 4's 'Team size (8-12)'" in pre.text and "our reading" in pre.text
    rule = next(r for r in kb.rules if r.id == "structure.team-size")
    reading = " ".join((rule.reading or "").split())
    assert "'Team size (8-12)'" in reading and "not a figure of the MBT-A unit" in reading
    assert "A team below 8 is outside that range" in reading


def test_the_lessons_slide_is_cited_as_the_talks_own_slide_everywhere() -> None:
    """F7: the slide carries no citation; that it summarises Hutsebaut et al. 2012 is our reading."""
    kb = load_knowledge_base()
    for item in [*kb.rules, *kb.strengths]:
        for c in item.citations:
            if c.locator == "Lessons learned slide":
                assert c.source == "talk-lessons", (item.id, c.detail)
    lessons_slide = [d for d in kb.cases["MBT-A"].determinants if d.table.startswith("Lessons learned")]
    assert lessons_slide and {d.source for d in lessons_slide} == {"talk-lessons"}
    assert all(x.source == "talk-lessons" for x in kb.lessons.lessons if x.detail.startswith("Lessons learned slide"))
    md = brief(mbt_advisor.example_path("adolescent-startup"), format="markdown")
    numbers = set(re.findall(r"\[(\d+)\] Lessons learned slide", md))
    assert len(numbers) == 1, "the brief cites the lessons slide under one reference"
    number = numbers.pop()
    references = md.split("## References", 1)[1]
    entry = next(x for x in references.splitlines() if x.startswith(f"{number}. "))
    assert "lessons learned the hard way" in entry and "Hutsebaut" not in entry


def test_the_support_and_leadership_pairing_cites_only_what_speaks_of_the_pair() -> None:
    """F8: therapist selection's count and the Table 2 averages do not speak of support with leadership."""
    kb = load_knowledge_base()
    rule = next(r for r in kb.rules if r.id == "support.compounded-support-and-leadership")
    details = " ".join(x.detail for x in rule.source_statements)
    assert "Therapist selection" not in details and "Table 2" not in " ".join(x.locator for x in rule.source_statements)
    assert "in combination with leadership" in details
