"""One prompter contract, two front ends: the same founder, typing lines or pressing arrow keys, asks for help,
says don't know, is refused a skip where an answer is needed, goes back and resumes, on every kind of question;
the saved profile records exactly what was answered.

The arrow-key front end is driven through prompt_toolkit's pipe input (as questionary's own tests do); the
line front end through a stream. Both run inside the real `mbt-advisor wizard` command.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from mbt_advisor.cli import wizard_cmd
from mbt_advisor.cli.main import app
from mbt_advisor.cli.prompts import NONE, ArrowPrompter, LinePrompter
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from typer.testing import CliRunner

from mbt_advisor.rulebase.knowledge_models import Question
from mbt_advisor.wizard.answer_marks import BACK, SKIP
from mbt_advisor.wizard.questionnaire import Ask, parse_answer

runner = CliRunner()

# (field, action): what the founder does when that question comes; any other question is answered "don't know"
# (or, where an answer is needed, with its default)
SESSION_1 = [
    ("organization.name", ("help",)),
    ("organization.name", ("type", "Lakeside unit")),
    ("organization.setting", ("help",)),
    ("organization.setting", ("pick", "day_hospital")),
    ("organization.population", ("pick", "adults")),
    ("organization.phase", ("pick", "planning")),
    ("organization.assessor", ("help",)),
    ("organization.assessor", ("dk",)),
    ("organization.assessed_on", ("help",)),
    ("organization.assessed_on", ("type", "2026-11-20")),
    ("wizard.path", ("dk",)),  # refused: the path needs an answer
    ("wizard.path", ("pick", "founder")),
    ("facts.decision_process", ("pick", "top_down")),
    ("facts.management_support", ("back",)),
    ("facts.decision_process", ("accept",)),  # the cursor rests on the answer given before
    ("facts.management_support", ("dk",)),
    ("facts.institutional_support", ("pick", "partial")),
    ("facts.mission_fit", ("help",)),
    ("facts.mission_fit", ("pick", True)),
    ("facts.reorganization", ("stop",)),
]
SESSION_2 = [
    ("facts.reorganization", ("back",)),
    ("facts.mission_fit", ("accept",)),
    ("facts.reorganization", ("pick", False)),
    ("facts.team_size", ("help",)),
    ("facts.team_size", ("type", "twelve")),  # refused with the reason, asked again
    ("facts.team_size", ("type", "12")),
    ("facts.team_splits", ("help",)),
    ("facts.team_splits", ("ticks", ["disciplines", "management_lines"])),
    ("facts.roles_defined", ("back",)),  # a planning unit of unknown team origin is not asked about an existing team
    ("facts.team_splits", ("accept",)),  # the earlier ticks are still ticked
    ("facts.mbt_trained_fraction", ("help",)),
    ("facts.mbt_trained_fraction", ("type", "60%")),
    ("facts.staff_confidence", ("back",)),
    ("facts.mbt_trained_fraction", ("accept",)),  # offered again as 60%
]
SAVED = {
    "profile_version": 2,
    "organization": {
        "name": "Lakeside unit",
        "setting": "day_hospital",
        "population": "adults",
        "phase": "planning",
        "assessed_on": dt.date(2026, 11, 20),
    },
    "facts": {
        "decision_process": "top_down",
        "institutional_support": "partial",
        "mission_fit": True,
        "reorganization": False,
        "team_size": 12,
        "team_splits": ["disciplines", "management_lines"],
        "mbt_trained_fraction": 0.6,
    },
}
HELPED = [f for f, action in SESSION_1 + SESSION_2 if action == ("help",)]


class Founder:
    """Follows the script, checking that each step comes at its question; "don't know" everywhere else."""

    def __init__(self, steps: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.steps = list(steps)
        self.asked: list[str] = []

    def action(self, ask: Ask) -> tuple[Any, ...]:
        self.asked.append(ask.question.field)
        if self.steps and self.steps[0][0] == ask.question.field:
            return self.steps.pop(0)[1]
        return ("dk",) if ask.optional else ("accept",)  # where an answer is needed, the default one


# -- the arrow-key front end: keys through prompt_toolkit's pipe input -------------------------------------
DOWN, UP, ENTER, SPACE, CLEAR, CTRL_C = "\x1b[B", "\x1b[A", "\r", " ", "\x15", "\x03"


def menu_values(ask: Ask) -> list[Any]:
    options = [True, False] if ask.question.type == "boolean" else [c.value for c in ask.question.choices]
    return [*options, *([SKIP] if ask.optional else []), BACK]


def arrow_keys(ask: Ask, action: tuple[Any, ...]) -> str:
    kind, typed = ask.question.type, ask.question.type not in {"choice", "boolean", "multi"}
    name = action[0]
    if name == "stop":
        return CTRL_C
    if name in {"help", "dk", "back"}:
        key = {"help": "?", "dk": "-", "back": "<"}[name]
        return CLEAR + key + ENTER if typed else key
    if name == "accept":
        return ENTER
    if name == "type":
        return CLEAR + action[1] + ENTER
    if name == "pick":
        values = menu_values(ask)
        if ask.default in values:
            here = values.index(ask.default)
        else:  # a yes/no question starts on "Don't know" (no answer selected), any other menu on its first choice
            here = values.index(SKIP) if kind == "boolean" and ask.optional else 0
        there = values.index(action[1])
        return (DOWN * (there - here) if there >= here else UP * (here - there)) + ENTER
    assert name == "ticks" and kind == "multi"
    values = [c.value for c in ask.question.choices] + [NONE]
    before = set(ask.default or [])
    keys = ""
    for value in values:
        if (value in action[1]) != (value in before):
            keys += SPACE
        keys += DOWN
    return keys + ENTER


class ScriptedArrows(ArrowPrompter):
    """The real ArrowPrompter; before each prompt runs, the founder's keys for it go into the pipe."""

    def __init__(self, founder: Founder, pipe: Any) -> None:
        super().__init__(input=pipe, output=DummyOutput())
        self.founder, self.pipe = founder, pipe

    def ask(self, ask: Ask) -> Any:
        self.current = ask
        return super().ask(ask)

    def _run(self, question: Any) -> Any:
        keys = arrow_keys(self.current, self.founder.action(self.current))
        self.pipe.send_text(keys)
        return super()._run(question)


