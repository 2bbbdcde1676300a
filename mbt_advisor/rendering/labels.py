"""Answers and cases in a reader's words: the question bank's labels instead of field ids and enum values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mbt_advisor.rulebase.words import QuestionBank, field_label, value_label

if TYPE_CHECKING:
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase


__all__ = ["QuestionBank", "case_label", "field_label", "value_label"]


def case_label(kb: KnowledgeBase, case_id: str) -> str:
    """'unit C', 'MBT-A unit', 'REORG cohort'."""
    kind = kb.cases[case_id].kind if case_id in kb.cases else "unit"
    if kind == "cohort":
        return f"{case_id} cohort"
    if kind == "inpatient_unit":
        return f"{case_id} unit"
    return f"unit {case_id}"
