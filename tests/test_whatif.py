"""What-if plans: each really lowers the risk when applied, and none is larger than it needs to be."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, load_profile, what_if
from mbt_advisor.assessment.scoring import RISK_ORDER
from mbt_advisor.questions.whatif import Change, apply_changes
from mbt_advisor.rulebase.examples import example_path

PROFILES = ["adolescent-startup", "school", "merger"]


def plans_of(result) -> list[tuple[list[Change], str]]:
    plans = []
    if result.changes:
        plans.append((result.changes, result.risk_after))
    plans += [(p.changes, p.risk_after) for p in result.alternatives]
    if result.to_low:
        plans.append((result.to_low.changes, result.to_low.risk_after))
    return plans


def risk_with(advisor: Advisor, profile, changes: list[Change]) -> str:
    return advisor.evaluate(apply_changes(profile, {c.field: c.to for c in changes})).risk.overall


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("include_context", [False, True])
def test_every_plan_reaches_exactly_its_risk_and_is_minimal(advisor: Advisor, name: str, include_context: bool) -> None:
    profile = load_profile(example_path(name))
    result = what_if(profile, include_context=include_context, advisor=advisor)
    for changes, risk_after in plans_of(result):
        assert risk_with(advisor, profile, changes) == risk_after
        assert RISK_ORDER[risk_after] < RISK_ORDER[result.risk_before]
        subsets = (
            itertools.chain.from_iterable(itertools.combinations(changes, k) for k in range(len(changes)))
            if len(changes) <= 8
            else [[c for c in changes if c is not drop] for drop in changes]
        )
        for subset in subsets:
            reached = risk_with(advisor, profile, list(subset))
            assert RISK_ORDER[reached] > RISK_ORDER[risk_after], f"{list(subset)} already reaches {risk_after}"
        if not include_context:
            assert all(c.actionable for c in changes)


def test_context_is_held_fixed_unless_asked(advisor: Advisor) -> None:
    profile = load_profile(example_path("merger"))
    held = what_if(profile, advisor=advisor)
    assert "facts.reorganization" in held.held_fixed
    assert not {c.field for c in held.changes} & set(held.held_fixed)
    freed = what_if(profile, include_context=True, advisor=advisor)
    assert freed.held_fixed == [] and "--include-context" not in freed.note


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("include_context", [False, True])
def test_the_past_is_never_proposed_for_change(advisor: Advisor, name: str, include_context: bool) -> None:
    """How MBT was chosen and the conflict before the start are history (knowledge/field_directions.yaml)."""
    result = what_if(load_profile(example_path(name)), include_context=include_context, advisor=advisor)
    history = {"facts.decision_process", "facts.team_conflict"}
    proposed = {c.field for changes, _ in plans_of(result) for c in changes} | {s.field for s in result.sensitivity}
    assert not proposed & history
    if name == "merger":
        assert set(result.history) == history  # top_down and high: both would be "better" otherwise


def test_no_plan_is_said_once_and_names_the_option(tmp_path: Path) -> None:
    # the risk rests on context (a reorganization) and history (a top-down choice) alone
    path = tmp_path / "context.yaml"
    path.write_text(
        "organization: {name: Context only, setting: day_hospital, population: adults, phase: running}\n"
        "facts: {reorganization: true, decision_process: top_down, management_support: strong,\n"
        "        clinical_leadership: clear, team_conflict: low}\n",
        encoding="utf-8",
    )
    out = CliRunner().invoke(app, ["whatif", str(path)])
    assert out.exit_code == 0
    assert out.stdout.count("No combination") == 1
    assert out.stdout.count("--include-context") >= 1
    assert "Not changed, as they describe the past: how MBT was chosen" in out.stdout


def test_sensitivity_lists_single_changes_that_help(advisor: Advisor) -> None:
    profile = load_profile(example_path("adolescent-startup"))
    result = what_if(profile, advisor=advisor)
    assert result.sensitivity
    for item in result.sensitivity:
        assert item.rules_removed or item.pressure_drop > 0
        changed = advisor.evaluate(apply_changes(profile, {item.field: item.to}))
        assert changed.risk.overall == item.risk_after


def test_no_plan_for_low_or_unknown_risk(advisor: Advisor) -> None:
    assert "already low" in what_if(example_path("riverside"), advisor=advisor).note
    assert "unknown" in what_if({"organization": {"name": "x"}}, advisor=advisor).note


def test_whatif_cli_json_shape() -> None:
    out = CliRunner().invoke(app, ["whatif", str(example_path("adolescent-startup")), "--format", "json"])
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["changes"][0].keys() >= {"field", "from", "to"}
    # low since support.institution-wide no longer fires on partial support with strong management (issue 11)
    assert data["risk_after"] == "low"


def test_every_change_in_the_json_is_spelt_the_same_way() -> None:
    """One Change model: a plan's changes and the single changes (sensitivity) both say from/to."""
    out = CliRunner().invoke(app, ["whatif", str(example_path("adolescent-startup")), "--format", "json"])
    data = json.loads(out.stdout)
    keys = {"field", "from", "to", "level", "actionable", "label", "from_words", "to_words"}
    assert data["sensitivity"] and data["changes"]
    for change in data["changes"] + data["sensitivity"]:
        assert change.keys() >= keys and "from_" not in change
    first = data["changes"][0]
    assert Change.model_validate(first).model_dump() == {k: first[k] for k in keys}


