"""Turn pydantic validation errors into one :class:`InputError` that a person can act on."""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InputError, did_you_mean, quote_list
from .yamlio import Document, dotted

_QUOTED = re.compile(r"'([^']*)'")


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the last key of ``loc`` (walking nested models and lists)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _inner_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def raise_validation_error(
    exc: ValidationError, doc: Document, model: type[BaseModel], error: type[InputError]
) -> typing.NoReturn:
    errors = exc.errors(include_url=False)
    # a misspelt key shows up twice: as an unknown key and as a missing one; the typo is the useful report
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    # pydantic reports union members as extra path parts ("literal['a']", "tuple[...]"); drop them
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "int", "float"})))
    field = dotted(loc)
    kind = first["type"]
    ctx = first.get("ctx") or {}
    given = first.get("input")
    allowed: str | None = None
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        names = list(owner.model_fields) if owner else []
        problem = f"unknown key '{loc[-1]}'.{did_you_mean(str(loc[-1]), names)}"
        allowed = quote_list(names) if names else None
    elif kind == "missing":
        problem = "is required but missing."
    elif kind in {"literal_error", "enum"}:
        choices = _QUOTED.findall(str(ctx.get("expected", ""))) or [str(ctx.get("expected", ""))]
        problem = f"{given!r} is not an allowed value.{did_you_mean(str(given), choices)}"
        allowed = quote_list(choices)
    elif kind in {
        "int_type",
        "bool_type",
        "float_type",
        "string_type",
        "date_type",
        "date_from_datetime_parsing",
        "tuple_type",
        "list_type",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "int_from_float",
        "date_parsing",
    }:
        problem = f"{given!r} has the wrong type: {first['msg'].lower()}."
    else:
        message = str(first["msg"])
        if message.startswith("Value error, "):
            problem = message.removeprefix("Value error, ") + "."
        elif isinstance(given, dict | list):
            problem = message + "."
        else:
            problem = f"{given!r} is not allowed: {message[0].lower()}{message[1:]}."
    if field == "profile_version" and isinstance(given, int) and not isinstance(given, bool) and given > 1:
        problem = f"version {given} is newer than this mbt-advisor understands; upgrade mbt-advisor."
        allowed = "1"
    raise error(
        problem.replace("..", "."),
        source=doc.source,
        field=field or None,
        line=doc.line_of(tuple(loc)),
        allowed=allowed,
        more=len(errors) - 1,
    ) from None
