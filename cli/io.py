"""Output helpers for the command line: stdout for data, stderr for messages, safe file writes.

The rules for writing a file (docs/guarantees.md, "Writing files"):

- only a regular file is written: an existing device, FIFO, socket or folder is refused, never replaced;
- a symlink is written through: its target is replaced and the link stays;
- the profile being read is never the output (also not through a link or a second name);
- the text goes to a temporary file in the same folder, is flushed to disk (fsync), then renamed over the
  target, and the folder is synced, so a crash leaves the old file or the new one, never half of one;
- an existing file keeps its permission bits (and, for root, its owner); a new one gets 0666 minus umask;
- the temporary file is removed on any error, Ctrl-C and SIGTERM; one left by a killed run (SIGKILL, power
  loss) carries that run's process id and is removed by the next write to the same file.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import typer

from mbt_advisor.common.errors import InputError, escape, shorten
from mbt_advisor.common.output_files import check_output_file

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a process ended by SIGPIPE
TEMP_MARK = ".mbt-advisor-"


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    sys.stderr.write(f"mbt-advisor: error: {escape(' '.join(message.split()))}\n")
    sys.stderr.flush()
    raise typer.Exit(code)


def bad_input(exc: InputError) -> NoReturn:
    fail(str(exc))


def note(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def _name(path: Path | str) -> str:
    text = str(path)
    return text if len(text) <= 200 else "…" + text[-200:]


def write_atomic(path: Path, text: str | bytes, *, force: bool = True, inputs: Iterable[Path] = ()) -> None:
    """Write ``text`` (or bytes, such as a PDF) to ``path`` by the rules above; any problem is one line on
    stderr and exit 2."""
    target = Path(os.path.realpath(path))  # write through symlinks: the link stays, its target changes
    try:
        info = check_output_file(path, inputs=inputs, force=force, folder_hint="give a file name for --output")
    except InputError as exc:
        fail(str(exc))
    parent = target.parent
    _remove_stale_temps(parent, target.name)
    tmp = parent / f".{target.name[:100]}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        fail(f"{_name(path)}: cannot be written ({exc.strerror or exc}).")
    try:
        try:
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if info is not None:
                _keep_mode_and_owner(fd, info)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"{_name(path)}: cannot be written ({exc.strerror or exc}).")
    except BaseException:  # Ctrl-C, SIGTERM (see entry.py), anything: never leave the temporary file
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(parent)


def _keep_mode_and_owner(fd: int, info: os.stat_result) -> None:
    os.fchmod(fd, stat.S_IMODE(info.st_mode))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, info.st_uid, info.st_gid)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: some file systems cannot sync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Remove temporary files of this target left by runs that no longer exist (killed with SIGKILL)."""
    prefix = f".{name[:100]}{TEMP_MARK}"
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            pid = entry.name[len(prefix) :].split("-", 1)[0]
            if pid.isdigit() and not _running(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_stdout(text: str, *, flush: bool = True) -> None:
    """Data on stdout; a closed, full or broken stdout is one line on stderr, never a traceback."""
    stream = sys.stdout
    if stream is None:
        fail("standard output is closed; redirect it or use --output FILE.")
    try:
        stream.write(text)
        if flush:
            stream.flush()
    except BrokenPipeError:  # the reader stopped early (| head): end quietly, as other Unix tools do
        _silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except OSError as exc:
        _silence_stdout()
        fail(f"cannot write to standard output ({exc.strerror or exc}).")
    except ValueError:  # an I/O operation on a closed file
        fail("standard output is closed; redirect it or use --output FILE.")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush cannot fail a second time."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def emit(text: str, output: Path | None, *, inputs: Iterable[Path] = ()) -> None:
    if output is None:
        write_stdout(text)
    else:
        write_atomic(output, text, inputs=inputs)
        note(f"wrote {shorten(escape(str(output)), 200)}")


# -- a terminal that cannot show every character --------------------------------------------------------

ESCAPE_ERRORS = "mbt-advisor-escape"


def _json_escape(exc: UnicodeError) -> tuple[str, int]:
    """Characters the output encoding lacks become \\uXXXX escapes (a surrogate pair above U+FFFF): the
    JSON stays valid JSON with the same data, and text stays readable."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for char in exc.object[exc.start : exc.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error(ESCAPE_ERRORS, _json_escape)


def prepare_stdout() -> None:
    """If stdout's encoding is not UTF-8 (PYTHONIOENCODING=latin-1, an old console), escape what it
    cannot encode instead of failing with UnicodeEncodeError."""
    stream = sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    if stream is not None and encoding not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
        with contextlib.suppress(Exception):
            stream.reconfigure(errors=ESCAPE_ERRORS)


def is_file(path: Path) -> bool:
    """Whether ``path`` names an existing file (not a folder); a name the system cannot look up is not."""
    try:
        return path.exists() and not path.is_dir()
    except (OSError, ValueError):
        return False


def output_path(value: str | Path) -> Path:
    """The value of --output: a name ending in a slash means a folder, which is refused at once."""
    if isinstance(value, Path):  # a default value, already a path
        return value
    text = value
    if text.endswith(("/", os.sep)) or text in ("", ".", ".."):
        fail(f"--output {_name(text)}: names a folder; give a file name, e.g. {_name(text.rstrip('/') or '.')}/out.")
    try:  # a name the system cannot even look up (too long, a file as a folder, no access) fails here, early
        os.stat(text)
    except FileNotFoundError:
        pass
    except OSError as exc:
        fail(f"{_name(text)}: cannot be written ({exc.strerror or exc}).")
    except ValueError:
        fail(f"{_name(text)}: cannot be written (the file name contains a NUL character).")
    return Path(text)
