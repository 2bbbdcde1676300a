"""Drive `mbt-advisor wizard` in a real pseudo-terminal with arrow keys, and capture what the founder sees.

    python docs/capture_wizard.py --update docs/wizard.md   # rewrite the arrow-key session in docs/wizard.md
    python docs/capture_wizard.py > session.md              # or just print it

The wizard runs as a child process on a pseudo-terminal (pexpect); its output is fed to a terminal emulator
(pyte), so each captured screen is exactly what a terminal shows. The founder reads the screen: which
question is current, where the cursor (») is, which options are ticked, and presses keys accordingly.
tests/test_wizard_pty.py runs the same driver and checks the saved profile. Needs `pip install pexpect pyte`.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any

ROWS, COLS = 32, 120
DOWN, UP, ENTER, SPACE, CLEAR, CTRL_C = "\x1b[B", "\x1b[A", "\r", " ", "\x15", "\x03"
QUESTION = re.compile(r"\[(\d+)(?:/(\d+))?\] (.*)")


class Terminal:
    """One wizard process on a pseudo-terminal, and the screen it draws."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        import pexpect
        import pyte

        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env.update(TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(
            "mbt-advisor", ["wizard", *args], cwd=str(cwd), env=env, dimensions=(ROWS, COLS), timeout=30
        )
        # answer the program's terminal queries (prompt_toolkit asks where the cursor is) as a terminal does
        self.screen.write_process_input = lambda reply: self.child.send(reply)  # type: ignore[method-assign]
        self.transcript = b""

    def pump(self, quiet: float = 0.4, limit: float = 30.0) -> None:
        """Read until the program has been quiet for ``quiet`` seconds."""
        import pexpect

        end = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < end:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                if time.monotonic() - last > quiet:
                    return
                continue
            except pexpect.EOF:
                return
            self.transcript += data
            self.stream.feed(data)
            last = time.monotonic()

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        lines = self.lines()
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)

    def current(self) -> tuple[int, str] | None:
        """The row and prompt of the question being asked (the last one on the screen)."""
        found = None
        for row, line in enumerate(self.lines()):
            match = QUESTION.search(line)
            if match:
                found = (row, match[3])
        return found

    def settle(self) -> None:
        """Read until the screen stays the same for a while (a loaded machine can pause a program)."""
        while True:
            before = self.text()
            self.pump(quiet=0.6)
            if self.text() == before or not self.child.isalive():
                return

    def is_menu(self, row: int) -> bool:
        return any("»" in line for line in self.lines()[row + 1 :])

    def wait_for(self, prompt: str, limit: float = 60.0) -> int:
        """Wait until ``prompt`` is asked, answering "don't know" to any other question asked first."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            self.settle()
            now = self.current()
            if now is None:
                continue
            if prompt in now[1]:
                return now[0]
            before = self.text()
            self.child.send("-" if self.is_menu(now[0]) else CLEAR + "-" + ENTER)
            while time.monotonic() < end and self.text() == before:
                self.pump(quiet=0.2)
        raise TimeoutError(f"the wizard never asked {prompt!r}; the screen shows:\n{self.text()}")

    def finish(self, limit: float = 120.0) -> int:
        """Answer "don't know" to whatever is still asked, until the program ends; its exit status."""
        end = time.monotonic() + limit
        while self.child.isalive() and time.monotonic() < end:
            self.settle()
            now = self.current()
            if now is None or not self.child.isalive():
                continue
            before = self.text()
            self.child.send("-" if self.is_menu(now[0]) else CLEAR + "-" + ENTER)
            while time.monotonic() < end and self.text() == before and self.child.isalive():
                self.pump(quiet=0.2)
        self.child.expect(__import__("pexpect").EOF)
        self.pump(quiet=0.1)
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else 128 + self.child.signalstatus)


def menu_keys(term: Terminal, row: int, action: tuple[Any, ...]) -> str:
    """Keys for a menu below ``row``: move the cursor (») to a label, or tick exactly some labels."""
    below = [line for line in term.lines()[row + 1 :] if line.strip()]
    items = [line for line in below if not set(line.strip()) <= {"-", " "}]  # no separator line
    if not any("»" in line for line in items):
        raise LookupError(f"no menu under the question; the screen shows:\n{term.text()}")
    if action[0] == "pick":
        here = next(i for i, line in enumerate(items) if "»" in line)
        there = next(i for i, line in enumerate(items) if action[1] in line)
        return (DOWN * (there - here) if there >= here else UP * (here - there)) + ENTER
    ticks = [line for line in items if "●" in line or "○" in line]
    keys = ""
    for line in ticks:
        wanted = any(label in line for label in action[1])
        if wanted != ("●" in line):
            keys += SPACE
        keys += DOWN
    return keys + ENTER


def keys_for(term: Terminal, row: int, action: tuple[Any, ...]) -> str:
    name = action[0]
    if name in {"pick", "ticks"}:
        return menu_keys(term, row, action)
    if name == "type":
        return CLEAR + action[1] + ENTER
    return {
        "help": "?",
        "dk": "-",
        "back": "<",
        "accept": ENTER,
        "stop": CTRL_C,
        "typed-help": CLEAR + "?" + ENTER,
        "typed-dk": CLEAR + "-" + ENTER,
        "typed-back": CLEAR + "<" + ENTER,
    }[name]


def run(
    steps: list[tuple[str, tuple[Any, ...], str | None]], args: list[str], cwd: Path
) -> tuple[int, list[tuple[str, str]]]:
    """Answer each (prompt, action, caption) in turn; return the exit status and the captured screens."""
    term = Terminal(args, cwd)
    frames: list[tuple[str, str]] = []
    for prompt, action, caption in steps:
        row = term.wait_for(prompt)
        keys = keys_for(term, row, action)
        before = term.text()
        term.child.send(keys)
        end = time.monotonic() + 30
        while term.text() == before and time.monotonic() < end and term.child.isalive():
            term.pump(quiet=0.2)  # until the program has answered the keys
        if caption:
            term.pump()
            frames.append((caption, term.text()))
    status = term.finish()
    frames.append(("the end", term.text()))
    return status, frames


NAME = "name of the unit"
SETTING = "In which setting"
POPULATION = "Who does the programme serve"
PHASE = "Where does the programme stand"
ASSESSOR = "Who fills in this profile"
DATE = "On which date"
PATH = "rate the 21 adherence items"
ORIGIN = "Does an existing team convert"
DECISION = "How was the choice for MBT made"
MANAGEMENT = "How strongly does higher management"
INSTITUTION = "rest of the institution"
MISSION = "Does MBT serve the mission"
REORG = "Is a reorganization"
SPLIT = "open conflict or distrust"
FENCES = "departmental boundaries"
REFERRALS = "referral pathways"
PLAN = "implementation plan"
PACE = "pace of the implementation"
BUDGET = "budget for MBT training"
ISOLATED = "isolated from the rest"
RESEARCH = "outcome monitoring"
SIZE = "How many people are in the MBT team"
LEAD = "clinical leadership"
CONFLICT = "conflict in the team before"
SPLITS = "Is the team split"
BUY_IN = "embrace the new model"
ROLES = "Are roles and responsibilities"
CRISIS = "protocols for crises"
SUPERVISOR = "supervisor experienced in MBT"
SHARE = "What share of the team"

# A founder of a unit in planning: help, don't know, a refused skip, back and a stop on every kind of question.
FIRST = [
    (NAME, ("typed-help",), "`?` at a typed question: why it matters"),
    (NAME, ("type", "Lakeside MBT day programme"), None),
    (SETTING, ("help",), "`?` in a menu"),
    (SETTING, ("pick", "Day hospital"), None),
    (POPULATION, ("pick", "Adults"), None),
    (PHASE, ("pick", "Planning"), None),
    (ASSESSOR, ("typed-dk",), None),
    (DATE, ("type", "2026-11-20"), None),
    (PATH, ("dk",), "`-` where an answer is needed"),
    (PATH, ("pick", "No: plain questions only"), None),
    (DECISION, ("pick", "Participatory"), None),
    (MANAGEMENT, ("back",), "`<` goes back: the cursor rests on the answer given"),
    (DECISION, ("accept",), None),
    (MANAGEMENT, ("pick", "Partial"), None),
    (INSTITUTION, ("dk",), None),
    (MISSION, ("help",), None),
    (MISSION, ("pick", "Yes"), None),
    (REORG, ("stop",), None),
]
SECOND = [
    (REORG, ("back",), "resumed with --resume, then `<`"),
    (MISSION, ("accept",), None),
    (REORG, ("pick", "No"), None),
    (SPLIT, ("pick", "No"), None),
    (FENCES, ("dk",), None),
    (REFERRALS, ("dk",), None),
    (PLAN, ("pick", "A partial plan"), None),
    (PACE, ("pick", "Gradual"), None),
    (BUDGET, ("dk",), None),
    (ISOLATED, ("dk",), None),
    (RESEARCH, ("dk",), None),
    (SIZE, ("type", "fourteen"), "a typed answer that does not fit"),
    (SIZE, ("type", "14"), None),
    (LEAD, ("dk",), None),
    (ORIGIN, ("pick", "An existing team converts"), None),
    (CONFLICT, ("dk",), None),
    (SPLITS, ("help",), None),
    (SPLITS, ("ticks", ["Between disciplines"]), "Space ticks, Enter confirms"),
    (BUY_IN, ("back",), "`<` into several choices: the ticks are kept"),
    (SPLITS, ("accept",), None),
    (BUY_IN, ("dk",), None),
    (ROLES, ("dk",), None),
    (CRISIS, ("dk",), None),
    (SUPERVISOR, ("dk",), None),
    (SHARE, ("type", "60%"), "a share, as a percentage"),
]
REST = [
    "Do staff feel competent",
    "selected for the programme",
    "How experienced are the therapists",
    "differences in training and motivation",
]


def session(cwd: Path) -> tuple[list[int], list[tuple[str, str]]]:
    """The whole session of docs/wizard.md: stop half-way, resume, finish; (exit statuses, screens)."""
    first, frames = run(FIRST, ["--output", "lakeside.yaml"], cwd)
    second_steps = SECOND + [(prompt, ("dk",), None) for prompt in REST[-1:]]
    second, more = run(second_steps, ["--resume", "lakeside.yaml.partial.json", "--output", "lakeside.yaml"], cwd)
    return [first, second], frames + more


START, END = "<!-- session:start (docs/capture_wizard.py) -->", "<!-- session:end -->"


def markdown(statuses: list[int], frames: list[tuple[str, str]], saved: str, keep: int = 14) -> str:
    """The session as Markdown: the last ``keep`` lines of the screen after each captioned step."""
    out = [START, ""]
    for caption, screen in frames:
        lines = screen.splitlines()
        shown = lines if caption == "the end" else lines[-keep:]
        out += [f"After {caption}:", "", "```text", *shown, "```", ""]
    out += [f"Exit statuses of the two runs: {statuses[0]} (Ctrl-C), {statuses[1]} (saved).", ""]
    out += ["The saved profile (`lakeside.yaml`):", "", "```yaml", saved.rstrip(), "```", "", END]
    return "\n".join(out)


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        statuses, frames = session(Path(folder))
        saved = (Path(folder) / "lakeside.yaml").read_text()
    text = markdown(statuses, frames, saved)
    if len(sys.argv) == 3 and sys.argv[1] == "--update":
        target = Path(sys.argv[2])
        doc = target.read_text(encoding="utf-8")
        head, rest = doc.split(START, 1)
        tail = rest.split(END, 1)[1]
        target.write_text(head + text + tail, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
