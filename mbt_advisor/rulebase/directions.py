"""Which answers are better, and which fields a unit can change (knowledge/field_directions.yaml).

A field is actionable (the unit can change it), context (it could change, but not by the unit's decision:
what-if changes it only when asked) or history (a fact about the past, such as how MBT was chosen: what-if
never proposes changing it).

``goodness`` puts the answers of one field on a scale where larger is better; ``improvements`` lists the
better answers in order of the smallest step first; ``direction`` says whether a change was an improvement
or a decline. The what-if search and the visit comparison both rest on these three.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from mbt_advisor.common.strict import Strict


class FactDirection(Strict):
    worst_to_best: tuple[str, ...] | None = None
    good: bool | None = None
    best_range: tuple[int, int] | None = None
    higher_better: bool | None = None
    good_empty: bool | None = None
    actionable: bool = True
    history: bool = Field(default=False, description="A fact about the past: never proposed for change")

    @model_validator(mode="after")
    def _one_kind(self) -> FactDirection:
        kinds = [
            k
            for k in ("worst_to_best", "good", "best_range", "higher_better", "good_empty")
            if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError("give exactly one of worst_to_best, good, best_range, higher_better, good_empty")
        if self.history and self.actionable:
            raise ValueError("a history field is not actionable: add actionable: false")
        return self


class RatingDirections(Strict):
    context: tuple[str, ...] = ()


class DirectionsFile(Strict):
    ratings: RatingDirections = Field(default_factory=RatingDirections)
    facts: dict[str, FactDirection]


RATING_STEPS = (4.0, 5.0, 6.0)
FRACTION_STEPS = (0.5, 0.8, 1.0)


class Directions:
    def __init__(self, spec: DirectionsFile) -> None:
        self.spec = spec

    def actionable(self, field: str) -> bool:
        section, _, key = field.partition(".")
        if section == "ratings":
            return key not in self.spec.ratings.context
        if section == "facts":
            return self.spec.facts[key].actionable
        return False

    def history(self, field: str) -> bool:
        """A fact about the past (e.g. how MBT was chosen): no plan may propose changing it."""
        section, _, key = field.partition(".")
        return section == "facts" and self.spec.facts[key].history

    def goodness(self, field: str, value: Any) -> float | None:
        if value is None:
            return None
        section, _, key = field.partition(".")
        if section == "ratings":
            return float(value)
        if section != "facts":
            return None
        spec = self.spec.facts[key]
        if spec.worst_to_best is not None:
            return float(spec.worst_to_best.index(value))
        if spec.good is not None:
            return 1.0 if value is spec.good else 0.0
        if spec.best_range is not None:
            low, high = spec.best_range
            return -float(max(low - value, value - high, 0))
        if spec.higher_better:
            return float(value)
        return -float(len(value))

    def direction(self, field: str, old: Any, new: Any) -> str:
        """'better', 'worse', 'changed' (not comparable, e.g. from or to unknown) or 'same'."""
        if old == new:
            return "same"
        a, b = self.goodness(field, old), self.goodness(field, new)
        if a is None or b is None or a == b:
            return "changed"
        return "better" if b > a else "worse"

    def improvements(self, field: str, value: Any) -> list[Any]:
        """Better answers for a known value, smallest step first."""
        if value is None:
            return []
        section, _, key = field.partition(".")
        if section == "ratings":
            return [step for step in RATING_STEPS if step > value]
        spec = self.spec.facts[key]
        if spec.worst_to_best is not None:
            return list(spec.worst_to_best[spec.worst_to_best.index(value) + 1 :])
        if spec.good is not None:
            return [spec.good] if value is not spec.good else []
        if spec.best_range is not None:
            low, high = spec.best_range
            return [high] if value > high else [low] if value < low else []
        if spec.higher_better:
            return [step for step in FRACTION_STEPS if step > value]
        return [[]] if value else []
