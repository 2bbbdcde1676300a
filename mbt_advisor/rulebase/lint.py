"""`rules check`: a linter for knowledge authors.

Errors: anything that stops the rule base from loading (schema, unknown fields, values a field never holds,
unknown cases or sources, concerns nobody concludes, cycles), rules that can never fire, ``covers`` entries
that name nothing. Warnings: concerns concluded but never used, rules made redundant by another rule.
Notes: gaps (determinants, Table 4 items, lessons, theme/level pairs without a rule), reported as notes only
because gap reports are useful but noisy.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mbt_advisor.common.errors import InputError, KnowledgeError, did_you_mean
from mbt_advisor.common.yamlio import Document, load_file
from mbt_advisor.profile.model import LEVELS, sample_values
from mbt_advisor.rulebase.knowledge_base import KnowledgeBase, default_knowledge_dir, load_knowledge_base
from mbt_advisor.rulebase.knowledge_models import derive_grade
from mbt_advisor.rulebase.prose_figures import prose_problems
from mbt_advisor.rulebase.rule_models import THEMES, Condition, Rule, branches, texts_of


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning | note
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    rule: str | None = None

    def describe(self) -> str:
        where = ""
        if self.file:
            where = f"{Path(self.file).name}{f':{self.line}' if self.line else ''}: "
        return f"{self.severity}: {where}{self.message} [{self.code}]"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def satisfiable(atoms: tuple[Condition, ...]) -> bool:
    """Whether some profile satisfies all field tests of one branch at once."""
    by_field: dict[str, list[Condition]] = {}
    for atom in atoms:
        if atom.field:
            by_field.setdefault(atom.field, []).append(atom)
    for name, tests in by_field.items():
        values: list[Any] = [None, *sample_values(name)]
        if not any(all(t.holds(v) for t in tests) for v in values):
            return False
    return True


def _implies(narrow: tuple[Condition, ...], wide: tuple[Condition, ...]) -> bool:
    """Every atom of ``wide`` is among the atoms of ``narrow``: when narrow holds, wide holds."""
    return all(atom in narrow for atom in wide)


def lint(
    rules_dir: str | os.PathLike[str] | None = None, knowledge_dir: str | os.PathLike[str] | None = None
) -> list[Finding]:
    try:
        kb = load_knowledge_base(rules_dir, knowledge_dir)
    except InputError as exc:
        return [
            Finding(
                "error",
                getattr(exc, "lint_code", "load"),
                exc.problem if exc.field is None else f"{exc.field}: {exc.problem}",
                exc.source,
                exc.line,
                getattr(exc, "lint_rule", None),
            )
        ]
    return lint_loaded(kb, Path(knowledge_dir) if knowledge_dir is not None else default_knowledge_dir())


def lint_loaded(kb: KnowledgeBase, knowledge_dir: Path | None = None) -> list[Finding]:
    findings: list[Finding] = []

    def add(severity: str, code: str, message: str, rule: Rule | None = None) -> None:
        file, line = kb.rule_origin.get(rule.id, (None, None)) if rule else (None, None)
        findings.append(Finding(severity, code, message, file, line, rule.id if rule else None))

    used = {c for r in kb.rules for c in r.concerns_used()}
    for concern, rule_ids in sorted(kb.concluders.items()):
        if concern not in used:
            add(
                "warning",
                "unused-concern",
                f"concern '{concern}' is concluded (by {', '.join(rule_ids)}) but no rule uses it",
                kb.rule(rule_ids[0]),
            )
    expanded = {rule.id: branches(rule) for rule in kb.rules}
    for rule in kb.rules:
        live = [b for b in expanded[rule.id] if satisfiable(b)]
        if not live:
            add("error", "never-fires", f"rule '{rule.id}' can never fire: its conditions contradict each other", rule)
        elif len(live) < len(expanded[rule.id]):
            add("warning", "dead-branch", f"rule '{rule.id}' has alternatives that can never hold", rule)
    ids = sorted(expanded)
    for a in ids:
        for b in ids:
            if a >= b:
                continue
            ra, rb = kb.rule(a), kb.rule(b)
            if (ra.theme, ra.level) != (rb.theme, rb.level):
                continue
            if set(expanded[a]) == set(expanded[b]):
                add("warning", "duplicate", f"rules '{a}' and '{b}' have the same conditions", rb)
            elif all(any(_implies(x, y) for y in expanded[b]) for x in expanded[a]) and set(ra.concludes) <= set(
                rb.concludes
            ):
                add("warning", "subsumed", f"rule '{a}' only fires when '{b}' fires, and concludes nothing more", ra)
            elif all(any(_implies(y, x) for x in expanded[a]) for y in expanded[b]) and set(rb.concludes) <= set(
                ra.concludes
            ):
                add("warning", "subsumed", f"rule '{b}' only fires when '{a}' fires, and concludes nothing more", rb)
    # every grade is derived from the citations' roles when the rule base loads (knowledge_base.check_evidence);
    # here each rule's derived grade is stated once more, so that a loaded rule base can never disagree
    for rule in kb.rules:
        pairs = [(c.role, c.case) for c in rule.citations] + [(s.role, None) for s in rule.source_statements]
        derived = derive_grade(kb.evidence, pairs)
        if derived != rule.evidence:  # pragma: no cover - loading refuses it first
            add(
                "error",
                "evidence-grade",
                f"rule '{rule.id}' declares '{rule.evidence}', its citations carry '{derived}'",
            )
    findings.extend(_quote_findings(kb))
    findings.extend(_coverage_findings(kb))
    findings.extend(_prose_findings(kb, knowledge_dir or default_knowledge_dir()))
    return findings


_QUOTED = re.compile(r"(?<![A-Za-z])'([^']{2,}?)'(?![A-Za-z])")


def _quotable(text: str) -> str:
    return re.sub(r"[\s'\"\u2018\u2019]", "", text.lower()).replace("\u2013", "-")


def _quote_findings(kb: KnowledgeBase) -> list[Finding]:
    """A word in quotes in a rule's own text (title, reading, actions, questions, readings of `because`) is
    presented as the source's: it must be words the knowledge records as the sources give them (a citation or
    statement, a case's determinants, outcome or summary, the determinant slide, a Table 4 item, a lesson)."""
    corpus: list[str] = []
    for rule in kb.rules:
        corpus += [c.detail for c in rule.citations] + [s.detail for s in rule.source_statements]
    for case in kb.cases.values():
        corpus += [d.text for d in case.determinants] + [o.text or "" for o in case.outcome_labels] + [case.summary]
    corpus += [d.name for d in kb.determinants.determinants] + [i.text for i in kb.rating_items.items]
    corpus += [lesson.text for lesson in kb.lessons.lessons]
    known = [_quotable(text) for text in corpus]
    findings = []
    for rule in kb.rules:
        file, line = kb.rule_origin.get(rule.id, (None, None))
        texts = [*texts_of(rule.actions), *texts_of(rule.questions)]
        own = [rule.title, rule.reading or "", *texts, *rule.because.values()]
        for text in own:
            for quoted in _QUOTED.findall(text):
                if not any(_quotable(quoted) in k for k in known):
                    findings.append(
                        Finding(
                            "error",
                            "quote",
                            f"rule '{rule.id}' puts '{quoted}' in quotes, but no source the knowledge records says "
                            "it; quote the source's own words, or drop the quotes and say it is our reading",
                            file,
                            line,
                            rule.id,
                        )
                    )
    return findings


