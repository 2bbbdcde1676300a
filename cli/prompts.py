"""How the wizard talks to a person: one contract, two front ends.

The contract, the same for every kind of question (choice, yes/no, several choices, number, share, date,
text) in both front ends: ``?`` shows why the question matters and the recommendations its answer bears on,
then asks again; ``-`` means "don't know" (not offered where an answer is required); ``<`` goes back, and
the answer given before is offered again as the default (the cursor rests on it, earlier ticks stay ticked);
keys and words are case-insensitive. Several choices have "none of these", which is an answer, apart from
"don't know", which is not.

``LinePrompter`` reads lines from any text stream (a pipe, a file, a test's input) and never blocks on a
closed input: at end of input it raises EOFError, and the wizard keeps what was answered. ``ArrowPrompter``
shows questionary's arrow-key menus on a terminal; ``input``/``output`` let a test drive it through
prompt_toolkit's pipe input. Both return the raw text (or typed value) of an answer, or BACK or SKIP.
"""

from __future__ import annotations

import datetime as _dt
import sys
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from mbt_advisor.wizard.answer_marks import BACK, SKIP, show_share

if TYPE_CHECKING:  # only annotations: `--help` and `--version` build no pydantic model
    from mbt_advisor.wizard.questionnaire import Ask

HELP = "<help>"
HELP_WORDS = {"?", "help"}
BACK_WORDS = {"<", "back"}
SKIP_WORDS = {"-", "dk", "don't know", "dont know", "skip"}
NONE_WORDS = {"none", "none of these", "0"}
NONE = "<none>"  # "none of these" in a menu of several choices


def control(text: str) -> str | None:
    """HELP, BACK or SKIP for a typed control word (any case), else None."""
    key = text.strip().casefold()
    if key in HELP_WORDS:
        return HELP
    if key in BACK_WORDS:
        return BACK
    if key in SKIP_WORDS:
        return SKIP
    return None


def keys_hint(ask: Ask) -> str:
    return "? help, - don't know, < back" if ask.optional else "? help, < back"


def help_lines(ask: Ask) -> list[str]:
    """Why the question matters, and what its answer bears on, in words."""
    lines = [f"Why this matters: {ask.question.help}"]
    if ask.informs:
        shown = "; ".join(ask.informs[:4]) + (f"; and {len(ask.informs) - 4} more" if len(ask.informs) > 4 else "")
        lines.append(f"Your answer bears on: {shown}.")
    return lines


def counter(ask: Ask) -> str:
    """'[5/33]'; '[2]' while the answers that decide which questions apply (setting, phase) are to come, so
    the total never jumps."""
    return f"[{ask.number}/{ask.total}]" if ask.settled else f"[{ask.number}]"


def _same(value: Any, default: Any) -> bool:
    """A menu value is the default: equal and of the same kind (True is not 1)."""
    return bool(value == default and type(value) is type(default))


def format_hint(ask: Ask) -> str:
    """How to type an answer, for kinds that are typed."""
    return {
        "multi": "numbers separated by commas, or 'none' for none of these",
        "boolean": "y/n",
        "fraction": "a percentage, e.g. 80%",
        "date": "YYYY-MM-DD or today",
        "integer": "a whole number",
        "rating": "1 to 7; halves allowed",
    }.get(ask.question.type, "")


def shown_default(ask: Ask) -> str:
    """The default as the line prompter shows it (Enter accepts it): a number, y/n, 60%, '-' for don't know."""
    question, default = ask.question, ask.default
    if default is None:
        return ""
    if default == SKIP:
        return "-"
    values = [c.value for c in question.choices]
    if question.type == "choice" and default in values:
        return str(values.index(default) + 1)
    if question.type == "multi":
        picked = [str(values.index(v) + 1) for v in default if v in values]
        return ",".join(picked) or "none"
    if isinstance(default, bool):
        return "y" if default else "n"
    if question.type == "fraction":
        return show_share(float(default))
    if isinstance(default, _dt.date):
        return default.isoformat()
    return f"{default:g}" if isinstance(default, float) else str(default)


class Prompter(Protocol):
    def ask(self, ask: Ask) -> Any: ...

    def say(self, text: str) -> None: ...

    def confirm(self, text: str) -> bool: ...


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

    def ask(self, ask: Ask) -> Any:
        question = ask.question
        self.say(f"\n{counter(ask)} {question.prompt}")
        if ask.last_time is not None:
            self.say(f"   last time: {ask.last_time}")
        for index, choice in enumerate(question.choices, 1):
            self.say(f"   {index}. {choice.label}")
        hint = format_hint(ask)
        if hint:
            self.say(f"   ({hint})")
        shown = shown_default(ask)
        while True:
            text = self._line(f"   answer{f' [{shown}]' if shown else ''} ({keys_hint(ask)}): ")
            if text.strip() == "" and shown:
                text = shown
            key = control(text)
            if key == HELP:
                for line in help_lines(ask):
                    self.say(f"   {line}")
                continue
            if key == SKIP and not ask.optional:
                self.say("   An answer is needed here.")
                continue
            if key is not None:
                return key
            if text.strip() == "" and question.type in {"text", "date"} and ask.optional:
                return SKIP  # optional free text: an empty answer means "not given"
            if question.type == "multi" and text.strip().casefold() in NONE_WORDS:
                return []
            return text

    def confirm(self, text: str) -> bool:
        """Yes only when the person says so; no answer (closed input) is no."""
        try:
            return self._line(f"{text} [y/N]: ").strip().casefold() in {"y", "yes"}
        except EOFError:
            return False


