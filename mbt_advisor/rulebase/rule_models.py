"""The rule language: what a rule file may say, checked strictly (unknown keys are errors)."""

from __future__ import annotations

import itertools
import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from mbt_advisor.common.strict import Strict as BaseStrict
from mbt_advisor.engine import conditions
from mbt_advisor.profile.model import Level

Theme = Literal["support", "leadership", "selection", "supervision", "structure", "culture"]
THEMES: tuple[str, ...] = ("support", "leadership", "selection", "supervision", "structure", "culture")
Severity = Literal["low", "medium", "high"]
Evidence = Literal["several_cases", "one_case", "expert_consensus", "suggestion"]
Scalar = str | bool | int | float

OPERATORS = ("equals", "in", "lt", "lte", "gt", "gte", "contains", "not_empty", "unknown")
_RULE_ID = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$")
_CONCERN = re.compile(r"^[a-z][a-z0-9_]*$")


class Strict(BaseStrict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(Strict):
    """One test: on a profile field, on a derived concern, or ``any`` of several such tests."""

    field: str | None = None
    concern: str | None = None
    any: tuple[Condition, ...] | None = None
    equals: Scalar | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None
    contains: str | None = None
    not_empty: Literal[True] | None = None
    unknown: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        subjects = [name for name in ("field", "concern", "any") if getattr(self, name) is not None]
        if len(subjects) != 1:
            raise ValueError("a condition has exactly one of 'field', 'concern' or 'any'")
        ops = self.operators()
        if self.field is not None and len(ops) != 1:
            raise ValueError(
                f"a field condition needs exactly one test, one of: {', '.join(OPERATORS)} (found {len(ops)})"
            )
        if self.field is None and ops:
            raise ValueError("tests such as 'equals' or 'lte' only go with 'field'")
        if self.concern is not None and not _CONCERN.match(self.concern):
            raise ValueError("a concern name is lower_case_with_underscores")
        if self.any is not None:
            if len(self.any) < 2:
                raise ValueError("'any' needs at least two alternatives")
            if any(c.any is not None for c in self.any):
                raise ValueError("'any' cannot be nested inside 'any'")
        return self

    def operators(self) -> list[str]:
        return [op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None]

    def operator(self) -> tuple[str, Any]:
        op = self.operators()[0]
        return op, getattr(self, "in_" if op == "in" else op)

    def holds(self, value: Any) -> bool:
        """Whether this field test holds for ``value`` (None = unanswered): the engine's own definition."""
        return conditions.holds(*self.operator(), value)

    def describe(self) -> str:
        if self.concern:
            return f"concern {self.concern}"
        if self.any:
            return " or ".join(c.describe() for c in self.any)
        op, value = self.operator()
        words = {
            "equals": "is",
            "in": "is one of",
            "lt": "<",
            "lte": "<=",
            "gt": ">",
            "gte": ">=",
            "contains": "contains",
            "not_empty": "is not empty",
            "unknown": "is unknown",
        }
        if op in {"not_empty", "unknown"}:
            return f"{self.field} {words[op]}"

        def show(v: Any) -> str:
            return ("true" if v else "false") if isinstance(v, bool) else f"{v:g}" if isinstance(v, float) else str(v)

        shown = ", ".join(map(show, value)) if op == "in" else show(value)
        return f"{self.field} {words[op]} {shown}"


class SourceStatement(Strict):
    """One thing a source reports, at one place in it, and nothing more (quoted or closely paraphrased)."""

    source: str = Field(description="Source id from knowledge/sources.yaml")
    locator: str = Field(min_length=3, description="Where in the source: 'Table 1', 'Lessons learned slide', ...")
    detail: str = Field(min_length=3, description="What the source says there, and only that")

    def line(self) -> str:
        """'Table 1: top-down implementation' (the contract's citation detail)."""
        return f"{self.locator}: {self.detail}"


class Citation(SourceStatement):
    """A source statement about one documented case or cohort."""

    case: str = Field(description="Case or cohort id: A-G, MBT-A, PRE-REORG, REORG")


class Rule(Strict):
    id: str
    title: str = Field(min_length=5)
    theme: Theme
    level: Level
    severity: Severity
    evidence: Evidence
    determinant: str | None = None
    table4_item: str | None = None
    when: tuple[Condition, ...] = Field(min_length=1)
    concludes: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = Field(min_length=1, description="Evidence: what the sources report per case")
    source_statements: tuple[SourceStatement, ...] = Field(
        default=(), description="Evidence not about one case (the talk's summary, its ideas for schools, ...)"
    )
    reading: str | None = Field(
        default=None, min_length=20, description="mbt-advisor's own reasoning and advice, apart from the evidence"
    )
    actions: tuple[str, ...] = Field(min_length=1)
    questions: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError("a rule id is 'theme.words-with-dashes', e.g. 'leadership.contested-lead'")
        return value

    @field_validator("concludes")
    @classmethod
    def _concern_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _CONCERN.match(name):
                raise ValueError(f"concern '{name}' must be lower_case_with_underscores")
        return value

    @model_validator(mode="after")
    def _id_matches_theme(self) -> Rule:
        if self.id.split(".", 1)[0] != self.theme:
            raise ValueError(f"rule id '{self.id}' must start with its theme, '{self.theme}.'")
        return self

    def evidence_text(self) -> str:
        """The evidence in one line: 'C, Table 1: top-down implementation. Summary slide: ...'."""
        parts = [f"{c.case}, {c.line()}" for c in self.citations]
        parts += [s.line() for s in self.source_statements]
        return " ".join(" ".join(p.split()).rstrip(".") + "." for p in parts)

    @property
    def rationale(self) -> str:
        """The contract's rationale: the evidence, then our reading, each under its visible label."""
        text = f"Evidence: {self.evidence_text()}"
        if self.reading:
            text += f" Our reading: {' '.join(self.reading.split())}"
        return text

    def fields(self) -> list[str]:
        """Every profile field that the rule's conditions read."""
        found: list[str] = []
        for condition in self.when:
            for atom in condition.any or (condition,):
                if atom.field and atom.field not in found:
                    found.append(atom.field)
        return found

    def concerns_used(self) -> list[str]:
        used: list[str] = []
        for condition in self.when:
            for atom in condition.any or (condition,):
                if atom.concern and atom.concern not in used:
                    used.append(atom.concern)
        return used


class RuleFile(Strict):
    rules: tuple[Rule, ...] = Field(min_length=1)


def branches(rule: Rule) -> list[tuple[Condition, ...]]:
    """The rule's conditions expanded into alternatives (disjunctive normal form)."""
    options = [condition.any or (condition,) for condition in rule.when]
    return [tuple(combo) for combo in itertools.product(*options)]


def strata(rules: list[Rule]) -> dict[str, int]:
    """Inference depth of each rule: 0 if it reads only the profile, else 1 + the depth of its concerns."""
    concluders: dict[str, list[Rule]] = {}
    for rule in rules:
        for concern in rule.concludes:
            concluders.setdefault(concern, []).append(rule)
    depth: dict[str, int] = {}

    def of(rule: Rule) -> int:
        if rule.id not in depth:
            used = rule.concerns_used()
            depth[rule.id] = 1 + max((of(r) for c in used for r in concluders.get(c, [])), default=-1)
        return depth[rule.id]

    for rule in rules:
        of(rule)
    return depth
