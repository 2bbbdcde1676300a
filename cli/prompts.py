"""How the wizard talks to a person: one small interface, two implementations.

``LinePrompter`` reads lines from any text stream (a pipe, a file, a test's input) and never blocks on a
closed input: at end of input it raises EOFError, and the wizard keeps what was answered. ``ArrowPrompter``
uses questionary's arrow-key menus on a real terminal. Both return the raw text (or typed value) of an
answer, or one of the markers BACK and SKIP.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:  # only annotations: `--help` and `--version` build no pydantic model
    from mbt_advisor.knowledge_models import Question

BACK = "<back>"
SKIP = "<skip>"
HELP_KEYS = {"?", "help"}
BACK_KEYS = {"<", "back"}
SKIP_KEYS = {"-", "?-", "dk", "don't know", "dont know", "skip"}


class Prompter(Protocol):
    def ask(self, question: Question, *, progress: tuple[int, int], why: list[str], default: Any) -> Any: ...

    def say(self, text: str) -> None: ...

    def confirm(self, text: str) -> bool: ...


def _format_default(question: Question, default: Any) -> str:
    if default is None:
        return ""
    if question.type == "choice":
        for index, choice in enumerate(question.choices, 1):
            if choice.value == default:
                return str(index)
    if isinstance(default, bool):
        return "y" if default else "n"
    return str(default)


class LinePrompter:
    """Plain text questions and answers over two streams."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        # piped answers are not echoed by a terminal: write them, so a transcript reads as a dialogue
        self.echo = not (hasattr(self.stdin, "isatty") and self.stdin.isatty())

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _line(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if line == "":
            if self.echo:
                self.stdout.write("\n")
            raise EOFError
        if self.echo:
            self.stdout.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\n")

    def ask(self, question: Question, *, progress: tuple[int, int], why: list[str], default: Any) -> Any:
        done, total = progress
        self.say(f"\n[{done + 1}/{total}] {question.prompt}")
        if question.choices:
            for index, choice in enumerate(question.choices, 1):
                self.say(f"   {index}. {choice.label}")
            if question.type == "multi":
                self.say("   (numbers separated by commas, or 'none')")
        elif question.type == "boolean":
            self.say("   (y/n)")
        shown = _format_default(question, default)
        while True:
            text = self._line(f"   answer{f' [{shown}]' if shown else ''} (? help, - don't know, < back): ")
            key = text.strip().lower()
            if key in HELP_KEYS:
                self.say(f"   Why this matters: {question.help}")
                if why:
                    self.say(f"   Rules that use this answer: {', '.join(why)}")
                continue
            if key in BACK_KEYS:
                return BACK
            if key in SKIP_KEYS:
                return SKIP
            if key == "" and shown:
                return shown
            if key == "" and question.type in {"text", "date"}:
                return SKIP  # optional free text: an empty answer means "not given"
            return text

    def confirm(self, text: str) -> bool:
        """Yes only when the person says so; no answer (closed input) is no."""
        try:
            return self._line(f"{text} [y/N]: ").strip().lower() in {"y", "yes"}
        except EOFError:
            return False


class ArrowPrompter:
    """questionary menus on a terminal (arrow keys for choices); Ctrl-C raises KeyboardInterrupt."""

    def __init__(self) -> None:
        import questionary

        self.q = questionary

    def say(self, text: str) -> None:
        self.q.print(text)

    def ask(self, question: Question, *, progress: tuple[int, int], why: list[str], default: Any) -> Any:
        q = self.q
        done, total = progress
        title = f"[{done + 1}/{total}] {question.prompt}"
        instruction = question.help + (f" (used by: {', '.join(why)})" if why else "")
        extra = [q.Choice("Don't know", value=SKIP), q.Choice("< Back", value=BACK)]
        if question.type in {"choice", "boolean"}:
            choices = (
                [q.Choice(c.label, value=c.value) for c in question.choices]
                if question.type == "choice"
                else [q.Choice("Yes", value=True), q.Choice("No", value=False)]
            )
            answer = q.select(
                title,
                choices=[*choices, *extra],
                instruction=instruction,
                default=next((c for c in choices if c.value == default), None),
            ).unsafe_ask()
        elif question.type == "multi":
            answer = q.checkbox(
                title, choices=[q.Choice(c.label, value=c.value) for c in question.choices], instruction=instruction
            ).unsafe_ask()
        else:
            answer = q.text(
                f"{title} ({instruction}; '-' don't know, '<' back)", default=_format_default(question, default)
            ).unsafe_ask()
            if answer.strip() in SKIP_KEYS:
                return SKIP
            if answer.strip() in BACK_KEYS:
                return BACK
        return answer

    def confirm(self, text: str) -> bool:
        return bool(self.q.confirm(text, default=False).unsafe_ask())