class ArrowPrompter:
    """questionary menus on a terminal: arrow keys and Enter choose, Space ticks; ``?``, ``-`` and ``<`` act
    at once in menus, and are typed as answers to typed questions. Ctrl-C raises KeyboardInterrupt."""

    def __init__(self, input: Any = None, output: Any = None) -> None:
        import questionary

        self.q = questionary
        self.io = {k: v for k, v in (("input", input), ("output", output)) if v is not None}
        self.output = output
        self.keyed: Any = None  # the control key that ended the last menu, if one did (echoed: menus don't)

    def say(self, text: str) -> None:
        if self.output is None:
            self.q.print(text)
        else:  # a test's output swallows everything: keep the text on stdout, where the test reads it
            sys.stdout.write(text + "\n")

    def _run(self, question: Any) -> Any:
        """Show one prompt and wait for its answer (a test hooks here to type the next keys)."""
        return question.unsafe_ask()

    def _with_keys(self, question: Any, ask: Ask) -> Any:
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

        keys = KeyBindings()
        actions = {"?": HELP, "<": BACK, "-": SKIP}  # '-' where an answer is needed: told so, asked again
        for key, result in actions.items():
            keys.add(key, eager=True)(lambda event, result=result: self._key_exit(event, result))
        app = question.application
        app.key_bindings = merge_key_bindings([app.key_bindings, keys]) if app.key_bindings else keys
        return question

    def _key_exit(self, event: Any, result: Any) -> None:
        self.keyed = result
        event.app.exit(result=result)

    def _menu(self, ask: Ask, title: str) -> Any:
        q, question = self.q, ask.question
        if question.type == "boolean":
            options = [q.Choice("Yes", value=True), q.Choice("No", value=False)]
        else:
            options = [q.Choice(c.label, value=c.value) for c in question.choices]
        extra = [q.Separator()]
        if ask.optional:
            extra.append(q.Choice("Don't know", value=SKIP))
        extra.append(q.Choice("< Back", value=BACK))
        chosen = next(
            (c for c in [*options, *extra] if not isinstance(c, q.Separator) and _same(c.value, ask.default)), None
        )
        if chosen is None and question.type == "boolean" and ask.optional:
            # a yes/no question starts with no answer selected: the cursor rests on "Don't know", so that
            # Enter alone never records a risk such as a reorganization
            chosen = next(c for c in extra if not isinstance(c, q.Separator) and c.value == SKIP)
        menu = q.select(
            title,
            choices=[*options, *extra],
            default=chosen,
            instruction=f"(arrow keys and Enter; {keys_hint(ask)})",
            **self.io,
        )
        return self._run(self._with_keys(menu, ask))

    def _ticks(self, ask: Ask, title: str) -> Any:
        q, question = self.q, ask.question
        before = ask.default if isinstance(ask.default, list | tuple) else []
        options = [q.Choice(c.label, value=c.value, checked=c.value in before) for c in question.choices]
        options.append(q.Choice("None of these", value=NONE, checked=ask.default == [] or ask.default == ()))

        def valid(ticked: list[Any]) -> bool | str:
            if not ticked:
                return "Tick at least one (Space), or 'None of these'; press - if you don't know."
            if NONE in ticked and len(ticked) > 1:
                return "'None of these' goes alone: untick it or the others."
            return True

        menu = q.checkbox(
            title,
            choices=options,
            validate=valid,
            instruction=f"(Space ticks, Enter confirms; {keys_hint(ask)})",
            **self.io,
        )
        answer = self._run(self._with_keys(menu, ask))
        return [] if answer == [NONE] else answer

    def _typed(self, ask: Ask, title: str) -> Any:
        hint = format_hint(ask)
        shown = shown_default(ask)
        text = self._run(
            self.q.text(
                title,
                default="" if shown == "-" else shown,
                instruction=f"({hint + '; ' if hint else ''}{keys_hint(ask)})",
                **self.io,
            )
        )
        key = control(text)
        if key is not None:
            return key
        if text.strip() == "" and ask.optional and (ask.question.type in {"text", "date"} or ask.default == SKIP):
            return SKIP
        return text

    def ask(self, ask: Ask) -> Any:
        last = f" (last time: {ask.last_time})" if ask.last_time is not None else ""
        title = f"{counter(ask)} {ask.question.prompt}{last}"
        kind = ask.question.type
        while True:
            self.keyed = None
            if kind in {"choice", "boolean"}:
                answer = self._menu(ask, title)
            elif kind == "multi":
                answer = self._ticks(ask, title)
            else:
                answer = self._typed(ask, title)
            if self.keyed in (SKIP, BACK) and (answer != SKIP or ask.optional):
                # a menu left with '-' or '<' prints no answer of its own: say what the key did
                self.say("   -> don't know" if self.keyed == SKIP else "   -> back")
            if answer == HELP:
                for line in help_lines(ask):
                    self.say(f"   {line}")
                continue
            if answer == SKIP and not ask.optional:
                self.say("   An answer is needed here.")
                continue
            return answer

    def confirm(self, text: str) -> bool:
        return bool(self._run(self.q.confirm(text, default=False, **self.io)))
