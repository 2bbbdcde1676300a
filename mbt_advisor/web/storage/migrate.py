"""Bring a database to the current schema with the migrations shipped in this package."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("mbt_advisor.web") / "migrations"))
    return config


MIGRATION_LOCK = 0x6D6274  # "mbt": the PostgreSQL advisory lock held while migrating


def _one_at_a_time(connection: Connection) -> None:
    """Several server processes may start at once over one database: each migration takes the database's lock
    for its whole transaction, so one migrates and the others then find the schema current. PostgreSQL: an
    advisory lock (its DDL is transactional). SQLite: BEGIN IMMEDIATE, the write lock, which also keeps the
    migration's DDL in one transaction (Python's sqlite3 would otherwise run each CREATE on its own)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate in one transaction, one process at a time."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        _one_at_a_time(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        _one_at_a_time(connection)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def known_revisions() -> list[str]:
    """Every migration version this release knows, oldest first."""
    from alembic.script import ScriptDirectory

    return [script.revision for script in reversed(list(ScriptDirectory.from_config(_config()).walk_revisions()))]