# -- the line front end: typed lines -------------------------------------------------------------------------
def line_text(ask: Ask, action: tuple[Any, ...]) -> str | None:
    name = action[0]
    if name == "stop":
        return None  # end of input
    if name in {"help", "dk", "back"}:
        return {"help": "?", "dk": "-", "back": "<"}[name]
    if name == "accept":
        return ""
    if name == "type":
        return action[1]
    values = [c.value for c in ask.question.choices]
    if name == "pick":
        if ask.question.type == "boolean":
            return "y" if action[1] else "n"
        return str(values.index(action[1]) + 1)
    return ",".join(str(values.index(v) + 1) for v in action[1] if v != NONE) or "none"


class ScriptedLines(LinePrompter):
    """The real LinePrompter reading a stream whose next line is the founder's answer to the current question."""

    def __init__(self, founder: Founder) -> None:
        outer = self

        class Stream:
            def isatty(self) -> bool:
                return False

            def readline(self) -> str:
                text = line_text(outer.current, founder.action(outer.current))
                return "" if text is None else text + "\n"

        super().__init__(stdin=Stream())  # type: ignore[arg-type]

    def ask(self, ask: Ask) -> Any:
        self.current = ask
        return super().ask(ask)


# about 0.1 s per arrow-key prompt (prompt_toolkit's application start): whole arrow sessions are the slow tier
FRONT_ENDS = [pytest.param("arrows", marks=pytest.mark.slow), "lines"]


