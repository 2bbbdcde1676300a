"""Backup and restore of the SQLite database with SQLite's online backup API (safe while the server runs).

A backup is trusted for nothing. ``restore`` works on a private copy of it, in a temporary folder only its
owner can open, and the live database is not touched until that copy has passed every check: an intact SQLite
file holding exactly one migration version that this release knows, no trigger and no view, and at that
version exactly the tables, columns, indexes and keys this release's own migrations write (the reference is
built by running them, in the same folder); an older backup is then migrated there, in the copy. Even so, what
goes into the live file is not the backup's schema but a new database made by the migrations, into which the
backup's rows are copied table by table (the sign-ins excepted, as ``db move`` does), so nothing of a tampered
file's definitions can come along. Only then is the live file replaced, through the online backup API, after
its content has been kept beside it; if anything fails after that, the kept content is put back.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import Any

from mbt_advisor.common.errors import InputError, shown
from mbt_advisor.common.output_files import check_output_file
from mbt_advisor.web.storage.db import SQLITE_WAIT
from mbt_advisor.web.storage.sqlite_copy import copy_sqlite

PG_DUMP = (
    "db backup and db restore copy a SQLite file; for PostgreSQL use its own tools: pg_dump --format=custom "
    "--file FILE DATABASE and pg_restore --dbname DATABASE FILE into a new, empty database (a SQLite file goes "
    "into PostgreSQL with mbt-advisor db move --database FILE --to URL; see docs/web.md)."
)
NOT_RESTORED = "not restored; nothing was changed."


def sqlite_path(url: str) -> Path:
    if url.startswith("postgresql"):
        raise InputError(PG_DUMP, source="--database")
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        raise InputError("backup and restore work on a SQLite database file.", source="--database")
    return Path(url.removeprefix("sqlite:///"))


def companions(database: Path) -> tuple[Path, ...]:
    """The database file and the files SQLite keeps beside it (never a backup's target)."""
    return (database, *(database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal")))


def backup(url: str, target: Path, *, force: bool = False) -> None:
    """Copy the database into ``target``: a new file, or with ``force`` an existing regular file (never a
    folder, device, FIFO or socket, and never the database itself or its journal)."""
    source = sqlite_path(url)
    if not source.is_file():
        raise InputError("there is no database here yet (nothing to back up).", source=str(source))
    for own in companions(source):
        if _same_file(own, target):
            raise InputError(
                f"is the database being backed up ({own.name}); write the backup to another file.", source=str(target)
            )
    check_output_file(target, force=force, folder_hint="give a file name for the backup")
    _record(url, "db.backup", str(target))  # before the copy: a backup never leaves unrecorded
    copy_sqlite(source, Path(os.path.realpath(target)))  # through a symlink: the link stays, its target changes


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return False


def _record(url: str, action: str, detail: str) -> None:
    """The backup in the database's audit trail, as the command line's (the OS user)."""
    from mbt_advisor.web.storage.audit import acting_as, command_line, record
    from mbt_advisor.web.storage.db import open_database

    engine, sessions = open_database(url)
    try:
        with acting_as(command_line()), sessions.begin() as session:
            record(session, action, detail=detail)
    finally:
        engine.dispose()


def restore(url: str, source: Path) -> Path | None:
    """Replace the database's content with that of the backup ``source`` once a private copy of it has passed
    every check (module docstring). The content it replaces is kept beside it as
    ``NAME.before-restore-TIMESTAMP``; that path is returned (None if there was no database yet). A refused
    backup is an :class:`InputError` and the live file is not touched (not even opened)."""
    from mbt_advisor.web.storage.db import create_private

    target = sqlite_path(url)
    if target.exists() and _same_file(source, target):
        raise InputError(f"is the database itself; {NOT_RESTORED}", source=str(source))
    _check_live(target)
    with tempfile.TemporaryDirectory(prefix="mbt-advisor-restore-") as folder:  # 0700: the owner's only
        restored = _restorable(source, Path(folder))
        create_private(target)  # its folder, for a database restored into a new place
        kept = None
        if target.stat().st_size:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            try:
                copy_sqlite(target, kept)
            except sqlite3.Error:
                raise InputError(f"is not an SQLite database; {NOT_RESTORED}", source=f"--database {target}") from None
        try:
            _replace_content(restored, target)
            _check_restored(target, restored)
        except (sqlite3.Error, OSError, InputError) as exc:
            raise _put_back(target, kept, exc) from None
    return kept


def _check_live(target: Path) -> None:
    """The database to restore into is a SQLite file, or nothing yet (never a folder, device, FIFO or socket)."""
    try:
        info = os.stat(os.path.realpath(target))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot be used ({getattr(exc, 'strerror', None) or exc}).", source=f"--database {target}"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"is not a regular file (a folder, device, FIFO or socket); {NOT_RESTORED}", source=f"--database {target}"
        )


def _replace_content(source: Path, target: Path) -> None:
    """``target``'s content becomes ``source``'s, in one transaction, through the online backup API: the open
    connections of a running server see the new content at once."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=SQLITE_WAIT)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _check_restored(target: Path, restored: Path) -> None:
    """The live file now has the checked content: intact, with the structure of the database it came from."""
    with _reading(target) as live:
        intact = live.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        same = intact and structure(live) == _structure_of(restored)
    if not same:
        raise InputError("the live database does not hold what was restored into it.", source=str(target))


def _put_back(target: Path, kept: Path | None, failure: Exception) -> InputError:
    """After a failure once the live file was touched: its previous content back, and where the copy is."""
    reason = " ".join(str(failure).split()) or type(failure).__name__
    if kept is None:
        return InputError(f"the restore failed ({reason}); there was no database before.", source=str(target))
    try:
        _replace_content(kept, target)
    except (sqlite3.Error, OSError) as again:
        return InputError(
            f"the restore failed ({reason}) and the previous content could not be put back ({again}); it is "
            f"kept in {kept}.",
            source=str(target),
        )
    return InputError(
        f"the restore failed ({reason}); the previous content was put back, and a copy of it is kept in {kept}.",
        source=str(target),
    )


# -- checking a backup -----------------------------------------------------------------------------------------
def _restorable(source: Path, folder: Path) -> Path:
    """A new database in ``folder``, made by this release's migrations, holding the rows of the backup
    ``source`` and the restore's own audit row; or an :class:`InputError` saying why the backup is refused."""
    from mbt_advisor.web.storage import migrate
    from mbt_advisor.web.storage.db import make_engine

    copy = folder / "backup.sqlite3"
    _private_copy(source, copy)
    version = _check_contents(copy, source)
    fresh = folder / "restored.sqlite3"
    reference = make_engine(f"sqlite:///{fresh}")
    try:
        migrate.upgrade(reference, version)  # this release's schema at the backup's version
    finally:
        reference.dispose()
    _compare(copy, fresh, source, f"at its migration version {version}")
    engine = make_engine(f"sqlite:///{copy}")
    try:
        migrate.upgrade(engine)  # an older backup, migrated in the copy
    except migrate.NamesDifferOnlyInCase as exc:  # renamed in the backup (or a copy of it), it restores
        then = "restore it (rename in a copy of the backup if the file must stay as it is)"
        raise InputError(f"not restored: {exc.explain(str(source), then)}", source=str(source)) from None
    except Exception as exc:  # noqa: BLE001 - whatever the migration meets in a file that is not ours
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        raise InputError(
            f"cannot be brought to this release's schema ({reason}); {NOT_RESTORED}", source=str(source)
        ) from None
    finally:
        engine.dispose()
    reference = make_engine(f"sqlite:///{fresh}")
    try:
        migrate.upgrade(reference)
    finally:
        reference.dispose()
    _compare(copy, fresh, source, "once migrated")
    _copy_rows(copy, fresh, source)
    return fresh


def _private_copy(source: Path, copy: Path) -> None:
    if not source.exists():
        raise InputError("no such file.", source=str(source))
    if not source.is_file():
        raise InputError(
            f"is not a regular file (a folder, device, FIFO or socket); {NOT_RESTORED}", source=str(source)
        )
    # the file's bytes (and a write-ahead log beside it) first, so that SQLite opens only files of this private
    # folder: opening the backup itself could leave -wal and -shm files beside it
    original = copy.with_name("original.sqlite3")
    try:
        shutil.copyfile(source, original)
        wal = source.with_name(source.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, original.with_name(original.name + "-wal"))
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc}); {NOT_RESTORED}", source=str(source)) from None
    try:
        copy_sqlite(original, copy)
    except sqlite3.Error:
        raise InputError(f"is not an SQLite database; {NOT_RESTORED}", source=str(source)) from None


