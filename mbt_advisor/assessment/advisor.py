"""Evaluation: profile in, assessment out. The one place where rules, scores and risk come together.

``Advisor`` evaluates and does nothing else: explanation, what-if, comparison, batch and calibration are
functions over an Advisor in ``mbt_advisor.questions``. May import: common, profile, engine, rulebase (the
knowledge base only when a command needs it, or for ``--rules``/``--knowledge`` folders) and the rest of
the assessment.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from mbt_advisor._version import __version__
from mbt_advisor.assessment import similarity
from mbt_advisor.assessment.model import (
    Assessment,
    CitationOut,
    MatchedFact,
    MissingInformation,
    OrganizationSummary,
    PreconditionStatus,
    Readiness,
    Recommendation,
    Risk,
    ScoreComponents,
    SimilarCase,
    SourceStatementOut,
    Strength,
    trusted,
)
from mbt_advisor.assessment.scoring import SEVERITY_WEIGHT, LevelInput, assess_risk
from mbt_advisor.common.prose import READING_ROLE, because_text, compose_rationale, evidence_line, stage_text
from mbt_advisor.engine.compiler import CompiledRuleBase, Firing
from mbt_advisor.engine.conditions import holds
from mbt_advisor.engine.tables import Atom, Tables
from mbt_advisor.profile.loading import as_profile
from mbt_advisor.profile.model import LEVELS, Level, Profile, all_fields, field_info

if TYPE_CHECKING:
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase

ProfileLike = Profile | dict[str, Any] | str | os.PathLike[str]

_LEVEL_FIELDS = {level: [f for f in all_fields() if field_info(f)["level"] == level] for level in LEVELS}


class Advisor:
    """A loaded, compiled rule base that evaluates profiles. Build once, reuse; safe to share across threads.

    ``Advisor()`` uses the bundled rules and knowledge (compiled at build time by ``mbt_advisor.compiled``,
    read by ``rulebase.artifact``); pass ``rules_dir`` / ``knowledge_dir`` to use others, which are loaded
    and checked in full. An evaluation reads only ``tables`` (``engine.tables.Tables``); the knowledge base
    itself, ``kb``, is loaded on first use.
    """

    def __init__(
        self, rules_dir: str | os.PathLike[str] | None = None, knowledge_dir: str | os.PathLike[str] | None = None
    ) -> None:
        self._dirs = (rules_dir, knowledge_dir)
        self._kb: KnowledgeBase | None = None
        data: dict[str, Any] | None = None
        if rules_dir is None and knowledge_dir is None:
            from mbt_advisor.rulebase.artifact import artifact_for, bundled_digest

            artifact = artifact_for(bundled_digest(), "tables")
            data = None if artifact is None else artifact["tables"]
        if data is None:
            from mbt_advisor.assessment.rule_tables import tables_data
            from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

            self._kb = load_knowledge_base(rules_dir, knowledge_dir)
            data = tables_data(self._kb)
        self._setup(data)

    @classmethod
    def from_knowledge_base(cls, kb: KnowledgeBase) -> Advisor:
        """An Advisor over a knowledge base that is already loaded and checked."""
        from mbt_advisor.assessment.rule_tables import tables_data

        advisor = cls.__new__(cls)
        advisor._dirs = (None, None)
        advisor._kb = kb
        advisor._setup(tables_data(kb))
        return advisor

    def _setup(self, data: dict[str, Any]) -> None:
        self.tables = Tables(data)
        self.compiled = CompiledRuleBase(self.tables)
        self._case_concerns = self.tables.case_views
        self._lock = threading.Lock()
        self._kb_lock = threading.Lock()
        self._fixed: dict[str, tuple[list[CitationOut], list[SourceStatementOut], ScoreComponents]] = {}

    @property
    def kb(self) -> KnowledgeBase:
        """The checked rules and knowledge (loaded on first use)."""
        kb = self._kb
        if kb is None:
            with self._kb_lock:
                if self._kb is None:
                    from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

                    self._kb = load_knowledge_base(*self._dirs)
                kb = self._kb
        return kb

    # -- public API ---------------------------------------------------------------------------------
    def evaluate(self, profile: ProfileLike) -> Assessment:
        """Assess a profile (a Profile, plain data, or a path to a YAML/JSON file)."""
        profile = self.practice_view(_as_profile(profile))
        firings = self.compiled.run(profile)
        return self.assessment_from(profile, firings)

    def firings(self, profile: Profile) -> list[Firing]:
        """The raw engine trace: every rule activation that fired, in order, with the facts it matched."""
        return self.compiled.run(self.practice_view(profile))

    def concerns_of(self, profile: Profile) -> set[str]:
        return _concerns(self.tables, self.compiled.run(self.practice_view(profile)))

    def practice_view(self, profile: Profile) -> Profile:
        """The profile as the rules see it: for a unit that has not started (knowledge/readiness.yaml), the
        answers about daily practice are left out, so they are neither held against it nor asked."""
        tables = self.tables
        if not tables.not_started(profile.organization.phase):
            return profile
        cleared: dict[str, dict[str, None]] = {"ratings": {}, "facts": {}}
        for name in tables.practice_fields:
            section, _, key = name.partition(".")
            if getattr(getattr(profile, section), key) is not None:
                cleared[section][key] = None
        if not any(cleared.values()):
            return profile
        return profile.model_copy(
            update={section: getattr(profile, section).model_copy(update=keys) for section, keys in cleared.items()}
        )

    def assess_risk(self, profile: Profile) -> tuple[Risk, list[str]]:
        """Only the risk and the rule id of every activation that fired (a rule whose ``any`` alternatives
        hold twice appears twice): the fast path for what-if searches."""
        profile = self.practice_view(profile)
        activations = [f.rule_id for f in self.compiled.run(profile)]
        rules = [self.tables.rules[rule_id] for rule_id in dict.fromkeys(activations)]
        fired = [(r.id, r.level, r.severity, r.score) for r in rules]
        return self._risk(profile.answers(), fired), activations

    # -- assembly -----------------------------------------------------------------------------------
    def assessment_from(self, profile: Profile, firings: list[Firing]) -> Assessment:
        """The assessment built from an engine trace (for callers that also need the trace itself).

        Everything in it is computed here from the checked rule base and the validated profile, so the
        models are built without validating them again (``assessment.trusted``)."""
        tables = self.tables
        profile = self.practice_view(profile)
        by_rule: dict[str, list[Firing]] = {}
        for firing in firings:
            by_rule.setdefault(firing.rule_id, []).append(firing)
        not_started = tables.not_started(profile.organization.phase)
        timing: Literal["before_start", "now"] = "before_start" if not_started else "now"
        # which of a rule's staged texts the unit reads: unknown (None) reads both
        stage = "before_start" if not_started else None if profile.organization.phase is None else "started"
        rules = tables.rules
        order = sorted(by_rule, key=lambda rid: (-rules[rid].score, -SEVERITY_WEIGHT[rules[rid].severity], rid))
        read_only = read_only_concerns(tables, firings)
        recommendations = [
            self._recommendation(rule_id, by_rule[rule_id], timing, priority, read_only, stage)
            for priority, rule_id in enumerate(order, 1)
        ]
        concerns = sorted(_concerns(tables, firings))
        answers = profile.answers()  # computed once; risk, similarity and missing information all read it
        known = similarity.comparable(answers)
        org = profile.organization
        return trusted(
            Assessment,
            version=__version__,
            rule_base=tables.digest,
            organization=trusted(
                OrganizationSummary,
                name=org.name,
                setting=org.setting,
                population=org.population,
                phase=org.phase,
                assessed_on=org.assessed_on.isoformat() if org.assessed_on else None,
                assessor=org.assessor,
            ),
            risk=self._risk(answers, [(r.rule_id, r.level, r.severity, r.score) for r in recommendations]),
            readiness=self.readiness_status(answers) if not_started else None,
            recommendations=recommendations,
            strengths=self.strengths_of(answers),
            concerns=concerns,
            similar_cases=self._similar(known, set(concerns)),
            missing_information=self._missing(answers),
            fired_rules=[f"{f.rule_id}#{f.branch}" for f in firings],
        )

    def _recommendation(
        self,
        rule_id: str,
        fired: list[Firing],
        timing: Literal["before_start", "now"],
        priority: int,
        read_only: dict[str, list[str]] | None = None,
        stage: str | None = None,
    ) -> Recommendation:
        fixed = self._recommendation_parts(rule_id)
        pairs: list[tuple[str, Any]] = []
        for firing in fired:
            for pair in firing.matched:
                if pair not in pairs:
                    pairs.append(pair)
        view = self.tables.rules[rule_id]
        rec = view.recommendation
        citations, rationale, reading = list(fixed[0]), rec["rationale"], rec["our_reading"]
        # A concern this rule fired on that only our reading concluded: say so in the reader's words, and
        # leave out the citations that are evidence for that concern as the answers would show it.
        used = [name.removeprefix("concern:") for name, _ in pairs if name.startswith("concern:")]
        exposed = [c for c in used if read_only and c in read_only]
        phrases = [p for c in exposed for p in (read_only or {}).get(c, []) if p]
        if exposed:
            keep = [i for i, about in enumerate(view.about) if not set(about) & set(exposed)]
            citations = [citations[i] for i in keep]
            reading = " ".join(x for x in (because_text(list(dict.fromkeys(phrases))), reading) if x)
            shown = [(c.case, c.detail) for c in citations if c.role != READING_ROLE]
            statements = [f"{s.locator}: {s.statement}" for s in fixed[1]]
            rationale = compose_rationale(evidence_line(shown, statements), reading)
        return trusted(
            Recommendation,
            rule_id=rule_id,
            title=rec["title"],
            theme=rec["theme"],
            level=rec["level"],
            priority=priority,
            score=rec["score"],
            severity=rec["severity"],
            evidence=rec["evidence"],
            evidence_label=rec["evidence_label"],
            rationale=rationale,
            actions=[stage_text(text, stage) for text in rec["actions"]],
            questions=[stage_text(text, stage) for text in rec["questions"]],
            citations=citations,
            source_statements=list(fixed[1]),
            our_reading=reading,
            because=list(dict.fromkeys(phrases)),
            matched=[trusted(MatchedFact, field=name, value=value) for name, value in pairs],
            concludes=list(rec["concludes"]),
            score_components=fixed[2],
            timing=timing,
        )

    def _recommendation_parts(
        self, rule_id: str
    ) -> tuple[list[CitationOut], list[SourceStatementOut], ScoreComponents]:
        """A rule's citations, source statements and score components as models, made once per Advisor
        (frozen models of text and numbers: every assessment can share them)."""
        parts = self._fixed.get(rule_id)
        if parts is None:
            rec = self.tables.rules[rule_id].recommendation
            parts = (
                [trusted(CitationOut, **c) for c in rec["citations"]],
                [trusted(SourceStatementOut, **s) for s in rec["source_statements"]],
                trusted(ScoreComponents, **rec["score_components"]),
            )
            self._fixed[rule_id] = parts
        return parts

    def strengths_of(self, answers: dict[str, Any]) -> list[Strength]:
        """What is in place that the sources name as a facilitator, rate high, or name as a barrier where it was
        missing (knowledge/strengths.yaml), in the file's order, from the answers as the rules see them
        (``practice_view``)."""
        found = []
        for view in self.tables.strengths:
            matched = _holds(view.branches, answers)
            if matched is None:
                continue
            data = view.strength
            found.append(
                trusted(
                    Strength,
                    id=data["id"],
                    title=data["title"],
                    theme=data["theme"],
                    level=data["level"],
                    evidence=data["evidence"],
                    evidence_label=data["evidence_label"],
                    citations=[trusted(CitationOut, **c) for c in data["citations"]],
                    source_statements=[trusted(SourceStatementOut, **x) for x in data["source_statements"]],
                    our_reading=data["our_reading"],
                    protect=list(data["protect"]),
                    questions=list(data["questions"]),
                    matched=[trusted(MatchedFact, field=name, value=value) for name, value in matched],
                )
            )
        return found

    def readiness_status(self, answers: dict[str, Any]) -> Readiness:
        """For a unit that has not started: which preconditions are in place, open or not yet known, and which
        open ones the cases show to be decisive by our reading (their determinant's X on the determinant slide
        is at least ``decisive_from``)."""
        tables = self.tables
        found: list[PreconditionStatus] = []
        for pre in tables.preconditions:
            value = answers.get(pre.field)
            status: Literal["in_place", "open", "unknown"] = (
                "unknown"
                if value is None
                else "open"
                if self._precondition_open(pre.rule, pre.field, answers)
                else "in_place"
            )
            count = tables.determinant_counts.get(pre.determinant) if pre.determinant else None
            found.append(
                trusted(
                    PreconditionStatus,
                    field=pre.field,
                    text=pre.text,
                    status=status,
                    decisive=count is not None and count >= tables.decisive_from,
                    determinant=pre.determinant,
                    times_named=count,
                    slide_item=tables.determinant_names.get(pre.determinant) if pre.determinant else None,
                    cases=list(pre.cases),
                )
            )
        counts = {s: sum(1 for p in found if p.status == s) for s in ("in_place", "open", "unknown")}
        decisive = [p for p in found if p.status == "open" and p.decisive]
        headline = f"Before the first patients: {counts['open']} of {len(found)} preconditions open"
        if decisive:
            named = "; ".join(
                f"{p.text[0].lower()}{p.text[1:]} (counted {p.times_named} for '{p.slide_item}')" for p in decisive
            )
            headline += (
                f", {len(decisive)} of them among what the talk's determinant slide gives a number of "
                f"{tables.decisive_from} or more (the slide lists determinants of success or failure, without "
                f"saying of which cases, with a number beside each and does not say what the number counts; we "
                f"read 5 or more as decisive): {named}"
            )
        headline += f". {counts['in_place']} in place, {counts['unknown']} not yet known."
        return trusted(
            Readiness,
            total=len(found),
            in_place=counts["in_place"],
            open=counts["open"],
            unknown=counts["unknown"],
            decisive_open=[p.field for p in decisive],
            preconditions=found,
            headline=headline,
        )

    def _precondition_open(self, rule_id: str, name: str, answers: dict[str, Any]) -> bool:
        """Whether a readiness precondition is open: some alternative of its rule that tests its field, and
        needs no concern, holds for the answers. The rule's conditions are the one definition of "not in
        place" (the readiness reading and the rule base read each case alike)."""
        for branch in self.tables.rules[rule_id].branches:
            if any(a.concern for a in branch) or not any(a.field == name for a in branch):
                continue
            if all(holds(a.op or "", a.target, answers.get(a.field)) for a in branch if a.field):
                return True
        return False

    def _risk(self, answers: dict[str, Any], fired_rules: Sequence[tuple[str, str, str, float]]) -> Risk:
        return assess_risk(self.level_inputs(answers, fired_rules))

    def level_inputs(
        self, answers: dict[str, Any], fired_rules: Sequence[tuple[str, str, str, float]]
    ) -> list[LevelInput]:
        """What the risk of each level rests on: the (rule id, severity, score) of each fired rule there, the ratings
        and how many of the questions that matter were answered (scoring.assess_risk does the rest)."""
        not_asked = self._not_asked(answers)
        relevant = self._relevant(answers)
        barriers = [b for b in self.tables.decisive_barriers if _holds(b.branches, answers) is not None]
        inputs = []
        for level in LEVELS:
            items = [f for f in _LEVEL_FIELDS[level] if f.startswith("ratings.") and f not in not_asked]
            inputs.append(
                LevelInput(
                    level=level,
                    fired=tuple((rid, sev, value) for rid, lvl, sev, value in fired_rules if lvl == level),
                    ratings=tuple(answers[f] for f in items if f in answers),
                    rating_items=len(items),
                    relevant=len(relevant[level]),
                    answered=sum(1 for f in relevant[level] if f in answers),
                    decisive=tuple((b.id, b.text, b.cases) for b in barriers if b.level == level),
                )
            )
        return inputs

    def _relevant(self, answers: dict[str, Any]) -> dict[Level, list[str]]:
        """The questions that matter at each level: some rule reads them, they apply to this unit (setting,
        expert path when it gives ratings), and they can be answered before the start if it has not started.
        The same fields, unanswered, are the missing information."""
        has_ratings = any(name.startswith("ratings.") for name in answers)
        not_asked = self._not_asked(answers)
        not_started = self.tables.not_started(answers.get("organization.phase"))
        readers, questions = self.tables.readers, self.tables.questions
        found: dict[Level, list[str]] = {level: [] for level in LEVELS}
        for level, fields in _LEVEL_FIELDS.items():
            for name in fields:
                if name in not_asked or not readers.get(name):
                    continue
                if name in answers:
                    found[level].append(name)
                    continue
                question = questions.get(name)
                if question is None or not question.applies(answers, not_started=not_started):
                    continue
                if name.startswith("ratings.") and not has_ratings:
                    continue
                found[level].append(name)
        return found

    def case_views(self) -> dict[str, tuple[dict[str, Any], set[str]]]:
        """For each documented case: its known answers and the concerns the rule base concludes for it
        (from the compiled artifact for the bundled rule base, else computed once per Advisor on first use,
        as JSON data like the artifact's)."""
        with self._lock:
            if self._case_concerns is None:
                views = {
                    cid: (similarity.comparable(p.answers()), sorted(self.concerns_of(p)))
                    for cid, p in sorted(self.kb.case_profiles.items())
                }
                plain = json.loads(json.dumps(views))
                self._case_concerns = {cid: (known, set(concerns)) for cid, (known, concerns) in plain.items()}
            return self._case_concerns

    def _similar(self, known: dict[str, Any], concerns: set[str]) -> list[SimilarCase]:
        found = []
        for case_id, (case_known, case_concerns) in self.case_views().items():
            value, n, shared, differences = similarity.compare(known, concerns, case_known, case_concerns)
            if value >= similarity.THRESHOLD:
                name, outcome = self.tables.cases[case_id]
                found.append(
                    trusted(
                        SimilarCase,
                        case=case_id,
                        name=name,
                        similarity=value,
                        outcome=outcome,
                        shared_concerns=shared,
                        compared_fields=n,
                        differences=differences,
                    )
                )
        found.sort(key=lambda s: (-s.similarity, s.case))
        return found[: similarity.SHOWN]

    def _not_asked(self, answers: dict[str, Any]) -> frozenset[str]:
        """The practice fields, for a unit that has not started; else nothing."""
        tables = self.tables
        if tables.not_started(answers.get("organization.phase")):
            return frozenset(tables.practice_fields)
        return frozenset()

    def _missing(self, answers: dict[str, Any]) -> list[MissingInformation]:
        missing: list[tuple[float, int, MissingInformation]] = []
        relevant = {name for fields in self._relevant(answers).values() for name in fields}
        tables = self.tables
        for name in ["organization.setting", "organization.population", "organization.phase", *all_fields()]:
            if answers.get(name) is not None:
                continue
            question = tables.questions.get(name)
            readers = sorted(tables.readers.get(name, []))
            if question is None or not (name in relevant or name.startswith("organization.")):
                continue
            if not question.applies(answers, not_started=tables.not_started(answers.get("organization.phase"))):
                continue
            weight = sum(SEVERITY_WEIGHT[tables.rules[r].severity] for r in readers)
            level: Level = field_info(name)["level"] if not name.startswith("organization.") else "organization"
            missing.append(
                (
                    -weight,
                    len(missing),
                    trusted(MissingInformation, field=name, question=question.prompt, level=level, needed_by=readers),
                )
            )
        missing.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in missing]


