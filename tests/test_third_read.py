"""What the third independent fidelity read of issue 25 found, pinned where it was fixed: a Table 4 item whose
words do not name a rule's subject ('Continuity' for staff turnover, 'sound financial management' for a
training budget) is cited as our reading and raises no grade; a plan determinant does not make a new
adaptation a documented barrier."""

from __future__ import annotations

from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

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
