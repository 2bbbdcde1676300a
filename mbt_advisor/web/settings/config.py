"""Where the data lives and where the server may listen."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import unquote

DATA_ENV = "MBT_ADVISOR_DATA"
DATABASE_NAME = "mbt-advisor.sqlite3"
MAX_BODY_BYTES = 1_000_000  # the same limit as a profile file (yamlio.MAX_BYTES)


def data_dir() -> Path:
    """The user's data folder: $MBT_ADVISOR_DATA, else the platform's usual place for application data."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / "mbt-advisor"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "mbt-advisor"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "mbt-advisor"


SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "postgresql+psycopg": "postgresql+psycopg"}
ALLOWED_DATABASES = "a SQLite file, sqlite:///FILE, postgresql://USER@HOST/DATABASE (or postgresql+psycopg://...)"


def database_url(database: str | None, option: str = "--database") -> str:
    """``--database`` as a SQLAlchemy URL: a file path or ``sqlite:///FILE`` (SQLite), ``postgresql://...``
    (PostgreSQL through psycopg 3, the ``postgresql`` extra), or the SQLite file in the data folder."""
    from mbt_advisor.common.errors import InputError

    if database is not None and not database.strip():
        raise InputError(
            "is empty; give a SQLite file or a database URL (or leave the option out for the data folder's file).",
            source=option,
            allowed=ALLOWED_DATABASES,
        )
    if database and "://" in database:
        scheme, rest = database.split("://", 1)
        if scheme.lower() not in SCHEMES:
            hint = " (did you mean postgresql://?)" if scheme.lower().startswith("postgres") else ""
            raise InputError(f"unsupported database '{scheme}://'{hint}.", source=option, allowed=ALLOWED_DATABASES)
        url = f"{SCHEMES[scheme.lower()]}://{rest}"
        _check_url(url, option)
        return url
    path = Path(database) if database else data_dir() / DATABASE_NAME
    return f"sqlite:///{path.expanduser().resolve()}"


def _check_url(url: str, option: str) -> None:
    """A URL SQLAlchemy can read, naming a database that keeps what is written into it (never SQLite's
    in-memory database, which is gone when the command ends)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from mbt_advisor.common.errors import InputError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # postgresql://[::1 (an unclosed IPv6 address), a port that is no number
        raise InputError(
            "is not a database URL that can be read (check its host, port and brackets).",
            source=option,
            allowed=ALLOWED_DATABASES,
        ) from None
    if parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:")
        or parsed.database.startswith("file::memory:")
        or parsed.query.get("mode") == "memory"
    ):
        raise InputError(
            "is an in-memory database, which keeps nothing once the command ends; give a file (sqlite:///FILE).",
            source=option,
            allowed=ALLOWED_DATABASES,
        )


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


def database_label(url: str) -> str:
    """What to show the user: the file of a SQLite database, or the URL without its password."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    shown = parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)
    return unquote(shown)  # ?host=/run/postgresql as typed, not %2Frun%2Fpostgresql


def database_argument(url: str) -> str:
    """``url`` as a command's ``--database`` takes it again: the file of a SQLite database, or the URL without
    its password (psycopg reads it from ~/.pgpass or $PGPASSWORD, never from a command line)."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    shown = parsed.set(drivername=parsed.get_backend_name(), password=None).render_as_string(hide_password=False)
    return unquote(shown)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