def _holds(alternatives: tuple[tuple[Atom, ...], ...], answers: dict[str, Any]) -> list[tuple[str, Any]] | None:
    """The (field, answer) pairs of the first alternative whose field tests all hold (what the engine's own
    test, ``conditions.holds``, says), or None when none does. Strengths and decisive barriers test answers only."""
    for alternative in alternatives:
        if all(
            atom.field is not None and atom.op is not None and holds(atom.op, atom.target, answers.get(atom.field))
            for atom in alternative
        ):
            return [(atom.field, answers[atom.field]) for atom in alternative if atom.field is not None]
    return None


def read_only_concerns(tables: Tables, firings: list[Firing]) -> dict[str, list[str]]:
    """The concerns that, in this run, only our readings concluded (every rule that fired and concludes it
    does so by a reading, its ``because``), each with those readings in a reader's words, in firing order."""
    by: dict[str, list[str | None]] = {}
    for firing in firings:
        view = tables.rules[firing.rule_id]
        for concern in view.concludes:
            phrase = view.because.get(concern)
            if phrase not in by.setdefault(concern, []):
                by[concern].append(phrase)
    return {c: [p for p in phrases if p] for c, phrases in by.items() if None not in phrases}


def _concerns(tables: Tables, firings: list[Firing]) -> set[str]:
    found: set[str] = set()
    for firing in firings:
        found.update(tables.rules[firing.rule_id].concludes)
    return found


def _as_profile(profile: ProfileLike) -> Profile:
    return as_profile(profile)


_default: Advisor | None = None
_default_lock = threading.Lock()


def default_advisor() -> Advisor:
    """The process-wide Advisor over the bundled rule base, built on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Advisor()
        return _default


def evaluate(profile: ProfileLike) -> Assessment:
    """Assess a profile with the bundled rule base."""
    return default_advisor().evaluate(profile)
