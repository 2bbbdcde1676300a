"""What would it take? The smallest sets of changes to a profile that lower the overall risk.

Candidate changes come from knowledge/field_directions.yaml: for each answered field, the better answers,
smallest step first; fields marked as context (an announced reorganization, how MBT was chosen) are held
fixed unless asked for. The search is greedy on a pressure score (overall risk first, then per-level risk,
weight of every rule activation and rating shortfall), with lazy re-evaluation of candidates, and is then pruned:
every change whose removal keeps the target risk is dropped, and every remaining change is softened to the
smallest step that still reaches it. Because improving an answer never adds a rule, a plan from which no
single change can be removed is minimal: no proper subset reaches the same risk. Every plan is checked by
evaluating the changed profile with the full engine; ``risk_after`` is that result, not an estimate.
"""

from __future__ import annotations

import heapq
from typing import Any

from pydantic import AliasChoices, ConfigDict, Field

from mbt_advisor.assessment.advisor import Advisor, ProfileLike, default_advisor
from mbt_advisor.assessment.model import Risk, RiskLevel
from mbt_advisor.assessment.scoring import RISK_ORDER, SEVERITY_WEIGHT
from mbt_advisor.common.strict import Strict
from mbt_advisor.profile.loading import as_profile
from mbt_advisor.profile.model import Level, Profile, field_info
from mbt_advisor.profile.values import plain
from mbt_advisor.rulebase.words import field_label, shown_index, value_label

MAX_PLAN = 25
MAX_PAIR_FIELDS = 30  # a plateau is crossed by trying pairs among at most this many fields


class Change(Strict):
    """One answer changed: ``from`` is the profile's answer, ``to`` the proposed one (JSON keys ``from``/``to``;
    in Python the attribute is ``from_``, since ``from`` is a keyword)."""

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)

    field: str
    from_: Any = Field(validation_alias=AliasChoices("from", "from_"), serialization_alias="from")
    to: Any
    level: Level
    actionable: bool
    label: str = Field(default="", description="The field in the question bank's words")
    from_words: str = Field(default="", description="The answer as it stands, in words")
    to_words: str = Field(default="", description="The proposed answer, in words")


class Plan(Strict):
    changes: list[Change]
    risk_after: RiskLevel
    index_after: float | None = Field(description="The overall risk index (0-100) after the changes")
    levels_after: dict[Level, RiskLevel]
    rules_removed: list[str]


class Sensitivity(Change):
    """A single change that lowers the overall index on its own, and the index it gives."""

    risk_after: RiskLevel
    index_after: float | None
    levels_after: dict[Level, RiskLevel]
    rules_removed: list[str]
    pressure_drop: float
    index_drop: float = Field(default=0.0, description="index_before - index_after: how much this change helps")


class WhatIf(Strict):
    organization: str
    risk_before: RiskLevel
    index_before: float | None = Field(description="The overall risk index (0-100) as the profile stands")
    levels_before: dict[Level, RiskLevel]
    changes: list[Change]
    risk_after: RiskLevel | None
    index_after: float | None = Field(description="The overall risk index after the smallest plan")
    levels_after: dict[Level, RiskLevel] | None
    rules_removed: list[str]
    alternatives: list[Plan]
    to_low: Plan | None
    sensitivity: list[Sensitivity]
    held_fixed: list[str]
    note: str
    history: list[str] = []  # answered fields about the past, never proposed for change
    held_fixed_words: list[str] = Field(default=[], description="held_fixed in the question bank's words")
    history_words: list[str] = Field(default=[], description="history in the question bank's words")


def apply_changes(profile: Profile, changes: dict[str, Any]) -> Profile:
    """A copy of ``profile`` with ``{"facts.team_size": 10, ...}`` applied (no other field touched)."""
    sections: dict[str, dict[str, Any]] = {}
    for name, value in changes.items():
        section, _, key = name.partition(".")
        sections.setdefault(section, {})[key] = tuple(value) if isinstance(value, list) else value
    update = {section: getattr(profile, section).model_copy(update=values) for section, values in sections.items()}
    return profile.model_copy(update=update)


def _pressure(risk: Risk) -> float:
    """Lower is better: overall risk dominates, then each level's risk, rule weight and rating shortfall."""
    total = RISK_ORDER.get(risk.overall, 3) * 1000.0
    for detail in risk.details:
        total += RISK_ORDER.get(detail.risk, 0) * 100.0
        if detail.mean_rating is not None:
            total += max(0.0, 4.5 - detail.mean_rating) * 10
    return total


