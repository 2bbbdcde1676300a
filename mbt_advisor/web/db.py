"""The database engine: SQLite in the user's data folder by default, created and migrated on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and foreign keys are enforced."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def open_database(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for a database brought to the current schema."""
    from .migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    from .audit import AuditedSession

    return engine, sessionmaker(engine, class_=AuditedSession, expire_on_commit=False)