def session(monkeypatch, front_end: str, founder: Founder, args: list[str]):
    if front_end == "arrows":
        with create_pipe_input() as pipe:
            monkeypatch.setattr(wizard_cmd, "make_prompter", lambda interactive: ScriptedArrows(founder, pipe))
            return runner.invoke(app, ["wizard", *args])
    monkeypatch.setattr(wizard_cmd, "make_prompter", lambda interactive: ScriptedLines(founder))
    return runner.invoke(app, ["wizard", *args])


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_founder_asks_help_says_dont_know_goes_back_and_resumes(monkeypatch, tmp_path: Path, front_end: str) -> None:
    output = tmp_path / "lakeside.yaml"
    partial = tmp_path / "lakeside.yaml.partial.json"
    founder = Founder(SESSION_1)
    first = session(monkeypatch, front_end, founder, ["--output", str(output)])
    assert first.exit_code == (130 if front_end == "arrows" else 1), first.output
    assert partial.exists() and not output.exists()
    assert f"--resume {partial}" in first.stderr
    assert not founder.steps

    founder.steps = list(SESSION_2)
    second = session(monkeypatch, front_end, founder, ["--resume", str(partial), "--output", str(output)])
    assert second.exit_code == 0, second.output
    assert not founder.steps, f"never reached: {founder.steps}"

    # exactly what was answered: no "don't know" saved as an answer, "none" kept apart from it
    assert yaml.safe_load(output.read_text()) == SAVED
    out = first.stdout + second.stdout
    assert out.count("Why this matters:") == len(HELPED)
    assert "An answer is needed here." in first.stdout
    assert "Not accepted: give a whole number" in second.stdout
    banner = re.search(r"Resuming: (\d+) of (\d+) answered, continuing at \[(\d+)/\2\] Is a reorganization", out)
    assert banner and int(banner[3]) == int(banner[1]) + 1
    # a unit in planning is not asked about its daily practice
    assert not {"facts.model_drift", "facts.reflective_stance"} & set(founder.asked)
    # help is in words: never a rule id
    assert not re.search(r"\b[a-z]+\.[a-z]+-[a-z-]+\b", out)


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_none_of_these_is_an_answer_and_dont_know_is_not(monkeypatch, tmp_path: Path, front_end: str) -> None:
    def run(splits_action: tuple[Any, ...], name: str) -> dict[str, Any]:
        founder = Founder(
            [
                ("organization.name", ("type", name)),
                ("organization.setting", ("pick", "day_hospital")),
                ("wizard.path", ("pick", "founder")),
                ("facts.team_splits", splits_action),
            ]
        )
        result = session(monkeypatch, front_end, founder, ["--output", str(tmp_path / f"{name}.yaml")])
        assert result.exit_code == 0, result.output
        assert not founder.steps
        return yaml.safe_load((tmp_path / f"{name}.yaml").read_text()).get("facts", {})

    assert run(("ticks", [NONE]), "none")["team_splits"] == []
    assert "team_splits" not in run(("dk",), "unknown")


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_running_unit_is_asked_about_its_practice(monkeypatch, tmp_path: Path, front_end: str) -> None:
    founder = Founder([("organization.name", ("type", "R")), ("organization.phase", ("pick", "running"))])
    result = session(monkeypatch, front_end, founder, ["--output", str(tmp_path / "r.yaml")])
    assert result.exit_code == 0, result.output
    assert {"facts.model_drift", "facts.reflective_stance"} <= set(founder.asked)


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_control_keys_are_case_insensitive_in_typed_answers(monkeypatch, tmp_path: Path, front_end: str) -> None:
    founder = Founder(
        [
            ("organization.name", ("type", "Unit")),
            ("organization.assessor", ("type", "HELP")),
            ("organization.assessor", ("type", "DK")),
            ("organization.assessed_on", ("type", "Back")),
            ("organization.assessor", ("type", "Skip")),
        ]
    )
    result = session(monkeypatch, front_end, founder, ["--output", str(tmp_path / "u.yaml")])
    assert result.exit_code == 0, result.output
    assert not founder.steps
    assert "Why this matters: Recorded on the brief" in result.stdout
    assert "assessor" not in yaml.safe_load((tmp_path / "u.yaml").read_text())["organization"]