def _check_contents(copy: Path, source: Path) -> str:
    """The copy's one migration version, once it is known to be intact, without triggers or views, and known."""
    from mbt_advisor.web.storage.migrate import known_revisions

    with _reading(copy) as con:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise InputError(f"is damaged ({shown(problems[0])}); {NOT_RESTORED}", source=str(source))
        for kind, name in con.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY type, name"
        ):
            raise InputError(
                f"holds a {kind} ({shown(name)}), which mbt-advisor never writes: it is not a backup mbt-advisor "
                f"wrote; {NOT_RESTORED}",
                source=str(source),
            )
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise InputError(
                f"is not an mbt-advisor backup (it has no migration version); {NOT_RESTORED}", source=str(source)
            )
        versions = [row[0] for row in con.execute("SELECT version_num FROM alembic_version")]
    known = known_revisions()
    if len(versions) != 1:
        raise InputError(
            f"is not an mbt-advisor backup (it has {len(versions)} migration versions, not one); {NOT_RESTORED}",
            source=str(source),
        )
    if versions[0] not in known:
        raise InputError(
            f"has the migration version {shown(versions[0])}, which this release does not know (it knows "
            f"{', '.join(known)}): a newer mbt-advisor or another program wrote it; {NOT_RESTORED}",
            source=str(source),
        )
    return str(versions[0])


