"""Turn pydantic validation errors into one :class:`InputError` that a person can act on."""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from mbt_advisor.common.errors import InputError, did_you_mean, quote_list, shown
from mbt_advisor.common.yamlio import Document, dotted
from mbt_advisor.profile.model import PROFILE_VERSION, PROFILE_VERSIONS

_QUOTED = re.compile(r"'([^']*)'")
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


def _data_path(loc: tuple[Any, ...], data: Any, *, keep_last: bool) -> tuple[Any, ...]:
    """The part of pydantic's error location that exists in the data.

    pydantic adds the union member or validator it tried ("int", "literal['a','b']", "function-before")
    as extra parts; a real key may look just like them (a key named 'int' or 'a[0]'), so parts are kept
    by walking the data rather than by their spelling. A missing key is kept as the last part."""
    path: list[Any] = []
    current = data
    for index, part in enumerate(loc):
        in_mapping = isinstance(current, dict) and part in current
        in_list = isinstance(current, list | tuple) and isinstance(part, int) and 0 <= part < len(current)
        if in_mapping or in_list:
            path.append(part)
            current = current[part]
        elif keep_last and index == len(loc) - 1 and isinstance(current, dict):
            path.append(part)
    return tuple(path)


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
    kind = first["type"]
    loc = _data_path(first["loc"], doc.data, keep_last=kind == "missing")
    field = dotted(loc)
    ctx = first.get("ctx") or {}
    given = first.get("input")
    allowed: str | None = None
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        names = list(owner.model_fields) if owner else []
        problem = f"unknown key {shown(str(loc[-1]))}.{did_you_mean(str(loc[-1]), names)}"
        allowed = quote_list(names) if names else None
    elif kind == "missing":
        problem = "is required but missing."
    elif kind in {"literal_error", "enum"}:
        choices = _QUOTED.findall(str(ctx.get("expected", ""))) or [str(ctx.get("expected", ""))]
        hint = did_you_mean(given, choices) if isinstance(given, str) else ""
        problem = f"{shown(given)} is not an allowed value.{hint}"
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
        problem = f"{shown(given)} has the wrong type: {first['msg'].lower()}."
        if kind == "bool_type" and isinstance(given, str) and given.lower() in _YAML11_BOOLEANS:
            problem += " Write true or false (yes, no, on and off are words, not booleans)."
    else:
        message = str(first["msg"])
        if message.startswith("Value error, "):
            problem = message.removeprefix("Value error, ") + "."
        elif isinstance(given, dict | list):
            problem = message + "."
        else:
            problem = f"{shown(given)} is not allowed: {message[0].lower()}{message[1:]}."
    if field == "profile_version" and isinstance(given, int) and not isinstance(given, bool):
        if given > PROFILE_VERSION:
            problem = f"version {shown(given)} is newer than this mbt-advisor understands; upgrade mbt-advisor."
        else:
            problem = f"there is no profile version {shown(given)}."
        allowed = " or ".join(str(v) for v in PROFILE_VERSIONS)
    raise error(
        problem.replace("..", "."),
        source=doc.source,
        field=field or None,
        line=doc.line_of(tuple(loc)),
        allowed=allowed,
        more=len(errors) - 1,
    ) from None
