"""The one shape of every error the API answers, whoever refuses: the access guard (401, 403, 405, 413, 415),
the router (404, 405), FastAPI's own parsing (400, 422) or the command line's checks (422). Its JSON Schema is
``components.schemas.Error`` of the OpenAPI document, and every operation lists the errors it can answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Error(BaseModel):
    """An error: one line for a person, and where the input was wrong when it is known."""

    model_config = ConfigDict(extra="forbid", title="Error")

    error: str = Field(description="What was refused and why, in one line (the command line's message).")
    field: str | None = Field(description="The input's field, dotted (e.g. facts.team_size), when one is to blame.")
    line: int | None = Field(description="The line of a YAML or JSON text, when known.")
    allowed: str | None = Field(description="What the field allows, when it is a list of choices.")


def error_bytes(message: str, field: str | None = None, line: int | None = None, allowed: str | None = None) -> bytes:
    """The JSON of an error: the same bytes whichever layer refuses (a unit one may not see and a unit that does
    not exist answer alike)."""
    return json.dumps(Error(error=message, field=field, line=line, allowed=allowed).model_dump()).encode()


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None, **where: Any) -> Any:
    """A JSON error answer (FastAPI's Response; imported here only when the application runs)."""
    from fastapi import Response

    return Response(error_bytes(message, **where), status_code=status, media_type="application/json", headers=headers)
