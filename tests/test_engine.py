"""The YAML-to-experta compiler: matching, forward chaining through concerns, traces, firing order."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mbt_advisor import Advisor, profile_from_data
from mbt_advisor.rulebase.rule_models import branches, strata


def write_rules(folder: Path, body: str) -> Path:
    for old in folder.glob("*.yaml"):
        old.unlink()
    (folder / "test.yaml").write_text(textwrap.dedent(body))
    return folder


RULE = """
  - id: {id}
    title: "A test rule {id}"
    theme: {theme}
    level: team
    severity: {severity}
    evidence: one_case
    when: {when}
    concludes: {concludes}
    reading: "Our reading, long enough to pass validation."
    actions: ["Do something"]
    citations: [{{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "lack of role differentiation"}}]
"""


def rule(id: str, when: str, concludes: str = "[]", severity: str = "medium") -> str:
    return RULE.format(id=id, theme=id.split(".")[0], when=when, concludes=concludes, severity=severity)


def evaluate(rules_dir: Path, facts: dict[str, Any] | None = None, ratings: dict[str, Any] | None = None):
    data: dict[str, Any] = {"organization": {"name": "T", "setting": "day_hospital"}}
    if facts:
        data["facts"] = facts
    if ratings:
        data["ratings"] = ratings
    return Advisor(rules_dir=rules_dir).evaluate(profile_from_data(data))


def test_numeric_thresholds_generated_in_a_loop_keep_their_own_values(rules_copy: Path) -> None:
    # a late-binding closure would give every rule the last threshold (7) and all three would fire
    body = "rules:" + "".join(
        rule(f"leadership.below-{n}", f"[{{field: ratings.leadership, lt: {n}}}]") for n in (3, 5, 7)
    )
    result = evaluate(write_rules(rules_copy, body), ratings={"leadership": 4})
    assert sorted(r.rule_id for r in result.recommendations) == ["leadership.below-5", "leadership.below-7"]


def test_forward_chaining_through_two_derived_concerns(rules_copy: Path) -> None:
    body = "rules:" + (
        rule("support.base", "[{field: facts.management_support, equals: lacking}]", "[weak_support]")
        + rule("leadership.lead", "[{field: facts.clinical_leadership, equals: contested}]", "[weak_leadership]")
        + rule("support.both", "[{concern: weak_support}, {concern: weak_leadership}]", "[compounded]", "high")
        + rule("structure.top", "[{concern: compounded}, {field: organization.setting, equals: day_hospital}]")
    )
    folder = write_rules(rules_copy, body)
    both = evaluate(folder, facts={"management_support": "lacking", "clinical_leadership": "contested"})
    ids = [f.split("#")[0] for f in both.fired_rules]
    assert ids.index("structure.top") > ids.index("support.both") > ids.index("support.base")
    top = next(r for r in both.recommendations if r.rule_id == "structure.top")
    assert {m.field for m in top.matched} == {"concern:compounded", "organization.setting"}
    one = evaluate(folder, facts={"management_support": "lacking", "clinical_leadership": "clear"})
    assert [r.rule_id for r in one.recommendations] == ["support.base"]


def test_any_alternatives_give_one_recommendation_with_every_matched_fact(rules_copy: Path) -> None:
    body = "rules:" + rule(
        "leadership.either",
        """
      - any:
          - {field: facts.clinical_leadership, in: [contested, absent]}
          - {field: ratings.leadership, lte: 3}""",
    )
    result = evaluate(write_rules(rules_copy, body), facts={"clinical_leadership": "absent"}, ratings={"leadership": 2})
    assert len(result.recommendations) == 1
    matched = {(m.field, m.value) for m in result.recommendations[0].matched}
    assert matched == {("facts.clinical_leadership", "absent"), ("ratings.leadership", 2.0)}
    assert len(result.fired_rules) == 2


def test_booleans_are_not_numbers(rules_copy: Path) -> None:
    body = "rules:" + rule("structure.no-crisis", "[{field: facts.crisis_protocol, equals: false}]")
    folder = write_rules(rules_copy, body)
    assert evaluate(folder, facts={"crisis_protocol": False}).recommendations
    assert not evaluate(folder, facts={"crisis_protocol": True}).recommendations


def test_unknown_conditions_match_only_unanswered_fields(rules_copy: Path) -> None:
    body = "rules:" + rule("structure.plan-unknown", "[{field: facts.implementation_plan, unknown: true}]")
    folder = write_rules(rules_copy, body)
    assert evaluate(folder).recommendations
    assert not evaluate(folder, facts={"implementation_plan": "none"}).recommendations


def test_list_tests(rules_copy: Path) -> None:
    body = (
        "rules:"
        + rule("culture.split", "[{field: facts.team_splits, contains: disciplines}]")
        + rule("culture.any-split", "[{field: facts.team_splits, not_empty: true}]")
    )
    folder = write_rules(rules_copy, body)
    assert {r.rule_id for r in evaluate(folder, facts={"team_splits": ["disciplines"]}).recommendations} == {
        "culture.split",
        "culture.any-split",
    }
    assert {r.rule_id for r in evaluate(folder, facts={"team_splits": ["other"]}).recommendations} == {
        "culture.any-split"
    }
    assert not evaluate(folder, facts={"team_splits": []}).recommendations


def test_strata_put_concern_users_after_their_concluders(advisor: Advisor) -> None:
    depth = strata(advisor.kb.rules)
    for rule_ in advisor.kb.rules:
        for concern in rule_.concerns_used():
            for producer in advisor.kb.concluders[concern]:
                assert depth[rule_.id] > depth[producer]


def test_branches_expand_any_into_alternatives(advisor: Advisor) -> None:
    rule_ = advisor.kb.rule("structure.reorganization")
    assert len(branches(rule_)) == 3


def test_a_reused_engine_carries_nothing_from_one_evaluation_to_the_next(advisor: Advisor) -> None:
    from mbt_advisor.rulebase.examples import example_path

    merger, riverside = example_path("merger"), example_path("riverside")
    fresh = Advisor().evaluate(riverside)
    advisor.evaluate(merger)  # concludes many concerns, none of which may leak into the next evaluation
    assert advisor.evaluate(riverside) == fresh
    assert advisor.evaluate(merger) == Advisor().evaluate(merger)


def test_engine_classes_are_compiled_once_and_the_least_recently_used_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbt_advisor.engine import compiler

    compiled: list[str] = []
    original = compiler.CompiledRuleBase._compile

    def counting(tables: Any) -> Any:
        compiled.append(next(iter(tables.rules)))
        return original(tables)

    monkeypatch.setattr(compiler.CompiledRuleBase, "_compile", staticmethod(counting))
    monkeypatch.setattr(compiler, "MAX_ENGINE_CLASSES", 2)
    monkeypatch.setattr(compiler, "_ENGINE_CLASSES", {})
    folders = {}
    for name in ("one", "two", "three"):
        folder = tmp_path / name
        folder.mkdir()
        folders[name] = write_rules(folder, "rules:" + rule(f"structure.{name}", "[{field: facts.team_size, gt: 12}]"))

    def fires(name: str) -> bool:
        return bool(evaluate(folders[name], facts={"team_size": 20}).recommendations)

    assert fires("one") and fires("two") and fires("one")  # one and two compiled; one used again
    assert compiled == ["structure.one", "structure.two"]
    assert fires("three")  # drops two, the least recently used
    assert fires("one") and compiled == ["structure.one", "structure.two", "structure.three"]
    assert fires("two")  # compiled again, and still right
    assert compiled[-1] == "structure.two" and len(compiler._ENGINE_CLASSES) == 2


def test_the_rete_network_is_built_once_per_rule_base_and_without_signature_introspection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspect

    from mbt_advisor.engine import compiler

    introspected: list[object] = []
    original = inspect._signature_from_function  # type: ignore[attr-defined]

    def counting(cls: Any, func: Any, *args: Any, **kwargs: Any) -> Any:  # reads a function's code and annotations
        introspected.append(func)
        return original(cls, func, *args, **kwargs)

    monkeypatch.setattr(inspect, "_signature_from_function", counting)
    monkeypatch.setattr(compiler, "_ENGINE_CLASSES", {})
    folder = write_rules(tmp_path, "rules:" + rule("structure.big", "[{field: facts.team_size, gt: 12}]"))
    first, second = Advisor(rules_dir=folder), Advisor(rules_dir=folder)
    assert first.compiled.engine is second.compiled.engine  # one network, shared under one lock
    assert first.compiled._lock is second.compiled._lock
    assert introspected == []  # every action carries its signature, so experta never inspects one
    assert evaluate(folder, facts={"team_size": 20}).recommendations


def test_firing_order_and_output_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    code = (
        "import mbt_advisor; from mbt_advisor.rulebase.examples import example_path; "
        "[print(mbt_advisor.evaluate(example_path(name)).model_dump_json()) for name in ('merger', 'adolescent-startup')]"
    )
    outputs = set()
    for seed in ("0", "1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=tmp_path
        )
        assert run.stdout.count("\n") == 2
        outputs.add(run.stdout)
    assert len(outputs) == 1