def _compare(copy: Path, reference: Path, source: Path, when: str) -> None:
    """The copy has exactly the reference's tables, columns, indexes and keys, or the first difference is said."""
    with _reading(copy) as con:
        found = structure(con)
    expected = _structure_of(reference)
    if found == expected:
        return
    tables_first = lambda key: (key[0] != "table", key)  # noqa: E731 - a missing table, not its indexes
    extra = sorted(set(found) - set(expected), key=tables_first)
    missing = sorted(set(expected) - set(found), key=tables_first)
    if extra:
        difference = f"it holds {extra[0][0]} {shown(extra[0][1])}, which this release's schema does not have"
    elif missing:
        difference = f"it lacks {missing[0][0]} {shown(missing[0][1])}"
    else:
        kind, name = next(key for key in sorted(expected) if found[key] != expected[key])
        difference = f"its {kind} {shown(name)} has other columns, indexes or keys than this release writes"
    raise InputError(f"is not a database mbt-advisor wrote ({when}, {difference}); {NOT_RESTORED}", source=str(source))


def _structure_of(path: Path) -> dict[tuple[str, str], Any]:
    with _reading(path) as con:
        return structure(con)


def structure(con: sqlite3.Connection) -> dict[tuple[str, str], Any]:
    """Every object of a SQLite database (table, index, trigger, view) with what defines it: a table's columns
    (with their types, NOT NULL, defaults, keys and hidden or generated ones), its indexes (with their columns,
    order, collation, uniqueness and partial condition) and its foreign keys."""
    found: dict[tuple[str, str], Any] = {}
    objects = con.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'")
    for kind, name, table in objects.fetchall():
        if kind == "table":
            found[(kind, name)] = (
                con.execute("SELECT * FROM pragma_table_xinfo(?)", (name,)).fetchall(),
                sorted(  # without the key's number: a batch migration numbers them in no fixed order
                    key[1:] for key in con.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,)).fetchall()
                ),
                sorted(
                    (*index[1:], con.execute("SELECT * FROM pragma_index_xinfo(?)", (index[1],)).fetchall())
                    for index in con.execute("SELECT * FROM pragma_index_list(?)", (name,)).fetchall()
                ),
            )
        else:
            found[(kind, name)] = (table,)
    return found


class _reading:
    """A plain sqlite3 connection to a file, closed on leaving (``with sqlite3.connect`` only commits)."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_exc: object) -> None:
        self.connection.close()


def _copy_rows(copy: Path, fresh: Path, source: Path) -> None:
    """The backup's rows into the new database, parents before children, in one transaction, with the restore's
    audit row (``db.restore``, as the command line's) at the end of the trail it brings."""
    from mbt_advisor.web.storage.audit import acting_as, command_line, record_on
    from mbt_advisor.web.storage.db import make_engine
    from mbt_advisor.web.storage.move import NOT_MOVED, copy_table, moved_tables

    assert set(NOT_MOVED) == {"web_sessions"}  # sign-ins are never restored: everyone signs in again
    read, write = make_engine(f"sqlite:///{copy}"), make_engine(f"sqlite:///{fresh}")
    try:
        with read.connect() as src, write.begin() as dst, acting_as(command_line()):
            for table in moved_tables():
                copy_table(src, dst, table, str(source), NOT_RESTORED)
            record_on(dst, "db.restore", detail=str(source)[:300])
    finally:
        read.dispose()
        write.dispose()
