"""Visit-to-visit comparison, pinned down on the two documented cohorts."""

from __future__ import annotations

import json

from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor
from mbt_advisor.examples import example_path


def test_pre_to_during_reorganization(advisor: Advisor) -> None:
    kb = advisor.kb
    result = advisor.compare(kb.case_profiles["PRE-REORG"], kb.case_profiles["REORG"])
    assert [(r.scope, r.old, r.new) for r in result.risk] == [
        ("overall", "low", "high"),
        ("organization", "low", "high"),
        ("team", "low", "high"),
        ("therapist", "low", "high"),
    ]
    ratings = [c for changes in result.answers.values() for c in changes if c.field.startswith("ratings.")]
    assert len(ratings) == 21 and {c.direction for c in ratings} == {"worse"}
    assert len(result.warnings) == 2 and "REORG" in result.warnings[0]
    assert {r.status for r in result.recommendations} == {"appeared"}


def test_recovery_is_better_and_raises_no_warning(advisor: Advisor) -> None:
    kb = advisor.kb
    result = advisor.compare(kb.case_profiles["REORG"], kb.case_profiles["PRE-REORG"])
    assert result.risk[0].direction == "better"
    assert result.warnings == []
    assert {r.status for r in result.recommendations} == {"disappeared"}


def test_same_profile_changes_nothing(advisor: Advisor) -> None:
    result = advisor.compare(example_path("merger"), example_path("merger"))
    assert all(not changes for changes in result.answers.values())
    assert {r.status for r in result.recommendations} == {"kept"}
    assert result.warnings == []


def test_compare_cli(tmp_path) -> None:
    out = CliRunner().invoke(
        app, ["compare", str(example_path("riverside")), str(example_path("merger")), "--format", "json"]
    )
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["risk"][0] == {"scope": "overall", "old": "low", "new": "high", "direction": "worse"}
    assert data["warnings"], "a reorganization with declines at several levels is an early warning"
