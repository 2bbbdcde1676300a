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


def write_profile(path, profile) -> str:
    path.write_text(json.dumps(profile.model_dump(mode="json", exclude_none=True)))
    return str(path)


def sections(text: str) -> dict[str, list[str]]:
    """The text's blocks by heading (a line ending in ':'), each with its indented lines."""
    found: dict[str, list[str]] = {}
    heading = ""
    for line in text.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            heading = line[:-1]
            found[heading] = []
        elif line.startswith("  ") and heading:
            found[heading].append(line.strip())
    return found


def test_comparison_text_lists_changed_answers_resolved_and_moved_advice(advisor: Advisor, tmp_path) -> None:
    from mbt_advisor import load_profile

    before = load_profile(example_path("merger"))
    after = before.model_copy(update={"facts": before.facts.model_copy(update={"clinical_leadership": "clear"})})
    out = CliRunner().invoke(
        app, ["compare", write_profile(tmp_path / "a.json", before), write_profile(tmp_path / "b.json", after)]
    )
    assert out.exit_code == 0, out.output
    old = {r.rule_id: r.priority for r in advisor.evaluate(before).recommendations}
    new = {r.rule_id: r.priority for r in advisor.evaluate(after).recommendations}
    blocks = sections(out.stdout)
    assert blocks["Answers changed at the team level"] == ["facts.clinical_leadership: contested -> clear  (better)"]
    assert "Answers changed at the organization level" not in blocks
    assert blocks["Resolved (no longer recommended)"] == [
        f"Settle who leads the team [leadership.contested-lead] (was {old['leadership.contested-lead']})"
    ]
    moved = blocks["Moved in priority"]
    assert moved and len(moved) == sum(1 for r in new if r in old and old[r] != new[r])
    for line in moved:
        rule_id = line.split("[", 1)[1].split("]", 1)[0]
        assert line.endswith(f"({old[rule_id]} -> {new[rule_id]})")
    assert "New recommendations" not in blocks and "!" not in out.stdout


def test_comparison_text_of_the_reorganization_warns_and_lists_new_advice(advisor: Advisor, tmp_path) -> None:
    kb = advisor.kb
    out = CliRunner().invoke(
        app,
        [
            "compare",
            write_profile(tmp_path / "pre.json", kb.case_profiles["PRE-REORG"]),
            write_profile(tmp_path / "reorg.json", kb.case_profiles["REORG"]),
        ],
    )
    assert out.exit_code == 0, out.output
    assert [line for line in out.stdout.splitlines() if line.startswith("! ")][0].startswith("! Early warning")
    assert "ratings.leadership: 6 -> 3  (worse)" in sections(out.stdout)["Answers changed at the team level"]
    appeared = sections(out.stdout)["New recommendations"]
    assert len(appeared) == len(advisor.evaluate(kb.case_profiles["REORG"]).recommendations)
    assert all(line.endswith(")") and "(now " in line for line in appeared)
