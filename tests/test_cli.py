"""The command line: formats, examples, exit codes, and bad input that writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_evaluate_json_matches_the_library(riverside_path: Path) -> None:
    import mbt_advisor

    result = invoke("evaluate", str(riverside_path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == mbt_advisor.evaluate(riverside_path).model_dump(mode="json")


@pytest.mark.parametrize("fmt,marker", [("text", "Overall risk: HIGH"), ("markdown", "## Risk: high")])
def test_evaluate_example_for_people(fmt: str, marker: str) -> None:
    result = invoke("evaluate", "--example", "merger", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert marker in result.stdout
    assert "REORG" in result.stdout


def test_evaluate_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = invoke("evaluate", "--example", "school", "--format", "json", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text())["organization"]["setting"] == "school"


def test_examples_lists_the_bundled_profiles() -> None:
    result = invoke("examples", "--format", "json")
    names = [e["name"] for e in json.loads(result.stdout)]
    assert {"riverside", "merger", "adolescent-startup", "school"} <= set(names)


BAD = [
    ("organization:\n  name: x\nratings:\n  leadership: 9\n", "ratings.leadership"),
    ("organization:\n  name: x\nfacts:\n  team_sise: 9\n", "Did you mean 'team_size'"),
    ("organization: [\n", "not valid YAML"),
    ("- 1\n", "top level"),
]


@pytest.mark.parametrize("text,words", BAD)
def test_bad_input_exits_2_with_one_message_and_writes_nothing(tmp_path: Path, text: str, words: str) -> None:
    profile = tmp_path / "bad.yaml"
    profile.write_text(text)
    target = tmp_path / "out.json"
    target.write_text("previous content")
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", str(profile), "--format", "json", "--output", str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert words in run.stderr and str(profile) in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert target.read_text() == "previous content"


def test_missing_file_and_unknown_example_exit_2(tmp_path: Path) -> None:
    result = invoke("evaluate", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2 and "file not found" in result.stderr
    result = invoke("evaluate", "--example", "mergr")
    assert result.exit_code == 2 and "Did you mean 'merger'" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert invoke("evaluate", "--example", "merger", "--format", "pdf").exit_code == 2
    assert invoke("evaluate").exit_code == 2


def test_rules_commands() -> None:
    listed = json.loads(invoke("rules", "list", "--format", "json").stdout)
    assert any(r["id"] == "leadership.contested-lead" for r in listed)
    shown = json.loads(invoke("rules", "show", "leadership.contested-lead", "--format", "json").stdout)
    assert shown["theme"] == "leadership" and shown["defined_in"]["file"] == "leadership.yaml"
    missing = invoke("rules", "show", "leadership.contested-leed")
    assert missing.exit_code == 2 and "Did you mean 'leadership.contested-lead'" in missing.stderr
    check = invoke("rules", "check", "--format", "json")
    assert check.exit_code == 0 and json.loads(check.stdout)["ok"] is True


def test_cases_commands() -> None:
    listed = json.loads(invoke("cases", "list", "--format", "json").stdout)
    assert [c["id"] for c in listed] == ["A", "B", "C", "D", "E", "F", "G", "MBT-A", "PRE-REORG", "REORG"]
    shown = json.loads(invoke("cases", "show", "REORG", "--format", "json").stdout)
    assert shown["profile"]["ratings"]["staff_selection"] == 1
    assert "F" in invoke("cases", "show", "F").stdout


def test_schema_describes_the_profile() -> None:
    data = json.loads(invoke("schema").stdout)
    assert data["required"] == ["organization"]
    assert "team_size" in data["$defs"]["Facts"]["properties"]


def test_version() -> None:
    from mbt_advisor import __version__

    assert invoke("--version").stdout.strip() == f"mbt-advisor {__version__}"


def test_installed_command_runs_without_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "CI": "true", "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", "--example", "riverside"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert run.returncode == 0
    assert "Overall risk: LOW" in run.stdout


def leaf_commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command a user can run, read from the app (a command added later is covered too)."""
    children = getattr(command, "commands", None)
    if not children:
        return [path]
    return [leaf for name, child in sorted(children.items()) for leaf in leaf_commands(child, (*path, name))]


def test_every_command_has_help_with_an_example() -> None:
    commands = leaf_commands(typer.main.get_command(app))
    assert {("evaluate",), ("rules", "check"), ("cases", "show")} <= set(commands)
    for command in commands:
        result = invoke(*command, "--help")
        assert result.exit_code == 0, command
        lines = [line.strip() for line in result.stdout.splitlines()]
        assert "Example:" in lines or "Examples:" in lines, f"{command} has no Example section"
        after = lines[lines.index("Example:" if "Example:" in lines else "Examples:") + 1 :]
        usage = "mbt-advisor " + " ".join(command)
        assert any(line.startswith(usage) for line in after), f"{command}: no example of '{usage}'"
