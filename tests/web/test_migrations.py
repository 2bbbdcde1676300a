"""The shipped migrations build the current schema from an empty database, and the models match it."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from mbt_advisor.web import migrate
from mbt_advisor.web.db import make_engine
from mbt_advisor.web.models import Base


def test_an_empty_database_is_migrated_to_the_current_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
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
    }
    assert set(inspect(engine).get_table_names()) == tables
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "models.py and the migrations disagree; add a migration"
    migrate.upgrade(engine)  # a second start changes nothing
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_a_database_of_the_first_version_keeps_its_data_when_accounts_arrive(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
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


def test_downgrading_to_nothing_and_up_again_works(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine)
    assert {"units", "visits", "drafts"} <= set(inspect(engine).get_table_names())
    engine.dispose()
