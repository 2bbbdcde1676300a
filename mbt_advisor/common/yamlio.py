"""Safe, bounded reading of YAML and JSON documents, keeping the line of every key.

PyYAML's safe loader never executes code, but on its own it accepts duplicate keys (the last wins),
expands aliases (so a "billion laughs" document explodes later, in validation) and recurses without limit.
Here a document is composed into nodes and converted by hand so that duplicate keys, aliases, excessive
nesting and oversize files are errors that name the file and line.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mbt_advisor.common.errors import InputError, shorten, shown

try:  # the C parser is faster; fall back to the pure-Python one where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_DIGITS = 4300  # Python's own limit for converting digits to an int (sys.get_int_max_str_digits)

_BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float"))
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_NUMBER_FORMS = "write digits with an optional sign and decimal point (e.g. 10 or 0.8), or quote it for text."

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed document, its source name and the line of each key or item (1-based)."""

    data: Any
    source: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_text(path: Path, *, error: type[InputError] = InputError, max_bytes: int = MAX_BYTES) -> str:
    """The text of a regular file of at most ``max_bytes``, read with that bound.

    Only regular files are read: a device (/dev/zero), a FIFO (which would wait for a writer forever), a
    socket or a pipe from process substitution is refused before a byte is read. The file is opened
    non-blocking and its type taken from the open descriptor, so nothing can hang or swap in between.
    """
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error("file not found.", source=source) from None
    except OSError as exc:
        raise error(f"cannot be read ({exc.strerror or exc}).", source=source) from None
    except ValueError:  # a NUL character in the name
        raise error("cannot be read (the file name contains a NUL character).", source=source) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error("is a directory, not a file.", source=source)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"is {_kind(info.st_mode)}, not a regular file; give a YAML or JSON file.", source=source)
        if info.st_size > max_bytes:
            raise error(f"file is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes.", source=source)
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"cannot be read ({exc.strerror or exc}).", source=source) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise error(f"file is larger than the limit of {max_bytes:,} bytes.", source=source)
    return utf8_text(b"".join(chunks), source, error=error).removeprefix("\ufeff")


def utf8_text(raw: bytes, source: str, *, error: type[InputError] = InputError) -> str:
    """``raw`` decoded as UTF-8, every byte kept (a byte-order mark too), or one message naming the first byte
    that is not UTF-8: files, uploads and request bodies are refused alike, never decoded with replacements."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}).", source=source) from None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe or FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def load_file(path: Path, *, error: type[InputError] = InputError, max_bytes: int = MAX_BYTES) -> Document:
    text = read_text(path, error=error, max_bytes=max_bytes)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path), error=error)
    return parse_yaml(text, str(path), error=error)


def parse_yaml(text: str, source: str, *, error: type[InputError] = InputError) -> Document:
    if len(text) > MAX_BYTES:
        raise error(f"document is larger than the limit of {MAX_BYTES:,} characters.", source=source)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = Document(data=None, source=source)
        if node is not None:
            doc.data = _Converter(loader, doc, error).convert(node, (), 0)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        raise error(f"not valid YAML: {problem}.", source=source, line=line) from None
    except yaml.YAMLError as exc:  # e.g. a reader error: control characters, which have no line mark
        problem = str(getattr(exc, "reason", "") or exc).splitlines()[0]
        position = getattr(exc, "position", None)
        where = f" (character {position})" if position is not None else ""
        raise error(f"not valid YAML: {problem}{where}.", source=source) from None
    except RecursionError:
        raise error(f"nested deeper than {MAX_DEPTH} levels.", source=source) from None
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, loader: Any, doc: Document, error: type[InputError]) -> None:
        self.loader = loader
        self.doc = doc
        self.error = error
        self.seen: set[int] = set()

    def fail(self, problem: str, node: yaml.Node, path: Path_) -> InputError:
        return self.error(problem, source=self.doc.source, line=node.start_mark.line + 1, field=dotted(path) or None)

    def convert(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels.", node, path[:1])
        if id(node) in self.seen:
            raise self.fail("YAML aliases (*name) are not allowed; write the value out.", node, path)
        self.seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            raise self.fail(f"YAML tag {shown(node.tag)} is not allowed; write plain values.", node, path)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail("a key must be a plain word, not a list or a mapping.", key_node, path)
                key = str(key_node.value)  # the key as written: 'yes' stays 'yes', '1' stays '1'
                if key in result:
                    first = self.doc.lines.get((*path, key))
                    raise self.fail(
                        f"key {shown(key)} appears twice (first on line {first}); keep one.", key_node, path
                    )
                self.doc.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.convert(value_node, (*path, key), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.doc.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.convert(item, (*path, index), depth + 1))
            return items
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path_) -> Any:
        """A plain value, read by YAML 1.2 rules where PyYAML follows YAML 1.1 (see docs/guarantees.md):
        only true/false are booleans (yes, no, on, off stay words); numbers are written in decimal, and
        the 1.1 forms (010 as octal, 0x10, 1_000, 1:30) are refused rather than quietly converted."""
        text = node.value
        if node.tag == _BOOL and text.lower() not in ("true", "false"):
            return text
        if node.tag == _INT:
            if not _DECIMAL.fullmatch(text):
                raise self.fail(f"{shown(text)} is not a plain decimal number; {_NUMBER_FORMS}", node, path)
            if len(text.lstrip("+-")) > 1 and text.lstrip("+-").startswith("0"):
                raise self.fail(
                    f"{shown(text)} has a leading zero (YAML 1.1 would read it as an octal number); "
                    "write the number without it, or quote it for text.",
                    node,
                    path,
                )
            if len(text) > MAX_DIGITS:
                raise self.fail(f"a number of {len(text):,} digits is too long (at most {MAX_DIGITS}).", node, path)
            return int(text)
        if node.tag == _FLOAT and not (_FLOAT_TEXT.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text)):
            raise self.fail(f"{shown(text)} is not a plain decimal number; {_NUMBER_FORMS}", node, path)
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. a date such as 2026-13-01
            raise self.fail(f"{shown(text)} cannot be read ({shorten(str(exc))}).", node, path) from None


def parse_json(text: str, source: str, *, error: type[InputError] = InputError) -> Document:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise error(f"key {shown(key)} appears twice; keep one.", source=source)
            result[key] = value
        return result

    def no_constants(name: str) -> float:
        raise error(f"{name} is not a number that can be used here.", source=source)

    def bounded_int(digits: str) -> int:
        if len(digits) > MAX_DIGITS:
            raise error(f"a number of {len(digits):,} digits is too long (at most {MAX_DIGITS}).", source=source)
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants, parse_int=bounded_int)
    except json.JSONDecodeError as exc:
        raise error(f"not valid JSON: {exc.msg}.", source=source, line=exc.lineno) from None
    except RecursionError:
        raise error(f"nested deeper than {MAX_DEPTH} levels.", source=source) from None
    _check_depth(data, source, error)
    return Document(data=data, source=source)


def _check_depth(data: Any, source: str, error: type[InputError], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise error(f"nested deeper than {MAX_DEPTH} levels.", source=source)
    if isinstance(data, dict):
        for value in data.values():
            _check_depth(value, source, error, depth + 1)
    elif isinstance(data, list):
        for value in data:
            _check_depth(value, source, error, depth + 1)
    elif isinstance(data, float) and not math.isfinite(data):
        raise error("NaN and infinite numbers are not allowed.", source=source)


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
