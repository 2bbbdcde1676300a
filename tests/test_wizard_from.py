"""The next visit starts from the last one: `mbt-advisor wizard --from last.yaml` asks every question with the last
visit's answer shown ("last time: ...") and kept unless changed, and writes a new profile; it never overwrites
the profile it started from unless told to (--force)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from mbt_advisor.cli import wizard_cmd
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import example_path

runner = CliRunner()


def profile_data(path: Path) -> dict[str, Any]:
    """The profile's answers (the format version aside: the wizard writes the current one)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("profile_version", None)
    return data


class Keeper:
    """A prompter (the wizard's prompt interface) that keeps every offered answer, except the ones it is told to
    change, and records what it was offered."""

    def __init__(self, changes: dict[str, Any] | None = None) -> None:
        self.changes = changes or {}
        self.offered: dict[str, Any] = {}
        self.said: list[str] = []

    def ask(self, ask: Any) -> Any:
        self.offered[ask.question.field] = ask.default
        return self.changes.get(ask.question.field, ask.default)

    def say(self, text: str) -> None:
        self.said.append(text)

    def confirm(self, text: str) -> bool:
        return False


def test_every_answer_of_the_last_visit_is_offered_and_kept(monkeypatch, tmp_path: Path) -> None:
    last = example_path("riverside")
    keeper = Keeper()
    monkeypatch.setattr(wizard_cmd, "make_prompter", lambda interactive: keeper)
    out = tmp_path / "next.yaml"
    result = runner.invoke(app, ["wizard", "--from", str(last), "--output", str(out)])
    assert result.exit_code == 0, result.output
    before, after = profile_data(last), profile_data(out)
    assert after["organization"]["assessed_on"] == dt.date.today()  # a new visit describes today
    before["organization"].pop("assessed_on"), after["organization"].pop("assessed_on")
    assert after == before
    assert keeper.offered["facts.management_support"] == "strong"
    assert keeper.offered["ratings.org_commitment"] == 6


def test_a_changed_answer_is_saved_and_the_rest_kept(monkeypatch, tmp_path: Path) -> None:
    last = example_path("riverside")
    monkeypatch.setattr(
        wizard_cmd, "make_prompter", lambda interactive: Keeper({"facts.management_support": "lacking"})
    )
    out = tmp_path / "next.yaml"
    assert runner.invoke(app, ["wizard", "--from", str(last), "--output", str(out)]).exit_code == 0
    after = profile_data(out)
    assert after["facts"]["management_support"] == "lacking"
    assert after["facts"]["team_size"] == profile_data(last)["facts"]["team_size"]


def test_the_line_prompter_shows_last_time_and_enter_keeps_it(tmp_path: Path) -> None:
    last = tmp_path / "last.yaml"
    shutil.copy(example_path("adolescent-startup"), last)
    out = tmp_path / "next.yaml"
    result = runner.invoke(
        app, ["wizard", "--from", str(last), "--output", str(out)], input="\n" * 200, env={"CI": "true"}
    )
    assert result.exit_code == 0, result.output
    assert "last time: Inpatient" in result.stdout
    assert "last time: no" in result.stdout or "last time: yes" in result.stdout
    before, after = profile_data(last), profile_data(out)
    for data in (before, after):
        data["organization"].pop("assessed_on", None)
    assert after == before


def test_the_profile_it_starts_from_is_never_overwritten_unless_told(tmp_path: Path) -> None:
    last = tmp_path / "last.yaml"
    shutil.copy(example_path("riverside"), last)
    original = last.read_bytes()
    result = runner.invoke(app, ["wizard", "--from", str(last), "--output", str(last)], input="\n" * 200)
    assert result.exit_code == 2
    assert last.read_bytes() == original
    assert "--force" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_bad_last_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "last.yaml"
    bad.write_text("organization:\n  name: X\nfacts:\n  team_sise: 3\n", encoding="utf-8")
    out = tmp_path / "next.yaml"
    result = runner.invoke(app, ["wizard", "--from", str(bad), "--output", str(out)], input="\n" * 10)
    assert result.exit_code == 2
    assert "team_sise" in result.stderr and not out.exists()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32" or shutil.which("mbt-advisor") is None, reason="needs a pty")
def test_the_next_visit_in_a_real_terminal_keeps_everything_with_enter(tmp_path: Path) -> None:
    pytest.importorskip("pexpect")
    pytest.importorskip("pyte")
    path = Path(__file__).resolve().parent.parent / "docs" / "capture_wizard.py"
    spec = importlib.util.spec_from_file_location("capture_wizard", path)
    assert spec and spec.loader
    capture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(capture)
    last = tmp_path / "last.yaml"
    shutil.copy(example_path("riverside"), last)
    term = capture.Terminal(["--from", "last.yaml", "--output", "next.yaml"], tmp_path)
    screens = []
    for _ in range(80):
        term.pump(quiet=0.3)
        screens.append(term.text())
        if "Saved the profile" in screens[-1] or not term.child.isalive():
            break
        term.child.send(capture.ENTER)
    assert "last time:" in "\n".join(screens)
    before, after = profile_data(last), profile_data(tmp_path / "next.yaml")
    for data in (before, after):
        data["organization"].pop("assessed_on", None)
    assert after == before
