"""HOW and WHY: traces recorded from the engine run, and why a rule did not fire."""

from __future__ import annotations

import json

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, explain, load_profile
from mbt_advisor.rendering.formats import explanation_text
from mbt_advisor.rulebase.examples import example_path


@pytest.fixture
def merger():
    return load_profile(example_path("merger"))


def test_each_chain_ends_with_the_rule_and_includes_the_rules_behind_its_concerns(advisor: Advisor, merger) -> None:
    explanation = explain(merger, advisor=advisor)
    assert [t.rule_id for t in explanation.recommendations] == [
        r.rule_id for r in advisor.evaluate(merger).recommendations
    ]
    for trace in explanation.recommendations:
        orders = [s.order for s in trace.chain]
        assert orders == sorted(orders)
        assert trace.chain[-1].rule_id == trace.rule_id
        for step in trace.chain:
            for matched in step.matched:
                if matched.field.startswith("concern:"):
                    concern = matched.field.split(":", 1)[1]
                    producers = [s for s in trace.chain if s.order < step.order and concern in s.concludes]
                    assert producers, f"{trace.rule_id}: no step concluded {concern}"


def test_matched_facts_are_the_profile_answers(advisor: Advisor, merger) -> None:
    known = merger.known_fields()
    for trace in explain(merger, advisor=advisor).recommendations:
        for step in trace.chain:
            for matched in step.matched:
                if matched.field.startswith("facts."):
                    value = known[matched.field]
                    assert matched.value == (list(value) if isinstance(value, tuple) else value)


def test_compounded_rule_trace_names_both_concerns(advisor: Advisor, merger) -> None:
    trace = next(
        t
        for t in explain(merger, advisor=advisor).recommendations
        if t.rule_id == "support.compounded-support-and-leadership"
    )
    last = trace.chain[-1]
    assert {m.field for m in last.matched} == {"concern:weak_support", "concern:weak_leadership"}
    assert {"leadership.contested-lead"} <= {s.rule_id for s in trace.chain}


def test_why_a_rule_did_not_fire(advisor: Advisor, merger) -> None:
    check = explain(merger, "support.isolated-team", advisor=advisor).rule
    assert check is not None and not check.fired
    first = check.alternatives[0]
    assert first[0].condition == "facts.team_isolated is true"
    assert first[0].status == "fails" and first[0].value is False
    assert first[1].status == "holds"


def test_unknown_answers_are_shown_as_unknown(advisor: Advisor) -> None:
    check = explain({"organization": {"name": "x"}}, "leadership.contested-lead", advisor=advisor).rule
    assert check is not None
    assert {c.status for alt in check.alternatives for c in alt} == {"unknown"}


def test_missing_concern_names_the_rules_that_would_conclude_it(advisor: Advisor) -> None:
    check = explain(example_path("riverside"), "support.compounded-support-and-leadership", advisor=advisor).rule
    assert check is not None
    assert "leadership.contested-lead" in check.alternatives[0][1].note


def test_explain_cli(merger) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["explain", str(example_path("merger")), "--format", "json"])
    assert out.exit_code == 0
    assert json.loads(out.stdout)["recommendations"][0]["chain"]
    text = runner.invoke(app, ["explain", str(example_path("merger")), "--rule", "support.isolated-team"])
    assert "did not fire" in text.stdout
    bad = runner.invoke(app, ["explain", str(example_path("merger")), "--rule", "support.isolated-tem"])
    assert bad.exit_code == 2 and "Did you mean 'support.isolated-team'" in bad.stderr


def test_the_explanation_states_the_overall_index_of_the_assessment(advisor: Advisor, merger) -> None:
    explanation = explain(merger, advisor=advisor)
    assert explanation.risk_index == advisor.evaluate(merger).risk.index
    assert f"(overall risk high, index {explanation.risk_index:.0f} of 100)" in explanation_text(explanation)
