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
    drivers: list[str] = Field(description="What sets this level's risk, in words")
    mean_rating: float | None = Field(description="Mean of the level's Table 4 ratings, when enough are given")
    rated_items: int
    known_fields: int
    total_fields: int


class Risk(Strict):
    overall: RiskLevel
    levels: dict[Level, RiskLevel]
    details: list[LevelRisk]
    explanation: str


class CitationOut(Strict):
    case: str
    source: str
    detail: str
    outcome: str = Field(description="The case's outcome as published (both labels where tables disagree)")
    reference: str


class MatchedFact(Strict):
    field: str = Field(description="Profile field (section.key), or 'concern:<id>' for a derived concern")
    value: Any


class ScoreComponents(Strict):
    severity: float
    case_support: float
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
    evidence: str
    rationale: str
    actions: list[str]
    questions: list[str]
    citations: list[CitationOut]
    matched: list[MatchedFact]
    concludes: list[str]
    score_components: ScoreComponents


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
    recommendations: list[Recommendation]
    concerns: list[str]
    similar_cases: list[SimilarCase]
    missing_information: list[MissingInformation]
    fired_rules: list[str] = Field(description="Rule activations in firing order (rule#branch)")
