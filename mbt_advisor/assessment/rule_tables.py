"""The evaluation's tables derived from a checked knowledge base (``engine.tables.Tables`` reads them).

Used at load time for ``--rules`` and ``--knowledge`` folders (``Advisor``) and at build time for the bundled
rule base (``mbt_advisor.compiled``). It sits in the assessment because each rule's score is part of it
(``scoring.score``). May import: common, profile, engine, rulebase, and ``assessment.scoring``/``model``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mbt_advisor.assessment.scoring import score
from mbt_advisor.common.prose import READING_ROLE
from mbt_advisor.rulebase.rule_models import Citation, Condition, SourceStatement, Text, branches, strata
from mbt_advisor.rulebase.strength_models import alternatives as alternatives_of

if TYPE_CHECKING:
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase


def tables_data(
    kb: KnowledgeBase, case_views: dict[str, tuple[dict[str, Any], set[str]]] | None = None
) -> dict[str, Any]:
    """The tables of a checked rule base as JSON data (``json.loads(json.dumps(...))`` of itself, so data
    derived here and data read from the artifact are alike to the last type). With ``case_views``
    (``Advisor.case_views()`` of an Advisor on the same rule base), also each case's answers and concerns
    for similar cases, which need the engine."""
    depth = strata(kb.rules)
    rules = []
    for rule in kb.rules:
        value, components = score(rule, kb)
        alternatives = _alternatives(branches(rule))
        citations, statements = _evidence(kb, rule.citations, rule.source_statements)
        recommendation = {
            "rule_id": rule.id,
            "title": rule.title,
            "theme": rule.theme,
            "level": rule.level,
            "score": value,
            "severity": rule.severity,
            "evidence": rule.evidence,
            "evidence_label": kb.evidence.label(rule.evidence),
            "rationale": rule.rationale,
            "actions": _staged(rule.actions),
            "questions": _staged(rule.questions),
            "citations": citations,
            "source_statements": statements,
            "our_reading": " ".join(rule.reading.split()) if rule.reading else None,
            "concludes": list(rule.concludes),
            "score_components": components.model_dump(mode="json"),
        }
        rules.append(
            {
                "id": rule.id,
                "depth": depth[rule.id],
                "branches": alternatives,
                "because": dict(rule.because),
                "about": [list(c.about) for c in rule.citations],
                "reading_role": READING_ROLE,
                "recommendation": recommendation,
            }
        )
    spec = kb.readiness
    data: dict[str, Any] = {
        "digest": kb.digest,
        "rules": rules,
        "readers": kb.readers,
        "questions": {
            name: {
                "prompt": q.prompt,
                "label": q.label,
                "type": q.type,
                "choices": [[c.value, c.label] for c in q.choices],
                "when": q.when,
                "unless": q.unless,
                "before_start_when": q.before_start_when,
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
                    "rule": p.rule,
                    "determinant": p.determinant,
                    "cases": p.cases,
                }
                for p in spec.preconditions
                if p.rule in kb.rules_by_id  # a rule base of one's own has none (knowledge_base)
            ],
        },
        "strengths": [
            {
                "id": x.id,
                "branches": _alternatives(alternatives_of(x.when)),
                "strength": {
                    "id": x.id,
                    "title": x.title,
                    "theme": x.theme,
                    "level": x.level,
                    "evidence": x.evidence,
                    "evidence_label": kb.evidence.label(x.evidence),
                    "citations": _evidence(kb, x.citations, x.source_statements)[0],
                    "source_statements": _evidence(kb, x.citations, x.source_statements)[1],
                    "our_reading": " ".join(x.reading.split()),
                    "protect": list(x.protect),
                    "questions": list(x.questions),
                },
            }
            for x in kb.strengths
        ],
        "decisive_barriers": [
            {
                "id": b.id,
                "level": b.level,
                "text": b.text,
                "cases": list(b.cases),
                "branches": _alternatives(alternatives_of(b.when)),
            }
            for b in kb.decisive_barriers.barriers
        ],
        "determinant_counts": {d.id: d.times_named for d in kb.determinants.determinants},
        "determinant_names": {d.id: d.name for d in kb.determinants.determinants},
        "cases": {cid: {"name": c.name, "outcome": c.outcome_text()} for cid, c in kb.cases.items()},
    }
    if case_views is not None:
        data["case_views"] = {cid: [known, sorted(concerns)] for cid, (known, concerns) in case_views.items()}
    plain: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False))
    return plain


def _alternatives(expanded: list[tuple[Condition, ...]]) -> list[list[dict[str, Any]]]:
    """Alternatives (each a list of tests) as JSON data: a field test as field, op and target, or a concern."""
    found = []
    for atoms in expanded:
        alternative: list[dict[str, Any]] = []
        for atom in atoms:
            if atom.field is not None:
                op, target = atom.operator()
                alternative.append({"field": atom.field, "op": op, "target": target})
            else:
                alternative.append({"concern": atom.concern})
        found.append(alternative)
    return found


def _evidence(
    kb: KnowledgeBase, citations: tuple[Citation, ...], statements: tuple[SourceStatement, ...]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Citations and source statements as an assessment shows them (JSON data, the contract's field order)."""
    cited = [
        {
            "case": c.case,
            "source": c.source,
            "detail": " ".join(c.line().split()),
            "outcome": kb.cases[c.case].outcome_text(),
            "reference": kb.sources[c.source].reference(),
            "locator": c.locator,
            "statement": " ".join(c.detail.split()),
            "role": c.role,
            "role_label": kb.evidence.roles[c.role].label,
        }
        for c in citations
    ]
    stated = [
        {
            "source": s.source,
            "locator": s.locator,
            "statement": " ".join(s.detail.split()),
            "reference": kb.sources[s.source].reference(),
            "role": s.role,
            "role_label": kb.evidence.roles[s.role].label,
        }
        for s in statements
    ]
    return cited, stated


def _staged(items: tuple[Text, ...]) -> list[Any]:
    """A rule's actions or questions as data: a text, or {"before_start": ..., "started": ...}."""
    return [item if isinstance(item, str) else item.model_dump() for item in items]
