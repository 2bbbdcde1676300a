"""Reading the bundled rule base as compiled at build time (``mbt_advisor/compiled_tables.json`` and
``mbt_advisor/compiled_knowledge.json``): the runtime half of the artifact. The build-time half, which
loads, evaluates and draws to write these files, is ``mbt_advisor.compiled`` (above rendering).

The bundled rules/ and knowledge/ are data that ship with the package, so they are checked once, when the
artifact is generated (and by the tests, which fail while it is stale), not at every start. Both files hold
the digest of the YAML files they were made from. The first holds the evaluation's tables
(``assessment.rule_tables.tables_data``: rule alternatives, scores, the fixed parts of each recommendation,
the cases' answers and concerns), all that an evaluation reads. The second holds every knowledge file as its
checked models dump it, for the commands that read the knowledge itself
(``knowledge_base.knowledge_base_from``), and the brief's one chart that depends on the knowledge alone.
They are JSON: safe to read, the same on every Python.

At run time the artifact is used only when its digest is the digest of the bundled YAML files as they are
now (reading them costs about as much as hashing them); otherwise, say while a rule file is being edited,
the files are loaded and checked as usual. ``--rules`` and ``--knowledge`` folders are always loaded and
checked in full, and nothing is ever written into them.

May import: ``mbt_advisor.common`` (and pydantic for ``construct``). Regenerate the files with::

    python -m mbt_advisor.compiled --write
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mbt_advisor.common.errors import KnowledgeError

if TYPE_CHECKING:
    from pydantic import BaseModel

    M = TypeVar("M", bound=BaseModel)

FORMAT = 1
REGENERATE = "python -m mbt_advisor.compiled --write"
PARTS = ("tables", "knowledge")  # one file each: an evaluation reads only the first


def artifact_path(part: str) -> Path:
    return Path(__file__).resolve().parent.parent / f"compiled_{part}.json"  # beside the package facade


def _package_dir(package: str, fallback: str) -> Path:
    """The installed data folder, or the source checkout's folder when running from a plain checkout."""
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / fallback


def default_rules_dir() -> Path:
    return _package_dir("mbt_advisor.rules", "rules")


def default_knowledge_dir() -> Path:
    return _package_dir("mbt_advisor.knowledge", "knowledge")


def digest(folders: Iterable[Path]) -> str:
    """A digest of every YAML file, read by yamlio's rules (regular files only, with a size bound), so
    that a FIFO or a device among rule files is one KnowledgeError, not a hang."""
    from mbt_advisor.common.yamlio import read_text

    sha = hashlib.sha256()
    for folder in folders:
        try:
            paths = sorted(folder.rglob("*.y*ml")) if folder.is_dir() else []
        except OSError as exc:
            raise KnowledgeError(f"cannot be read ({exc.strerror or exc}).", source=str(folder)) from None
        for path in paths:
            sha.update(path.name.encode())
            sha.update(read_text(path, error=KnowledgeError).encode())
    return sha.hexdigest()[:16]


def bundled_digest() -> str:
    return digest([default_rules_dir(), default_knowledge_dir()])


@functools.lru_cache(maxsize=len(PARTS))
def _read_artifact(part: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(artifact_path(part).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def artifact_for(current_digest: str, part: str) -> dict[str, Any] | None:
    """One part of the artifact ("tables" or "knowledge") when it was made from the bundled files as they
    are now (``current_digest``), else None (then the caller loads and checks the files)."""
    data = _read_artifact(part)
    return data if data is not None and data.get("digest") == current_digest else None


# -- models from the artifact, without validating them again ----------------------------------------------


def construct(model: type[M], data: dict[str, Any]) -> M:
    """A model, and the models inside it, from its checked ``model_dump(mode="json", exclude_unset=True)``:
    no validation, only the types JSON cannot keep (tuples, dates) restored from the field
    annotations. The fields set are the fields the dump holds, as after validation."""
    values = {}
    for name, convert in _plan(model):
        if name in data:
            value = data[name]
            values[name] = value if convert is None or value is None else convert(value)
    return model.model_construct(_fields_set=set(values), **values)


def _bare(annotation: Any) -> Any:
    """The type under any ``Annotated`` layers."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _unless_plain(plain: tuple[type, ...], convert: Callable[[Any], Any], value: Any) -> Any:
    return value if isinstance(value, plain) else convert(value)


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    return tuple((name, _converter(field.annotation)) for name, field in model.model_fields.items())


def _converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How to restore a JSON value of this annotation (None: as it is)."""
    from pydantic import BaseModel

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _converter(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return functools.partial(construct, annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        converters = [_converter(a) for a in options]
        chosen = [c for c in converters if c is not None]
        if not chosen:
            return None
        if len(chosen) == 1 and len(options) == 1:
            return chosen[0]
        plain = tuple(_bare(a) for a, c in zip(options, converters, strict=True) if c is None)
        if len(chosen) == 1 and all(a in (str, int, float, bool) for a in plain):  # a text, or a model
            return functools.partial(_unless_plain, plain, chosen[0])
        raise TypeError(f"no converter for the union {annotation}")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter(args[0])
            return tuple if item is None else functools.partial(_each, tuple, item)
        items = [_converter(a) for a in args]
        return lambda value: tuple(x if c is None else c(x) for c, x in zip(items, value, strict=True))
    if origin is list:
        item = _converter(args[0])
        return None if item is None else functools.partial(_each, list, item)
    if origin is dict:
        item = _converter(args[1])
        return None if item is None else functools.partial(_values, item)
    if annotation is _dt.date:
        return _dt.date.fromisoformat
    return None  # str, int, float (JSON keeps 3.0 a float), bool, Literal, Any


def _each(kind: Callable[[Any], Any], convert: Callable[[Any], Any], value: Any) -> Any:
    return kind(convert(x) for x in value)


def _values(convert: Callable[[Any], Any], value: dict[str, Any]) -> dict[str, Any]:
    return {key: None if x is None else convert(x) for key, x in value.items()}
