"""The one exception type that bad input raises, and how it is phrased.

Every problem with a profile, a rule file or a knowledge file becomes an :class:`InputError` that names the
file, the field path, the line where known, what is wrong and what is allowed. The command line prints its
``str()`` and exits with status 2; library callers can read the parts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.problem
        if self.allowed:
            text += f" Allowed: {self.allowed}."
        if self.more:
            text += f" ({self.more} more problem{'s' if self.more > 1 else ''} after this one.)"
        return " ".join(text.split())  # always one line

    def __str__(self) -> str:
        return self.message


class ProfileError(InputError):
    """An organization profile that cannot be evaluated."""


class KnowledgeError(InputError):
    """A rule or knowledge file that cannot be loaded."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest choice, or an empty string."""
    match = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f" Did you mean '{match[0]}'?" if match else ""


def quote_list(values: Iterable[object]) -> str:
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)