def _prose_findings(kb: KnowledgeBase, knowledge_dir: Path) -> list[Finding]:
    """Figures in prose that the cited data does not hold, each at its file and line (prose_figures.py)."""
    docs: dict[str, Document | None] = {}

    def document(file: Path) -> Document | None:
        if str(file) not in docs:
            try:
                docs[str(file)] = load_file(file, error=KnowledgeError)
            except InputError:
                docs[str(file)] = None
        return docs[str(file)]

    findings = []
    for problem in prose_problems(kb):
        if problem.owner in kb.rules_by_id:
            file = Path(problem.file)
            doc = document(file)
            entries = doc.data.get("rules", []) if doc is not None and isinstance(doc.data, dict) else []
            index = next((i for i, r in enumerate(entries) if isinstance(r, dict) and r.get("id") == problem.owner), 0)
            path: tuple[str | int, ...] = ("rules", index, *problem.path)
        else:
            file = knowledge_dir / problem.file
            doc = document(file)
            path = problem.path
            if doc is not None and path[:1] == ("questions",):
                path = _question_path(doc, str(path[1]))
                if path[:1] == ("items",):
                    file = knowledge_dir / "rating_items.yaml"
                    doc = document(file)
                    path = _rating_item_path(doc, str(problem.path[1]).removeprefix("ratings."))
        line = doc.line_of(path) if doc is not None else None
        rule_id = problem.owner if problem.owner in kb.rules_by_id else None
        findings.append(
            Finding("error", "prose-figure", f"{problem.owner}: {problem.message}", str(file), line, rule_id)
        )
    return findings


