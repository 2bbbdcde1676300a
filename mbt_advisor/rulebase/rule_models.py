"""The rule language: what a rule file may say, checked strictly (unknown keys are errors)."""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from mbt_advisor.common.prose import READING_ROLE, STAGES, compose_rationale, evidence_line
from mbt_advisor.common.strict import Strict as BaseStrict
from mbt_advisor.engine import conditions
from mbt_advisor.profile.model import Level

Theme = Literal["support", "leadership", "selection", "supervision", "structure", "culture"]
THEMES: tuple[str, ...] = ("support", "leadership", "selection", "supervision", "structure", "culture")
Severity = Literal["low", "medium", "high"]
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

    role: str = Field(
        description="What the statement is in its source: a role of knowledge/evidence.yaml (determinant, outcome, "
        "rating, determinant_slide, lesson, proposal, schools, ...)"
    )
    source: str = Field(description="Source id from knowledge/sources.yaml")
    locator: str = Field(min_length=3, description="Where in the source: 'Table 1', 'Lessons learned slide', ...")
    detail: str = Field(min_length=3, description="What the source says there, and only that")

    def line(self) -> str:
        """'Table 1: top-down implementation' (the contract's citation detail)."""
        return f"{self.locator}: {self.detail}"


class Citation(SourceStatement):
    """A source statement about one documented case or cohort."""

    case: str = Field(description="Case or cohort id: A-G, MBT-A, PRE-REORG, REORG")
    about: tuple[str, ...] = Field(
        default=(),
        description="Concerns this citation is evidence for as the unit's answers show them: it is left out "
        "where such a concern rests only on our reading (a rule's `because`)",
    )


class StagedText(Strict):
    """An action or question that depends on the unit's stage: a unit that has not started reads
    ``before_start``, one that has started reads ``started``, and one whose stage is unknown reads both."""

    before_start: str = Field(min_length=5, description="For a unit that has not started (no patients yet)")
    started: str = Field(
        min_length=5,
        description="For a unit that has started (its first groups run, it runs, or it reorganizes); advice the "
        "sources do not give for a running programme says that it is our reasoning",
    )

    def texts(self) -> list[str]:
        return [getattr(self, stage) for stage in STAGES]


def _text_kind(value: Any) -> str:
    return "staged" if isinstance(value, dict | StagedText) else "text"


# a mapping is checked as a staged text only, so its own problems are reported (not "should be a string")
Text = Annotated[Annotated[str, Tag("text")] | Annotated[StagedText, Tag("staged")], Discriminator(_text_kind)]


def texts_of(items: tuple[Text, ...]) -> list[str]:
    """Every text a reader may see of ``items``, at any stage."""
    return [t for item in items for t in ([item] if isinstance(item, str) else item.texts())]


class Rule(Strict):
    id: str
    title: str = Field(min_length=5)
    theme: Theme
    level: Level
    severity: Severity
    evidence: str = Field(description="The evidence grade its citations carry (knowledge/evidence.yaml), checked")
    determinant: str | None = None
    table4_item: str | None = None
    when: tuple[Condition, ...] = Field(min_length=1)
    concludes: tuple[str, ...] = ()
    because: dict[str, str] = Field(
        default_factory=dict,
        description="Concerns this rule concludes by our reading, each with that reading in a reader's words "
        "('we read the split between management and team as a leadership problem')",
    )
    citations: tuple[Citation, ...] = Field(min_length=1, description="Evidence: what the sources report per case")
    source_statements: tuple[SourceStatement, ...] = Field(
        default=(), description="Evidence not about one case (the talk's summary, its ideas for schools, ...)"
    )
    reading: str | None = Field(
        default=None, min_length=20, description="mbt-advisor's own reasoning and advice, apart from the evidence"
    )
    actions: tuple[Text, ...] = Field(
        min_length=1, description="A text, or {before_start, started} where the advice depends on the unit's stage"
    )
    questions: tuple[Text, ...] = ()
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
        for concern in self.because:
            if concern not in self.concludes:
                raise ValueError(f"'because' explains concern '{concern}', which the rule does not conclude")
        return self

    def evidence_citations(self, read_only: frozenset[str] | set[str] = frozenset()) -> list[Citation]:
        """The citations shown as evidence: never a citation in the role 'reading' (our reading of a case),
        nor one about a concern that rests only on our reading (``read_only``)."""
        return [c for c in self.citations if c.role != READING_ROLE and not set(c.about) & set(read_only)]

    def evidence_text(self, read_only: frozenset[str] | set[str] = frozenset()) -> str:
        """The evidence in one line: 'C, Table 1: top-down implementation. Summary slide: ...'; an outcome says
        so ('A, Table 1 (outcome): ...')."""
        return evidence_line(
            [(c.case, c.line()) for c in self.evidence_citations(read_only)], [s.line() for s in self.source_statements]
        )

    @property
    def rationale(self) -> str:
        """The contract's rationale: the evidence, then our reading, each under its visible label."""
        return compose_rationale(self.evidence_text(), " ".join(self.reading.split()) if self.reading else None)

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
