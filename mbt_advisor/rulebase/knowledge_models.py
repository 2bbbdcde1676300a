"""What the knowledge files hold: sources, cases and cohorts, determinants, rating items, lessons, questions.

Figures and labels are recorded as the sources give them, each with the source and table it comes from.
Where two tables of one source disagree (the outcome labels of units F and G), both are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field

from mbt_advisor.common.strict import Strict
from mbt_advisor.engine.tables import question_applies
from mbt_advisor.profile.model import Level


class Source(Strict):
    id: str
    kind: Literal["paper", "talk"]
    authors: str
    year: int | None = Field(default=None, description="Omitted where the source carries no date (the talk)")
    title: str
    venue: str
    locator: str | None = None
    doi: str | None = None
    url: str | None = None
    notes: tuple[str, ...] = ()

    def reference(self) -> str:
        dated = f" ({self.year})" if self.year is not None else ""
        text = f"{self.authors}{dated}. {self.title}. {self.venue}"
        if self.locator:
            text += f", {self.locator}"
        text += "."
        if self.doi:
            text += f" doi:{self.doi}"
        elif self.url:
            text += f" {self.url}"
        return text


class SourcesFile(Strict):
    sources: tuple[Source, ...] = Field(min_length=1)


class OutcomeLabel(Strict):
    source: str
    table: str
    label: str = Field(description="The label as published (e.g. 'Negative', 'Failure', 'Mixed')")
    outcome: Literal["failure", "mixed", "success"] = Field(description="The label on a common scale")
    text: str | None = None


class CaseDeterminant(Strict):
    id: str
    text: str
    direction: Literal["barrier", "facilitator", "context"]
    level: Level
    source: str
    table: str


class LevelRating(Strict):
    mean: float
    low: int
    high: int


class EffectSize(Strict):
    measure: str
    months: int
    low: float
    high: float
    source: str
    note: str | None = None


class Case(Strict):
    id: str
    name: str
    kind: Literal["unit", "inpatient_unit", "cohort"]
    source: str
    programme: str
    summary: str = Field(description="What the source reports of the case, in our words and nothing more")
    summary_locator: str = Field(description="Where the summary's statements come from (table, slide, abstract)")
    reading: str | None = Field(default=None, description="Our own reading of the case, shown apart from the summary")
    outcome_labels: tuple[OutcomeLabel, ...] = Field(min_length=1)
    determinants: tuple[CaseDeterminant, ...] = ()
    expert_ratings: dict[Literal["combination", "organization", "team", "therapist"], LevelRating] | None = None
    effect_sizes: tuple[EffectSize, ...] = ()
    profile: dict[str, Any]
    encoding: dict[str, str] = Field(
        default_factory=dict, description="For each encoded profile field, the source statement it rests on"
    )
    not_encoded: tuple[str, ...] = Field(default=(), description="Statements that no profile field can hold")
    notes: tuple[str, ...] = ()

    def outcomes(self) -> list[str]:
        seen: list[str] = []
        for label in self.outcome_labels:
            if label.outcome not in seen:
                seen.append(label.outcome)
        return seen

    def outcome_text(self) -> str:
        """The outcome as published; both labels where the tables disagree."""
        parts = [f"{o.label} ({o.table})" for o in self.outcome_labels]
        return "; ".join(parts)


class Determinant(Strict):
    id: str
    name: str
    times_named: int = Field(
        ge=0,
        description="Column X of the determinant slide, as given: how often the determinant is named, not a "
        "count of cases (support has 8 although there are seven units)",
    )
    source: str
    table: str


class RatingItem(Strict):
    id: str
    short: str = Field(max_length=45, description="A short label for charts")
    level: Level
    text: str
    reference_ratings: dict[str, float] = Field(description="Table 4 consensus rating per cohort")


class ScaleLabel(Strict):
    value: int
    label: str


class Lesson(Strict):
    id: str
    level: Level | Literal["all"]
    text: str
    kind: Literal["finding", "summary", "suggestion"]
    source: str
    detail: str


class DeterminantsFile(Strict):
    determinants: tuple[Determinant, ...]
    level_ratings: dict[Literal["combination", "organization", "team", "therapist"], float]
    level_ratings_source: str
    notes: tuple[str, ...] = ()


class RatingItemsFile(Strict):
    source: str
    table: str
    scale: tuple[ScaleLabel, ...]
    items: tuple[RatingItem, ...] = Field(min_length=21, max_length=21)


class LessonsFile(Strict):
    lessons: tuple[Lesson, ...]


class Choice(Strict):
    value: str | bool | int
    label: str


class Question(Strict):
    field: str
    prompt: str
    label: str | None = Field(
        default=None,
        max_length=60,
        description="The field in a few words, for lists and sentences ('clinical leadership'); lower case",
    )
    help: str
    type: Literal["choice", "boolean", "integer", "fraction", "text", "date", "multi", "rating"]
    choices: tuple[Choice, ...] = ()
    default: Any = None
    when: dict[str, tuple[Any, ...]] | None = Field(
        default=None, description="Ask only when each named field holds one of the listed values"
    )
    unless: dict[str, tuple[Any, ...]] | None = Field(
        default=None, description="Do not ask when a named field holds one of the listed values"
    )
    before_start_when: dict[str, tuple[Any, ...]] | None = Field(
        default=None,
        description="Ask a unit that has not started (readiness.yaml, not_started_phases) only when each named "
        "field holds one of the listed values; an unanswered field holds none",
    )
    path: Literal["all", "founder", "expert"] = "all"

    def applies(self, answers: dict[str, Any], *, not_started: bool = False) -> bool:
        """Whether to ask this question, given the answers so far (``section.key`` -> value) and whether the
        unit has not started yet."""
        return question_applies(
            self.when, self.unless, answers, before_start_when=self.before_start_when, not_started=not_started
        )


class QuestionsFile(Strict):
    questions: tuple[Question, ...]


class CoverageExceptionsFile(Strict):
    exceptions: dict[str, str] = Field(default_factory=dict, description="target id -> why no rule covers it")


# --- citation roles and evidence grades (knowledge/evidence.yaml) ---------------------------------------------
# What a citation is in its source (its role), and the evidence grade a rule's citations carry: the ONE
# definition of both is knowledge/evidence.yaml. Loading checks every citation against its role
# (``citation_problem``: where a role may stand, whether it is about a case, that a determinant's or outcome's
# words are the case file's, that a proposal keeps its hedge) and derives every grade (``derive_grade``).


class RoleSpec(Strict):
    label: str = Field(description="What a citation in this role is, in a reader's words")
    case: Literal["required", "optional", "none"]
    cases: tuple[str, ...] | None = Field(default=None, description="The only cases this role may name")
    locators: tuple[str, ...] = Field(min_length=1)
    checked: Literal["determinant", "outcome"] | None = None
    unchecked_at: tuple[str, ...] = Field(
        default=(), description="Locators where the words are a rated item's, not the case file's (not checked)"
    )
    hedges: tuple[str, ...] = ()


class GradeSpec(Strict):
    id: str
    label: str
    cases_named: int | None = Field(default=None, ge=1)
    any_role: tuple[str, ...] | None = None
    weight: float = Field(gt=0, le=1)


class EvidenceFile(Strict):
    roles: dict[str, RoleSpec]
    grades: tuple[GradeSpec, ...] = Field(min_length=1)

    def grade(self, grade_id: str) -> GradeSpec:
        return next(g for g in self.grades if g.id == grade_id)

    def label(self, grade_id: str) -> str:
        found = [g.label for g in self.grades if g.id == grade_id]
        return found[0] if found else grade_id.replace("_", " ")

    def weights(self) -> dict[str, float]:
        return {g.id: g.weight for g in self.grades}


# Roles that count as a determinant of the thing the rule advises on (the grade counts their cases).
DETERMINANT = "determinant"


def _norm(text: str) -> str:
    """Words compared without case, spaces, quotes or bullets ("team/ hostility" is "team/hostility"); the
    source's own spelling "accomodate" is read as "accommodate"."""
    return re.sub(r"[\s'\"\u2018\u2019\u2022]", "", text.lower()).replace("accomodate", "accommodate")


