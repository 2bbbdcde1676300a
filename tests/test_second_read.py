"""What the second independent fidelity read of issue 25 found, pinned where it was fixed: a case statement that
does not name a rule's subject is a reading there and raises no grade; the same case statement has the same
role in every rule on the same subject; the brief says what an outcome citation is, as text and markdown do;
a readiness precondition's count names the determinant slide's own item."""

from __future__ import annotations

import mbt_advisor
from mbt_advisor.rendering.brief import brief
from mbt_advisor.rendering.formats import to_text
from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

# rule id -> the grade its citations now carry (the second read's F1-F6)
GRADES = {
    "support.isolated-team": "one_case",  # F's row sets its isolation against other things: a reading
    "supervision.new-staff-induction": "general_slides",  # no case speaks of staff who join later
    "structure.ward-staff-beyond-team": "our_reading",  # no case names ward staff outside an MBT team
    "culture.converting-team": "one_case",  # MBT-A's conversion is our encoding
    "structure.turnover-without-induction": "our_reading",  # C names no turnover; Table 4 read (third read F1)
}


def test_the_grades_the_second_read_questioned_follow_from_readings() -> None:
    kb = load_knowledge_base()
    rules = {r.id: r for r in kb.rules}
    assert {rid: rules[rid].evidence for rid in GRADES} == GRADES
    strengths = {s.id: s for s in kb.strengths}
    assert strengths["structure.team-continuity"].evidence == "our_reading"


def test_mbta_team_culture_is_a_reading_in_every_rule_that_cites_it() -> None:
    kb = load_knowledge_base()
    roles = {
        (r.id, c.role)
        for r in kb.rules
        for c in r.citations
        if c.case == "MBT-A" and c.detail.startswith("difficulties to change team culture")
    }
    assert len(roles) >= 4 and {role for _, role in roles} == {"reading"}, roles


def test_the_sequencing_of_leadership_before_strain_is_titled_as_ours() -> None:
    kb = load_knowledge_base()
    rule = next(r for r in kb.rules if r.id == "culture.strained-team-weak-lead")
    assert "by our reading" in rule.title


def test_the_brief_says_an_outcome_is_not_evidence_of_a_cause() -> None:
    html = brief(mbt_advisor.example_path("adolescent-startup"))
    assert "(the case&#39;s outcome, not evidence of a cause)" in html or (
        "(the case's outcome, not evidence of a cause)" in html
    )


def test_a_precondition_count_names_the_slide_item_it_is_given_for() -> None:
    text = to_text(mbt_advisor.evaluate(mbt_advisor.example_path("adolescent-startup")), width=200)
    assert "counted 5 on the determinant slide for 'Training & supervision'" in text
    assert "what decided the success or failure of the units" not in text
