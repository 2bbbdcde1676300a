"""Evaluation: profile in, assessment out. The one place where rules, scores and risk come together."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from . import similarity
from ._version import __version__
from .assessment import (
    Assessment,
    CitationOut,
    MatchedFact,
    MissingInformation,
    OrganizationSummary,
    Recommendation,
    Risk,
    SimilarCase,
    SourceStatementOut,
)
from .compiler import CompiledRuleBase, Firing
from .knowledge_base import KnowledgeBase, load_knowledge_base
from .loading import as_profile
from .profile import LEVELS, Level, Profile, all_fields, field_info
from .readiness import readiness_of
from .scoring import SEVERITY_WEIGHT, LevelInput, assess_risk, score

if TYPE_CHECKING:
    from .comparison import Comparison
    from .explanation import Explanation
    from .whatif import WhatIf

ProfileLike = Profile | dict[str, Any] | str | os.PathLike[str]

_LEVEL_FIELDS = {level: [f for f in all_fields() if field_info(f)["level"] == level] for level in LEVELS}


class Advisor:
    """A loaded, compiled rule base that evaluates profiles. Build once, reuse; safe to share across threads.

    ``Advisor()`` uses the bundled rules and knowledge; pass ``rules_dir`` / ``knowledge_dir`` to use others.
    """

    def __init__(
        self, rules_dir: str | os.PathLike[str] | None = None, knowledge_dir: str | os.PathLike[str] | None = None
    ) -> None:
        self.kb: KnowledgeBase = load_knowledge_base(rules_dir, knowledge_dir)
        self.compiled = CompiledRuleBase(self.kb)
        self._case_concerns: dict[str, tuple[dict[str, Any], set[str]]] | None = None
        self._lock = threading.Lock()
        self._scores = {rule.id: score(rule, self.kb) for rule in self.kb.rules}

    # -- public API ---------------------------------------------------------------------------------
    def evaluate(self, profile: ProfileLike) -> Assessment:
        """Assess a profile (a Profile, plain data, or a path to a YAML/JSON file)."""
        profile = self.practice_view(_as_profile(profile))
        firings = self.compiled.run(profile)
        return self.assessment_from(profile, firings)

    def explain(self, profile: ProfileLike, rule_id: str | None = None) -> Explanation:
        """HOW each recommendation was reached (and, with ``rule_id``, why that rule did or did not fire)."""
        from .explanation import explain

        return explain(_as_profile(profile), self, rule_id)

    def what_if(self, profile: ProfileLike, *, include_context: bool = False) -> WhatIf:
        """The smallest sets of changes that lower the overall risk, checked against the engine."""
        from .whatif import what_if

        return what_if(_as_profile(profile), self, include_context=include_context)

    def compare(self, old: ProfileLike, new: ProfileLike) -> Comparison:
        """What changed between two profiles of the same unit."""
        from .comparison import compare

        return compare(_as_profile(old), _as_profile(new), self)

    def firings(self, profile: Profile) -> list[Firing]:
        """The raw engine trace: every rule activation that fired, in order, with the facts it matched."""
        return self.compiled.run(self.practice_view(profile))

    def concerns_of(self, profile: Profile) -> set[str]:
        return _concerns(self.kb, self.compiled.run(self.practice_view(profile)))

    def practice_view(self, profile: Profile) -> Profile:
        """The profile as the rules see it: for a unit that has not started (knowledge/readiness.yaml), the
        answers about daily practice are left out, so they are neither held against it nor asked."""
        readiness = self.kb.readiness
        if not readiness.not_started(profile.organization.phase):
            return profile
        cleared: dict[str, dict[str, None]] = {"ratings": {}, "facts": {}}
        for name in readiness.practice_field_names():
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
        rules = [self.kb.rule(rule_id) for rule_id in dict.fromkeys(activations)]
        fired = [(r.id, r.level, r.severity, self._scores[r.id][0]) for r in rules]
        return self._risk(profile.answers(), fired), activations

    # -- assembly -----------------------------------------------------------------------------------
    def assessment_from(self, profile: Profile, firings: list[Firing]) -> Assessment:
        """The assessment built from an engine trace (for callers that also need the trace itself)."""
        kb = self.kb
        profile = self.practice_view(profile)
        by_rule: dict[str, list[Firing]] = {}
        for firing in firings:
            by_rule.setdefault(firing.rule_id, []).append(firing)
        not_started = kb.readiness.not_started(profile.organization.phase)
        timing: Literal["before_start", "now"] = "before_start" if not_started else "now"
        recommendations = [self._recommendation(rule_id, fired, timing) for rule_id, fired in by_rule.items()]
        recommendations.sort(key=lambda r: (-r.score, -SEVERITY_WEIGHT[r.severity], r.rule_id))
        recommendations = [r.model_copy(update={"priority": i}) for i, r in enumerate(recommendations, 1)]
        concerns = sorted(_concerns(kb, firings))
        answers = profile.answers()  # computed once; risk, similarity and missing information all read it
        known = similarity.comparable(answers)
        org = profile.organization
        return Assessment(
            version=__version__,
            rule_base=kb.digest,
            organization=OrganizationSummary(
                name=org.name,
                setting=org.setting,
                population=org.population,
                phase=org.phase,
                assessed_on=org.assessed_on.isoformat() if org.assessed_on else None,
                assessor=org.assessor,
            ),
            risk=self._risk(answers, [(r.rule_id, r.level, r.severity, r.score) for r in recommendations]),
            readiness=readiness_of(kb, answers) if not_started else None,
            recommendations=recommendations,
            concerns=concerns,
            similar_cases=self._similar(known, set(concerns)),
            missing_information=self._missing(answers),
            fired_rules=[f"{f.rule_id}#{f.branch}" for f in firings],
        )

    def _recommendation(
        self, rule_id: str, fired: list[Firing], timing: Literal["before_start", "now"]
    ) -> Recommendation:
        kb = self.kb
        rule = kb.rule(rule_id)
        value, components = self._scores[rule_id]
        matched: list[MatchedFact] = []
        for firing in fired:
            for name, fact_value in firing.matched:
                item = MatchedFact(field=name, value=fact_value)
                if item not in matched:
                    matched.append(item)
        citations = []
        for citation in rule.citations:
            case = kb.cases[citation.case]
            citations.append(
                CitationOut(
                    case=citation.case,
                    source=citation.source,
                    detail=" ".join(citation.line().split()),
                    outcome=case.outcome_text(),
                    reference=kb.sources[citation.source].reference(),
                    locator=citation.locator,
                    statement=" ".join(citation.detail.split()),
                )
            )
        statements = [
            SourceStatementOut(
                source=s.source,
                locator=s.locator,
                statement=" ".join(s.detail.split()),
                reference=kb.sources[s.source].reference(),
            )
            for s in rule.source_statements
        ]
        return Recommendation(
            rule_id=rule.id,
            title=rule.title,
            theme=rule.theme,
            level=rule.level,
            priority=0,
            score=value,
            severity=rule.severity,
            evidence=rule.evidence,
            rationale=rule.rationale,
            actions=list(rule.actions),
            questions=list(rule.questions),
            citations=citations,
            source_statements=statements,
            our_reading=" ".join(rule.reading.split()) if rule.reading else None,
            matched=matched,
            concludes=list(rule.concludes),
            score_components=components,
            timing=timing,
        )

    def _risk(self, answers: dict[str, Any], fired_rules: Sequence[tuple[str, str, str, float]]) -> Risk:
        return assess_risk(self.level_inputs(answers, fired_rules))

    def level_inputs(
        self, answers: dict[str, Any], fired_rules: Sequence[tuple[str, str, str, float]]
    ) -> list[LevelInput]:
        """What the risk of each level rests on: the (rule id, severity, score) of each fired rule there, the ratings
        and how many of the questions that matter were answered (scoring.assess_risk does the rest)."""
        not_asked = self._not_asked(answers)
        relevant = self._relevant(answers)
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
                )
            )
        return inputs

    def _relevant(self, answers: dict[str, Any]) -> dict[Level, list[str]]:
        """The questions that matter at each level: some rule reads them, they apply to this unit (setting,
        expert path when it gives ratings), and they can be answered before the start if it has not started.
        The same fields, unanswered, are the missing information."""
        has_ratings = any(name.startswith("ratings.") for name in answers)
        not_asked = self._not_asked(answers)
        found: dict[Level, list[str]] = {level: [] for level in LEVELS}
        for level, fields in _LEVEL_FIELDS.items():
            for name in fields:
                if name in not_asked or not self.kb.readers.get(name):
                    continue
                if name in answers:
                    found[level].append(name)
                    continue
                question = self.kb.questions.get(name)
                if question is None or not question.applies(answers):
                    continue
                if name.startswith("ratings.") and not has_ratings:
                    continue
                found[level].append(name)
        return found

    def _case_views(self) -> dict[str, tuple[dict[str, Any], set[str]]]:
        """For each documented case: its known answers and the concerns the rule base concludes for it
        (computed once per Advisor, on first use)."""
        with self._lock:
            if self._case_concerns is None:
                self._case_concerns = {
                    cid: (similarity.comparable(p.answers()), self.concerns_of(p))
                    for cid, p in sorted(self.kb.case_profiles.items())
                }
            return self._case_concerns

    def _similar(self, known: dict[str, Any], concerns: set[str]) -> list[SimilarCase]:
        found = []
        for case_id, (case_known, case_concerns) in self._case_views().items():
            value, n, shared, differences = similarity.compare(known, concerns, case_known, case_concerns)
            if value >= similarity.THRESHOLD:
                case = self.kb.cases[case_id]
                found.append(
                    SimilarCase(
                        case=case_id,
                        name=case.name,
                        similarity=value,
                        outcome=case.outcome_text(),
                        shared_concerns=shared,
                        compared_fields=n,
                        differences=differences,
                    )
                )
        found.sort(key=lambda s: (-s.similarity, s.case))
        return found[: similarity.SHOWN]

    def _not_asked(self, answers: dict[str, Any]) -> frozenset[str]:
        """The practice fields, for a unit that has not started; else nothing."""
        readiness = self.kb.readiness
        if readiness.not_started(answers.get("organization.phase")):
            return frozenset(readiness.practice_field_names())
        return frozenset()

    def _missing(self, answers: dict[str, Any]) -> list[MissingInformation]:
        missing: list[tuple[float, int, MissingInformation]] = []
        relevant = {name for fields in self._relevant(answers).values() for name in fields}
        for name in ["organization.setting", "organization.population", "organization.phase", *all_fields()]:
            if answers.get(name) is not None:
                continue
            question = self.kb.questions.get(name)
            readers = sorted(self.kb.readers.get(name, []))
            if question is None or not (name in relevant or name.startswith("organization.")):
                continue
            if not question.applies(answers):
                continue
            weight = sum(SEVERITY_WEIGHT[self.kb.rule(r).severity] for r in readers)
            level: Level = field_info(name)["level"] if not name.startswith("organization.") else "organization"
            missing.append(
                (
                    -weight,
                    len(missing),
                    MissingInformation(field=name, question=question.prompt, level=level, needed_by=readers),
                )
            )
        missing.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in missing]


def _concerns(kb: KnowledgeBase, firings: list[Firing]) -> set[str]:
    found: set[str] = set()
    for firing in firings:
        found.update(kb.rule(firing.rule_id).concludes)
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


def explain(profile: ProfileLike, rule_id: str | None = None) -> Explanation:
    """HOW each recommendation was reached, with the bundled rule base (see :meth:`Advisor.explain`)."""
    return default_advisor().explain(profile, rule_id)


def what_if(profile: ProfileLike, *, include_context: bool = False) -> WhatIf:
    """The smallest changes that lower the risk (see :meth:`Advisor.what_if`)."""
    return default_advisor().what_if(profile, include_context=include_context)


def compare(old: ProfileLike, new: ProfileLike) -> Comparison:
    """What changed between two profiles of the same unit (see :meth:`Advisor.compare`)."""
    return default_advisor().compare(old, new)
