"""The shipped migrations build the current schema from an empty database, and the models match it, on SQLite
and on PostgreSQL; server processes starting at once over one database migrate it one after the other."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from mbt_advisor.web.storage import migrate
from mbt_advisor.web.storage.db import make_engine
from mbt_advisor.web.storage.models import Base

pytestmark = pytest.mark.both_databases


def test_an_empty_database_is_migrated_to_the_current_schema(empty_database: str) -> None:
    engine = make_engine(empty_database)
    assert inspect(engine).get_table_names() == []
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    tables = {
        "alembic_version",
        "units",
        "visits",
        "drafts",
        "users",
        "unit_members",
        "web_sessions",
        "api_tokens",
        "audit_events",
        "unit_signals",
    }
    assert set(inspect(engine).get_table_names()) == tables
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite's dialect cannot reflect an expression index (users' folded name): checked below instead
        warnings.filterwarnings("ignore", message=".*expression-based index")
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "models.py and the migrations disagree; add a migration"
    assert folded_name_index(engine) == "lower(name)"
    migrate.upgrade(engine)  # a second start changes nothing
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def folded_name_index(engine: Engine) -> str | None:
    """The expression of the unique index that makes an account name one account whatever its case (0005)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ux_users_name_folded'"
            ).scalar()
            return sql.split("(", 1)[1].rsplit(")", 1)[0].strip() if sql and "UNIQUE" in sql else None
        definition = connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'users' AND indexname = 'ux_users_name_folded'"
        ).scalar()
        return "lower(name)" if definition and "UNIQUE" in definition and "lower((name)" in definition else None


def test_a_database_of_the_first_version_keeps_its_data_when_accounts_arrive(empty_database: str) -> None:
    engine = make_engine(empty_database)
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO units (name, created_at) VALUES ('Kept', '2026-01-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO drafts (id, state_json, updated_at) VALUES ('d1', '{}', '2026-01-01 00:00:00')"
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name FROM units").all() == [("Kept",)]
        assert connection.exec_driver_sql("SELECT id, user_id FROM drafts").all() == [("d1", None)]
    engine.dispose()


def test_downgrading_to_nothing_and_up_again_works(empty_database: str) -> None:
    engine = make_engine(empty_database)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine)
    assert {"units", "visits", "drafts"} <= set(inspect(engine).get_table_names())
    engine.dispose()


MIGRATE_AT = """
import sys, time
from mbt_advisor.web.storage.db import open_database
while time.time() < float(sys.argv[2]):
    pass
open_database(sys.argv[1])[0].dispose()
"""


@pytest.mark.slow
def test_server_processes_starting_at_once_migrate_one_after_the_other(empty_database: str) -> None:
    """Without the migration lock, two of three processes fail here ('table ... already exists', or on
    PostgreSQL a duplicate key in its catalog)."""
    start = time.time() + 4  # all three have imported everything by then, and begin within a millisecond
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_AT, empty_database, str(start)],
            stderr=subprocess.PIPE,
            text=True,
            cwd=tempfile.gettempdir(),
        )
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], errors
    engine = make_engine(empty_database)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_a_connection_waits_for_another_writer_while_a_new_database_becomes_wal(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once, busy timeout or not, while another connection writes to a database
    still in rollback mode: the CI run of stop 28 saw the second of two servers starting on a new database stop
    with 'database is locked'. Opening waits for the writer instead, as every other statement does."""
    path = tmp_path / "new.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE being_migrated (x)")
    threading.Timer(0.3, writer.execute, ["COMMIT"]).start()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("SELECT count(*) FROM being_migrated").scalar() == 0
    engine.dispose()
    writer.close()
