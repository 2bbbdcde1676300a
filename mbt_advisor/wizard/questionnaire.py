"""The founder's questionnaire, without any terminal: which question comes next, checking an answer,
going back, skipping ("don't know"), progress, and the resumable state saved after every answer.

Questions are data (knowledge/questions.yaml; rating questions come from rating_items.yaml): the same
source that phrases the assessment's missing information. Questions about daily practice (which ones:
knowledge/readiness.yaml) are not asked of a unit that has not started. A prompt layer (see cli/prompts.py)
only shows an :class:`Ask` and returns text, a typed value, or one of the markers BACK and SKIP
(answer_marks.py).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mbt_advisor._version import __version__
from mbt_advisor.profile.loading import profile_from_data
from mbt_advisor.profile.model import Profile
from mbt_advisor.rulebase.knowledge_base import KnowledgeBase
from mbt_advisor.rulebase.knowledge_models import Question
from mbt_advisor.rulebase.words import answer_beside_question
from mbt_advisor.wizard.answer_marks import SKIP
from mbt_advisor.wizard.answers import check_value, nest
from mbt_advisor.wizard.files import read_progress

STATE_VERSION = 1
PATH_FIELD = "wizard.path"
PATH_QUESTION = Question(
    field=PATH_FIELD,
    prompt="Would you also like to rate the 21 adherence items (1-7) as an MBT expert would?",
    help=(
        "The plain questions are enough for a founder. An MBT expert can add the 21-item consensus rating "
        "used to compare the cohorts before and during a reorganization (Bales, Timman et al. 2017, Table 4)."
    ),
    type="choice",
    choices=(
        {"value": "founder", "label": "No: plain questions only"},  # type: ignore[arg-type]
        {"value": "expert", "label": "Yes: plain questions and the 21 ratings"},
    ),
    default="founder",
)
REQUIRED = {"organization.name", PATH_FIELD}  # no "don't know" for these
YES = {"y", "yes", "true", "j", "ja", "1"}
NO = {"n", "no", "false", "nee", "0"}


@dataclass
class WizardState:
    """Everything needed to resume: answers so far (``section.key`` -> value), skipped questions, order."""

    answers: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        return {
            "mbt_advisor_wizard": STATE_VERSION,
            "answers": self.answers,
            "skipped": self.skipped,
            "history": self.history,
        }

    @classmethod
    def from_file(cls, path: Path) -> WizardState:
        """The state saved in a progress file, every entry checked (wizard_files.read_progress)."""
        return cls(*read_progress(path))


@dataclass(frozen=True)
class Ask:
    """One question as a prompter shows it: where it stands, what to pre-select, whether "don't know" is
    allowed, and the recommendations its answer bears on (their titles, in words)."""

    question: Question
    number: int
    total: int
    default: Any = None  # a typed answer to pre-select, SKIP for an earlier "don't know", or None
    optional: bool = True
    informs: tuple[str, ...] = ()
    last_time: str | None = None  # the previous visit's answer in words (wizard --from), else None
    settled: bool = True  # False while answers that decide which questions apply are still to come


# answers that decide which later questions apply: until they are given, the total is not yet known
GATES = ("organization.setting", "organization.phase")


class Wizard:
    def __init__(
        self, kb: KnowledgeBase, state: WizardState | None = None, previous: Mapping[str, Any] | None = None
    ) -> None:
        """``previous``: the last visit's answers (``section.key`` -> value), each offered as the default and
        shown as "last time: ..."; a question it left unanswered is offered as "don't know"."""
        self.kb = kb
        self.state = state or WizardState()
        self.questions: list[Question] = self._ordered()
        self.undone: dict[str, Any] = {}  # answers taken back with "back": offered again as the default
        self.previous = None if previous is None else dict(previous)

    def _ordered(self) -> list[Question]:
        org = [q for name, q in self.kb.questions.items() if name.startswith("organization.")]
        facts = [q for name, q in self.kb.questions.items() if name.startswith("facts.")]
        ratings = [q for name, q in self.kb.questions.items() if name.startswith("ratings.")]
        return [*org, PATH_QUESTION, *facts, *ratings]

    # -- flow ---------------------------------------------------------------------------------------
    def applies(self, question: Question) -> bool:
        answers = self.state.answers
        if question.field.startswith("ratings.") and answers.get(PATH_FIELD) != "expert":
            return False
        readiness = self.kb.readiness
        not_started = readiness.not_started(answers.get("organization.phase"))
        if question.field in readiness.practice_field_names() and not_started:
            return False  # daily practice cannot be described before the first patients
        return question.applies(answers, not_started=not_started)

    def pending(self) -> list[Question]:
        done = set(self.state.answers) | set(self.state.skipped)
        return [q for q in self.questions if q.field not in done and self.applies(q)]

    def next_question(self) -> Question | None:
        pending = self.pending()
        return pending[0] if pending else None

    def progress(self) -> tuple[int, int]:
        """(questions done, questions in total) among those that apply now."""
        applicable = [q for q in self.questions if self.applies(q) or q.field in self.state.answers]
        done = sum(1 for q in applicable if q.field in self.state.answers or q.field in self.state.skipped)
        return done, len(applicable)

    def back(self) -> Question | None:
        """Undo the last answer (or skip) and return its question, or None at the start. The undone answer
        is offered again as the default when the question comes back."""
        if not self.state.history:
            return None
        name = self.state.history.pop()
        if name in self.state.answers:
            self.undone[name] = self.state.answers.pop(name)
        if name in self.state.skipped:
            self.state.skipped.remove(name)
            self.undone[name] = SKIP
        return next(q for q in self.questions if q.field == name)

    def ask(self, question: Question) -> Ask:
        """How to show ``question`` now: its number, default, whether it may be skipped, what it informs."""
        done, total = self.progress()
        name = question.field
        default, last_time = self._from_last_visit(question)
        given = set(self.state.answers) | set(self.state.skipped)
        return Ask(
            question=question,
            number=done + 1,
            total=total,
            default=self.undone.get(name, default),
            optional=name not in REQUIRED,
            informs=tuple(self.informs(question)),
            last_time=last_time,
            settled=all(gate in given for gate in GATES),
        )

    def _from_last_visit(self, question: Question) -> tuple[Any, str | None]:
        """(the default, the last visit's answer in words) for ``question``: the question's own default when
        there is no last visit; the date of a new visit is today."""
        name, previous = question.field, self.previous
        if previous is None:
            return question.default, None
        if name == PATH_FIELD:
            return ("expert" if any(k.startswith("ratings.") for k in previous) else "founder"), None
        words = answer_beside_question(self.kb, name, previous.get(name))
        if name == "organization.assessed_on":
            return _dt.date.today(), words
        if name in previous:
            return previous[name], words
        return (SKIP if name not in REQUIRED else question.default), words

    def skip(self, question: Question) -> None:
        if question.field == "organization.name":
            raise ValueError("the name is needed (any label will do)")
        if question.field in REQUIRED:
            raise ValueError("choose one of the two")
        self.state.skipped.append(question.field)
        self.state.history.append(question.field)

    def answer(self, question: Question, raw: Any) -> Any:
        """Check and record an answer (text or a typed value). Raises ValueError with the reason."""
        value = parse_answer(question, raw)
        if question.field != PATH_FIELD:
            check_value(question.field, value)
        self.state.answers[question.field] = value
        self.state.history.append(question.field)
        return value

    def profile(self) -> Profile:
        return profile_from_data(nest(self.state.answers), source="wizard answers")

    def readers(self, question: Question) -> list[str]:
        """WHY: the rules that need this question's answer."""
        return sorted(self.kb.readers.get(question.field, []))

    def informs(self, question: Question) -> list[str]:
        """The titles of the recommendations this answer bears on, in words (no rule ids). The unit's setting,
        population and phase decide which advice applies at all (a school's, a planning unit's): listing every
        recommendation that reads them would name advice for other kinds of unit, so they list none."""
        if question.field.startswith("organization."):
            return []
        return sorted({self.kb.rule(rule_id).title for rule_id in self.readers(question)})


def last_visit_answers(profile: Profile) -> dict[str, Any]:
    """A profile's answers as the wizard offers them again (``section.key`` -> value, unanswered left out)."""
    from mbt_advisor.profile.values import plain

    org = profile.organization
    answers: dict[str, Any] = {
        f"organization.{key}": value for key in type(org).model_fields if (value := getattr(org, key)) is not None
    }
    answers.update({name: plain(value) for name, value in profile.known_fields().items()})
    return answers


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """A profile-shaped mapping -> ``{"section.key": value}``; a flat mapping is returned as it is."""
    if any(key in data for key in ("organization", "ratings", "facts")):
        flat: dict[str, Any] = {}
        for section in ("organization", "ratings", "facts"):
            for key, value in (data.get(section) or {}).items():
                flat[f"{section}.{key}"] = value
        return flat
    return dict(data)


# "about 10", "~10", "ca. 10": a founder's estimate of a count is the count
_APPROXIMATELY = re.compile(r"^(?:about|around|approximately|roughly|circa|ca\.?|~)\s*", re.IGNORECASE)


def parse_answer(question: Question, raw: Any) -> Any:
    """Text (or an already typed value) -> the value the profile stores. Raises ValueError."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    kind = question.type
    if kind in {"choice", "multi"}:
        parts = [p.strip() for p in text.split(",")] if kind == "multi" else [text]
        if kind == "multi" and text.lower() in {"", "none", "-none-", "[]"}:
            return []
        chosen = [choose(question, part) for part in parts]
        return chosen if kind == "multi" else chosen[0]
    if kind == "boolean":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError("answer yes or no (y/n)")
    if kind == "integer":
        try:
            return int(_APPROXIMATELY.sub("", text))
        except ValueError:
            raise ValueError("give a whole number, e.g. 10") from None
    if kind == "fraction":
        return parse_share(text)
    if kind == "rating":
        try:
            value = float(text)
        except ValueError:
            return text  # '2/3' and other forms are checked by the profile model
        return int(value) if value.is_integer() else value
    if kind == "date":
        if text.casefold() == "today":
            return _dt.date.today()
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("give a date as YYYY-MM-DD, or 'today'") from None
    if not text:
        raise ValueError("an answer is needed (or choose 'don't know')")
    return text


def choose(question: Question, text: str) -> Any:
    """One typed choice -> its value: its number, its value (kept for scripts), its label (any case), or the
    start of exactly one label or of a word in exactly one label ("new" -> "A new team is formed for MBT").
    Anything else, an ambiguous start included, is refused with the choices numbered in words."""
    choices = list(question.choices)
    words = " ".join(text.split()).casefold()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1].value
    for choice in choices:
        if text == str(choice.value) or words == " ".join(choice.label.split()).casefold():
            return choice.value
    starts: list[Any] = []
    if words:
        starts = [c for c in choices if c.label.casefold().startswith(words)]
        if not starts:
            starts = [c for c in choices if re.search(r"(?<!\w)" + re.escape(words), c.label.casefold())]
        if len(starts) == 1:
            return starts[0].value
    numbered = "; ".join(f"{index}. {choice.label}" for index, choice in enumerate(choices, 1))
    reason = "fits more than one of the choices" if len(starts) > 1 else "is not one of the choices"
    raise ValueError(f"'{text}' {reason}: give a number or the words of one: {numbered}")


def parse_share(text: str) -> float:
    """A share as a person writes it: "80%" or "80" (a percentage) or "0.8" (a fraction of 1)."""
    number = text.strip().removesuffix("%").strip()
    try:
        value = float(number)
    except ValueError:
        raise ValueError("give a percentage from 0 to 100, e.g. 80%") from None
    if text.strip().endswith("%") or value > 1:
        value /= 100
    return round(value, 4)


def profile_yaml(profile: Profile, today: _dt.date | None = None) -> str:
    """The saved profile: a header comment with the version and date, then plain YAML of what is known."""
    import yaml

    data = profile.model_dump(mode="json", exclude_none=True)
    if profile.organization.assessed_on is not None:  # a YAML date, not a quoted string
        data["organization"]["assessed_on"] = profile.organization.assessed_on
    if not data.get("ratings"):
        data.pop("ratings", None)
    if not data.get("facts"):
        data.pop("facts", None)
    day = (today or _dt.date.today()).isoformat()
    header = (
        f"# mbt-advisor organization profile (format v{profile.profile_version}), written by the wizard of "
        f"mbt-advisor {__version__} on {day}.\n"
        "# Omitted answers are unknown. Evaluate with: mbt-advisor evaluate THIS_FILE\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def state_json(state: WizardState) -> str:
    return json.dumps(state.to_data(), indent=2, ensure_ascii=False, default=str) + "\n"