def parts(detail: str) -> list[str]:
    """The statements of one citation: its detail split at ';'."""
    return [p.strip() for p in detail.split(";") if p.strip()]


def cases_named(citations: Iterable[tuple[str, str | None]]) -> list[str]:
    """The distinct cases cited as determinants, in order, from (role, case) pairs."""
    found: list[str] = []
    for role, case in citations:
        if role == DETERMINANT and case and case not in found:
            found.append(case)
    return found


def derive_grade(spec: EvidenceFile, roles: Iterable[tuple[str, str | None]]) -> str:
    """The first grade (strongest first) whose test the citations' (role, case) pairs meet."""
    pairs = list(roles)
    named = cases_named(pairs)
    present = {role for role, _ in pairs}
    for grade in spec.grades:
        if grade.cases_named is not None:
            if len(named) >= grade.cases_named:
                return grade.id
        elif grade.any_role is not None:
            if present & set(grade.any_role):
                return grade.id
        else:
            return grade.id
    return spec.grades[-1].id


def carried(spec: EvidenceFile, roles: Iterable[tuple[str, str | None]]) -> str:
    """What the citations carry, in words, for an error message: 'determinants of 1 case (MBT-A); roles
    rating, determinant_slide'."""
    pairs = list(roles)
    named = cases_named(pairs)
    others = sorted({role for role, _ in pairs if role != DETERMINANT})
    text = f"determinants of {len(named)} case{'s' if len(named) != 1 else ''}"
    if named:
        text += f" ({', '.join(named)})"
    if others:
        text += f"; also {', '.join(others)}"
    return text


def citation_problem(
    spec: EvidenceFile,
    role: str,
    case: str | None,
    locator: str,
    detail: str,
    recorded: Mapping[str, tuple[list[str], list[str]]],
) -> str | None:
    """What is wrong with one citation or statement, or None. ``recorded`` maps a case id to its case file's
    (determinant texts, outcome texts)."""
    known = spec.roles.get(role)
    if known is None:
        return f"unknown role '{role}'"
    if known.case == "required" and case is None:
        return f"a citation in the role '{role}' names its case (a source statement cannot carry it)"
    if known.case == "none" and case is not None:
        return f"the role '{role}' is not about one case; cite it as a source statement"
    if known.cases is not None and case is not None and case not in known.cases:
        return f"the role '{role}' is only for {', '.join(known.cases)}, not case '{case}'"
    if locator not in known.locators:
        return f"the role '{role}' stands at {', '.join(repr(x) for x in known.locators)}, not at '{locator}'"
    if known.hedges and not any(h in detail for h in known.hedges):
        return (
            f"a proposal keeps the authors' hedge ({' or '.join(repr(h) for h in known.hedges)}); "
            f"'{' '.join(detail.split())}' states it as a finding"
        )
    if known.checked and case is not None and case in recorded and locator not in known.unchecked_at:
        determinants, outcomes = recorded[case]
        texts = [_norm(t) for t in (determinants if known.checked == "determinant" else outcomes)]
        for part in parts(detail):
            if not any(_norm(part) in text for text in texts):
                where = "determinants" if known.checked == "determinant" else "outcome"
                return f"case {case}'s file records no such words among its {where}: '{part}'"
    return None
