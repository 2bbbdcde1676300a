"""Readiness of a unit that has not started (knowledge/readiness.yaml): the one definition of which phases
come before the first patients, which fields need a running practice, and what must be in place first.

The assessment reads it (through ``tables.Tables``) to leave practice fields out for such a unit and to count
open preconditions (``advisor.readiness_status``); the wizard reads it (``ReadinessFile.practice_fields``) to
skip the practice questions.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from mbt_advisor.common.strict import Strict
from mbt_advisor.engine.tables import precondition_holds


class PracticeField(Strict):
    field: str
    why: str


class Precondition(Strict):
    field: str
    text: str
    in_place: tuple[Any, ...] | None = None
    between: tuple[int, int] | None = None
    determinant: str | None = None
    cases: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_test(self) -> Precondition:
        if (self.in_place is None) == (self.between is None):
            raise ValueError(f"{self.field}: give exactly one of in_place or between")
        return self

    def holds(self, value: Any) -> bool:
        """Whether an answer puts this precondition in place (``value`` is not None)."""
        return precondition_holds(self.in_place, self.between, value)


class ReadinessFile(Strict):
    not_started_phases: tuple[str, ...]
    decisive_from: int = Field(
        ge=1, description="Our reading: a determinant with at least this X on the determinant slide is decisive"
    )
    practice_fields: tuple[PracticeField, ...]
    preconditions: tuple[Precondition, ...]

    def not_started(self, phase: str | None) -> bool:
        """True when the unit has no patients yet (its phase is one of ``not_started_phases``)."""
        return phase in self.not_started_phases

    def practice_field_names(self) -> tuple[str, ...]:
        """The fields that describe daily practice, in file order."""
        return tuple(p.field for p in self.practice_fields)