PLATEAU_RULES = """rules:
  - id: structure.too-big
    title: "A team that is too big"
    theme: structure
    level: team
    severity: high
    evidence: one_case
    determinant: organizational_support
    when: [{field: facts.team_size, gt: 12}]
    reading: "Our reading, long enough to pass validation."
    actions: ["Split the team"]
    citations: [{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "lack of role differentiation"}]
  - id: structure.no-protocol
    title: "No crisis protocol in a right-sized team"
    theme: structure
    level: team
    severity: high
    evidence: one_case
    determinant: organizational_support
    when: [{field: facts.team_size, lte: 12}, {field: facts.crisis_protocol, equals: false}]
    reading: "Our reading, long enough to pass validation."
    actions: ["Write a protocol"]
    citations: [{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "lack of role differentiation"}]
"""


def test_a_plateau_is_crossed_with_two_changes_at_once(tmp_path: Path) -> None:
    # shrinking the team alone swaps one high-severity rule for another, and a crisis protocol alone
    # changes nothing: no single change helps, the pair does
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "structure.yaml").write_text(PLATEAU_RULES)
    facts = {
        "team_size": 20,
        "crisis_protocol": False,
        "management_support": "strong",
        "clinical_leadership": "clear",
        "roles_defined": True,
        "on_site_supervision": True,
        "team_conflict": "low",
        "staff_recruitment": "selected",
    }
    result = what_if(
        {"organization": {"name": "T", "phase": "running"}, "facts": facts}, advisor=Advisor(rules_dir=rules)
    )
    assert result.sensitivity == []
    assert {(c.field, c.to) for c in result.changes} == {("facts.team_size", 12), ("facts.crisis_protocol", True)}
    assert RISK_ORDER[result.risk_after] < RISK_ORDER[result.risk_before]


def test_every_plan_carries_the_index_the_changed_profile_really_gets(advisor: Advisor) -> None:
    profile = load_profile(example_path("merger"))
    result = what_if(profile, advisor=advisor)
    assert result.index_before == advisor.evaluate(profile).risk.index
    plans = [result, *result.alternatives, *([result.to_low] if result.to_low else [])]
    for plan in plans:
        changed = apply_changes(profile, {c.field: c.to for c in plan.changes})
        assert plan.index_after == advisor.evaluate(changed).risk.index
    assert result.index_after is not None and result.index_before is not None
    assert result.index_after < result.index_before


def test_the_text_shows_the_index_before_and_after() -> None:
    out = CliRunner().invoke(app, ["whatif", "--example", "merger"]).stdout
    first, plan_result = out.splitlines()[0], next(line for line in out.splitlines() if "=>" in line)
    assert first.endswith("(now: high, index 95 of 100)")
    assert plan_result.startswith("  => overall moderate, index ")
