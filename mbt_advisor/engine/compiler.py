"""Compile YAML rules into one experta KnowledgeEngine class.

Each rule becomes one experta Rule per alternative of its ``any`` conditions (experta would fire an OR
pattern once per satisfied branch anyway, and separate branches keep the matched facts explicit). The
profile is one ``Answers`` fact; derived concerns are ``Concern`` facts. Patterns are bound
(``AS.answers << Answers(...)``, ``AS.c0 << Concern(...)``) so the action receives exactly the facts that
matched, and records them with the branch that fired: that record *is* the explanation trace. Rules that
need derived concerns get a lower salience than the rules that conclude them, so the trace reads in
inference order. Among equal salience the agenda is ordered by fact ids and then
by rule name, so firing order never depends on PYTHONHASHSEED.

Building an engine class is costly and experta caches every predicate by id for the life of the class, so an
engine class is compiled once per rule base and its instance reused with ``reset()``.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mbt_advisor.engine._experta import load_experta
from mbt_advisor.engine.conditions import Test, holds_all
from mbt_advisor.engine.tables import Atom, Tables
from mbt_advisor.profile.model import Profile

experta = load_experta()
from experta import AS, Fact, KnowledgeEngine, P  # noqa: E402
from experta import Rule as ExpertaRule  # noqa: E402
from experta.fieldconstraint import ANDFC, NOTFC, ORFC  # noqa: E402
from experta.matchers import ReteMatcher  # noqa: E402
from experta.strategies import DepthStrategy  # noqa: E402


class Answers(Fact):  # type: ignore[misc]  # experta is untyped
    """The profile as one fact: each field a rule reads is a key (``facts.team_size``), unanswered ones
    hold None. One fact instead of one per answer keeps experta's alpha network small: each
    fact passes every first-level check, so fifty facts cost fifty times as much as one."""


class Concern(Fact):  # type: ignore[misc]  # experta is untyped
    """A derived concern, concluded by a rule and usable by others."""


class _OrderedStrategy(DepthStrategy):  # type: ignore[misc]  # experta is untyped
    """Depth strategy with the rule name as the final tie-breaker (deterministic firing order)."""

    def get_key(self, activation: Any) -> Any:
        salience = activation.rule.salience
        facts = sorted((f["__factid__"] for f in activation.facts), reverse=True)
        return (salience, facts, activation.rule._wrapped.order_key)


class _QuietMatcher(ReteMatcher):  # type: ignore[misc]  # experta is untyped
    """experta's Rete matcher, asking only the conflict-set nodes that changed for their activations.

    Upstream asks every terminal node (one per rule alternative) after every fact and every firing, and
    each answer builds two new sets; skipping the unchanged ones gives the same activations in the same
    order, for less work per step.
    """

    @staticmethod
    def prepare_ruleset(engine: Any) -> set[Any]:
        """The rules as they are when each is already what upstream's rewrite would make of it: a plain
        conjunction of bound Answers and Concern patterns (the only rules this module generates). Upstream
        rewrites every rule into disjunctive normal form until nothing changes, rebuilding each pattern at
        least twice, which is most of the network's build; any other rule still goes through it."""
        rules = engine.get_rules()
        if all(_conjunction(rule) for rule in rules):
            # new Rule objects, as upstream's: the class's own are bound to the engine that read them
            return {rule.new_conditions(*rule) for rule in rules}
        return set(ReteMatcher.prepare_ruleset(engine))

    def reset(self) -> None:
        """Wipe the memory of every node once. Upstream walks the network recursively at each ``reset()``,
        logging every node and reaching a shared node once per path to it; the network never changes after
        it is built, so its nodes are listed once."""
        nodes: list[Any] | None = self.__dict__.get("_mbt_nodes")
        if nodes is None:
            nodes = self._mbt_nodes = _nodes(self.root_node)
        for node in nodes:
            node._reset()

    def changes(self, adding: Any = None, deleting: Any = None) -> tuple[list[Any], list[Any]]:
        for fact in deleting or ():
            self.root_node.remove(fact)
        for fact in adding or ():
            self.root_node.add(fact)
        added: list[Any] = []
        removed: list[Any] = []
        for node in self._get_conflict_set_nodes():
            if node.added or node.removed:
                new, gone = node.get_activations()
                added.extend(new)
                removed.extend(gone)
        return added, removed


