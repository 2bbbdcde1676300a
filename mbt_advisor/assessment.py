"""The assessment: what an evaluation returns (contract section 3), as typed, frozen models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Strict
from .profile import Level

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


class Risk(Strict):
    overall: RiskLevel
    levels: dict[Level, RiskLevel]
    index: float | None = Field(description="Overall risk index, 0-100, higher is worse; null when unknown")
    level_index: dict[Level, float | None] = Field(description="Risk index per level (null = unknown)")
    coverage: dict[Level, float | None] = Field(description="Share of the questions that matter answered")
    headline: str = Field(description="The overall reading in one line, naming levels it could not judge")
    details: list[LevelRisk]
    explanation: str


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


class SourceStatementOut(Strict):
    source: str
    locator: str
    statement: str
    reference: str


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
    evidence: str = Field(description="Evidence grade: several_cases, one_case, expert_consensus or suggestion")
    rationale: str = Field(description="'Evidence: ...' then 'Our reading: ...', composed from the two fields below")
    actions: list[str]
    questions: list[str]
    citations: list[CitationOut] = Field(description="Evidence about documented cases, each with its locator")
    source_statements: list[SourceStatementOut] = Field(description="Evidence not about one case")
    our_reading: str | None = Field(description="mbt-advisor's own reasoning, kept apart from the evidence")
    matched: list[MatchedFact]
    concludes: list[str]
    score_components: ScoreComponents
    timing: Literal["before_start", "now"] = Field(
        description="'before_start' for a unit that has not started (act before the first patients), else 'now'"
    )


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
    concerns: list[str]
    similar_cases: list[SimilarCase]
    missing_information: list[MissingInformation]
    fired_rules: list[str] = Field(description="Rule activations in firing order (rule#branch)")
