"""Loading and cross-checking the rule base and the knowledge files.

A rule base is only usable when every rule reads fields that exist, compares them with values those fields
can hold, cites cases and sources that exist, and uses only concerns that some rule concludes. Each of these
is an error naming the file, the line and (for names) the closest valid spelling: a typo must never give a
rule that silently never fires.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mbt_advisor.common.errors import KnowledgeError, ProfileError, did_you_mean, quote_list
from mbt_advisor.common.yamlio import Document, load_file
from mbt_advisor.profile.loading import profile_from_data
from mbt_advisor.profile.model import Profile, Ratings, condition_fields, field_domain, field_info
from mbt_advisor.profile.validation import raise_validation_error
from mbt_advisor.rulebase import artifact, field_checks
from mbt_advisor.rulebase.directions import Directions, DirectionsFile
from mbt_advisor.rulebase.knowledge_models import (
    Case,
    CoverageExceptionsFile,
    DeterminantsFile,
    EvidenceFile,
    LessonsFile,
    Question,
    QuestionsFile,
    RatingItemsFile,
    Source,
    SourcesFile,
    carried,
    citation_problem,
    derive_grade,
)
from mbt_advisor.rulebase.readiness import ReadinessFile
from mbt_advisor.rulebase.rule_models import Condition, Rule, RuleFile
from mbt_advisor.rulebase.strength_models import DecisiveBarriersFile, Strength, StrengthsFile
from mbt_advisor.rulebase.words import table4_form

M = TypeVar("M", bound=BaseModel)
MAX_ALTERNATIVES = 16  # combinations of `any` alternatives per rule (each becomes an experta rule)


def default_rules_dir() -> Path:
    return artifact.default_rules_dir()


def default_knowledge_dir() -> Path:
    return artifact.default_knowledge_dir()


@dataclass
class LocatedRule:
    rule: Rule
    source: str
    line: int | None
    doc: Document


@dataclass
class KnowledgeBase:
    rules: list[Rule]
    sources: dict[str, Source]
    cases: dict[str, Case]
    case_profiles: dict[str, Profile]
    determinants: DeterminantsFile
    rating_items: RatingItemsFile
    lessons: LessonsFile
    questions: dict[str, Question]
    digest: str
    directions: Directions
    readiness: ReadinessFile
    evidence: EvidenceFile
    strengths: tuple[Strength, ...] = ()
    decisive_barriers: DecisiveBarriersFile = field(default_factory=DecisiveBarriersFile)
    coverage_exceptions: dict[str, str] = field(default_factory=dict)
    rule_origin: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        return self.rules_by_id[rule_id]

    @functools.cached_property
    def rules_by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    @functools.cached_property
    def concluders(self) -> dict[str, list[str]]:
        """For each concern, the ids of the rules that conclude it."""
        found: dict[str, list[str]] = {}
        for rule in self.rules:
            for concern in rule.concludes:
                found.setdefault(concern, []).append(rule.id)
        return found

    @functools.cached_property
    def readers(self) -> dict[str, list[str]]:
        """For each profile field, the ids of the rules whose conditions read it."""
        found: dict[str, list[str]] = {}
        for rule in self.rules:
            for name in rule.fields():
                found.setdefault(name, []).append(rule.id)
        return found


def _validate(model: type[M], doc: Document) -> M:
    if not isinstance(doc.data, dict):
        raise KnowledgeError("the file must hold a mapping at the top level.", source=doc.source)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise_validation_error(exc, doc, model, KnowledgeError)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise KnowledgeError("rule or knowledge folder not found.", source=str(folder))
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_rules(rules_dir: Path) -> list[LocatedRule]:
    located: list[LocatedRule] = []
    files = _yaml_files(rules_dir)
    if not files:
        raise KnowledgeError("holds no rule files (*.yaml).", source=str(rules_dir))
    for path in files:
        doc = load_file(path, error=KnowledgeError)
        parsed = _validate(RuleFile, doc)
        for index, rule in enumerate(parsed.rules):
            located.append(LocatedRule(rule, str(path), doc.line_of(("rules", index)), doc))
    return located


def _check_condition(atom: Condition, where: tuple[str, int | None, str], kind: str = "rule") -> None:
    source, line, rule_id = where
    if atom.field is None:
        return
    fields = condition_fields()
    if atom.field not in fields:
        raise KnowledgeError(
            f"{kind} '{rule_id}' tests unknown field '{atom.field}'.{did_you_mean(atom.field, fields)}",
            source=source,
            line=line,
            field="when",
        )
    kind, _ = field_domain(atom.field)
    op, value = atom.operator()
    problem: str | None = None
    if op in {"lt", "lte", "gt", "gte"} and kind not in {"rating", "integer", "fraction"}:
        problem = f"'{op}' compares numbers, but {atom.field} is {kind}."
    elif op == "contains" and kind != "list":
        problem = f"'contains' is for lists, but {atom.field} is {kind}."
    elif op == "not_empty" and kind != "list":
        problem = f"'not_empty' is for lists, but {atom.field} is {kind}."
    elif op in {"equals", "in", "contains"}:
        for item in list(value) if op == "in" else [value]:
            problem = problem or field_checks.value_problem(atom.field, item)
    if problem:
        raise KnowledgeError(f"{kind} '{rule_id}': {problem}", source=source, line=line, field="when")


def check_rule_base(located: list[LocatedRule], cases: Iterable[str], sources: Iterable[str]) -> None:
    case_ids, source_ids = list(cases), list(sources)
    seen: dict[str, str] = {}
    concluded = {c for item in located for c in item.rule.concludes}
    for item in located:
        rule, where = item.rule, (item.source, item.line, item.rule.id)
        alternatives = 1
        for condition in rule.when:
            alternatives *= len(condition.any or (condition,))
        if alternatives > MAX_ALTERNATIVES:
            raise KnowledgeError(
                f"rule '{rule.id}' has {alternatives} combinations of 'any' alternatives; the limit is "
                f"{MAX_ALTERNATIVES}. Split it into several rules.",
                source=item.source,
                line=item.line,
                field="when",
            )
        if rule.id in seen:
            raise KnowledgeError(
                f"rule id '{rule.id}' is also used in {seen[rule.id]}; ids must be unique.",
                source=item.source,
                line=item.line,
                field="id",
            )
        seen[rule.id] = f"{item.source}, line {item.line}"
        for condition in rule.when:
            for atom in condition.any or (condition,):
                _check_condition(atom, where)
                if atom.concern and atom.concern not in concluded:
                    raise KnowledgeError(
                        f"rule '{rule.id}' needs concern '{atom.concern}', which no rule concludes, so it "
                        f"could never fire.{did_you_mean(atom.concern, concluded)}",
                        source=item.source,
                        line=item.line,
                        field="when",
                    )
        for citation in rule.citations:
            _known(item, "citations", f" cites unknown case '{citation.case}'", citation.case, case_ids)
            _known(item, "citations", f" cites unknown source '{citation.source}'", citation.source, source_ids)
        for statement in rule.source_statements:
            _known(
                item, "source_statements", f" cites unknown source '{statement.source}'", statement.source, source_ids
            )
        if rule.table4_item:
            problem = f": unknown Table 4 item '{rule.table4_item}'"
            _known(item, "table4_item", problem, rule.table4_item, list(Ratings.model_fields), allowed=False)
    _check_no_cycles(located)


class CitationError(KnowledgeError):
    """A citation against its role, or a grade against its citations: `rules check` reports it under its own
    code (``lint_code``) on its rule (``lint_rule``)."""

    lint_code = "citation-role"
    lint_rule: str | None = None


def _recorded(cases: dict[str, Case]) -> dict[str, tuple[list[str], list[str]]]:
    """For each case, the words its file records: (determinants, outcomes)."""
    return {
        cid: ([d.text for d in case.determinants], [o.text or "" for o in case.outcome_labels])
        for cid, case in cases.items()
    }


def check_owner_evidence(
    owner: str,
    citations: tuple[Any, ...],
    statements: tuple[Any, ...],
    declared: str,
    spec: EvidenceFile,
    recorded: dict[str, tuple[list[str], list[str]]],
    where: tuple[str, int | None],
) -> None:
    """The citations and statements of one rule or strength (``owner``: "rule 'ID'") against their roles, and
    its declared grade against the grade they carry; a CitationError at ``where`` (file, line) otherwise."""
    owner_id = owner.split("'")[1] if "'" in owner else owner

    def fail(problem: str, field: str, allowed: str | None = None) -> None:
        error = CitationError(f"{owner}: {problem}.", source=where[0], line=where[1], field=field, allowed=allowed)
        error.lint_code = "evidence-grade" if field == "evidence" else "citation-role"
        error.lint_rule = owner_id  # `rules check` reports it under its own code, on its rule
        raise error

    for kind, entries in (("citations", citations), ("source_statements", statements)):
        for entry in entries:
            problem = citation_problem(
                spec, entry.role, getattr(entry, "case", None), entry.locator, entry.detail, recorded
            )
            if problem:
                allowed = quote_list(list(spec.roles)) if entry.role not in spec.roles else None
                fail(f"{problem}{did_you_mean(entry.role, list(spec.roles)) if allowed else ''}", kind, allowed)
    grade_ids = [g.id for g in spec.grades]
    if declared not in grade_ids:
        fail(
            f"unknown evidence grade '{declared}'{did_you_mean(declared, grade_ids)}", "evidence", quote_list(grade_ids)
        )
    pairs = [(c.role, c.case) for c in citations] + [(s.role, None) for s in statements]
    derived = derive_grade(spec, pairs)
    if derived != declared:
        fail(
            f"declares evidence '{declared}' ({spec.label(declared)}), but its citations carry "
            f"{carried(spec, pairs)}: that is '{derived}' ({spec.label(derived)})",
            "evidence",
        )


def _chain_error(item: LocatedRule, problem: str) -> CitationError:
    """A problem of a rule's chain through a reading, at the rule's line, reported on the rule."""
    error = CitationError(f"rule '{item.rule.id}': {problem}", source=item.source, line=item.line, field="citations")
    error.lint_rule = item.rule.id
    return error


def check_evidence(located: list[LocatedRule], cases: dict[str, Case], spec: EvidenceFile) -> None:
    """Every rule's citations and source statements against their roles (knowledge/evidence.yaml), every
    declared grade against the grade its citations carry, and every chain through a reading
    (``because``/``about``)."""
    recorded = _recorded(cases)
    read_concerns = {c for item in located for c in item.rule.because}
    for item in located:
        rule = item.rule
        where = (item.source, item.line)
        owner = f"rule '{rule.id}'"
        check_owner_evidence(owner, rule.citations, rule.source_statements, rule.evidence, spec, recorded, where)
        for citation in rule.citations:
            for concern in citation.about:
                if concern not in read_concerns:
                    raise _chain_error(
                        item,
                        f"a citation is 'about' concern '{concern}', which no rule concludes by a reading "
                        f"('because').{did_you_mean(concern, read_concerns)}",
                    )
        exposed = set(rule.concerns_used()) & read_concerns
        if exposed and not [c for c in rule.citations if not set(c.about) & exposed]:
            raise _chain_error(
                item,
                f"every citation is about {', '.join(sorted(exposed))}, which a reading may conclude; keep one "
                "citation that stands when it does.",
            )


def _known(item: LocatedRule, field: str, problem: str, name: str, known: list[str], *, allowed: bool = True) -> None:
    """``name`` is one of ``known``, or a KnowledgeError at the rule's line: "rule 'ID'<problem>." with the
    closest spelling (and the allowed names)."""
    if name in known:
        return
    raise KnowledgeError(
        f"rule '{item.rule.id}'{problem}.{did_you_mean(name, known)}",
        source=item.source,
        line=item.line,
        field=field,
        allowed=quote_list(known) if allowed else None,
    )


def _check_no_cycles(located: list[LocatedRule]) -> None:
    """A concern may not (through other rules) depend on itself: forward chaining would not stratify."""
    needs: dict[str, set[str]] = {}
    for item in located:
        for concern in item.rule.concludes:
            needs.setdefault(concern, set()).update(item.rule.concerns_used())

    def visit(concern: str, trail: tuple[str, ...]) -> None:
        if concern in trail:
            cycle = " -> ".join((*trail[trail.index(concern) :], concern))
            raise KnowledgeError(f"concerns depend on themselves: {cycle}.", source="rules")
        for other in sorted(needs.get(concern, ())):
            visit(other, (*trail, concern))

    for concern in sorted(needs):
        visit(concern, ())


def load_knowledge(knowledge_dir: Path) -> dict[str, Any]:
    def one(name: str, model: type[M], check: Callable[[M, Document], None] | None = None) -> M:
        doc = load_file(knowledge_dir / name, error=KnowledgeError)
        parsed = _validate(model, doc)
        if check is not None:
            check(parsed, doc)  # against the one record of each profile field (field_checks.py)
        return parsed

    sources = one("sources.yaml", SourcesFile)
    source_ids = [s.id for s in sources.sources]
    cases: dict[str, Case] = {}
    profiles: dict[str, Profile] = {}
    for path in _yaml_files(knowledge_dir / "cases"):
        doc = load_file(path, error=KnowledgeError)
        case = _validate(Case, doc)
        if case.id in cases:
            raise KnowledgeError(f"case '{case.id}' is defined twice.", source=str(path), field="id")
        for ref in [case.source, *(o.source for o in case.outcome_labels), *(d.source for d in case.determinants)]:
            if ref not in source_ids:
                raise KnowledgeError(f"unknown source '{ref}'.{did_you_mean(ref, source_ids)}", source=str(path))
        try:
            profiles[case.id] = profile_from_data(case.profile, source=f"{path} (profile)")
        except ProfileError as exc:  # a case's profile is part of the knowledge file it sits in
            raise KnowledgeError(str(exc), source=str(path), field="profile") from None
        field_checks.check_case_encoding(case, doc, profiles[case.id].answers())
        cases[case.id] = case
    evidence = one("evidence.yaml", EvidenceFile)
    questions = one("questions.yaml", QuestionsFile, field_checks.check_questions)
    rating_items = one(
        "rating_items.yaml", RatingItemsFile, lambda items, doc: field_checks.check_rating_items(items, doc, cases)
    )
    question_map = {q.field: q for q in questions.questions}
    scale = ", ".join(f"{label.value} {label.label}" for label in rating_items.scale)
    for item in rating_items.items:
        before, during = item.reference_ratings.get("PRE-REORG"), item.reference_ratings.get("REORG")
        question_map.setdefault(
            f"ratings.{item.id}",
            Question(
                field=f"ratings.{item.id}",
                prompt=f"Rate from 1 to 7: {item.text}",
                label=item.short[:1].lower() + item.short[1:] if item.short[1:2].islower() else item.short,
                help=(
                    f"Table 4 item ({item.level} level). The programme was rated {table4_form(before)} before "
                    f"the reorganization and {table4_form(during)} during it (Bales, Timman et al. 2017). "
                    f"Scale: {scale}."
                ),
                type="rating",
                path="expert",
            ),
        )
    return {
        "sources": {s.id: s for s in sources.sources},
        "cases": cases,
        "case_profiles": profiles,
        "determinants": one("determinants.yaml", DeterminantsFile),
        "rating_items": rating_items,
        "lessons": one("lessons.yaml", LessonsFile),
        "questions": question_map,
        "directions": Directions(one("field_directions.yaml", DirectionsFile, field_checks.check_directions)),
        "coverage_exceptions": one("coverage_exceptions.yaml", CoverageExceptionsFile).exceptions,
        "strengths": one(
            "strengths.yaml", StrengthsFile, lambda f, doc: _check_strengths(f, doc, cases, source_ids, evidence)
        ).strengths,
        "decisive_barriers": one(
            "decisive_barriers.yaml", DecisiveBarriersFile, lambda f, doc: _check_barriers(f, doc, cases)
        ),
        "readiness": one("readiness.yaml", ReadinessFile, lambda r, doc: field_checks.check_readiness(r, doc, cases)),
        "evidence": evidence,
    }


def _must_know(
    who: str, kind: str, name: str, known: list[str], where: tuple[str, int | None, str], *, allowed: bool = False
) -> None:
    """``name`` is one of ``known``, or a KnowledgeError: "<who> unknown <kind> 'name'." with the closest
    spelling (and, with ``allowed``, every name allowed), at ``where`` (file, line, field)."""
    if name in known:
        return
    source, line, field_name = where
    raise KnowledgeError(
        f"{who} unknown {kind} '{name}'.{did_you_mean(name, known)}",
        source=source,
        line=line,
        field=field_name,
        allowed=quote_list(known) if allowed else None,
    )


def _check_strengths(
    parsed: StrengthsFile, doc: Document, cases: dict[str, Case], source_ids: list[str], evidence: EvidenceFile
) -> None:
    """Every strength tests fields that exist with values they can hold, cites cases and sources that exist,
    names a known Table 4 item, and has an id of its own."""
    seen: set[str] = set()
    recorded = _recorded(cases)
    for index, strength in enumerate(parsed.strengths):
        line = doc.line_of(("strengths", index))
        where = (doc.source, line, strength.id)
        if strength.id in seen:
            raise KnowledgeError(
                f"strength id '{strength.id}' is used twice.", source=doc.source, line=line, field="id"
            )
        seen.add(strength.id)
        for condition in strength.when:
            for atom in condition.any or (condition,):
                _check_condition(atom, where, "strength")
        who = f"strength '{strength.id}' cites"
        for name in [c.case for c in strength.citations]:
            _must_know(who, "case", name, list(cases), (doc.source, line, "citations"))
        for name in [c.source for c in strength.citations] + [s.source for s in strength.source_statements]:
            _must_know(who, "source", name, source_ids, (doc.source, line, "citations"))
        if strength.table4_item:
            items = list(Ratings.model_fields)
            _must_know(
                f"strength '{strength.id}' names",
                "Table 4 item",
                strength.table4_item,
                items,
                (doc.source, line, "table4_item"),
            )
        owner = f"strength '{strength.id}'"
        check_owner_evidence(
            owner,
            strength.citations,
            strength.source_statements,
            strength.evidence,
            evidence,
            recorded,
            (doc.source, line),
        )


def _check_barriers(parsed: DecisiveBarriersFile, doc: Document, cases: dict[str, Case]) -> None:
    """Every decisive barrier tests fields that exist with values they can hold, at the level of its fields,
    and names cases that exist."""
    seen: set[str] = set()
    for index, barrier in enumerate(parsed.barriers):
        line = doc.line_of(("barriers", index))
        if barrier.id in seen:
            raise KnowledgeError(f"barrier id '{barrier.id}' is used twice.", source=doc.source, line=line, field="id")
        seen.add(barrier.id)
        for condition in barrier.when:
            for atom in condition.any or (condition,):
                _check_condition(atom, (doc.source, line, barrier.id), "decisive barrier")
                level = (
                    field_info(atom.field)["level"]
                    if atom.field and not atom.field.startswith("organization.")
                    else None
                )
                if level is not None and level != barrier.level:
                    raise KnowledgeError(
                        f"decisive barrier '{barrier.id}' is at the {barrier.level} level but tests "
                        f"{atom.field}, a field of the {level} level.",
                        source=doc.source,
                        line=line,
                        field="level",
                    )
        for name in barrier.cases:
            _must_know(f"decisive barrier '{barrier.id}' names", "case", name, list(cases), (doc.source, line, "cases"))


def load_knowledge_base(
    rules_dir: str | os.PathLike[str] | None = None, knowledge_dir: str | os.PathLike[str] | None = None
) -> KnowledgeBase:
    """Load and cross-check rules and knowledge. Raises :class:`KnowledgeError` on any problem.

    The bundled rule base (no folders given) comes from the artifact compiled at build time when it was
    made from the bundled files as they are now (``artifact``, written by ``mbt_advisor.compiled``); folders
    are always checked."""
    rdir = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    kdir = Path(knowledge_dir) if knowledge_dir is not None else default_knowledge_dir()
    digest = artifact.digest([rdir, kdir])
    if rules_dir is None and knowledge_dir is None and artifact.artifact_for(digest, "knowledge") is not None:
        return _from_artifact(rdir.resolve(), digest)
    return _load_cached(rdir.resolve(), kdir.resolve(), digest)


def load_knowledge_files(rules_dir: Path, knowledge_dir: Path) -> KnowledgeBase:
    """Load and check the files themselves (never the compiled artifact)."""
    return _load_cached(rules_dir.resolve(), knowledge_dir.resolve(), artifact.digest([rules_dir, knowledge_dir]))


@functools.lru_cache(maxsize=2)
def _from_artifact(rules_dir: Path, digest: str) -> KnowledgeBase:
    data = artifact.artifact_for(digest, "knowledge")
    assert data is not None  # checked by the caller
    return knowledge_base_from(data, rules_dir)


@functools.lru_cache(maxsize=8)
def _load_cached(rdir: Path, kdir: Path, digest: str) -> KnowledgeBase:
    knowledge = load_knowledge(kdir)
    located = load_rules(rdir)
    check_rule_base(located, knowledge["cases"], knowledge["sources"])
    check_evidence(located, knowledge["cases"], knowledge["evidence"])
    determinant_ids = [d.id for d in knowledge["determinants"].determinants]
    for pre in knowledge["readiness"].preconditions:
        if pre.determinant:
            where = (str(kdir / "readiness.yaml"), None, "preconditions")
            who = f"precondition {pre.field} names"
            _must_know(who, "determinant", pre.determinant, determinant_ids, where, allowed=True)
    for item in located:
        if item.rule.determinant:
            problem = f" names unknown determinant '{item.rule.determinant}'"
            _known(item, "determinant", problem, item.rule.determinant, determinant_ids)
    for strength in knowledge["strengths"]:
        if strength.determinant:
            where = (str(kdir / "strengths.yaml"), None, "determinant")
            who = f"strength '{strength.id}' names"
            _must_know(who, "determinant", strength.determinant, determinant_ids, where, allowed=True)
    _check_preconditions(knowledge["readiness"], {item.rule.id: item.rule for item in located}, kdir)
    return KnowledgeBase(
        rules=[item.rule for item in located],
        digest=digest,
        rule_origin={item.rule.id: (item.source, item.line) for item in located},
        **knowledge,
    )


def _check_preconditions(readiness: ReadinessFile, rules: dict[str, Rule], kdir: Path) -> None:
    """Each readiness precondition names a rule that reads its field, and takes its X from that rule's
    determinant. A rule base that defines none of the named rules (a folder of one's own, given with the
    bundled knowledge) has no readiness preconditions; one that defines some must define them all."""
    source = str(kdir / "readiness.yaml")
    if not any(pre.rule in rules for pre in readiness.preconditions):
        return
    for pre in readiness.preconditions:
        rule = rules.get(pre.rule)
        if rule is None:
            problem = f"precondition {pre.field} names unknown rule '{pre.rule}'.{did_you_mean(pre.rule, rules)}"
            raise KnowledgeError(problem, source=source, field="preconditions")
        if pre.field not in rule.fields():
            problem = f"precondition {pre.field}: its rule '{rule.id}' does not read {pre.field}."
            raise KnowledgeError(problem, source=source, field="preconditions")
        if pre.determinant and pre.determinant != rule.determinant:
            raise KnowledgeError(
                f"precondition {pre.field} takes its X from its rule '{rule.id}', whose determinant is "
                f"'{rule.determinant}', not '{pre.determinant}'.",
                source=source,
                field="preconditions",
            )


def knowledge_base_from(data: dict[str, Any], rules_dir: Path) -> KnowledgeBase:
    """The knowledge base held by the artifact, as loading and checking the files would give it."""
    part = data["knowledge"]
    questions = [artifact.construct(Question, q) for q in part["questions"]]
    sources = [artifact.construct(Source, s) for s in part["sources"]]
    cases = [artifact.construct(Case, c) for c in part["cases"]]
    return KnowledgeBase(
        rules=[artifact.construct(Rule, r) for r in part["rules"]],
        sources={s.id: s for s in sources},
        cases={c.id: c for c in cases},
        case_profiles={cid: artifact.construct(Profile, p) for cid, p in part["case_profiles"].items()},
        determinants=artifact.construct(DeterminantsFile, part["determinants"]),
        rating_items=artifact.construct(RatingItemsFile, part["rating_items"]),
        lessons=artifact.construct(LessonsFile, part["lessons"]),
        questions={q.field: q for q in questions},
        digest=data["digest"],
        directions=Directions(artifact.construct(DirectionsFile, part["directions"])),
        readiness=artifact.construct(ReadinessFile, part["readiness"]),
        evidence=artifact.construct(EvidenceFile, part["evidence"]),
        coverage_exceptions=dict(part["coverage_exceptions"]),
        strengths=tuple(artifact.construct(Strength, x) for x in part["strengths"]),
        decisive_barriers=artifact.construct(DecisiveBarriersFile, part["decisive_barriers"]),
        rule_origin={rid: (str(rules_dir / name), line) for rid, (name, line) in part["rule_origin"].items()},
    )