def _question_path(doc: Document, field: str) -> tuple[str | int, ...]:
    """Where a question's help sits; a rating question's help is written from its Table 4 item."""
    entries = doc.data.get("questions", []) if isinstance(doc.data, dict) else []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("field") == field:
            return ("questions", index, "help")
    return ("items",)


def _rating_item_path(doc: Document | None, item_id: str) -> tuple[str | int, ...]:
    entries = doc.data.get("items", []) if doc is not None and isinstance(doc.data, dict) else []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("id") == item_id:
            return ("items", index)
    return ("items",)


def coverage_targets(kb: KnowledgeBase) -> dict[str, str]:
    """Everything the rule base should cover: case determinants, Table 4 items and lessons (id -> text)."""
    targets: dict[str, str] = {}
    for case in kb.cases.values():
        for det in case.determinants:
            targets[det.id] = f"{case.id}: {det.text}"
    for item in kb.rating_items.items:
        targets[f"table4.{item.id}"] = f"Table 4: {item.text}"
    for lesson in kb.lessons.lessons:
        targets[lesson.id] = f"{lesson.kind}: {lesson.text}"
    return targets


def coverage(kb: KnowledgeBase) -> dict[str, list[str]]:
    """For each coverage target, the rules that cover it (possibly none)."""
    table: dict[str, list[str]] = {target: [] for target in coverage_targets(kb)}
    for rule in sorted(kb.rules, key=lambda r: r.id):
        for target in rule.covers:
            if target in table:
                table[target].append(rule.id)
    return table


def _coverage_findings(kb: KnowledgeBase) -> list[Finding]:
    findings: list[Finding] = []
    targets = coverage_targets(kb)
    for rule in kb.rules:
        for target in rule.covers:
            if target not in targets:
                file, line = kb.rule_origin[rule.id]
                findings.append(
                    Finding(
                        "error",
                        "unknown-cover",
                        f"rule '{rule.id}' covers '{target}', which is no determinant, Table 4 "
                        f"item or lesson.{did_you_mean(target, targets)}",
                        file,
                        line,
                        rule.id,
                    )
                )
    for target, rule_ids in coverage(kb).items():
        if not rule_ids:
            findings.append(Finding("note", "gap", f"no rule covers {target} ({targets[target]})"))
    for theme in THEMES:
        for level in LEVELS:
            if not any(r.theme == theme and r.level == level for r in kb.rules):
                findings.append(Finding("note", "gap", f"no {theme} rule at the {level} level"))
    return findings
