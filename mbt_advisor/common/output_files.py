"""Which files may be written, one rule for every command that writes one (docs/guarantees.md, "Writing
files"): only a regular file, or a new one in an existing folder, is written; a device, FIFO, socket or folder
is refused and never replaced; a symlink is written through; an input is never the output."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError


def check_output_file(
    path: Path, *, inputs: Iterable[Path] = (), force: bool = True, folder_hint: str = "give a file name"
) -> os.stat_result | None:
    """The status of the file ``path`` names (through symlinks), or None when it does not exist yet; raises
    :class:`InputError` when it may not be written: not a regular file, one of ``inputs`` (also through a link
    or a second name), or an existing file without ``force``."""
    try:
        target = os.path.realpath(path)
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot be written ({exc.strerror or exc}).", source=str(path)) from None
    except ValueError:
        raise InputError("cannot be written (the file name contains a NUL character).", source=str(path)) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"is a folder; {folder_hint}.", source=str(path))
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                "is not a regular file (a device, FIFO or socket); it is never replaced.", source=str(path)
            )
        for source in inputs:
            if _same_file(source, target):
                raise InputError(f"is the input {source}; write the output to another file.", source=str(path))
        if not force:
            raise InputError("already exists; use --force to overwrite it.", source=str(path))
    parent = Path(target).parent
    if not parent.is_dir():
        raise InputError(f"folder {parent} does not exist.", source=str(path))
    return info


def _same_file(one: Path | str, other: Path | str) -> bool:
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return False