def _nodes(root: Any) -> list[Any]:
    """Every node of a Rete network once, parents before their children."""
    found: list[Any] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        stack.extend(child.node for child in reversed(node.children))
    return found


def _conjunction(rule: Any) -> bool:
    """Whether an experta rule is a non-empty conjunction of plain Answers and Concern patterns (no OR, NOT or
    TEST, and no OR/NOT/AND field constraint): already in the normal form the Rete network is built from."""
    return len(rule) > 0 and all(
        type(ce) in (Answers, Concern) and not any(isinstance(v, ORFC | NOTFC | ANDFC) for v in ce.values())
        for ce in rule
    )


class _Engine(KnowledgeEngine):  # type: ignore[misc]  # experta is untyped
    """experta's engine with its deffacts read once: upstream lists every member of the class (one per rule
    alternative) to find them again at each ``reset()``, though they never change."""

    def get_deffacts(self) -> list[Any]:
        found: list[Any] | None = self.__dict__.get("_mbt_deffacts")
        if found is None:
            found = self._mbt_deffacts = super().get_deffacts()
        return found


@dataclass(frozen=True)
class Firing:
    """One rule activation that fired, with the facts that matched it (the trace)."""

    rule_id: str
    branch: int
    order: int
    matched: tuple[tuple[str, Any], ...]  # (field or "concern:<id>", value)


_PREDICATES: dict[tuple[tuple[str, str], ...], functools.partial[bool]] = {}


def _predicate(tests: tuple[Test, ...]) -> functools.partial[bool]:
    """One predicate object per distinct list of tests, for the life of the process: experta's alpha network
    then checks equal tests once, and its id-keyed caches do not grow when a rule base is compiled again."""
    key = tuple((op, repr(target)) for op, target in tests)  # repr keeps 1, 1.0 and True apart
    if key not in _PREDICATES:
        _PREDICATES[key] = functools.partial(holds_all, tests)
    return _PREDICATES[key]


def _patterns(atoms: tuple[Atom, ...]) -> tuple[list[Any], list[str]]:
    """Bound experta patterns for one branch: one Answers pattern with one predicate per field (several tests
    on one field are one predicate that wants them all), and one Concern pattern per concern.

    Each predicate is :func:`conditions.holds_all` with its tests bound by functools.partial (a closure made
    in a loop would see only the last value and silently never match).
    """
    by_field: dict[str, list[Test]] = {}
    for atom in atoms:
        if atom.field is not None:
            op, target = atom.op, atom.target
            assert op is not None
            by_field.setdefault(atom.field, []).append((op, tuple(target) if op == "in" else target))
    constraints = {name: P(_predicate(tuple(field_tests))) for name, field_tests in by_field.items()}
    patterns: list[Any] = []
    names: list[str] = []
    if constraints:
        patterns.append(AS.answers << Answers(**constraints))
        names.append("answers")
    for index, atom in enumerate(a for a in atoms if a.concern is not None):
        name = f"c{index}"
        patterns.append(getattr(AS, name) << Concern(id=atom.concern))
        names.append(name)
    return patterns, names


