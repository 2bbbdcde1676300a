"""One spelling of an id. A unit, visit, token or audit event id in a path or a query is canonical decimal
digits (no sign, space, leading zero, underscore, decimal point, exponent or non-ASCII digit) and within what
the id column holds (1 to 2**31-1: PostgreSQL's integer); any other spelling is a 404 before a handler runs.
The definition is mbt_advisor.common.canonical_id, which the command line reads its id arguments with too.

Paths declare ids as ``{unit_id:id}`` (a questionnaire's as ``{draft_id:draft}``): the convertors below match
only canonical ids, so another spelling matches no route at all, and the handler receives the very value the
route matched. Query
parameters (and form fields) are read through :func:`parse_id`; a query id is typed :data:`QueryId`, whose
refusal the application answers with a 404 (app.py), never with the lenient conversion pydantic would make of
``+4``, ``4.0`` or ``0_4``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from starlette.convertors import Convertor, register_url_convertor

from mbt_advisor.common.canonical_id import ID_MAX, digits_up_to, parse_id

__all__ = ["ID_MAX", "QueryId", "PathId", "digits_up_to", "parse_id"]
SPELLING_ERROR = "id_spelling"  # the pydantic error type of a query id in another spelling (app.py: a 404)
CANONICAL = digits_up_to(ID_MAX)


class IdConvertor(Convertor[int]):
    """``{name:id}`` in a route's path: canonical digits within the column's range, nothing else (the
    look-ahead refuses a line break after the id, which a route's ``$`` would otherwise let through)."""

    regex = CANONICAL + r"(?!\n)"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not isinstance(value, int) or not 1 <= value <= ID_MAX:
            raise ValueError(f"not an id: {value!r}")
        return str(value)


register_url_convertor("id", IdConvertor())

DRAFT_ID = r"[A-Za-z0-9_-]{32}"  # store.new_draft: secrets.token_urlsafe(24)


class DraftConvertor(Convertor[str]):
    """``{draft_id:draft}``: a questionnaire's id exactly as the server makes them, nothing else."""

    regex = DRAFT_ID + r"(?!\n)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        if not re.fullmatch(DRAFT_ID, value):
            raise ValueError(f"not a questionnaire id: {value!r}")
        return value


register_url_convertor("draft", DraftConvertor())


def _query_id(value: Any) -> int | None:
    if value == "" or value is None:
        return None  # an empty field of a form sent by GET (the audit page's filters): not given
    parsed = parse_id(value) if isinstance(value, str) else None
    if parsed is None:
        raise PydanticCustomError(SPELLING_ERROR, "not an id")
    return parsed


# an optional id in a query: canonical, or empty (not given); any other spelling is a 404 (app.py)
QueryId = Annotated[
    int | None,
    BeforeValidator(_query_id),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": ID_MAX}, {"type": "null"}]}),
]


# the type of an id in a route's path (``{unit_id:id}``): the convertor has matched it already; this states the
# range in the OpenAPI document
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]
