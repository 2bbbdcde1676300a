"""Commands answer the question asked: one rule's answer, a case as in its JSON, ids in any case, listings as JSON."""

from __future__ import annotations

import json

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor.rulebase.examples import example_path

runner = CliRunner()
MERGER = str(example_path("merger"))


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_explain_rule_prints_that_rule_only_with_what_would_make_it_fire() -> None:
    text = ok("explain", MERGER, "--rule", "support.isolated-team")
    assert text.splitlines()[1].startswith("Rule support.isolated-team (")
    assert "did not fire" in text
    assert "[ fails ] facts.team_isolated is true (value: false)" in text
    assert "It would fire (alternative 1) if:\n  - facts.team_isolated is true (now false)" in text
    assert "step " not in text and "score " not in text  # not the whole trace
    assert len(text.splitlines()) < 15


def test_explain_rule_of_a_rule_that_fired_says_so_without_a_wish_list() -> None:
    text = ok("explain", MERGER, "--rule", "leadership.contested-lead")
    assert "fired: every condition" in text and "It would fire" not in text


def test_explain_rule_json_keeps_the_trace_and_adds_the_rule() -> None:
    data = json.loads(ok("explain", MERGER, "--rule", "support.isolated-team", "--format", "json"))
    assert data["recommendations"] and data["rule"]["fired"] is False
    assert data["rule"]["closest"] == 1
    assert [c["condition"] for c in data["rule"]["to_fire"]] == ["facts.team_isolated is true"]


@pytest.mark.parametrize(
    "args,expect",
    [
        (["cases", "show", "reorg"], "REORG: Day-hospital MBT cohort"),
        (["cases", "show", "mbt-a"], "MBT-A: "),
        (["rules", "show", "Leadership.Contested-Lead"], "leadership.contested-lead: "),
        (["explain", MERGER, "--rule", "SUPPORT.ISOLATED-TEAM"], "Rule support.isolated-team"),
        (["evaluate", "--example", "Merger"], "Harbour Clinic"),
    ],
)
def test_ids_are_matched_whatever_their_case(args: list[str], expect: str) -> None:
    assert expect in ok(*args)


@pytest.mark.parametrize(
    "args,suggestion",
    [
        (["cases", "show", "reorgg"], "Did you mean 'REORG'?"),
        (["rules", "show", "leadership.contested-leed"], "Did you mean 'leadership.contested-lead'?"),
        (["explain", MERGER, "--rule", "support.isolated-tem"], "Did you mean 'support.isolated-team'?"),
    ],
)
def test_an_unknown_id_is_one_line_with_the_closest(args: list[str], suggestion: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert suggestion in result.stderr and len(result.stderr.splitlines()) == 1


def test_cases_show_prints_in_text_the_21_ratings_its_json_has() -> None:
    data = json.loads(ok("cases", "show", "REORG", "--format", "json"))
    ratings = data["profile"]["ratings"]
    assert len(ratings) == 21
    text = ok("cases", "show", "REORG")
    assert "ratings (Table 4, 1-7; 21 items):" in text
    for item, value in ratings.items():
        assert any(line.split()[:2] == [item, f"{value:g}"] for line in text.splitlines()), item


LISTINGS = [["rules", "list"], ["rules", "coverage"], ["cases", "list"], ["examples"]]


@pytest.mark.parametrize("args", LISTINGS, ids=[" ".join(a) for a in LISTINGS])
def test_every_listing_has_json(args: list[str]) -> None:
    data = json.loads(ok(*args, "--format", "json"))
    assert data


def test_rules_coverage_json_counts_what_the_table_shows() -> None:
    data = json.loads(ok("rules", "coverage", "--format", "json"))
    assert data["total"] == len(data["targets"])
    assert f"{data['covered']} of {data['total']} covered" in ok("rules", "coverage")


def test_cases_take_a_knowledge_folder(tmp_path) -> None:
    result = runner.invoke(app, ["cases", "list", "--knowledge", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "nowhere" in result.stderr
    from mbt_advisor.rulebase.knowledge_base import default_knowledge_dir

    assert "REORG" in ok("cases", "list", "--knowledge", str(default_knowledge_dir()))
