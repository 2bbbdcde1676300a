"""The one exception type that bad input raises, and how it is phrased.

Every problem with a profile, a rule file or a knowledge file becomes an :class:`InputError` that names the
file, the field path, the line where known, what is wrong and what is allowed. The command line prints its
``str()`` and exits with status 2; library callers can read the parts.

A message is always one line of printable text: whatever came from the input (a key, a value, a file name)
is escaped (no control character reaches a terminal) and shortened, so a hostile or huge key cannot flood
or drive the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_SHOWN = 60  # characters of an input value or key shown in a message
MAX_SOURCE = 200  # characters of a file name shown (its end, where the name is)
MAX_MESSAGE = 4000  # a whole message; the longest real one (all allowed facts keys) is about 1,300


class InputError(ValueError):
    """Bad input: a profile, rule or knowledge file that cannot be used as it is."""

    def __init__(
        self,
        problem: str,
        *,
        source: str = "<input>",
        field: str | None = None,
        line: int | None = None,
        allowed: str | None = None,
        more: int = 0,
    ) -> None:
        self.problem = problem
        self.source = source
        self.field = field
        self.line = line
        self.allowed = allowed
        self.more = more
        super().__init__(self.message)

    @property
    def message(self) -> str:
        source = escape(self.source)
        if len(source) > MAX_SOURCE:
            source = "…" + source[-MAX_SOURCE:]
        where = source if self.line is None else f"{source}, line {self.line}"
        text = f"{where}: "
        if self.field:
            text += f"{shorten(escape(self.field), 3 * MAX_SHOWN)}: "
        text += self.problem
        if self.allowed:
            text += f" Allowed: {self.allowed}."
        if self.more:
            text += f" ({self.more} more problem{'s' if self.more > 1 else ''} after this one.)"
        return shorten(escape(" ".join(text.split())), MAX_MESSAGE)  # always one short, printable line

    def __str__(self) -> str:
        return self.message


class ProfileError(InputError):
    """An organization profile that cannot be evaluated."""


class KnowledgeError(InputError):
    """A rule or knowledge file that cannot be loaded."""


def escape(text: str) -> str:
    """``text`` with every character that is not printable (control characters such as ESC, BEL, NUL
    and CR, bidirectional overrides, lone surrogates) written as a Python escape; spaces stay."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """A value from the input as a message shows it: quoted when text, escaped, and shortened.

    Never fails, even for integers too long for Python to print or objects whose repr() breaks."""
    if isinstance(value, str):
        return repr(shorten(value, limit))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any repr() may fail; the type still says enough
        return f"a {type(value).__name__}"
    return shorten(escape(text), limit)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest choice, or an empty string."""
    import difflib  # only on the error path: keeps the start of the command line light

    word = str(word)
    if len(word) > 100:  # nothing that long is close to a field name; and difflib is slow on it
        return ""
    match = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


def quote_list(values: Iterable[object]) -> str:
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)
