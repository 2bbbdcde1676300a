"""The first run: on a terminal, `evaluate` ends with the headline and the three most urgent actions, where the
screen shows them; piped or written to a file the assessment is exactly what it was (byte for byte); the README
says what the tool is for before its first command."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from mbt_advisor.cli import main as cli_main
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

import mbt_advisor
from mbt_advisor import example_path

runner = CliRunner()
README = Path(__file__).resolve().parent.parent / "README.md"


def test_on_a_terminal_the_summary_comes_last(monkeypatch) -> None:
    monkeypatch.setattr(cli_main, "stdout_is_terminal", lambda: True)
    out = runner.invoke(app, ["evaluate", "--example", "merger"], env={"COLUMNS": "100"}).stdout
    lines = out.rstrip().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("In short: overall risk HIGH"))
    tail = lines[start:]
    assert len(tail) <= 12  # all of it on the last screen
    assessment = mbt_advisor.evaluate(example_path("merger"))
    listed = [line.strip() for line in tail if line.startswith("  ") and line.strip()[:2] in ("1.", "2.", "3.")]
    for rec, line in zip(assessment.recommendations[:3], listed, strict=True):
        assert line.startswith(f"{rec.priority}. {rec.title[:30]}")
    assert "Recommendations (" in out  # the full assessment came first, unchanged


def test_summary_alone_with_summary(monkeypatch) -> None:
    out = runner.invoke(app, ["evaluate", "--example", "merger", "--summary"]).stdout
    assert out.startswith("In short: overall risk HIGH")
    assert len(out.splitlines()) < 12


def test_piped_or_to_a_file_the_assessment_is_unchanged(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli_main, "stdout_is_terminal", lambda: False)
    piped = runner.invoke(app, ["evaluate", "--example", "merger"]).stdout
    assert "In short:" not in piped
    target = tmp_path / "a.txt"
    monkeypatch.setattr(cli_main, "stdout_is_terminal", lambda: True)
    runner.invoke(app, ["evaluate", "--example", "merger", "--output", str(target)])
    assert "In short:" not in target.read_text(encoding="utf-8")


def test_the_readme_says_what_the_tool_is_for_before_its_first_command() -> None:
    text = README.read_text(encoding="utf-8")
    before = text[: text.index("```")]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", before.split("\n\n", 1)[1]) if s.strip()]
    assert len(sentences) >= 2
    assert "Mentalization-Based Treatment" in before and "decision" in before


def test_the_readme_keeps_its_first_two_commands() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks[0].strip() == (
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && mbt-advisor evaluate --example merger"
    )
    assert blocks[1].strip() == "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32" or shutil.which("mbt-advisor") is None, reason="needs a pty")
def test_in_a_real_terminal_the_last_screen_has_the_headline_and_three_actions() -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn("mbt-advisor", ["evaluate", "--example", "merger"], dimensions=(24, 100), timeout=30)
    child.expect(pexpect.EOF)
    last_screen = child.before.decode().replace("\r", "").rstrip().splitlines()[-23:]
    assert any(line.startswith("In short: overall risk HIGH") for line in last_screen)
    assert sum(bool(re.match(r"\s+[123]\. ", line)) for line in last_screen) >= 3


def test_example_without_a_name_lists_the_names() -> None:
    result = runner.invoke(app, ["evaluate", "--example"])
    assert result.exit_code == 2
    assert "Examples: adolescent-startup, merger, riverside, school." in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
