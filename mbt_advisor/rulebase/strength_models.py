"""Strengths and decisive barriers: what ``knowledge/strengths.yaml`` and ``knowledge/decisive_barriers.yaml``
may say, checked strictly (unknown keys are errors).

A strength is what a unit has in place that the sources name as a facilitator, or that the programme of
Bales, Timman et al. 2017 was rated high on: written like a rule (conditions in the rule language, citations
and source statements apart from our reading), with what protects it instead of actions. It concludes
nothing and never changes the risk. A decisive barrier is an answer that alone puts its level in the high band
of the risk index (docs/scoring.md). Both test profile answers only, never derived concerns.
"""

from __future__ import annotations

import itertools
import re

from pydantic import Field, field_validator, model_validator

from mbt_advisor.profile.model import Level
from mbt_advisor.rulebase.rule_models import Citation, Condition, SourceStatement, Strict, Theme

_STRENGTH_ID = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$")
_BARRIER_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _answers_only(when: tuple[Condition, ...]) -> None:
    for condition in when:
        for atom in condition.any or (condition,):
            if atom.concern is not None:
                raise ValueError("tests profile answers only: a derived concern ('concern:') is not allowed here")


def alternatives(when: tuple[Condition, ...]) -> list[tuple[Condition, ...]]:
    """The conditions expanded into alternatives (disjunctive normal form), as for a rule."""
    return [tuple(combo) for combo in itertools.product(*[c.any or (c,) for c in when])]


class Strength(Strict):
    id: str
    title: str = Field(min_length=5)
    theme: Theme
    level: Level
    evidence: str = Field(description="The evidence grade its citations carry (knowledge/evidence.yaml), checked")
    determinant: str | None = None
    table4_item: str | None = None
    when: tuple[Condition, ...] = Field(min_length=1)
    citations: tuple[Citation, ...] = Field(min_length=1, description="Evidence: what the sources report per case")
    source_statements: tuple[SourceStatement, ...] = ()
    reading: str = Field(min_length=20, description="mbt-advisor's own reasoning, apart from the evidence")
    protect: tuple[str, ...] = Field(min_length=1, description="What protects the strength")
    questions: tuple[str, ...] = Field(default=(), description="What a consultant asks on a visit to keep it")

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _STRENGTH_ID.match(value):
            raise ValueError("a strength id is 'theme.words-with-dashes', e.g. 'support.management-backing'")
        return value

    @model_validator(mode="after")
    def _checks(self) -> Strength:
        if self.id.split(".", 1)[0] != self.theme:
            raise ValueError(f"strength id '{self.id}' must start with its theme, '{self.theme}.'")
        _answers_only(self.when)
        return self

    def fields(self) -> list[str]:
        return list(dict.fromkeys(a.field for c in self.when for a in (c.any or (c,)) if a.field))


class StrengthsFile(Strict):
    strengths: tuple[Strength, ...] = Field(min_length=1)


class DecisiveBarrier(Strict):
    id: str
    level: Level
    text: str = Field(min_length=5, description="The barrier in the reader's words")
    when: tuple[Condition, ...] = Field(min_length=1)
    cases: tuple[str, ...] = Field(min_length=1, description="The documented cases the reasons rest on")

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _BARRIER_ID.match(value):
            raise ValueError("a decisive barrier id is 'words-with-dashes', e.g. 'management-support-lacking'")
        return value

    @model_validator(mode="after")
    def _checks(self) -> DecisiveBarrier:
        _answers_only(self.when)
        return self


class DecisiveBarriersFile(Strict):
    barriers: tuple[DecisiveBarrier, ...] = ()
