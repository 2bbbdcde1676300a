"""``mbt-advisor db move``: copy a whole portfolio from one database into another (typically a local SQLite
file into the PostgreSQL of a shared server), ids kept, in one transaction on the target.

It is written over the models' metadata, parents before children, so a table added to ``models.py`` moves
without a change here; only the tables in :data:`NOT_MOVED` stay behind, each with its reason. The source is
read in one snapshot and is never changed: a SQLite source is first copied, read-only, into a private
temporary file, which is brought to the current schema there (the file given keeps its schema, journal mode
and mode bits, and may be one the mover can only read); the target must be empty unless ``replace`` is given,
and is locked against other writers until the move commits. Afterwards PostgreSQL's id sequences continue
after the largest copied id, and the rows of every table are counted again on the target before the commit;
the move itself is then recorded in the target's audit trail (``db.move``, with the rows moved and any it
replaced), in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, Table, func, select, text

from mbt_advisor.common.errors import InputError
from mbt_advisor.web.storage.audit import record_on
from mbt_advisor.web.storage.models import Base

NOT_MOVED = {
    "web_sessions": "sign-ins are not moved: everyone signs in again on the new server (passwords, tokens and "
    "everything else move)",
}
CHUNK = 500  # rows read and written at a time


def moved_tables() -> list[Table]:
    """Every table of the models, parents before children, except :data:`NOT_MOVED`."""
    return [table for table in Base.metadata.sorted_tables if table.name not in NOT_MOVED]


def move(source_url: str, target_url: str, *, replace: bool = False) -> dict[str, int]:
    """Copy every table of ``source_url`` into ``target_url``; returns the rows moved per table. Raises
    :class:`InputError` (nothing written) for a missing source, a non-empty target without ``replace``, a
    database that cannot be reached, or a row the target refuses."""
    from mbt_advisor.web.settings.config import database_label

    source_label, target_label = database_label(source_url), database_label(target_url)
    if source_url == target_url:
        raise InputError("is the database to move from; give another one.", source=f"--to {target_label}")
    if source_url.startswith("sqlite:///") and not Path(source_url.removeprefix("sqlite:///")).is_file():
        raise InputError("there is no database here (nothing to move).", source=source_label)
    with _readable_copy(source_url) as copy_url:
        return _move(copy_url, source_url, target_url, source_label, target_label, replace)


@contextmanager
def _readable_copy(url: str) -> Iterator[str]:
    """The URL to read the source through: for a SQLite file, a private temporary copy (so nothing is ever
    written to the file given, not even a migration); a server database as it is (read in a snapshot)."""
    if not url.startswith("sqlite:///"):
        yield url
        return
    import tempfile

    from mbt_advisor.web.storage.sqlite_copy import copy_sqlite

    with tempfile.TemporaryDirectory(prefix="mbt-advisor-move-") as folder:
        copy = Path(folder) / "source.sqlite3"
        try:
            copy_sqlite(Path(url.removeprefix("sqlite:///")), copy)
        except sqlite3.Error as exc:
            from mbt_advisor.web.settings.config import database_label

            raise InputError(f"cannot be read as a database ({exc}).", source=database_label(url)) from None
        yield f"sqlite:///{copy}"


def _move(
    source_url: str, given_url: str, target_url: str, source_label: str, target_label: str, replace: bool
) -> dict[str, int]:
    from sqlalchemy.exc import DBAPIError

    from mbt_advisor.web.storage.db import open_database

    source, _ = open_database(source_url, given=given_url)  # a private copy is named as the file given
    try:
        target, _ = open_database(target_url)
    except InputError:
        source.dispose()
        raise
    try:
        with _snapshot(source) as src, target.begin() as dst:
            _lock(dst)
            replaced = _check_empty(dst, replace, target_label)
            counts = {table.name: copy_table(src, dst, table, f"--to {target_label}") for table in moved_tables()}
            _continue_sequences(dst)
            _verify(src, dst, counts, target_label)
            detail = f"from {source_label}: {sum(counts.values())} rows" + (
                f"; replaced {replaced} rows the target held, its trail included" if replaced else ""
            )
            record_on(dst, "db.move", detail=detail)  # in the move's transaction (audit.py)
        return counts
    except DBAPIError as exc:
        reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
        raise InputError(f"the move failed, nothing was written ({reason}).", source=f"--to {target_label}") from None
    finally:
        source.dispose()
        target.dispose()


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that reads every table as of one moment, while servers may go on writing (closing it
    ends the read transaction)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        else:
            connection.exec_driver_sql("BEGIN")  # SQLite: one read transaction (a WAL snapshot) for all the reads
        yield connection


def _lock(dst: Connection) -> None:
    """No other writer on the target from the emptiness check to the commit (readers go on)."""
    if dst.dialect.name == "postgresql":
        names = ", ".join(dst.dialect.identifier_preparer.format_table(t) for t in Base.metadata.sorted_tables)
        dst.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
    elif dst.dialect.name == "sqlite":
        dst.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, and one transaction from the first read on


def _check_empty(dst: Connection, replace: bool, label: str) -> int:
    """The rows the target held (deleted here when ``replace``); a target holding any without it is refused."""
    holding = [t.name for t in Base.metadata.sorted_tables if dst.execute(select(1).select_from(t).limit(1)).first()]
    if holding and not replace:
        raise InputError(
            f"already holds data (in {', '.join(holding)}); nothing was written. --replace deletes it first, in "
            "the same transaction as the move.",
            source=f"--to {label}",
        )
    deleted = 0
    for table in reversed(Base.metadata.sorted_tables):
        deleted += dst.execute(table.delete()).rowcount or 0
    return deleted


def copy_table(
    src: Connection, dst: Connection, table: Table, source: str, outcome: str = "nothing was written."
) -> int:
    """Every row of ``table`` from ``src`` into ``dst``, in chunks, by the models' columns; the rows copied. A
    row that cannot be read or that the target refuses is an :class:`InputError` naming ``source``."""
    from sqlalchemy.exc import DBAPIError, StatementError

    count = 0
    try:
        rows = src.execute(select(table).order_by(*table.primary_key.columns))
        for chunk in rows.partitions(CHUNK):
            dst.execute(table.insert(), [dict(row._mapping) for row in chunk])
            count += len(chunk)
    except (DBAPIError, StatementError, ValueError, TypeError) as exc:  # refused, or a value of another type
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InputError(f"a row of {table.name} cannot be stored there ({reason}); {outcome}", source=source) from None
    return count


def _continue_sequences(dst: Connection) -> None:
    """PostgreSQL: each serial id's sequence continues after the largest id copied (explicit ids do not
    advance it), so the next unit created gets a new id, not a duplicate-key error."""
    if dst.dialect.name != "postgresql":
        return  # SQLite takes the next id from the table itself
    for table in Base.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        largest = dst.scalar(select(func.max(key[0])))
        dst.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
            {"table": table.name, "column": key[0].name, "next": (largest or 0) + 1},
        )


def _verify(src: Connection, dst: Connection, counts: dict[str, int], label: str) -> None:
    for table in moved_tables():
        expected = src.scalar(select(func.count()).select_from(table))
        found = dst.scalar(select(func.count()).select_from(table))
        if not expected == found == counts[table.name]:
            raise InputError(
                f"{table.name}: {expected} rows in the source, {counts[table.name]} copied, {found} found after "
                "copying; nothing was written.",
                source=f"--to {label}",
            )
