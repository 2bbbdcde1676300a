"""The rule base as the engine and an evaluation read it: plain data, no knowledge models, no YAML.

An evaluation needs far less than the knowledge files hold: each rule's alternatives, its score and the
fixed parts of its recommendation (citations with their references, the rationale), which rules read which
field, the questions' prompts and when they apply, the readiness preconditions, the cases' names and
outcomes, and each case's answers and concerns (for similar cases). ``assessment.rule_tables.tables_data``
derives them from a checked knowledge base as JSON data; for the bundled rule base they are derived at build
time and read from the committed artifact (``rulebase.artifact``), for ``--rules`` and ``--knowledge``
folders at load time. Either way :class:`Tables` reads the same JSON data, so both paths evaluate alike.

The rule base's models use ``question_applies`` from here, so that what "a question applies" means is written
once; a readiness precondition is open when its rule's alternatives on its field hold (``assessment.advisor``).
May import: nothing of mbt_advisor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def question_applies(
    when: Mapping[str, Any] | None,
    unless: Mapping[str, Any] | None,
    answers: Mapping[str, Any],
    *,
    before_start_when: Mapping[str, Any] | None = None,
    not_started: bool = False,
) -> bool:
    """Whether to ask a question, given the answers so far (``section.key`` -> value): every ``when`` field
    holds one of its listed values and no ``unless`` field does; for a unit that has not started
    (``not_started``), also every ``before_start_when`` field (an unanswered one holds none of its values)."""
    for name, values in (*(when or {}).items(), *((before_start_when or {}).items() if not_started else ())):
        if answers.get(name) not in values:
            return False
    return all(answers.get(name) not in values for name, values in (unless or {}).items())


# The views are plain classes with slots: a NamedTuple or dataclass costs about half a millisecond to define,
# at every start, and these are read-only records made once per rule base.


class Atom:
    """One test of a rule alternative: a field test (``op`` and ``target`` as Condition.operator() gives
    them) or a derived concern."""

    __slots__ = ("field", "concern", "op", "target")

    def __init__(self, field: str | None, concern: str | None, op: str | None = None, target: Any = None) -> None:
        self.field, self.concern, self.op, self.target = field, concern, op, target


class Choice:
    __slots__ = ("value", "label")

    def __init__(self, value: Any, label: str) -> None:
        self.value, self.label = value, label


class QuestionView:
    """A question as the assessment and the text output read it (prompt, type, choices, when it applies)."""

    __slots__ = ("field", "prompt", "label", "type", "choices", "when", "unless", "before_start_when")

    def __init__(self, data: Mapping[str, Any], field: str) -> None:
        self.field, self.prompt, self.type = field, data["prompt"], data["type"]
        self.label: str | None = data.get("label")
        self.choices = tuple(Choice(value, label) for value, label in data["choices"])
        self.when: dict[str, Any] | None = data["when"]
        self.unless: dict[str, Any] | None = data["unless"]
        self.before_start_when: dict[str, Any] | None = data["before_start_when"]

    def applies(self, answers: Mapping[str, Any], *, not_started: bool = False) -> bool:
        return question_applies(
            self.when, self.unless, answers, before_start_when=self.before_start_when, not_started=not_started
        )


class PreconditionView:
    __slots__ = ("field", "text", "rule", "determinant", "cases")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.field, self.text, self.determinant = data["field"], data["text"], data["determinant"]
        self.rule: str = data["rule"]
        self.cases = tuple(data["cases"])


class RuleView:
    """What an evaluation reads of a rule: how it is matched (``depth``, ``branches``), what it concludes,
    its score, and ``recommendation``: the fields of its Recommendation that do not depend on the profile
    (JSON data, in the contract's field order)."""

    __slots__ = (
        "id",
        "level",
        "severity",
        "concludes",
        "depth",
        "branches",
        "score",
        "recommendation",
        "because",
        "about",
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        rec: dict[str, Any] = data["recommendation"]
        self.id: str = data["id"]
        self.level: str = rec["level"]
        self.severity: str = rec["severity"]
        self.concludes = tuple(rec["concludes"])
        self.depth: int = data["depth"]
        self.branches = tuple(tuple(_atom(a) for a in branch) for branch in data["branches"])
        self.score: float = rec["score"]
        self.recommendation = rec
        # concerns this rule concludes by our reading, with that reading in a reader's words; and for each
        # citation, the concerns it is evidence for as the unit's answers show them
        self.because: dict[str, str] = dict(data["because"])
        self.about: tuple[tuple[str, ...], ...] = tuple(tuple(a) for a in data["about"])


class StrengthView:
    """A strength as an evaluation reads it: its alternatives (each a tuple of field tests) and the fields of
    its output that do not depend on the profile (JSON data)."""

    __slots__ = ("id", "level", "branches", "strength")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.id: str = data["id"]
        self.strength: dict[str, Any] = data["strength"]
        self.level: str = self.strength["level"]
        self.branches = tuple(tuple(_atom(a) for a in branch) for branch in data["branches"])


class BarrierView:
    """A decisive barrier (knowledge/decisive_barriers.yaml): its level, words, cases and alternatives."""

    __slots__ = ("id", "level", "text", "cases", "branches")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.id, self.level, self.text = data["id"], data["level"], data["text"]
        self.cases = tuple(data["cases"])
        self.branches = tuple(tuple(_atom(a) for a in branch) for branch in data["branches"])


class Tables:
    """The evaluation's view of one rule base, read from ``tables_data`` JSON data."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.digest: str = data["digest"]
        self.rules: dict[str, RuleView] = {r["id"]: RuleView(r) for r in data["rules"]}
        self.readers: dict[str, list[str]] = data["readers"]
        self.questions = {name: QuestionView(q, name) for name, q in data["questions"].items()}
        readiness = data["readiness"]
        self.not_started_phases: tuple[str, ...] = tuple(readiness["not_started_phases"])
        self.practice_fields: tuple[str, ...] = tuple(readiness["practice_fields"])
        self.decisive_from: int = readiness["decisive_from"]
        self.preconditions = tuple(PreconditionView(p) for p in readiness["preconditions"])
        self.strengths = tuple(StrengthView(x) for x in data["strengths"])
        self.decisive_barriers = tuple(BarrierView(x) for x in data["decisive_barriers"])
        self.determinant_counts: dict[str, int] = data["determinant_counts"]
        self.determinant_names: dict[str, str] = data["determinant_names"]
        self.cases: dict[str, tuple[str, str]] = {cid: (c["name"], c["outcome"]) for cid, c in data["cases"].items()}
        views = data.get("case_views")
        self.case_views: dict[str, tuple[dict[str, Any], set[str]]] | None = (
            None if views is None else {cid: (known, set(concerns)) for cid, (known, concerns) in views.items()}
        )

    def not_started(self, phase: str | None) -> bool:
        """True when the unit has no patients yet (knowledge/readiness.yaml, ``not_started_phases``)."""
        return phase in self.not_started_phases


def _atom(data: Mapping[str, Any]) -> Atom:
    if "concern" in data:
        return Atom(None, data["concern"])
    return Atom(data["field"], None, data["op"], data["target"])
