"""The database engine: SQLite in the user's data folder by default, or PostgreSQL for a shared server
(``postgresql://...``, through psycopg 3, imported only then); created and migrated on first use.

Both databases get the same models and migrations. What one of them would refuse and the other quietly
accept (a text longer than its column, which PostgreSQL refuses and SQLite stores; a NUL character, which
PostgreSQL cannot store) is refused before every write, the same way on both (:func:`check_values`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from mbt_advisor.common.errors import InputError

SQLITE_WAIT = 30.0  # seconds a SQLite connection waits for another's write lock before it gives up
DRIVER_HINT = "the PostgreSQL driver is not installed: pip install 'mbt-advisor[postgresql]' (psycopg 3)."


def create_private(path: Path) -> None:
    """Create a new SQLite file readable by its owner only (0600: the profiles describe real teams); SQLite
    gives its -wal and -shm files the same mode. An existing file keeps the mode its owner gave it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:  # a data folder that is a file, missing under /proc, not writable, ...
        raise InputError(
            f"cannot be created or opened ({exc.strerror or exc}: {exc.filename or path}); give --database a "
            "file in a folder you can write, or set MBT_ADVISOR_DATA to such a folder.",
            source=f"--database {path}",
        ) from None


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and foreign keys are enforced."""
    from mbt_advisor.web.settings.config import database_label, is_postgresql

    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        create_private(Path(url.removeprefix("sqlite:///")))
    if is_postgresql(url):
        try:
            # connect_timeout: a server that does not answer is reported, not waited for; pre-ping: a pooled
            # connection the server closed (a restart) is replaced instead of failing a request
            engine = create_engine(
                url,
                connect_args={"connect_timeout": 10, "application_name": "mbt-advisor"},
                pool_pre_ping=True,
            )
        except ImportError:
            raise InputError(DRIVER_HINT, source=f"--database {database_label(url)}") from None
        return engine
    engine = create_engine(url, connect_args={"timeout": SQLITE_WAIT} if url.startswith("sqlite") else {})
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            _write_ahead_log(cursor)
            cursor.close()

    return engine


def _write_ahead_log(cursor: Any) -> None:
    """Put the database in WAL mode (readers do not wait for a writer). SQLite answers this pragma with
    'database is locked' at once, without waiting its busy timeout, while another connection holds a write lock
    on a database not yet in WAL mode: the case of server processes starting together on a new database, one
    of them already migrating it. So wait here as every other statement waits, up to :data:`SQLITE_WAIT`."""
    deadline = time.monotonic() + SQLITE_WAIT
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def open_database(url: str, *, given: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for a database brought to the current schema. A database that cannot be
    reached or opened is an :class:`InputError` (one line: which database, and the server's or file's reason).
    ``given``: the database as the user named it, when ``url`` is a private copy of it (``db move``)."""
    from mbt_advisor.web.storage.migrate import upgrade

    engine = make_engine(url)
    try:
        with _opening(given or url):
            upgrade(engine)
    except InputError:
        engine.dispose()
        raise
    from mbt_advisor.web.storage.audit import AuditedSession

    sessions: sessionmaker[Session] = sessionmaker(engine, class_=AuditedSession, expire_on_commit=False)
    event.listen(sessions, "before_flush", check_values)
    return engine, sessions


@contextlib.contextmanager
def _opening(url: str) -> Iterator[None]:
    """A migration's failure as one line naming the database: unreachable, refused, a schema from a newer
    mbt-advisor, or account names differing only in case (with the commands that rename them)."""
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    from mbt_advisor.web.settings.config import database_argument, database_label
    from mbt_advisor.web.storage.migrate import NamesDifferOnlyInCase

    try:
        yield
    except NamesDifferOnlyInCase as exc:
        raise InputError(exc.explain(database_argument(url)), source=f"--database {database_label(url)}") from None
    except (DBAPIError, CommandError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InputError(f"cannot be opened ({reason}).", source=f"--database {database_label(url)}") from None


@contextlib.contextmanager
def accounts_transaction(url: str) -> Iterator[Session]:
    """One audited transaction for the ``users`` commands that must work on a database this release cannot open
    yet because two account names differ only in case (migration 0005 refuses it; ``users rename``): such a
    database is brought only to the version before that migration, which has the accounts and the audit trail,
    in the same transaction as the change, so that a refused change leaves it as it was. Any other database is
    brought to the current schema, as by :func:`open_database`."""
    from mbt_advisor.web.storage import migrate
    from mbt_advisor.web.storage.audit import AuditedSession

    engine = make_engine(url)
    try:
        with _opening(url):
            revision = migrate.BEFORE_NAMES_FOLDED if migrate.folds_names_next(engine) else "head"
        with engine.begin() as connection:
            with _opening(url):
                migrate.upgrade_on(connection, revision)
            with AuditedSession(bind=connection, expire_on_commit=False) as session:
                event.listen(session, "before_flush", check_values)
                yield session
                session.commit()  # the audit trail's check; the connection's transaction commits after it
    finally:
        engine.dispose()


def check_values(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse, before anything is written, a text longer than its column or containing a NUL character."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)  # only what is loaded or set: nothing is read from the database here
            if not isinstance(value, str):
                continue
            column = attr.columns[0]
            length = column.type.length if isinstance(column.type, String) else None
            if "\x00" in value:
                raise InputError("a text may not contain a NUL character.", source=column.table.name, field=attr.key)
            if length is not None and len(value) > length:
                raise InputError(
                    f"at most {length} characters are stored here (this has {len(value)}).",
                    source=column.table.name,
                    field=attr.key,
                )