class _Search:
    def __init__(self, advisor: Advisor, profile: Profile, include_context: bool) -> None:
        self.advisor = advisor
        self.profile = profile
        self.directions = advisor.kb.directions
        self.cache: dict[tuple[tuple[str, Any], ...], tuple[Risk, list[str], float]] = {}
        known = self.known = profile.known_fields()
        self.options: dict[str, list[Any]] = {}
        self.held: list[str] = []
        self.history: list[str] = []
        for name, value in known.items():
            steps = self.directions.improvements(name, value)
            if not steps:
                continue
            if self.directions.history(name):
                self.history.append(name)
                continue
            if not self.directions.actionable(name) and not include_context:
                self.held.append(name)
                continue
            self.options[name] = steps
        self.base = self.evaluate({})

    def evaluate(self, changes: dict[str, Any]) -> tuple[Risk, list[str], float]:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in changes.items()))
        if key not in self.cache:
            risk, activations = self.advisor.assess_risk(apply_changes(self.profile, changes))
            # every activation counts, so undoing one of two alternatives that hold is progress too
            weight = sum(SEVERITY_WEIGHT[self.advisor.kb.rule(r).severity] for r in activations)
            self.cache[key] = (risk, list(dict.fromkeys(activations)), _pressure(risk) + weight)
        return self.cache[key]

    def greedy(self, target: int, banned: set[str] = frozenset()) -> dict[str, Any] | None:  # type: ignore[assignment]
        """Changes (best step per field) until the overall risk rank is at most ``target``; None if it cannot."""
        chosen: dict[str, Any] = {}
        current = self.base[2]
        heap = [(-float("inf"), name) for name in sorted(self.options) if name not in banned]
        heapq.heapify(heap)
        while heap and RISK_ORDER.get(self.evaluate(chosen)[0].overall, 3) > target and len(chosen) < MAX_PLAN:
            _, name = heapq.heappop(heap)
            trial = {**chosen, name: self.options[name][-1]}
            gain = current - self.evaluate(trial)[2]
            if heap and gain < -heap[0][0]:  # lazy greedy: re-queue with its fresh gain
                heapq.heappush(heap, (-gain, name))
                continue
            if gain <= 0:  # a plateau: no single change helps; try two at once before giving up
                pair = self._best_pair(chosen, current, banned)
                if pair is None:
                    break
                chosen = {**chosen, **pair}
                current = self.evaluate(chosen)[2]
                heap = [(-float("inf"), n) for n in sorted(self.options) if n not in banned and n not in chosen]
                heapq.heapify(heap)
                continue
            chosen, current = trial, current - gain
        if RISK_ORDER.get(self.evaluate(chosen)[0].overall, 3) > target:
            return None
        return self.prune(chosen, target)

    def _best_pair(self, chosen: dict[str, Any], current: float, banned: set[str]) -> dict[str, Any] | None:
        # a pair helps only if one change undoes a rule still firing (so reads a field it reads) and the
        # other undoes one too or blocks a rule that the first change sets off (so shares a field with it)
        rules = self.advisor.kb.rules
        firing = self.evaluate(chosen)[1]
        relevant = {name for rule_id in firing for name in self.advisor.kb.rule(rule_id).fields()}
        neighbours = {name for rule in rules if relevant & set(rule.fields()) for name in rule.fields()} - relevant
        names = [n for group in (relevant, neighbours) for n in sorted(group) if n in self.options and n not in banned]
        names = [n for n in names if n not in chosen][:MAX_PAIR_FIELDS]
        best: tuple[float, dict[str, Any]] | None = None
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                pair = {first: self.options[first][-1], second: self.options[second][-1]}
                gain = current - self.evaluate({**chosen, **pair})[2]
                if gain > 0 and (best is None or gain > best[0]):
                    best = (gain, pair)
        return best[1] if best else None

    def prune(self, chosen: dict[str, Any], target: int) -> dict[str, Any]:
        for name in list(chosen):
            trial = {k: v for k, v in chosen.items() if k != name}
            if RISK_ORDER.get(self.evaluate(trial)[0].overall, 3) <= target:
                chosen = trial
        for name in list(chosen):
            for step in self.options[name]:
                if step == chosen[name]:
                    break
                trial = {**chosen, name: step}
                if RISK_ORDER.get(self.evaluate(trial)[0].overall, 3) <= target:
                    chosen = trial
                    break
        return chosen

    def plan(self, changes: dict[str, Any]) -> Plan:
        risk, fired, _ = self.evaluate(changes)
        removed = [r for r in self.base[1] if r not in fired]
        return Plan(
            changes=[self.change(name, value) for name, value in changes.items()],
            risk_after=risk.overall,
            index_after=risk.index,
            levels_after=dict(risk.levels),
            rules_removed=removed,
        )

    def change(self, name: str, value: Any) -> Change:
        kb = self.advisor.tables
        return Change(
            field=name,
            from_=plain(self.known[name]),
            to=plain(value),
            level=field_info(name)["level"],
            actionable=self.directions.actionable(name),
            label=field_label(kb, name),
            from_words=value_label(kb, name, self.known[name]),
            to_words=value_label(kb, name, value),
        )


