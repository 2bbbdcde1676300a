"""Visit-to-visit comparison, pinned down on the two documented cohorts."""

from __future__ import annotations

import json

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, compare
from mbt_advisor.rulebase.examples import example_path


def test_pre_to_during_reorganization(advisor: Advisor) -> None:
    kb = advisor.kb
    result = compare(kb.case_profiles["PRE-REORG"], kb.case_profiles["REORG"], advisor=advisor)
    assert [(r.scope, r.old, r.new) for r in result.risk] == [
        ("overall", "low", "high"),
        ("organization", "low", "high"),
        ("team", "low", "high"),
        ("therapist", "low", "high"),
    ]
    ratings = [c for changes in result.answers.values() for c in changes if c.field.startswith("ratings.")]
    assert len(ratings) == 21 and {c.direction for c in ratings} == {"worse"}
    assert not result.same_unit and result.units_note  # the two cohorts carry their own names
    assert len(result.warnings) == 2 and "REORG" in result.warnings[0] and "rose by" in result.warnings[0]
    assert {r.status for r in result.recommendations} == {"appeared"}


def test_recovery_is_better_and_raises_no_warning(advisor: Advisor) -> None:
    kb = advisor.kb
    result = compare(kb.case_profiles["REORG"], kb.case_profiles["PRE-REORG"], advisor=advisor)
    assert result.risk[0].direction == "better" and result.risk[0].change < -50  # type: ignore[operator]
    assert result.warnings == []
    assert {r.status for r in result.recommendations} == {"disappeared"}


def test_same_profile_changes_nothing(advisor: Advisor) -> None:
    result = compare(example_path("merger"), example_path("merger"), advisor=advisor)
    assert all(not changes for changes in result.answers.values())
    assert {r.status for r in result.recommendations} == {"kept"}
    assert result.warnings == []


def test_compare_cli(tmp_path) -> None:
    out = CliRunner().invoke(
        app, ["compare", str(example_path("riverside")), str(example_path("merger")), "--format", "json"]
    )
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    overall = data["risk"][0]
    assert {k: overall[k] for k in ("scope", "old", "new", "direction")} == {
        "scope": "overall",
        "old": "low",
        "new": "high",
        "direction": "worse",
    }
    assert overall["change"] == pytest.approx(overall["new_index"] - overall["old_index"]) and overall["change"] > 50
    assert data["same_unit"] is False and "different units" in data["units_note"]
    assert data["warnings"], "a reorganization with a steep rise is an early warning"
    assert (data["old_assessed_on"], data["new_assessed_on"]) == ("2026-11-20", "2026-10-02")


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
    assert blocks["Answers changed at the team level"] == [
        "Clinical leadership: Contested: disputes over who leads -> Clear: one recognized lead  (better)"
    ]
    assert "Answers changed at the organization level" not in blocks
    # a clear lead resolves the contested lead and the two rules built on it; the split between management and
    # the team no longer stands in for a leadership problem (it is only read as one, and says so)
    resolved = [
        "leadership.contested-lead",
        "culture.strained-team-weak-lead",
        "support.compounded-support-and-leadership",
    ]
    titles_before = {r.rule_id: r.title for r in advisor.evaluate(before).recommendations}
    assert sorted(blocks["Resolved (no longer recommended)"]) == sorted(
        f"{titles_before[rule_id]} (was {old[rule_id]})" for rule_id in resolved
    )
    assert all(rule_id not in new and rule_id in old for rule_id in resolved)
    moved = blocks["Moved in priority"]
    assert moved and len(moved) == sum(1 for r in new if r in old and old[r] != new[r])
    titles = {r.rule_id: r.title for r in advisor.evaluate(after).recommendations}
    for line in moved:  # by title, never by rule id
        rule_id = next(rule_id for rule_id, title in titles.items() if line.startswith(title + " ("))
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
    assert (
        "Leadership supported by the team: 6 -> 3  (worse)" in sections(out.stdout)["Answers changed at the team level"]
    )
    appeared = sections(out.stdout)["New recommendations"]
    assert len(appeared) == len(advisor.evaluate(kb.case_profiles["REORG"]).recommendations)
    assert all(line.endswith(")") and "(now " in line for line in appeared)


def _lakeside(phase: str, date: str, **facts: object) -> dict[str, object]:
    """A careful start, six months later in a reorganization with its lead contested (and variations)."""
    base: dict[str, object] = {
        "decision_process": "participatory",
        "management_support": "strong",
        "institutional_support": "broad",
        "mission_fit": True,
        "reorganization": False,
        "implementation_plan": "comprehensive",
        "implementation_pace": "gradual",
        "training_budget": "sufficient",
        "team_size": 10,
        "clinical_leadership": "clear",
        "team_conflict": "low",
        "team_splits": [],
        "roles_defined": True,
        "crisis_protocol": True,
        "on_site_supervision": True,
        "staff_recruitment": "selected",
        "mbt_experience": "some",
    }
    org = {"name": "Lakeside MBT day programme", "setting": "day_hospital", "population": "adults"}
    return {"organization": {**org, "phase": phase, "assessed_on": date}, "facts": {**base, **facts}}


def test_a_unit_entering_a_reorganization_with_a_contested_lead_shows_a_clear_rise(advisor: Advisor) -> None:
    before = _lakeside("planning", "2026-03-01")
    after = _lakeside("reorganizing", "2026-09-01", reorganization=True, clinical_leadership="contested")
    result = compare(before, after, advisor=advisor)
    overall, organization, team, therapist = result.risk
    assert overall.change is not None and overall.change >= 25 and overall.direction == "worse"
    assert organization.direction == team.direction == "worse" and therapist.direction == "same"
    assert "structure.reorganization" in organization.rules_appeared
    assert team.rules_appeared == ["leadership.contested-lead"]
    assert result.same_unit and result.units_note is None
    assert (result.old_assessed_on, result.new_assessed_on) == ("2026-03-01", "2026-09-01")
    assert any("rose by" in w and "REORG" in w for w in result.warnings)


def test_a_change_inside_one_label_is_still_seen(advisor: Advisor) -> None:
    before = _lakeside("running", "2026-03-01", clinical_leadership="contested")
    after = _lakeside("running", "2026-09-01", clinical_leadership="contested", on_site_supervision=False)
    team = compare(before, after, advisor=advisor).risk[2]
    assert team.old == team.new == "moderate"
    assert team.direction == "worse" and team.change is not None and team.change >= 5


def test_a_reorganization_without_a_rise_raises_no_early_warning(advisor: Advisor) -> None:
    before = _lakeside("running", "2026-03-01", reorganization=True)
    after = _lakeside("reorganizing", "2026-09-01", reorganization=True)
    result = compare(before, after, advisor=advisor)
    assert result.risk[0].direction == "same"
    assert result.warnings == []
