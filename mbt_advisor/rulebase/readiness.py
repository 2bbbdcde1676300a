"""Readiness of a unit that has not started (knowledge/readiness.yaml): the one definition of which phases
come before the first patients, which fields need a running practice, and what must be in place first.

The assessment reads it (through ``tables.Tables``) to leave practice fields out for such a unit and to count
open preconditions (``advisor.readiness_status``); the wizard reads it (``ReadinessFile.practice_fields``) to
skip the practice questions.
"""

from __future__ import annotations

from pydantic import Field

from mbt_advisor.common.strict import Strict


class PracticeField(Strict):
    field: str
    why: str


class Precondition(Strict):
    """Something that must be in place before the first patients. What counts as in place is not written here:
    it is open exactly when its ``rule``'s conditions on its ``field`` hold for the answers (the one reading
    of each case, shared with the rule base), and its X on the determinant slide is that rule's determinant's
    (``determinant``, when given, must be that rule's)."""

    field: str
    text: str
    rule: str = Field(description="The rule whose conditions on `field` say that the precondition is open")
    determinant: str | None = None
    cases: tuple[str, ...] = Field(min_length=1)


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
