"""How answers are shown to people and written to JSON, in one place."""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """JSON-ready: tuples become lists, whole floats (ratings such as 6.0) become ints."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def show(value: Any) -> str:
    """For people: 'unknown', 'yes'/'no' style booleans as true/false, 6 not 6.0, lists in brackets."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)
