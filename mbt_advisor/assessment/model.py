"""The assessment: what an evaluation returns (contract section 3), as typed, frozen models.

The advisor computes every value of an assessment itself, from the checked rule base and a validated
profile, so it builds these models with :func:`trusted` (no validation); their validators and serializers
are built only when first used (``defer_build``), by a caller that validates or dumps one.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mbt_advisor.common.prose import GROUNDING_ROLES, READING_ROLE
from mbt_advisor.common.strict import Strict as _Strict
from mbt_advisor.profile.model import Level

M = TypeVar("M", bound=BaseModel)


class Strict(_Strict):
    model_config = ConfigDict(defer_build=True)


def trusted(model: type[M], /, **values: Any) -> M:
    """``model`` from values the code itself computed, without validating them (``model_construct``), with
    the one change validation would make to such values: a whole number in a float field becomes a float
    (``0`` would be written ``0`` instead of ``0.0``). Tuples in list fields become lists likewise."""
    for name, convert in _conversions(model):
        if name in values:
            values[name] = convert(values[name])
    return model.model_construct(**values)


@functools.cache
def _conversions(model: type[BaseModel]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    found = []
    for name, field in model.model_fields.items():
        convert = _conversion(field.annotation)
        if convert is not None:
            found.append((name, convert))
    return tuple(found)


def _as_float(value: Any) -> Any:
    return float(value) if type(value) is int else value


def _as_list(value: Any) -> Any:
    return value if type(value) is list else list(value)


def _conversion(annotation: Any) -> Callable[[Any], Any] | None:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is float:
        return _as_float
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return _as_float if options == [float] else None
    if origin is list:
        return _as_list if _conversion(args[0]) is None else None  # no list of floats in these models
    if origin is dict:
        inner = _conversion(args[1])
        return None if inner is None else lambda value: {k: inner(v) for k, v in value.items()}
    return None


RiskLevel = Literal["low", "moderate", "high", "unknown"]


class OrganizationSummary(Strict):
    name: str
    setting: str | None
    population: str | None
    phase: str | None
    assessed_on: str | None = None
    assessor: str | None = None


class LevelRisk(Strict):
    level: Level
    risk: RiskLevel
    index: float | None = Field(description="0-100, higher is worse; null when the level is unknown")
    load: float = Field(description="Summed severity points of the rules that fired at this level")
    rules: list[str] = Field(description="The rules that fired at this level, heaviest first")
    drivers: list[str] = Field(description="What sets this level's risk, in words")
    mean_rating: float | None = Field(description="Mean of the level's Table 4 ratings, when enough are given")
    rated_items: int
    known_fields: int = Field(description="Answered questions among those that matter at this level")
    total_fields: int = Field(description="Questions that matter at this level (some rule reads them)")
    coverage: float | None = Field(description="known_fields / total_fields, 0-1; null when none matter")


class DecisiveBarrierOut(Strict):
    id: str
    level: Level
    text: str = Field(description="The barrier in words")
    cases: list[str] = Field(description="The documented cases the reasons rest on (docs/scoring.md)")


class Risk(Strict):
    overall: RiskLevel
    levels: dict[Level, RiskLevel]
    index: float | None = Field(description="Overall risk index, 0-100, higher is worse; null when unknown")
    level_index: dict[Level, float | None] = Field(description="Risk index per level (null = unknown)")
    coverage: dict[Level, float | None] = Field(description="Share of the questions that matter answered")
    headline: str = Field(description="The overall reading in one line, naming levels it could not judge")
    details: list[LevelRisk]
    explanation: str
    decisive_barriers: list[DecisiveBarrierOut] = Field(
        default_factory=list,
        description="Answers that alone put their level in the high band (knowledge/decisive_barriers.yaml)",
    )


class PreconditionStatus(Strict):
    field: str
    text: str
    status: Literal["in_place", "open", "unknown"]
    decisive: bool = Field(
        description="Our reading: its determinant has an X of at least `decisive_from` on the determinant slide"
    )
    determinant: str | None
    times_named: int | None = Field(
        description="Column X of the determinant slide for its determinant (how often it is named; not a count "
        "of cases: support has 8 with seven units)"
    )
    slide_item: str | None = Field(
        default=None,
        description="The determinant slide's own words for the item its count is given for (the precondition's "
        "wording may be narrower than the slide's item)",
    )
    cases: list[str]


class Readiness(Strict):
    """For a unit that has not started: what must be in place before the first patients."""

    total: int
    in_place: int
    open: int
    unknown: int
    decisive_open: list[str] = Field(description="Open preconditions the cases show to be decisive")
    preconditions: list[PreconditionStatus]
    headline: str


class CitationOut(Strict):
    case: str
    source: str
    detail: str = Field(description="'<locator>: <statement>', e.g. 'Table 1: top-down implementation'")
    outcome: str = Field(description="The case's outcome as published (both labels where tables disagree)")
    reference: str
    locator: str = Field(description="Where in the source: a table, slide or abstract")
    statement: str = Field(description="What the source says there about the case, and nothing more")
    role: str = Field(
        description="What it is in its source (knowledge/evidence.yaml): determinant, outcome, rating, context, "
        "proposal, effect_sizes, or reading (our reading of the case, never shown as evidence)"
    )
    role_label: str = Field(description="The role in a reader's words")


class SourceStatementOut(Strict):
    source: str
    locator: str
    statement: str
    reference: str
    role: str = Field(description="determinant_slide, expert_ratings, lesson, background, outcome, proposal or schools")
    role_label: str


class MatchedFact(Strict):
    field: str = Field(description="Profile field (section.key), or 'concern:<id>' for a derived concern")
    value: Any


class ScoreComponents(Strict):
    severity: float
    source_support: float
    determinant_share: float
    cohort_gap: float
    level_weight: float
    evidence_weight: float
    compounding: float


class Recommendation(Strict):
    rule_id: str
    title: str
    theme: str
    level: Level
    priority: int
    score: float
    severity: str
    evidence: str = Field(
        description="Evidence grade derived from the citations' roles (knowledge/evidence.yaml): several_cases, "
        "one_case, programme_ratings, general_slides, proposal, suggestion or our_reading"
    )
    evidence_label: str = Field(description="The grade in a reader's words")
    rationale: str = Field(description="'Evidence: ...' then 'Our reading: ...', composed from the two fields below")
    actions: list[str]
    questions: list[str]
    citations: list[CitationOut] = Field(description="Evidence about documented cases, each with its locator")
    source_statements: list[SourceStatementOut] = Field(description="Evidence not about one case")
    our_reading: str | None = Field(description="mbt-advisor's own reasoning, kept apart from the evidence")
    because: list[str] = Field(
        default_factory=list,
        description="Where the rule fired on a concern that only our reading concluded: that reading, in a reader's "
        "words; it also opens our_reading",
    )
    matched: list[MatchedFact]
    concludes: list[str]
    score_components: ScoreComponents
    timing: Literal["before_start", "now"] = Field(
        description="'before_start' for a unit that has not started (act before the first patients), else 'now'"
    )

    def shown_citations(self) -> list[CitationOut]:
        """The citations a person is shown as evidence: never our reading of a case (role 'reading', kept in
        the JSON so that every recommendation names a case, as the contract asks)."""
        return [c for c in self.citations if c.role != READING_ROLE]

    def evidence_cases(self) -> list[str]:
        """The cases the shown evidence is about, sorted."""
        return sorted({c.case for c in self.shown_citations()})

    def grounding_cases(self) -> list[str]:
        """The cases the advice rests on, in citation order: those cited as a determinant or a rating, never a
        case cited only for its outcome, its context or its authors' proposal (page one's tag)."""
        return list(dict.fromkeys(c.case for c in self.citations if c.role in GROUNDING_ROLES))


class Strength(Strict):
    """What is in place that the sources name as a facilitator, rate high, or name as a barrier where it was
    missing, and what protects it."""

    id: str
    title: str
    theme: str
    level: Level
    evidence: str = Field(description="Evidence grade derived from the citations' roles (knowledge/evidence.yaml)")
    evidence_label: str = Field(description="The grade in a reader's words")
    citations: list[CitationOut] = Field(description="Evidence about documented cases, each with its locator")
    source_statements: list[SourceStatementOut] = Field(description="Evidence not about one case")
    our_reading: str = Field(description="mbt-advisor's own reasoning, kept apart from the evidence")
    protect: list[str] = Field(description="What protects the strength (our advice)")
    questions: list[str] = Field(description="What a consultant asks on a visit to keep the strength")
    matched: list[MatchedFact] = Field(description="The answers that show the strength")

    def shown_citations(self) -> list[CitationOut]:
        """The citations a person is shown as evidence: never our reading of a case (role 'reading'), as for a
        recommendation."""
        return [c for c in self.citations if c.role != READING_ROLE]


class SimilarCase(Strict):
    case: str
    name: str
    similarity: float
    outcome: str
    shared_concerns: list[str]
    compared_fields: int
    differences: list[str]


class MissingInformation(Strict):
    field: str
    question: str
    level: Level | None
    needed_by: list[str]


class Assessment(Strict):
    tool: str = "mbt-advisor"
    version: str
    rule_base: str = Field(description="Digest of the rule and knowledge files used")
    organization: OrganizationSummary
    risk: Risk
    readiness: Readiness | None = Field(description="Only for a unit that has not started (phase planning)")
    recommendations: list[Recommendation]
    strengths: list[Strength] = Field(
        default_factory=list,
        description="What is in place that the sources name as a facilitator, rate high, or name as a barrier "
        "where it was missing",
    )
    concerns: list[str]
    similar_cases: list[SimilarCase]
    missing_information: list[MissingInformation]
    fired_rules: list[str] = Field(description="Rule activations in firing order (rule#branch)")