# experta's Rule asks inspect.signature of its action each time it wraps it (about 680 times while building
# the network, which copies rules for each alternative); a ready __signature__ is returned as is. All actions
# take the engine and the matched facts by keyword, so experta passes every bound fact.
_ACTION_SIGNATURE = inspect.Signature(
    [
        inspect.Parameter("engine", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("matched", inspect.Parameter.VAR_KEYWORD),
    ]
)


def _action(rule_id: str, concludes: tuple[str, ...], branch: int, names: list[str]) -> Callable[..., None]:

    def action(engine: Any, **matched: Any) -> None:
        engine.firings.append((rule_id, branch, tuple((name, matched[name]) for name in names)))
        for concern in concludes:
            engine.declare(Concern(id=concern))

    action.__name__ = f"{rule_id}#{branch}"
    action.__signature__ = _ACTION_SIGNATURE  # type: ignore[attr-defined]
    # the agenda fires its largest key first; the inverted name makes ties fire in alphabetical order
    action.order_key = tuple(-ord(ch) for ch in action.__name__)  # type: ignore[attr-defined]
    return action


class _Compiled:
    """One rule base compiled: the engine class, and its one instance (the Rete network) with its lock."""

    __slots__ = ("engine_class", "read_fields", "branch_atoms", "engine", "lock")

    def __init__(
        self,
        engine_class: type,
        read_fields: set[str],
        branch_atoms: dict[tuple[str, int], tuple[Atom, ...]],
        engine: Any,
        lock: threading.Lock,
    ) -> None:
        self.engine_class, self.read_fields, self.branch_atoms = engine_class, read_fields, branch_atoms
        self.engine, self.lock = engine, lock


_ENGINE_CLASSES: dict[str, _Compiled] = {}
_CLASSES_LOCK = threading.Lock()
MAX_ENGINE_CLASSES = 8


class CompiledRuleBase:
    """One experta engine for one rule base, reused across evaluations (thread-safe through a lock).

    Engine classes are cached by the rule base's digest, the least recently used dropped beyond
    MAX_ENGINE_CLASSES: experta keeps every predicate of a class in
    class-level caches for the life of the process, so building a new class for the same rules again and
    again (a new Advisor per request, say) would grow memory without bound. The engine instance (building
    its Rete network is most of the cost) is cached with its class, so the network is built once per
    process and rule base; its lock is shared by every CompiledRuleBase that uses it.
    """

    def __init__(self, tables: Tables) -> None:
        with _CLASSES_LOCK:
            compiled = _ENGINE_CLASSES.pop(tables.digest, None)
            if compiled is None:
                while len(_ENGINE_CLASSES) >= MAX_ENGINE_CLASSES:
                    _ENGINE_CLASSES.pop(next(iter(_ENGINE_CLASSES)))  # the least recently used
                compiled = self._compile(tables)
            _ENGINE_CLASSES[tables.digest] = compiled  # (re)inserted last: the most recently used
        self.engine_class = compiled.engine_class
        self.read_fields = compiled.read_fields
        self.branch_atoms = compiled.branch_atoms
        self.engine = compiled.engine
        self._lock = compiled.lock

    @staticmethod
    def _compile(tables: Tables) -> _Compiled:
        members: dict[str, Any] = {}
        read_fields: set[str] = set()
        branch_atoms: dict[tuple[str, int], tuple[Atom, ...]] = {}
        for rule in sorted(tables.rules.values(), key=lambda r: r.id):
            for index, atoms in enumerate(rule.branches):
                patterns, names = _patterns(atoms)
                branch_atoms[(rule.id, index)] = atoms
                read_fields.update(atom.field for atom in atoms if atom.field)
                fn = _action(rule.id, rule.concludes, index, names)
                members[fn.__name__] = ExpertaRule(*patterns, salience=-rule.depth)(fn)
        members["__strategy__"] = _OrderedStrategy
        members["__matcher__"] = _QuietMatcher
        engine_class = type("CompiledRules", (_Engine,), members)
        engine = engine_class()
        engine.firings = []
        return _Compiled(engine_class, read_fields, branch_atoms, engine, threading.Lock())

    def facts_for(self, profile: Profile) -> list[Fact]:
        """The facts declared for a profile: one Answers fact with every field some rule reads."""
        known = profile.answers()
        values = {name: known.get(name) for name in sorted(self.read_fields)}
        return [Answers(**values)]

    def run(self, profile: Profile) -> list[Firing]:
        facts = self.facts_for(profile)
        with self._lock:
            engine = self.engine
            engine.reset()
            engine.firings = []
            engine.declare(*facts)
            engine.run()
            raw = list(engine.firings)
            engine.firings = []
        firings = []
        for order, (rule_id, branch, matched) in enumerate(raw):
            bound = dict(matched)
            pairs: list[tuple[str, Any]] = []
            concern_index = 0
            for atom in self.branch_atoms[(rule_id, branch)]:
                if atom.field is not None:
                    value = bound["answers"][atom.field]
                    item = (atom.field, _thaw(value))
                else:
                    concern = bound[f"c{concern_index}"]["id"]
                    concern_index += 1
                    item = (f"concern:{concern}", True)
                if item not in pairs:
                    pairs.append(item)
            firings.append(Firing(rule_id, branch, order, tuple(pairs)))
        return firings


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_thaw(v) for v in value]
    return value
