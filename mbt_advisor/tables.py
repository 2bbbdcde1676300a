"""The rule base as an evaluation reads it: plain data, derived from the checked knowledge alone.

An evaluation needs far less than the knowledge files hold: each rule's alternatives, its score and the
fixed parts of its recommendation (citations with their references, the rationale), which rules read which
field, the questions' prompts and when they apply, the readiness preconditions, the cases' names and
outcomes, and each case's answers and concerns (for similar cases). ``tables_data`` derives them from a
checked :class:`~mbt_advisor.knowledge_base.KnowledgeBase` as JSON data; for the bundled rule base they are
derived at build time and read from the committed artifact (``mbt_advisor.compiled``), for ``--rules`` and
``--knowledge`` folders at load time. Either way :class:`Tables` reads the same JSON data, so both paths
evaluate alike, and an evaluation needs neither the knowledge models nor the YAML files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .advisor import Advisor
    from .knowledge_base import KnowledgeBase


def question_applies(
    when: Mapping[str, Any] | None, unless: Mapping[str, Any] | None, answers: Mapping[str, Any]
) -> bool:
    """Whether to ask a question, given the answers so far (``section.key`` -> value): every ``when`` field
    holds one of its listed values and no ``unless`` field does."""
    for name, values in (when or {}).items():
        if answers.get(name) not in values:
            return False
    return all(answers.get(name) not in values for name, values in (unless or {}).items())


def precondition_holds(in_place: Any, between: Any, value: Any) -> bool:
    """Whether an answer (not None) puts a readiness precondition in place: within ``between`` (low, high)
    for a number, else one of ``in_place``."""
    if between is not None:
        low, high = between
        return bool(low <= value <= high)
    return value in (in_place or ())


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

    __slots__ = ("field", "prompt", "type", "choices", "when", "unless")

    def __init__(self, data: Mapping[str, Any], field: str) -> None:
        self.field, self.prompt, self.type = field, data["prompt"], data["type"]
        self.choices = tuple(Choice(value, label) for value, label in data["choices"])
        self.when: dict[str, Any] | None = data["when"]
        self.unless: dict[str, Any] | None = data["unless"]

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return question_applies(self.when, self.unless, answers)


class PreconditionView:
    __slots__ = ("field", "text", "in_place", "between", "determinant", "cases")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.field, self.text, self.determinant = data["field"], data["text"], data["determinant"]
        self.in_place = None if data["in_place"] is None else tuple(data["in_place"])
        self.between = None if data["between"] is None else (data["between"][0], data["between"][1])
        self.cases = tuple(data["cases"])

    def holds(self, value: Any) -> bool:
        return precondition_holds(self.in_place, self.between, value)


class RuleView:
    """What an evaluation reads of a rule: how it is matched (``depth``, ``branches``), what it concludes,
    its score, and ``recommendation``: the fields of its Recommendation that do not depend on the profile
    (JSON data, in the contract's field order)."""

    __slots__ = ("id", "level", "severity", "concludes", "depth", "branches", "score", "recommendation")

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
        self.determinant_counts: dict[str, int] = data["determinant_counts"]
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


def tables_data(kb: KnowledgeBase, advisor: Advisor | None = None) -> dict[str, Any]:
    """The tables of a checked rule base as JSON data (``json.loads(json.dumps(...))`` of itself, so data
    derived here and data read from the artifact are alike to the last type). With ``advisor`` (built on the
    same rule base), also each case's answers and concerns for similar cases, which need the engine."""
    from .compiler import branches, strata
    from .scoring import score

    depth = strata(kb.rules)
    rules = []
    for rule in kb.rules:
        value, components = score(rule, kb)
        alternatives = []
        for atoms in branches(rule):
            alternative: list[dict[str, Any]] = []
            for atom in atoms:
                if atom.field is not None:
                    op, target = atom.operator()
                    alternative.append({"field": atom.field, "op": op, "target": target})
                else:
                    alternative.append({"concern": atom.concern})
            alternatives.append(alternative)
        citations = [
            {
                "case": c.case,
                "source": c.source,
                "detail": " ".join(c.line().split()),
                "outcome": kb.cases[c.case].outcome_text(),
                "reference": kb.sources[c.source].reference(),
                "locator": c.locator,
                "statement": " ".join(c.detail.split()),
            }
            for c in rule.citations
        ]
        statements = [
            {
                "source": s.source,
                "locator": s.locator,
                "statement": " ".join(s.detail.split()),
                "reference": kb.sources[s.source].reference(),
            }
            for s in rule.source_statements
        ]
        recommendation = {
            "rule_id": rule.id,
            "title": rule.title,
            "theme": rule.theme,
            "level": rule.level,
            "score": value,
            "severity": rule.severity,
            "evidence": rule.evidence,
            "rationale": rule.rationale,
            "actions": list(rule.actions),
            "questions": list(rule.questions),
            "citations": citations,
            "source_statements": statements,
            "our_reading": " ".join(rule.reading.split()) if rule.reading else None,
            "concludes": list(rule.concludes),
            "score_components": components.model_dump(mode="json"),
        }
        rules.append(
            {"id": rule.id, "depth": depth[rule.id], "branches": alternatives, "recommendation": recommendation}
        )
    spec = kb.readiness
    data: dict[str, Any] = {
        "digest": kb.digest,
        "rules": rules,
        "readers": kb.readers,
        "questions": {
            name: {
                "prompt": q.prompt,
                "type": q.type,
                "choices": [[c.value, c.label] for c in q.choices],
                "when": q.when,
                "unless": q.unless,
            }
            for name, q in kb.questions.items()
        },
        "readiness": {
            "not_started_phases": spec.not_started_phases,
            "practice_fields": spec.practice_field_names(),
            "decisive_from": spec.decisive_from,
            "preconditions": [
                {
                    "field": p.field,
                    "text": p.text,
                    "in_place": p.in_place,
                    "between": p.between,
                    "determinant": p.determinant,
                    "cases": p.cases,
                }
                for p in spec.preconditions
            ],
        },
        "determinant_counts": {d.id: d.times_named for d in kb.determinants.determinants},
        "cases": {cid: {"name": c.name, "outcome": c.outcome_text()} for cid, c in kb.cases.items()},
    }
    if advisor is not None:
        data["case_views"] = {cid: [known, sorted(concerns)] for cid, (known, concerns) in advisor.case_views().items()}
    plain: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False))
    return plain
