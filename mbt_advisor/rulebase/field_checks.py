"""Every knowledge file that names profile fields, checked against the one record of each field: profile.py.

The profile model says which fields exist, their level and what each may hold (``field_domain``). The rule
files, the rating items, the question bank, the field directions and the case encodings all name fields and
values again; each name and value is checked here when the knowledge loads, and a mismatch is a
:class:`KnowledgeError` with the file, the line and a did-you-mean, never a crash or a silent no-match later.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mbt_advisor.common.errors import KnowledgeError, did_you_mean, quote_list
from mbt_advisor.common.yamlio import Document, Path_
from mbt_advisor.profile.model import Ratings, condition_fields, field_domain, field_info
from mbt_advisor.rulebase.directions import DirectionsFile
from mbt_advisor.rulebase.knowledge_models import Case, QuestionsFile, RatingItemsFile
from mbt_advisor.rulebase.readiness import ReadinessFile

# which kind of question may ask for which kind of field
QUESTION_TYPES: dict[str, tuple[str, ...]] = {
    "enum": ("choice",),
    "list": ("multi",),
    "bool": ("boolean",),
    "integer": ("integer",),
    "fraction": ("fraction",),
    "rating": ("rating",),
    "text": ("text",),
    "date": ("date",),
}
KIND_WORDS = {
    "enum": "one of a list of values",
    "list": "a list of values",
    "bool": "true or false",
    "integer": "a whole number",
    "fraction": "a share from 0 to 1",
    "rating": "a rating from 1 to 7",
    "text": "text",
    "date": "a date",
}
# the organization's own fields a question may ask for, beyond those a rule may test
ORGANIZATION_FIELDS = ("organization.name", "organization.assessor", "organization.assessed_on")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_problem(name: str, value: Any) -> str | None:
    """Why ``value`` can never be an answer of the field ``name`` (None if it can), as one or two sentences."""
    kind, domain = field_domain(name)
    if kind in {"enum", "list"}:
        if isinstance(value, str) and value in domain:
            return None
        hint = did_you_mean(str(value), map(str, domain))
        return f"{name} never holds {value!r}.{hint} Allowed: {quote_list(domain)}."
    if kind == "bool":
        return None if isinstance(value, bool) else f"{name} is true or false, not {value!r}."
    if kind in {"rating", "integer", "fraction"}:
        low, high = domain
        if not _number(value):
            return f"{name} is a number, not {value!r}."
        if value < low or (high is not None and value > high):
            return f"{name} never holds {value!r}: it is {low} or more" + (f" and {high} or less." if high else ".")
        if kind == "rating" and value * 2 != int(value * 2):
            return f"{name} never holds {value!r}: ratings go in steps of 0.5."
        if kind == "integer" and value != int(value):
            return f"{name} never holds {value!r}: it is a whole number."
        return None
    return None if isinstance(value, str) else f"{name} is text, not {value!r}."


def name_problem(name: str, known: Iterable[str], what: str = "field") -> str | None:
    """Why ``name`` is not one of ``known`` (with the closest spelling), or None."""
    choices = list(known)
    return None if name in choices else f"unknown {what} '{name}'.{did_you_mean(name, choices)}"


def _fail(doc: Document, path: Path_, problem: str, field: str | None = None) -> KnowledgeError:
    return KnowledgeError(problem, source=doc.source, line=doc.line_of(path), field=field)


def check_rating_items(items: RatingItemsFile, doc: Document, cases: Iterable[str]) -> None:
    """rating_items.yaml names each item of the Ratings model once, at the model's level, with reference
    ratings of known cohorts on the rating scale."""
    fields, case_ids = list(Ratings.model_fields), list(cases)
    seen: set[str] = set()
    for index, item in enumerate(items.items):
        where: Path_ = ("items", index)
        problem = name_problem(item.id, fields, "rating item")
        if problem:
            raise _fail(doc, (*where, "id"), problem + " The items are the ratings of the profile (profile.py).")
        if item.id in seen:
            raise _fail(doc, (*where, "id"), f"rating item '{item.id}' is listed twice.")
        seen.add(item.id)
        level = field_info(f"ratings.{item.id}")["level"]
        if item.level != level:
            raise _fail(doc, (*where, "level"), f"rating item '{item.id}' is at the {level} level in the profile.")
        for cohort, value in item.reference_ratings.items():
            problem = name_problem(cohort, case_ids, "case") or value_problem(f"ratings.{item.id}", value)
            if problem:
                raise _fail(doc, (*where, "reference_ratings", cohort), problem)
    missing = [name for name in fields if name not in seen]
    if missing:
        raise _fail(doc, ("items",), f"no rating item for {quote_list(missing)}.")


def check_questions(questions: QuestionsFile, doc: Document) -> None:
    """Each question asks for a known field, once, with a question type that fits the field, and offers,
    defaults to and depends on only values that the fields can hold."""
    known = [*condition_fields(), *ORGANIZATION_FIELDS]
    seen: set[str] = set()
    for index, question in enumerate(questions.questions):
        where: Path_ = ("questions", index)
        problem = name_problem(question.field, known)
        if problem:
            raise _fail(doc, (*where, "field"), "question for an " + problem)
        if question.field in seen:
            raise _fail(doc, (*where, "field"), f"a second question for {question.field}.")
        seen.add(question.field)
        kind, domain = field_domain(question.field)
        if question.type not in QUESTION_TYPES[kind]:
            raise _fail(
                doc,
                (*where, "type"),
                f"{question.field} is {KIND_WORDS[kind]}; ask with type {quote_list(QUESTION_TYPES[kind])}.",
            )
        for number, choice in enumerate(question.choices):
            problem = value_problem(question.field, choice.value)
            if problem:
                raise _fail(doc, (*where, "choices", number, "value"), problem)
        offered = [choice.value for choice in question.choices]
        if kind in {"enum", "list"}:
            missing = [value for value in domain if value not in offered]
            if missing:
                raise _fail(doc, (*where, "choices"), f"{question.field} offers no choice for {quote_list(missing)}.")
        if question.default is not None:
            values = question.default if kind == "list" and isinstance(question.default, list) else [question.default]
            for value in values:
                problem = value_problem(question.field, value)
                if problem:
                    raise _fail(doc, (*where, "default"), problem)
        for key in ("when", "unless", "before_start_when"):
            for name, values in (getattr(question, key) or {}).items():
                problem = name_problem(name, known)
                for value in values if problem is None else ():
                    problem = value_problem(name, value)
                    if problem:
                        break
                if problem:
                    raise _fail(doc, (*where, key, name), problem)


def check_directions(data: DirectionsFile, doc: Document) -> None:
    """field_directions.yaml gives each fact field one direction that fits what the field holds, and names
    only known rating items as context."""
    facts = [name.partition(".")[2] for name in condition_fields() if name.startswith("facts.")]
    spec = data.facts
    for key, direction in spec.items():
        problem = name_problem(f"facts.{key}", [f"facts.{f}" for f in facts])
        if problem:
            raise _fail(doc, ("facts", key), problem)
        kind, domain = field_domain(f"facts.{key}")
        fits = {
            "worst_to_best": kind == "enum",
            "good": kind == "bool",
            "best_range": kind == "integer",
            "higher_better": kind in {"integer", "fraction"},
            "good_empty": kind == "list",
        }
        given = next(name for name in fits if getattr(direction, name) is not None)
        if not fits[given]:
            raise _fail(doc, ("facts", key, given), f"'{given}' does not fit facts.{key}, which is {KIND_WORDS[kind]}.")
        if direction.worst_to_best is not None and sorted(direction.worst_to_best) != sorted(map(str, domain)):
            raise _fail(
                doc,
                ("facts", key, "worst_to_best"),
                f"facts.{key}: worst_to_best must order each of {quote_list(domain)} once.",
            )
    missing = [f for f in facts if f not in spec]
    if missing:
        raise _fail(doc, ("facts",), f"no direction for {quote_list(missing)}: every fact field needs one.")
    for index, item in enumerate(data.ratings.context):
        problem = name_problem(item, Ratings.model_fields, "rating item")
        if problem:
            raise _fail(doc, ("ratings", "context", index), problem)


def check_case_encoding(case: Case, doc: Document, answered: Iterable[str]) -> None:
    """A case's ``encoding`` explains fields its profile answers (or a whole section: ``ratings``), and
    only those."""
    answered = set(answered)
    sections = {name.partition(".")[0] for name in answered}
    for name in case.encoding:
        if name in {"ratings", "facts"}:
            problem = None if name in sections else f"encoding explains {name}, but the case's profile has none."
        else:
            problem = name_problem(name, [*condition_fields(), *ORGANIZATION_FIELDS])
            if problem is None and name not in answered:
                problem = f"encoding explains {name}, which the case's profile does not answer."
        if problem:
            raise _fail(doc, ("encoding", name), problem)


def check_readiness(readiness: ReadinessFile, doc: Document, cases: Iterable[str]) -> None:
    """readiness.yaml names phases, fields, values and cases: each must exist, at its line."""
    phases = field_domain("organization.phase")[1]
    for index, phase in enumerate(readiness.not_started_phases):
        problem = name_problem(phase, phases, "phase")
        if problem:
            raise _fail(doc, ("not_started_phases", index), problem)
    fields = [name for name in condition_fields() if not name.startswith("organization.")]
    for index, practice in enumerate(readiness.practice_fields):
        problem = name_problem(practice.field, fields)
        if problem:
            raise _fail(doc, ("practice_fields", index, "field"), problem)
    known_cases = list(cases)
    for index, pre in enumerate(readiness.preconditions):
        where: Path_ = ("preconditions", index)
        problem = name_problem(pre.field, fields)
        if problem:
            raise _fail(doc, (*where, "field"), problem)
        for number, case in enumerate(pre.cases):
            problem = name_problem(case, known_cases, "case")
            if problem:
                raise _fail(doc, (*where, "cases", number), f"precondition {pre.field}: {problem}")