def _no_plan(note: str, common: dict[str, Any]) -> WhatIf:
    """A what-if answer without a plan: the risk cannot, or need not, be lowered."""
    return WhatIf(
        changes=[],
        risk_after=None,
        index_after=None,
        levels_after=None,
        rules_removed=[],
        alternatives=[],
        to_low=None,
        note=note,
        **common,
    )


def what_if(
    profile: ProfileLike, *, include_context: bool = False, advisor: Advisor | None = None, alternatives: int = 2
) -> WhatIf:
    """The smallest sets of changes that lower the overall risk, each checked by evaluating the changed
    profile, with ``advisor`` or the bundled rule base."""
    profile = as_profile(profile)
    advisor = advisor or default_advisor()
    search = _Search(advisor, profile, include_context)
    base_risk, base_fired, base_pressure = search.base
    sensitivity = []
    before = base_risk.index
    for name in sorted(search.options):
        steps = search.options[name]
        strongest: Sensitivity | None = None
        for step in steps[:1] + steps[-1:] if len(steps) > 1 else steps:
            risk, fired, pressure = search.evaluate({name: step})
            if before is None or risk.index is None or shown_index(risk.index) >= shown_index(before):
                continue  # only what lowers the overall index as people read it
            single = Sensitivity(
                **search.change(name, step).model_dump(),
                risk_after=risk.overall,
                index_after=risk.index,
                levels_after=dict(risk.levels),
                rules_removed=[r for r in base_fired if r not in fired],
                pressure_drop=round(base_pressure - pressure, 2),
                index_drop=round(before - risk.index, 1),
            )
            if strongest is None or single.index_drop > strongest.index_drop:
                strongest = single
        if strongest is not None:
            sensitivity.append(strongest)
    sensitivity.sort(key=lambda s: (-s.index_drop, -s.pressure_drop, s.field, str(s.to)))
    unique = sensitivity
    common: dict[str, Any] = {
        "organization": profile.organization.name,
        "risk_before": base_risk.overall,
        "index_before": base_risk.index,
        "levels_before": dict(base_risk.levels),
        "sensitivity": unique[:15],
        "held_fixed": search.held,
        "history": search.history,
        "held_fixed_words": [field_label(advisor.tables, name) for name in search.held],
        "history_words": [field_label(advisor.tables, name) for name in search.history],
    }
    start = RISK_ORDER.get(base_risk.overall)
    if start is None or start == 0:
        why = "the risk is unknown: answer the missing questions first" if start is None else "the risk is already low"
        return _no_plan(f"No plan: {why}.", common)
    best = search.greedy(start - 1)
    if best is None:
        return _no_plan(
            "No combination of changes to actionable answers lowers the overall risk"
            + (
                "."
                if include_context or not search.held
                else f"; {len(search.held)} context answer(s) were held fixed: include them with --include-context"
                " (include_context=True)."
            ),
            common,
        )
    best_plan = search.plan(best)
    others: list[Plan] = []
    banned: set[str] = set()
    for name in best:
        if len(others) >= alternatives:
            break
        banned = {name}
        alt = search.greedy(start - 1, banned)
        if alt is not None and alt != best and all(search.plan(alt).changes != o.changes for o in others):
            others.append(search.plan(alt))
    to_low = None
    if start > 1:
        low = search.greedy(0)
        if low is not None:
            to_low = search.plan(low)
    note = (
        f"{len(best)} change(s) lower the overall risk from {base_risk.overall} to {best_plan.risk_after}; "
        "each plan was checked by evaluating the changed profile."
    )
    return WhatIf(
        changes=best_plan.changes,
        risk_after=best_plan.risk_after,
        index_after=best_plan.index_after,
        levels_after=best_plan.levels_after,
        rules_removed=best_plan.rules_removed,
        alternatives=others,
        to_low=to_low,
        note=note,
        **common,
    )
