"""The founder's wizard, driven through its real line prompter with piped input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import load_profile
from mbt_advisor.profile.model import all_fields

runner = CliRunner()
ORG = ["Riverbank unit", "1", "1", "2", "", ""]  # name, day hospital, adults, starting, no assessor, no date
FOUNDER = ["1"]  # plain questions only


def run(tmp_path: Path, lines: list[str], *extra: str):
    return runner.invoke(
        app, ["wizard", "--output", str(tmp_path / "unit.yaml"), *extra], input="\n".join(lines) + "\n"
    )


def test_a_whole_session_saves_a_valid_profile_and_shows_the_assessment(tmp_path: Path) -> None:
    # decision top-down, management lacking, then "don't know" for everything else
    result = run(tmp_path, ORG + FOUNDER + ["1", "3"] + ["-"] * 60)
    assert result.exit_code == 0, result.output
    saved = tmp_path / "unit.yaml"
    text = saved.read_text()
    assert text.startswith("# mbt-advisor organization profile (format v2)")
    profile = load_profile(saved)
    assert profile.facts.decision_process == "top_down"
    assert profile.facts.management_support == "lacking"
    assert profile.facts.team_size is None
    assert "Overall risk:" in result.stdout and "cases" in result.stdout
    assert "mbt-advisor evaluate" in result.stdout
    assert not (tmp_path / "unit.yaml.partial.json").exists()


def test_invalid_answers_are_asked_again_with_the_reason(tmp_path: Path) -> None:
    # 13 questions between management support and team size (facts.crisis_driven_start is the 13th)
    result = run(tmp_path, ORG + FOUNDER + ["7", "1"] + ["-"] * 13 + ["zero", "-5", "12"] + ["-"] * 60)
    assert result.exit_code == 0, result.output
    assert "'7' is not one of the choices" in result.stdout
    assert "give a whole number" in result.stdout
    assert "greater than or equal to 1" in result.stdout
    assert load_profile(tmp_path / "unit.yaml").facts.team_size == 12


def test_back_and_progress(tmp_path: Path) -> None:
    result = run(tmp_path, ORG + FOUNDER + ["1", "<", "2"] + ["-"] * 60)
    assert result.exit_code == 0
    assert load_profile(tmp_path / "unit.yaml").facts.decision_process == "participatory"
    assert "[8/" in result.stdout


def test_help_says_why_and_what_the_answer_bears_on_in_words(tmp_path: Path) -> None:
    result = run(tmp_path, ORG + FOUNDER + ["?", "1"] + ["-"] * 60)
    assert "Why this matters: Units C and D were implemented top-down" in result.stdout
    assert "Your answer bears on: Involve the team in a choice for MBT made without it" in result.stdout
    assert "culture.top-down-decision" not in result.stdout  # a rule id means nothing to a clinician


def test_shares_are_asked_and_shown_as_percentages(tmp_path: Path, advisor) -> None:
    from mbt_advisor.wizard.questionnaire import PATH_FIELD, Wizard

    wiz = Wizard(advisor.kb)
    wiz.state.answers.update(
        {"organization.name": "x", "organization.setting": "day_hospital", "organization.phase": "starting"}
    )
    wiz.state.answers[PATH_FIELD] = "founder"
    before = ["-"] * [q.field for q in wiz.pending() if q.field.startswith("facts.")].index(
        "facts.mbt_trained_fraction"
    )
    # answer 60%, go back, accept the default shown
    result = run(tmp_path, ORG + FOUNDER + before + ["60%", "<", ""] + ["-"] * 20)
    assert result.exit_code == 0, result.output
    assert "(a percentage, e.g. 80%)" in result.stdout and "answer [60%]" in result.stdout
    assert load_profile(tmp_path / "unit.yaml").facts.mbt_trained_fraction == 0.6


@pytest.mark.parametrize("typed,share", [("60%", 0.6), ("60", 0.6), ("0.6", 0.6), ("100", 1.0), ("1", 1.0)])
def test_a_share_is_read_as_a_percentage_or_a_fraction(typed: str, share: float) -> None:
    from mbt_advisor.wizard.questionnaire import parse_share

    assert parse_share(typed) == share


def test_prompts_read_cleanly() -> None:
    from mbt_advisor.assessment.advisor import default_advisor

    for question in default_advisor().kb.questions.values():
        assert ";" not in question.prompt and "0 to 1" not in question.prompt, question.prompt


def test_interrupted_session_keeps_every_answer_and_resumes(tmp_path: Path) -> None:
    first = run(tmp_path, ORG + FOUNDER + ["1", "3"])  # input ends here
    assert first.exit_code == 1
    partial = tmp_path / "unit.yaml.partial.json"
    state = json.loads(partial.read_text())
    assert state["answers"]["facts.management_support"] == "lacking"
    assert not (tmp_path / "unit.yaml").exists()
    second = runner.invoke(
        app,
        ["wizard", "--resume", str(partial), "--output", str(tmp_path / "unit.yaml")],
        input="\n".join(["2"] + ["-"] * 60) + "\n",
    )
    assert second.exit_code == 0, second.output
    profile = load_profile(tmp_path / "unit.yaml")
    assert (profile.facts.decision_process, profile.facts.management_support) == ("top_down", "lacking")
    assert profile.facts.institutional_support == "partial"


def test_an_existing_profile_is_not_overwritten_without_confirmation(tmp_path: Path) -> None:
    saved = tmp_path / "unit.yaml"
    saved.write_text("keep me")
    refused = run(tmp_path, ["n"] + ORG)
    assert refused.exit_code == 1 and saved.read_text() == "keep me"  # a choice, not an error
    assert (
        refused.stderr == f"{saved} was kept as it is; nothing was written. Choose another --output, or add --force.\n"
    )
    confirmed = run(tmp_path, ["y"] + ORG + FOUNDER + ["-"] * 60)
    assert confirmed.exit_code == 0 and load_profile(saved).organization.name == "Riverbank unit"


def test_answers_file_never_prompts(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "organization: {name: From file, setting: school}\n"
        "facts: {principal_support: demanding, pilot_subteam: false}\n"
    )
    result = runner.invoke(app, ["wizard", "--answers", str(answers), "--output", str(tmp_path / "unit.yaml")])
    assert result.exit_code == 0, result.output
    profile = load_profile(tmp_path / "unit.yaml")
    assert profile.facts.principal_support == "demanding" and profile.organization.setting == "school"
    assert "[1/" not in result.stdout


@pytest.mark.parametrize(
    "content,words",
    [
        ("organization: {name: X}\nfacts: {team_size: 0}\n", "facts.team_size"),
        ("organization: {name: X}\nfacts: {team_sise: 3}\n", "Did you mean 'facts.team_size'"),
    ],
)
def test_bad_answers_file_exits_2_and_writes_nothing(tmp_path: Path, content: str, words: str) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(content)
    result = runner.invoke(app, ["wizard", "--answers", str(answers), "--output", str(tmp_path / "unit.yaml")])
    assert result.exit_code == 2
    assert words in result.stderr and str(answers) in result.stderr
    assert not (tmp_path / "unit.yaml").exists()


def test_every_profile_field_has_a_question(advisor) -> None:
    assert set(all_fields()) <= set(advisor.kb.questions)


def test_the_expert_path_asks_the_21_ratings(tmp_path: Path) -> None:
    lines = ORG + ["2"] + ["-"] * 34 + ["6"] * 21
    result = run(tmp_path, lines)
    assert result.exit_code == 0, result.output
    assert load_profile(tmp_path / "unit.yaml").ratings.model_commitment == 6


def test_schema_accepts_every_bundled_and_saved_profile(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from mbt_advisor.rulebase.examples import example_path, list_examples

    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    for name in list_examples():
        data = yaml.safe_load(example_path(name).read_text())
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    run(tmp_path, ORG + FOUNDER + ["1"] + ["-"] * 60)
    jsonschema.validate(
        json.loads(json.dumps(yaml.safe_load((tmp_path / "unit.yaml").read_text()), default=str)), schema
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"organization": {"name": "x"}, "facts": {"team_sise": 3}}, schema)