def test_arrow_keys_help_dont_know_back_and_stop_in_a_short_session(monkeypatch, tmp_path: Path) -> None:
    """The default tier's arrow-key check: the first questions (text, menus, date), then Ctrl-C."""
    founder = Founder(
        [
            ("organization.name", ("help",)),
            ("organization.name", ("type", "Short")),
            ("organization.setting", ("pick", "school")),
            ("organization.population", ("help",)),
            ("organization.population", ("pick", "pupils")),
            ("organization.phase", ("back",)),
            ("organization.population", ("accept",)),
            ("organization.phase", ("dk",)),
            ("organization.assessor", ("stop",)),
        ]
    )
    result = session(monkeypatch, "arrows", founder, ["--output", str(tmp_path / "s.yaml")])
    assert result.exit_code == 130, result.output
    assert not founder.steps
    assert result.stdout.count("Why this matters:") == 2
    assert result.stdout.count("   -> back") == 1 and result.stdout.count("   -> don't know") == 1
    state = (tmp_path / "s.yaml.partial.json").read_text()
    assert '"organization.population": "pupils"' in state and '"organization.phase"' in state.split('"skipped"')[1]


def test_a_typed_choice_may_be_its_shown_words_and_a_refusal_names_them(monkeypatch, tmp_path: Path) -> None:
    founder = Founder(
        [
            ("organization.name", ("type", "Unit")),
            ("facts.team_origin", ("type", "a")),  # starts both "An existing team..." and "A new team...": refused
            ("facts.team_origin", ("type", "new")),  # the start of a word in one label only
        ]
    )
    result = session(monkeypatch, "lines", founder, ["--output", str(tmp_path / "u.yaml")])
    assert result.exit_code == 0, result.output
    assert not founder.steps
    assert (
        "'a' fits more than one of the choices: give a number or the words of one: "
        "1. An existing team converts; 2. A new team is formed for MBT"
    ) in result.stdout
    assert "new_team" not in result.stdout and "converting" not in result.stdout
    assert yaml.safe_load((tmp_path / "u.yaml").read_text())["facts"]["team_origin"] == "new_team"


CHOICE = Question(
    field="facts.team_origin",
    prompt="Does an existing team convert, or is a new team formed?",
    help="Asked before the questions about an existing team.",
    type="choice",
    choices=(
        {"value": "converting", "label": "An existing team converts"},  # type: ignore[arg-type]
        {"value": "new_team", "label": "A new team is formed for MBT"},  # type: ignore[arg-type]
    ),
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("2", "new_team"),
        ("new_team", "new_team"),  # the id, kept for scripts
        ("  a NEW team is formed   for mbt ", "new_team"),  # the label in any case and spacing
        ("A new", "new_team"),  # the start of one label
        ("new", "new_team"),  # the start of a word in one label
        ("exist", "converting"),
        ("an", "converting"),  # starts one label, though "an" is inside no other word start
    ],
)
def test_typed_choices_accepted(typed: str, value: str) -> None:
    assert parse_answer(CHOICE, typed) == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("a", "fits more than one"), ("team", "fits more than one"), ("3", "is not one"), ("old", "is not one")],
)
def test_typed_choices_refused_name_the_shown_words_never_the_ids(typed: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_answer(CHOICE, typed)
    message = str(refused.value)
    assert reason in message
    assert "1. An existing team converts; 2. A new team is formed for MBT" in message
    assert "new_team" not in message and "converting" not in message
