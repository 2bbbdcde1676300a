"""Plain words wherever a person reads: every renderer for people (text, Markdown, the brief, explain, whatif,
compare, the wizard's end screen and its help) on every bundled example shows answers and fields by the
question bank's labels, yes/no in words, and no field ids, snake_case values, Python lists or booleans, rule
ids, knowledge digests or score formulas outside folded technical details. JSON keeps the ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app
from plain_words import machine_forms, unfolded_text, visible_text_of_html, visible_text_of_markdown
from typer.testing import CliRunner

import mbt_advisor

runner = CliRunner()
EXAMPLES = sorted(mbt_advisor.list_examples())


def run(*args: str) -> str:
    """The command's output for people: stdout, or the file a brief is written to."""
    if "--output" in args:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "out"
            given = list(args)
            given[given.index("--output") + 1] = str(target)
            result = runner.invoke(app, given, env={"COLUMNS": "120"})
            assert result.exit_code == 0, result.output
            return target.read_text(encoding="utf-8")
    result = runner.invoke(app, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_scanner_finds_each_form_it_is_for() -> None:
    """The scanner itself can fail: each form, planted in a sentence, is found."""
    planted = [
        "facts.team_splits changed",
        "a concern:weak_leadership here",
        "it was False before",
        "splits ['disciplines']",
        "(X = 8 on the determinant slide)",
        "Assessed with knowledge 75758e5eba37ee46.",
        "score 0.964 = severity 1.0",
        "day_hospital · adults",
        "rule culture.team-buy-in",
    ]
    for sentence in planted:
        assert machine_forms(sentence), sentence
    assert not machine_forms("Clinical leadership: clear → contested (worse); a reorganization under way: yes.")


def test_folded_parts_are_not_read() -> None:
    page = "<p>Plain</p><details><summary>Technical details</summary><code>culture.team-buy-in</code></details>"
    assert machine_forms(visible_text_of_html(page)) == []
    assert "Technical details" in visible_text_of_html(page)
    assert unfolded_text("Plain words\nTechnical details\n  rule culture.team-buy-in\n") == "Plain words"


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize(
    "command,reader",
    [
        (["evaluate", "--format", "text"], unfolded_text),
        (["evaluate", "--format", "markdown"], visible_text_of_markdown),
        (["report", "--format", "html", "--output", "-"], visible_text_of_html),
        (["report", "--format", "markdown", "--output", "-"], visible_text_of_markdown),
        (["explain"], unfolded_text),
        (["whatif"], unfolded_text),
    ],
    ids=["evaluate-text", "evaluate-markdown", "brief-html", "brief-markdown", "explain", "whatif"],
)
def test_every_renderer_for_people_speaks_plainly(example: str, command: list[str], reader) -> None:
    text = reader(run(command[0], "--example", example, *command[1:]))
    assert machine_forms(text) == []


@pytest.mark.parametrize("older,newer", [("riverside", "merger"), ("adolescent-startup", "riverside")])
def test_compare_speaks_plainly(older: str, newer: str) -> None:
    text = unfolded_text(run("compare", "--example", older, "--example", newer))
    assert machine_forms(text) == []


def test_the_brief_with_its_previous_visit_speaks_plainly(tmp_path: Path) -> None:
    previous = mbt_advisor.example_path("riverside")
    html = run("report", "--example", "merger", "--previous", str(previous), "--output", "-")
    assert machine_forms(visible_text_of_html(html)) == []


def test_json_keeps_the_ids_for_machines() -> None:
    data = json.loads(run("evaluate", "--example", "merger", "--format", "json"))
    assert any(m["field"].startswith("facts.") for m in data["missing_information"])
    assert all("rule_id" in rec for rec in data["recommendations"])
    whatif = json.loads(run("whatif", "--example", "merger", "--format", "json"))
    assert all(s["field"].count(".") == 1 for s in whatif["sensitivity"])


def test_the_wizard_end_screen_and_its_help_speak_plainly(tmp_path: Path) -> None:
    out = tmp_path / "unit.yaml"
    result = runner.invoke(
        app,
        ["wizard", "--answers", str(mbt_advisor.example_path("merger")), "--output", str(out)],
        env={"CI": "true", "COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert machine_forms(result.output) == []
