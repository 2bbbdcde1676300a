"""Answers, fields, documented cases and the engine's findings in a reader's words: the question bank's
labels instead of field ids and enum values, yes/no instead of true/false, "none" instead of an empty list, a
Table 4 half-point as the source prints it ("2/3"), a case as "unit C" or "REORG cohort".

The one definition of how a profile answer or a case is put into words, used by the knowledge's own checks
(the figures in prose), the questions asked of an assessment (what-if, compare, explain: their models carry
these words beside the ids, for the web pages), the wizard, every renderer for people and the web's pages.
JSON keeps the ids as well; only a person's screen reads the words. It reads only the profile's record of
fields (which answers are free text), so every layer from the rule base up may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from mbt_advisor.profile.model import field_domain


class QuestionBank(Protocol):
    """Anything that holds the question bank: the knowledge base, or an Advisor's ``tables``."""

    @property
    def questions(self) -> Mapping[str, Any]: ...


class Knowledge(QuestionBank, Protocol):
    """The question bank with Table 4's items and scale: the knowledge base."""

    @property
    def rating_items(self) -> Any: ...


class CaseBook(Protocol):
    """Anything that holds the documented cases by id: the knowledge base."""

    @property
    def cases(self) -> Mapping[str, Any]: ...


def table4_form(value: float | None) -> str:
    """A Table 4 rating as the source writes it: a half between two points is "2/3", not 2.5."""
    if value is None:
        return "not rated"
    if value != int(value):
        return f"{int(value)}/{int(value) + 1}"
    return f"{value:g}"


def value_label(kb: QuestionBank | None, name: str, value: Any) -> str:
    """A profile answer in the question bank's words ('day_hospital' -> 'Day hospital (...)')."""
    question = kb.questions.get(name) if kb is not None else None
    if value is None:
        return table4_form(None) if name.startswith("ratings.") else "not known"  # "not rated"
    if isinstance(value, list | tuple):
        return "; ".join(value_label(kb, name, v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _free_text(name):
        return str(value)  # a name or an assessor as the person wrote it: "Ward_7" is not a value to put in words
    for choice in question.choices if question else ():
        if choice.value == value and not isinstance(choice.value, bool):
            return str(choice.label)
    if question is not None and question.type == "fraction" and isinstance(value, int | float):
        return f"{round(value * 100)}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if name.startswith("ratings.") and isinstance(value, float) and (value * 2).is_integer():
        return table4_form(value)  # a half-point rating in Table 4's own form: 2.5 is "2/3"
    return str(value).replace("_", " ")


def rating_words(kb: Knowledge, value: float) -> str:
    """A Table 4 rating with the table's own label for its point ('4 adequate'); a half as the table writes it
    ('4/5')."""
    if value != int(value):
        return table4_form(value)
    labels = {point.value: point.label for point in kb.rating_items.scale}
    return f"{int(value)} {labels.get(int(value), '')}".strip()


def answer_beside_question(kb: Knowledge, name: str, value: Any) -> str:
    """An answer shown beside its question, as the wizard's and the visit form's "last time: ..." show the last
    visit's: a Table 4 rating with the table's label for its point ('4 adequate', as the form's choices read),
    anything else as :func:`value_label` puts it ('not rated', 'not known', the question bank's label)."""
    if name.startswith("ratings.") and value is not None:
        return rating_words(kb, float(value))
    return value_label(kb, name, value)


def _free_text(name: str) -> bool:
    """A field that holds what a person wrote (the unit's name, the assessor), not one of its values."""
    try:
        return field_domain(name)[0] == "text"
    except KeyError:
        return False


def short_value(kb: QuestionBank | None, name: str, value: Any) -> str:
    """The answer's words up to the first colon ('Contested: disputes over who leads' -> 'contested'), for a
    sentence; a rating as 'rated 3 of 7'."""
    if name.startswith("ratings.") and isinstance(value, int | float) and not isinstance(value, bool):
        return f"rated {value_label(kb, name, value)} of 7"
    return short_words(value_label(kb, name, value))


def short_words(words: str) -> str:
    """An answer's words up to the first colon, for a sentence ('Contested: disputes over who leads' ->
    'contested'); a capital is kept where the second letter is one too ('MBT ...')."""
    head = words.split(": ", 1)[0]
    first = head.split(" ", 1)[0]
    return head if len(first) > 1 and first.isupper() else head[:1].lower() + head[1:]


def field_label(kb: QuestionBank | None, name: str) -> str:
    """A field in words: its question's label ('clinical leadership'), a Table 4 item's short name, or the
    field's own name in words when the bank has no label for it."""
    question = kb.questions.get(name) if kb is not None else None
    label = getattr(question, "label", None) if question is not None else None
    if label:
        return str(label)
    return name.split(".", 1)[-1].replace("_", " ")


def case_label(kb: CaseBook, case_id: str) -> str:
    """A documented case as a reader names it: 'unit C', 'MBT-A unit', 'REORG cohort'."""
    kind = kb.cases[case_id].kind if case_id in kb.cases else "unit"
    if kind == "cohort":
        return f"{case_id} cohort"
    if kind == "inpatient_unit":
        return f"{case_id} unit"
    return f"unit {case_id}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def answer_phrase(kb: QuestionBank | None, name: str, value: Any) -> str:
    """'clinical leadership (contested)', 'continuity in management (rated 3 of 7)'."""
    return f"{field_label(kb, name)} ({short_value(kb, name, value)})"


def because(kb: QuestionBank | None, answers: Iterable[tuple[str, Any]]) -> str:
    """The sentence that says which answers a finding rests on: 'Because of these answers: clinical leadership
    (contested), a reorganization (yes) and continuity in management (rated 3 of 7).'"""
    phrases = list(dict.fromkeys(answer_phrase(kb, name, value) for name, value in answers))
    if not phrases:
        return "Because of the other findings it builds on."
    joined = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"Because of {'this answer' if len(phrases) == 1 else 'these answers'}: {joined}."


def shown_index(index: float) -> int:
    """A risk index as people read it, a whole number: what "lowers the index" and "rose by 73 (9 to 82)" are
    judged and added up on."""
    return int(f"{index:.0f}")


def listed(items: list[str], limit: int) -> tuple[list[str], int]:
    """At most ``limit`` items, and how many more were left out ("and N more")."""
    if len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit
