"""One error style over the whole command table: every usage error is one `mbt-advisor: error:` line, exit 2.

The commands are read from the application itself, so a command added later is covered without editing this.
"""

from __future__ import annotations

from typing import Any

import pytest
import typer
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    children = getattr(command, "commands", None)
    if not children:
        return [(path, command)]
    return [leaf for name, child in sorted(children.items()) for leaf in _leaves(child, (*path, name))]


COMMANDS = _leaves(typer.main.get_command(app))
IDS = [" ".join(path) for path, _ in COMMANDS]


def assert_one_error_line(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (args, result.stderr)
    assert lines[0].startswith("mbt-advisor: error: "), lines[0]
    assert "Traceback" not in result.output and "Usage:\n" not in result.output
    assert result.stdout == ""
    return lines[0]


def test_the_table_is_read_from_the_app() -> None:
    assert {"evaluate", "wizard", "explain", "whatif", "compare", "rules list", "cases show"} <= set(IDS)


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_an_unknown_option_is_one_line_naming_the_help(path: tuple[str, ...], command: Any) -> None:
    line = assert_one_error_line([*path, "--no-such-option"])
    assert "--no-such-option" in line
    assert f"mbt-advisor {' '.join(path)} --help" in line


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_a_missing_argument_or_option_is_one_line_with_the_usage(path: tuple[str, ...], command: Any) -> None:
    required = [p for p in command.params if p.required]
    if not required:
        pytest.skip("nothing is required")
    line = assert_one_error_line(list(path))
    assert "Missing" in line and f"Usage: mbt-advisor {' '.join(path)}" in line


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_a_bad_format_is_one_line_naming_the_choices(path: tuple[str, ...], command: Any) -> None:
    if not any("--format" in p.opts for p in command.params):
        pytest.skip("no --format")
    line = assert_one_error_line([*path, "--format", "no-such-format"])
    assert "'no-such-format' is not one of" in line or "Missing" in line


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_an_extra_argument_is_one_line(path: tuple[str, ...], command: Any) -> None:
    if any(getattr(p, "nargs", 1) == -1 for p in command.params):
        pytest.skip("takes any number of arguments")
    required = [p for p in command.params if p.required and not p.opts[0].startswith("-")]
    options = [arg for p in command.params if p.required and p.opts[0].startswith("-") for arg in (p.opts[0], "x")]
    assert_one_error_line([*path, *options, *(["x"] * len(required)), "extra", "arguments"])


def test_an_unknown_command_suggests_the_closest() -> None:
    assert "Did you mean 'evaluate'?" in assert_one_error_line(["evalute", "x.yaml"])
    assert "Did you mean 'show'?" in assert_one_error_line(["rules", "shw"])


def test_a_bad_profile_is_still_one_line_caught_once(tmp_path) -> None:
    line = assert_one_error_line(["explain", str(tmp_path / "missing.yaml")])
    assert "missing.yaml" in line
