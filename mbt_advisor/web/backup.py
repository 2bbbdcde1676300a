"""Backup and restore of the SQLite database with SQLite's online backup API (safe while the server runs)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from mbt_advisor.common.errors import InputError

PG_DUMP = (
    "db backup and db restore copy a SQLite file; for PostgreSQL use its own tools: pg_dump --format=custom "
    "--file FILE DATABASE and pg_restore --dbname DATABASE FILE into a new, empty database (a SQLite file goes "
    "into PostgreSQL with mbt-advisor db move --database FILE --to URL; see docs/web.md)."
)


def sqlite_path(url: str) -> Path:
    if url.startswith("postgresql"):
        raise InputError(PG_DUMP, source="--database")
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        raise InputError("backup and restore work on a SQLite database file.", source="--database")
    return Path(url.removeprefix("sqlite:///"))


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy one SQLite database into another file (readable by its owner only), page by page, through the
    online backup API; the source is opened read-only."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # a copy of the profiles: owner only
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
        os.replace(tmp, target)
    finally:
        src.close()
        tmp.unlink(missing_ok=True)


def backup(url: str, target: Path, *, force: bool = False) -> None:
    source = sqlite_path(url)
    if not source.is_file():
        raise InputError("there is no database here yet (nothing to back up).", source=str(source))
    if target.exists() and not force:
        raise InputError("already exists; use --force to overwrite it (nothing was written).", source=str(target))
    if not target.parent.is_dir():
        raise InputError(f"folder {target.parent} does not exist.", source=str(target))
    _record(url, "db.backup", str(target))  # before the copy: a backup never leaves unrecorded
    copy_sqlite(source, target)


def _record(url: str, action: str, detail: str) -> None:
    """The backup or restore in the database's audit trail, as the command line's (the OS user)."""
    from .audit import acting_as, command_line, record
    from .db import open_database

    engine, sessions = open_database(url)
    try:
        with acting_as(command_line()), sessions.begin() as session:
            record(session, action, detail=detail)
    finally:
        engine.dispose()


def check_backup(path: Path) -> None:
    """A backup is a SQLite file with this application's tables (units, visits, alembic_version)."""
    if not path.is_file():
        raise InputError("no such file.", source=str(path))
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise InputError("is not an SQLite database.", source=str(path)) from None
    if not {"units", "visits", "alembic_version"} <= tables:
        raise InputError(
            "is not an mbt-advisor backup (no units, visits and alembic_version tables).", source=str(path)
        )


def restore(url: str, source: Path) -> Path | None:
    """Replace the database's content with ``source`` (then migrated to the current schema), through the online
    backup API. The content it replaces is kept beside it as ``NAME.before-restore-TIMESTAMP``; that path is
    returned (None if there was no database yet)."""
    from .db import make_engine
    from .migrate import upgrade

    target = sqlite_path(url)
    check_backup(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        copy_sqlite(target, kept)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # into the live file, as one transaction: open connections see the restored data
        finally:
            dst.close()
    finally:
        src.close()
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    _record(url, "db.restore", str(source))
    return kept
