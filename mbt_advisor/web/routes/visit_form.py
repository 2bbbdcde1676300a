"""The visit as one form: every question of the question bank and the 21 Table 4 ratings on one page, filled
in from a unit's last visit ("last time: ..." beside each) and kept unless changed; or empty for a first visit.

The questions, their words, their conditions and how an answer is read are the wizard's (knowledge/questions.yaml
through :mod:`mbt_advisor.wizard`); the ratings' labels and the meaning of 1-7 are Table 4's own
(knowledge/rating_items.yaml). Nothing here knows a route: the pages build a :class:`VisitForm` and read a
submitted one back with :func:`read_form`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mbt_advisor.profile.model import LEVELS, Profile, field_info
from mbt_advisor.rulebase.knowledge_base import KnowledgeBase
from mbt_advisor.rulebase.knowledge_models import Question
from mbt_advisor.rulebase.words import answer_beside_question, rating_words
from mbt_advisor.wizard.answers import check_value, nest
from mbt_advisor.wizard.questionnaire import PATH_FIELD, Wizard, WizardState, parse_answer

NONE_OF_THESE = "-none-"  # the multi-choice box that means "none of these" (no box at all: not known)
SHOWN = "shown"  # the form's hidden list of the fields it showed
LEVEL_TITLES = {"organization": "The organization", "team": "The team", "therapist": "The therapists"}
ORGANIZATION_FIELDS = ("name", "setting", "population", "phase", "assessed_on", "assessor")


@dataclass(frozen=True)
class Option:
    value: str  # as the form sends it
    label: str


@dataclass(frozen=True)
class FormField:
    """One question on the form, with what it holds now and what the last visit said."""

    name: str  # ``section.key``, also the input's name
    question: Question
    kind: str  # select, yesno, multi, rating, number, share, date, text
    options: tuple[Option, ...]
    value: tuple[str, ...]  # the form's current value(s); () is "not known"
    last: str | None  # the last visit's answer in words ("not known" when it had none); None: no last visit
    changed: bool = False  # differs from the last visit
    error: str = ""
    required: bool = False

    @property
    def label(self) -> str:
        return self.question.prompt

    @property
    def input_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[FormField, ...]
    level: str | None = None


@dataclass(frozen=True)
class RatingItemView:
    field: FormField
    short: str
    text: str


@dataclass
class VisitForm:
    """What the page shows: the questions in sections, the ratings by level, the scale and the last visit."""

    sections: list[Section] = field(default_factory=list)
    ratings: list[tuple[str, list[RatingItemView]]] = field(default_factory=list)
    scale: tuple[Option, ...] = ()
    scale_source: str = ""
    last_on: dt.date | None = None
    rated_last_time: bool = False
    new_questions: tuple[str, ...] = ()  # prompts that apply after the answers given and were not on the form
    errors: int = 0

    @property
    def shown(self) -> str:
        names = [f.name for s in self.sections for f in s.fields]
        names += [item.field.name for _, items in self.ratings for item in items]
        return " ".join(names)


def previous_answers(profile: Profile) -> dict[str, Any]:
    """A stored visit's answers as the form's typed values (``section.key`` -> value)."""
    org = profile.organization
    answers: dict[str, Any] = {f"organization.{k}": getattr(org, k) for k in ORGANIZATION_FIELDS}
    answers.update(profile.known_fields())
    return {name: value for name, value in answers.items() if value is not None}


def starting_answers(previous: dict[str, Any] | None, today: dt.date, name: str | None = None) -> dict[str, Any]:
    """What the form starts from: the last visit's answers with today's date (a first visit: the unit's name)."""
    answers = dict(previous or {})
    if name and "organization.name" not in answers:
        answers["organization.name"] = name
    answers["organization.assessed_on"] = today
    return answers


def _applies(kb: KnowledgeBase, answers: dict[str, Any]) -> Any:
    wizard = Wizard(kb, WizardState(answers={**answers, PATH_FIELD: "expert"}))
    return wizard, [q for q in wizard.questions if q.field != PATH_FIELD and wizard.applies(q)]


def applicable_fields(kb: KnowledgeBase, answers: dict[str, Any]) -> list[str]:
    """The fields the questionnaire asks, given ``answers`` (the wizard's own conditions, ratings included)."""
    return [q.field for q in _applies(kb, answers)[1]]


def _form_value(question: Question, value: Any) -> tuple[str, ...]:
    """A typed answer as the form holds it."""
    if value is None:
        return ()
    kind = question.type
    if kind == "boolean":
        return ("yes" if value else "no",)
    if kind == "multi":
        return tuple(str(v) for v in value) or (NONE_OF_THESE,)
    if kind == "rating":
        return (f"{float(value):g}",)
    if kind == "fraction":
        return (f"{round(float(value) * 100, 2):g}%",)
    if isinstance(value, dt.date):
        return (value.isoformat(),)
    return (str(value),)


KINDS = {
    "choice": "select",
    "boolean": "yesno",
    "multi": "multi",
    "rating": "rating",
    "integer": "number",
    "fraction": "share",
    "date": "date",
    "text": "text",
}


def _options(question: Question, scale: Sequence[Option]) -> tuple[Option, ...]:
    if question.type in ("choice", "multi"):
        return tuple(Option(str(c.value), c.label) for c in question.choices)
    if question.type == "rating":
        return tuple(scale)
    return ()


def rating_scale(kb: KnowledgeBase) -> tuple[Option, ...]:
    """1 to 7 in halves, each with Table 4's label ("4 adequate"; a half as the table writes it, "4/5")."""
    return tuple(Option(f"{x / 2:g}", rating_words(kb, x / 2)) for x in range(2, 15))


def build_form(
    kb: KnowledgeBase,
    answers: dict[str, Any],
    previous: dict[str, Any] | None,
    last_on: dt.date | None = None,
    *,
    raw: Mapping[str, tuple[str, ...]] | None = None,
    errors: Mapping[str, str] | None = None,
    shown: Sequence[str] | None = None,
) -> VisitForm:
    """The form for ``answers`` (typed), beside the ``previous`` visit's answers (None: a first visit).
    ``raw``: values as submitted (shown again after a refusal); ``shown``: the fields the submitted form had,
    so that questions the new answers bring are named."""
    errors = errors or {}
    raw = raw or {}
    scale = rating_scale(kb)
    wizard, asked = _applies(kb, answers)
    fields: dict[str, FormField] = {}
    for question in asked:
        name = question.field
        last = None if previous is None else answer_beside_question(kb, name, previous.get(name))
        value = raw.get(name, _form_value(question, answers.get(name)))
        before = () if previous is None else _form_value(question, previous.get(name))
        fields[name] = FormField(
            name=name,
            question=question,
            kind=KINDS[question.type],
            options=_options(question, scale),
            value=tuple(value),
            last=last if name != "organization.assessed_on" else (last if last != "not known" else None),
            changed=previous is not None and name != "organization.assessed_on" and tuple(value) != before,
            error=errors.get(name, ""),
            required=name == "organization.name",
        )
    sections = [
        Section("This visit and the unit", tuple(f for n, f in fields.items() if n.startswith("organization.")))
    ]
    for level in LEVELS:
        level_fields = tuple(
            f for n, f in fields.items() if n.startswith("facts.") and field_info(n).get("level") == level
        )
        if level_fields:
            sections.append(Section(LEVEL_TITLES[level], level_fields, level))
    items = {item.id: item for item in kb.rating_items.items}
    ratings: list[tuple[str, list[RatingItemView]]] = []
    for level in LEVELS:
        views = [
            RatingItemView(f, items[n.partition(".")[2]].short, items[n.partition(".")[2]].text)
            for n, f in fields.items()
            if n.startswith("ratings.") and items[n.partition(".")[2]].level == level
        ]
        if views:
            ratings.append((level, views))
    new = tuple(fields[n].label for n in fields if shown is not None and n not in shown)
    return VisitForm(
        sections=sections,
        ratings=ratings,
        scale=tuple(Option(str(s.value), s.label) for s in kb.rating_items.scale),
        scale_source=kb.rating_items.table,
        last_on=last_on,
        rated_last_time=previous is not None and any(n.startswith("ratings.") for n in previous),
        new_questions=new,
        errors=len(errors),
    )


def submitted(form: Mapping[str, Any]) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """(the fields the form showed, each one's submitted values), from a form's multi-dict (``getlist``)."""
    shown = [name for name in str(form.get(SHOWN, "")).split() if name]
    values: dict[str, tuple[str, ...]] = {}
    for name in shown:
        got = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
        items = [got] if isinstance(got, str) else list(got)
        values[name] = tuple(str(v).strip() for v in items if str(v).strip())
    return shown, values


def read_form(
    kb: KnowledgeBase, shown: Sequence[str], values: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The typed answers of a submitted form and the refusals (``field`` -> reason). An empty value is "not
    known" (omitted from the profile); every other value is read and checked as the wizard does."""
    questions = {q.field: q for q in Wizard(kb).questions}
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in shown:
        question = questions.get(name)
        if question is None or name == PATH_FIELD:
            continue  # not a question of this knowledge (a stale form): ignored, never stored
        given = values.get(name, ())
        if not given:
            if name == "organization.name":
                errors[name] = "the name is needed (any label will do)"
            continue
        if question.type == "multi":
            if NONE_OF_THESE in given and len(given) > 1:
                errors[name] = "choose 'none of these' or some of them, not both"
                continue
            raw: Any = [] if NONE_OF_THESE in given else ",".join(given)
        else:
            raw = given[0]
        try:
            value = parse_answer(question, raw)
            check_value(name, value)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        answers[name] = value
    return answers, errors


def settle(kb: KnowledgeBase, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers the questionnaire would keep: those whose question applies given the others (an answer to
    a question the new answers no longer ask, such as daily practice for a unit back in planning, is dropped)."""
    asked = set(applicable_fields(kb, answers))
    return {name: value for name, value in answers.items() if name in asked}


def profile_data(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as a profile's data (as the questionnaire writes it)."""
    return nest(answers)
