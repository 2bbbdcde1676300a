"""What a rule's field test means: the one definition the engine, `explain --rule` and the linter share.

A test compares one answer (``None`` when unanswered) with the target written in the rule. Numbers compare
by value, whatever their type (a rating of 3.0 equals 3), but true and false are not numbers (true is not 1).
An unanswered field fails every test except ``unknown``; a list answer passes only the list tests.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

Test = tuple[str, Any]  # (operator, target), as Condition.operator() gives it

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(value: Any, target: Any) -> bool:
    """Equal, with booleans equal only to booleans (Python says True == 1)."""
    return isinstance(value, bool) == isinstance(target, bool) and bool(value == target)


def holds(op: str, target: Any, value: Any) -> bool:
    """Whether the test ``op target`` holds for the answer ``value``."""
    if op == "unknown":
        return value is None
    if value is None:
        return False
    if isinstance(value, list | tuple):
        if op == "contains":
            return target in value
        return op == "not_empty" and len(value) > 0
    if op == "equals":
        return _same(value, target)
    if op == "in":
        return any(_same(value, t) for t in target)
    compare = _COMPARE.get(op)
    return compare is not None and _number(value) and compare(value, target)


def holds_all(tests: Iterable[Test], value: Any) -> bool:
    """Whether every test on one field holds for ``value`` (a rule may test one field twice)."""
    return all(holds(op, target, value) for op, target in tests)
