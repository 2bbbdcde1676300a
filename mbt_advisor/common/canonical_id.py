"""One spelling of a stored record's id (a unit, a visit, a token, an audit event), for the web and the command
line alike: canonical decimal digits (no sign, space, leading zero, underscore, decimal point, exponent or
non-ASCII digit) within what the id column holds on both databases (1 to 2**31-1: PostgreSQL's integer).

Python's ``int()`` takes ``+3``, `` 3``, ``03``, ``1_7`` and ``٣``; a person who typed one of them may have meant
another record, so nothing here guesses. ``mbt_advisor.web.access.canonical_ids`` matches paths with
:func:`digits_up_to`; the command line reads its id arguments with :func:`parse_id`.
"""

from __future__ import annotations

ID_MAX = 2**31 - 1  # the largest id an Integer column holds on both databases
ALLOWED = f"an id: the digits of a whole number from 1 to {ID_MAX}, without sign, space, leading zero or separator"


def digits_up_to(largest: int) -> str:
    """A regular expression matching exactly the canonical decimal spellings of 1..``largest``."""
    top = str(largest)
    shorter = f"[1-9][0-9]{{0,{len(top) - 2}}}" if len(top) > 1 else ""
    same_length = []
    for i, digit in enumerate(top):
        low = "1" if i == 0 else "0"
        if digit > low:
            rest = len(top) - i - 1
            same_length.append(f"{top[:i]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
        elif digit < low:  # a leading digit can only be this low for 0
            break
    same_length.append(top)
    return "(?:" + "|".join(filter(None, [shorter, *same_length])) + ")"


def parse_id(text: str) -> int | None:
    """The id ``text`` spells canonically, or None for any other text."""
    if len(text) > len(str(ID_MAX)) or not text.isascii() or not text.isdigit() or text[0] == "0":
        return None
    value = int(text)
    return value if value <= ID_MAX else None
