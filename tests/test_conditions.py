"""What a condition means, and proof that the engine means the same: numbers by value (3 == 3.0), booleans
apart from numbers, unknown apart from every answer, several tests on one field all wanted."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import profiles

from mbt_advisor import Advisor, explain, profile_from_data
from mbt_advisor.engine.conditions import holds
from mbt_advisor.profile.model import Profile
from mbt_advisor.rulebase.rule_models import Condition, Rule

# (operator, target, answer, holds?) written out by hand, not computed
TABLE = [
    ("equals", 3, 3.0, True),
    ("equals", 3.0, 3, True),
    ("equals", 3, 3.5, False),
    ("equals", True, True, True),
    ("equals", True, 1, False),
    ("equals", 1, True, False),
    ("equals", False, 0.0, False),
    ("equals", "absent", "absent", True),
    ("equals", "absent", None, False),
    ("in", (2, 3), 3.0, True),
    ("in", (2.5, 3.5), 3, False),
    ("in", (8.0, 10.0), 10, True),
    ("in", (False,), False, True),
    ("in", (False,), 0, False),
    ("in", ("contested", "absent"), ("absent",), False),
    ("lt", 3, 2.5, True),
    ("lt", 3, 3.0, False),
    ("lte", 3, 3.0, True),
    ("gt", 12, 13, True),
    ("gte", 0.5, 0.5, True),
    ("gte", 0, False, False),
    ("lte", 3, "2", False),
    ("lte", 3, None, False),
    ("contains", "disciplines", ("disciplines", "other"), True),
    ("contains", "disciplines", ("other",), False),
    ("contains", "disciplines", "disciplines", False),
    ("not_empty", True, ("other",), True),
    ("not_empty", True, (), False),
    ("not_empty", True, None, False),
    ("unknown", True, None, True),
    ("unknown", True, False, False),
    ("unknown", True, (), False),
]


@pytest.mark.parametrize("op,target,value,expected", TABLE)
def test_a_field_test_means_what_the_table_says(op: str, target: Any, value: Any, expected: bool) -> None:
    assert holds(op, target, value) is expected


def test_condition_holds_is_the_shared_definition() -> None:
    condition = Condition.model_validate({"field": "ratings.leadership", "in": [2, 3]})
    assert condition.holds(3.0) and not condition.holds(2.5) and not condition.holds(None)


# --- the engine against the definition ---------------------------------------------------------------

RULE = """
  - id: {id}
    title: "Semantics rule {id}"
    theme: {theme}
    level: team
    severity: medium
    evidence: one_case
    when: {when}
    concludes: {concludes}
    reading: "Our reading, long enough to pass validation."
    actions: ["Do something"]
    citations: [{{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "lack of role differentiation"}}]
