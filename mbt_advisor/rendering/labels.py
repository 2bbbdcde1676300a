"""Answers and cases in a reader's words: the question bank's labels instead of field ids and enum values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase


class QuestionBank(Protocol):
    """Anything that holds the question bank: the knowledge base, or an Advisor's ``tables``."""

    @property
    def questions(self) -> Mapping[str, Any]: ...


def value_label(kb: QuestionBank | None, name: str, value: Any) -> str:
    """A profile answer in the question bank's words ('day_hospital' -> 'Day hospital (...)')."""
    question = kb.questions.get(name) if kb is not None else None
    if isinstance(value, list | tuple):
        return "; ".join(value_label(kb, name, v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    for choice in question.choices if question else ():
        if choice.value == value and not isinstance(choice.value, bool):
            return str(choice.label)
    if question is not None and question.type == "fraction" and isinstance(value, int | float):
        return f"{round(value * 100)}%"
    return str(value).replace("_", " ")


def case_label(kb: KnowledgeBase, case_id: str) -> str:
    """'unit C', 'MBT-A unit', 'REORG cohort'."""
    kind = kb.cases[case_id].kind if case_id in kb.cases else "unit"
    if kind == "cohort":
        return f"{case_id} cohort"
    if kind == "inpatient_unit":
        return f"{case_id} unit"
    return f"unit {case_id}"
