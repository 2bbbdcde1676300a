"""Output helpers for the command line: stdout for data, stderr for messages, atomic file writes."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import typer

from mbt_advisor.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    sys.stderr.write(f"mbt-advisor: error: {message}\n")
    raise typer.Exit(code)


def bad_input(exc: InputError) -> NoReturn:
    fail(str(exc))


def note(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def write_atomic(path: Path, text: str, *, force: bool = True) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a half-written file."""
    target = Path(path)
    if target.is_dir():
        fail(f"{target}: is a directory; give a file name for --output.")
    if not force and target.exists():
        fail(f"{target}: already exists; use --force to overwrite it.")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        fail(f"{target}: folder {parent} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        fail(f"{target}: cannot be written ({exc.strerror or exc}).")


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(output, text)
        note(f"wrote {output}")
