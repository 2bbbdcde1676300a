"""Strict value types of the profile: nothing is quietly converted.

pydantic's lax mode would turn ``'0.9'`` or ``true`` into a number, ``0`` into 1970-01-01 and a set into a
tuple in hash order. The profile models validate in strict mode instead, with these few exceptions where a
file cannot hold the Python type itself: a date may be an ISO text (JSON has no dates), a list of choices may
be a list or a tuple. Text fields refuse control characters, so no answer can drive a terminal or break a
line of a report.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict

PROFILE_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# the characters a text field refuses: the Unicode categories Cc (control), Cs (lone surrogate), Zl and Zp (line
# and paragraph separator), as code-point ranges (tests/test_profile_errors.py checks them against the categories)
_CONTROLS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
REFUSED_RANGES = _CONTROLS + r"\ud800-\udfff"
_REFUSED = re.compile(f"[{REFUSED_RANGES}]")
# the same, as the JSON Schema of a text field states it; without the lone surrogates, which are not characters
# to a JSON Schema's regular expressions (ECMA-262, Rust's regex): a pattern naming them is not compiled at all
PLAIN_TEXT_PATTERN = f"^[^{_CONTROLS}]*$"


def plain_text(value: str) -> str:
    """``value`` if it is one line of printable text, else a ValueError naming the first refused character: the
    one check of profile text fields, unit names and the API's other text fields."""
    if found := _REFUSED.search(value):
        raise ValueError(
            f"contains the control character {found.group()!r}; text fields hold one line of printable text"
        )
    return value


class _StatesPattern:
    """In a JSON Schema, a text field says which characters it refuses (``pattern``)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        return {**handler(core_schema), "pattern": PLAIN_TEXT_PATTERN}


def _date(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        raise ValueError("a date is written YYYY-MM-DD, without a time")
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date of the calendar") from None
    raise ValueError("a date is written YYYY-MM-DD (e.g. 2026-11-20)")


def _choices(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(value)
    raise ValueError("a list of choices is written as a list, e.g. [disciplines, other]; [] for none")


def _version(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("the version is the whole number 1 or 2 (not true, not text)")
    return value


Text = Annotated[str, AfterValidator(plain_text), _StatesPattern()]
IsoDate = Annotated[_dt.date, BeforeValidator(_date)]
Choices = BeforeValidator(_choices)
Version = BeforeValidator(_version)