"""

# rules in the forms no bundled rule uses yet: integer targets against float ratings, float targets
# against an integer fact, several tests on one field, unknowns, lists, and concerns built from them
TRICKY = {
    "leadership.in-integers": ("[{field: ratings.leadership, in: [2, 3]}]", "[]"),
    "leadership.equals-and-range": (
        "[{field: ratings.leadership, equals: 3}, {field: ratings.leadership, lte: 5}]",
        "[lead_three]",
    ),
    "leadership.band": ("[{field: ratings.leadership, gte: 2}, {field: ratings.leadership, lt: 4.5}]", "[]"),
    "structure.size-floats": ("[{field: facts.team_size, in: [8.0, 10.0]}]", "[]"),
    "structure.size-band": (
        "[{field: facts.team_size, gt: 7.5}, {field: facts.team_size, lte: 12}, {field: facts.team_size, in: [9, 12]}]",
        "[]",
    ),
    "structure.all-trained": ("[{field: facts.mbt_trained_fraction, equals: 1}]", "[all_trained]"),
    "structure.no-protocol": (
        "[{field: facts.crisis_protocol, in: [false]}, {field: facts.crisis_protocol, equals: false}]",
        "[]",
    ),
    "support.plan-unknown": ("[{field: facts.implementation_plan, unknown: true}]", "[no_plan]"),
    "support.plan-and-rating": (
        "[{concern: no_plan}, {field: ratings.implementation_plan, lte: 3}]",
        "[weak_plan]",
    ),
    "culture.splits": (
        """
      - {field: facts.team_splits, not_empty: true}
      - any:
          - {field: facts.team_splits, contains: disciplines}
          - {field: ratings.team_cohesion, in: [1, 2.5]}
          - {concern: lead_three}""",
        "[split]",
    ),
    "culture.compounded": ("[{concern: split}, {concern: weak_plan}]", "[]"),
    "culture.trained-split": ("[{concern: all_trained}, {field: facts.team_splits, unknown: true}]", "[]"),
}


def tricky_rules_dir(folder: Path) -> Path:
    body = "rules:" + "".join(
        RULE.format(id=rule_id, theme=rule_id.split(".")[0], when=when, concludes=concludes)
        for rule_id, (when, concludes) in TRICKY.items()
    )
    folder.mkdir()
    (folder / "tricky.yaml").write_text(textwrap.dedent(body))
    return folder


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    return Advisor(rules_dir=tricky_rules_dir(tmp_path_factory.mktemp("semantics") / "rules"))


def reference_firings(rules: list[Rule], profile: Profile) -> set[str]:
    """The rules that fire, by plain repetition until nothing changes: no engine, only Condition.holds."""
    answers = profile.answers()
    concluded: set[str] = set()
    fired: set[str] = set()

    def atom_holds(atom: Condition) -> bool:
        if atom.concern is not None:
            return atom.concern in concluded
        return atom.holds(answers.get(atom.field or ""))

    changed = True
    while changed:
        changed = False
        for rule in rules:
            if rule.id not in fired and all(
                any(atom_holds(a) for a in c.any) if c.any else atom_holds(c) for c in rule.when
            ):
                fired.add(rule.id)
                concluded.update(rule.concludes)
                changed = True
    return fired


def engine_firings(advisor: Advisor, profile: Profile) -> set[str]:
    activations = [(f.rule_id, f.branch) for f in advisor.firings(profile)]
    assert len(activations) == len(set(activations)), "an alternative of a rule fired twice"
    return {rule_id for rule_id, _ in activations}


def test_integer_targets_match_float_ratings(tricky: Advisor) -> None:
    profile = profile_from_data({"organization": {"name": "T"}, "ratings": {"leadership": 3}})
    assert {r for r in engine_firings(tricky, profile) if r.startswith("leadership.")} == {
        "leadership.in-integers",
        "leadership.equals-and-range",
        "leadership.band",
    }


def test_a_conjunction_on_one_field_wants_every_test(tricky: Advisor) -> None:
    def fired(size: int) -> bool:
        profile = profile_from_data({"organization": {"name": "T"}, "facts": {"team_size": size}})
        return "structure.size-band" in engine_firings(tricky, profile)

    assert [size for size in range(1, 20) if fired(size)] == [9, 12]


def test_explain_agrees_with_the_engine_on_a_same_field_conjunction(tricky: Advisor) -> None:
    profile = profile_from_data({"organization": {"name": "T"}, "ratings": {"leadership": 3}})
    check = explain(profile, "leadership.equals-and-range", advisor=tricky).rule
    assert check is not None and check.fired
    assert [c.status for c in check.alternatives[0]] == ["holds", "holds"]


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(profiles())
def test_the_engine_fires_exactly_the_rules_the_definition_says_bundled(data: dict[str, Any]) -> None:
    from mbt_advisor.assessment.advisor import default_advisor

    advisor = default_advisor()
    profile = profile_from_data(data)
    # the rules see the practice view: a unit that has not started has no practice answers to hold against it
    seen = advisor.practice_view(profile)
    assert engine_firings(advisor, profile) == reference_firings(advisor.kb.rules, seen)


TRICKY_FIELDS = [
    "ratings.leadership",
    "ratings.implementation_plan",
    "ratings.team_cohesion",
    "facts.team_size",
    "facts.mbt_trained_fraction",
    "facts.crisis_protocol",
    "facts.implementation_plan",
    "facts.team_splits",
]


@PROPERTY
@given(data=profiles(TRICKY_FIELDS))
def test_the_engine_fires_exactly_the_rules_the_definition_says_tricky(tricky: Advisor, data: dict[str, Any]) -> None:
    profile = profile_from_data(data)
    assert engine_firings(tricky, profile) == reference_firings(tricky.kb.rules, profile)
