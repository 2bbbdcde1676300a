"""Bring a database to the current schema with the migrations shipped in this package."""

from __future__ import annotations

import shlex
from importlib import resources
from typing import TYPE_CHECKING

from alembic.util import CommandError
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
    with engine.begin() as connection:
        upgrade_on(connection, revision)


def upgrade_on(connection: Connection, revision: str = "head") -> None:
    """Migrate in ``connection``'s transaction (which the caller ends), one process at a time."""
    from alembic import command

    config = _config()
    _one_at_a_time(connection)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


# -- account names differing only in case ------------------------------------------------------------------
NAMES_FOLDED = "0005"  # the migration that makes an account name one account whatever its case
BEFORE_NAMES_FOLDED = "0004"


class NamesDifferOnlyInCase(CommandError):
    """Migration 0005 meets accounts whose names differ only in case (written by an earlier release). Nothing is
    changed; :meth:`explain` names them and the command that gives each later one a free name (``users rename``,
    which works on such a database: :func:`folds_names_next`)."""

    def __init__(self, clashes: list[list[str]]) -> None:
        self.clashes = clashes  # each: the names of one folded name, oldest account first
        super().__init__(self.explain(None))

    def renames(self) -> list[tuple[str, str]]:
        """(the later account's name, a free name for it) for every account but the oldest of each clash."""
        taken = {name.lower() for names in self.clashes for name in names}
        renames = []
        for names in self.clashes:
            for name in names[1:]:
                number = 2
                while f"{name[:77]}-{number}".lower() in taken:
                    number += 1
                free = f"{name[:77]}-{number}"
                taken.add(free.lower())
                renames.append((name, free))
        return renames

    def explain(self, database: str | None, then: str = "start again") -> str:
        """The refusal, with the commands for ``database`` (what ``--database`` is given; None: left out), and
        what to do once they are run."""
        accounts = "; ".join(" and ".join(repr(name) for name in names) for names in self.clashes)
        option = "" if database is None else f" --database {shlex.quote(database)}"
        commands = "; ".join(
            f"mbt-advisor users rename {shlex.quote(old)} {new}{option}" for old, new in self.renames()
        )
        return (
            f"the accounts {accounts} differ only in case, and from this release on a name is one account whatever "
            f"its case; nothing was changed. Give the later one a free name (this one, or one of your choosing), "
            f"then {then}: {commands}"
        )


def folds_names_next(engine: Engine) -> bool:
    """Whether ``engine``'s database is older than the migration that folds account names (a known version
    before 0005, or none): ``users rename`` then brings it only to the version before, where two names may still
    differ only in case."""
    current = current_revision(engine)
    known = known_revisions()
    return current is None or (current in known and known.index(current) < known.index(NAMES_FOLDED))


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
