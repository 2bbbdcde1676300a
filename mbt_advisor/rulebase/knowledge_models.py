"""What the knowledge files hold: sources, cases and cohorts, determinants, rating items, lessons, questions.

Figures and labels are recorded as the sources give them, each with the source and table it comes from.
Where two tables of one source disagree (the outcome labels of units F and G), both are kept.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mbt_advisor.common.strict import Strict
from mbt_advisor.engine.tables import question_applies
from mbt_advisor.profile.model import Level


class Source(Strict):
    id: str
    kind: Literal["paper", "talk"]
    authors: str
    year: int
    title: str
    venue: str
    locator: str | None = None
    doi: str | None = None
    url: str | None = None
    notes: tuple[str, ...] = ()

    def reference(self) -> str:
        text = f"{self.authors} ({self.year}). {self.title}. {self.venue}"
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
    path: Literal["all", "founder", "expert"] = "all"

    def applies(self, answers: dict[str, Any]) -> bool:
        """Whether to ask this question, given the answers so far (``section.key`` -> value)."""
        return question_applies(self.when, self.unless, answers)


class QuestionsFile(Strict):
    questions: tuple[Question, ...]


class CoverageExceptionsFile(Strict):
    exceptions: dict[str, str] = Field(default_factory=dict, description="target id -> why no rule covers it")
