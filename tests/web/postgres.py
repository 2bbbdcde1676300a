"""A throwaway PostgreSQL for the tests: a cluster made with Debian's server binaries (initdb, pg_ctl from
/usr/lib/postgresql/N/bin) in a temporary folder, listening only on a unix socket there, without fsync; or
the server named by $MBT_ADVISOR_TEST_POSTGRESQL_URL (a URL of a role that may create databases).

Each test gets a database of its own, cloned from a template (an empty one, or one already migrated to the
current schema), and dropped afterwards. initdb refuses to run as root: as root (CI), the cluster belongs to
the ``postgres`` account that Debian's package creates.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

URL_ENV = "MBT_ADVISOR_TEST_POSTGRESQL_URL"
_names = itertools.count()


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true"}


def unavailable(reason: str) -> None:
    """Skip a PostgreSQL test for a missing PostgreSQL, except under CI, where it must run (as chromium)."""
    if under_ci():
        pytest.fail(f"{reason} PostgreSQL is required under CI (.ci/run installs Debian's postgresql).")
    pytest.skip(f"{reason} The PostgreSQL variants run under CI (.ci/run installs it).")


def server_binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL server installed (Debian's layout, else initdb on PATH)."""

    def major(path: Path) -> int:
        return int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=major)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Server:
    """A PostgreSQL server the tests may create and drop databases on."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.base = make_url(url).set(drivername="postgresql+psycopg")
        self.prefix = f"mbt_test_{os.getpid()}_"

    def url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def execute(self, *statements: str) -> None:
        import psycopg

        conninfo = self.base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[arg-type]

    def create(self, template: str = "template0") -> str:
        """A new database (a copy of ``template``); returns its name."""
        name = f"{self.prefix}{next(_names)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_cluster(binaries: Path, *, durable: bool = False) -> Iterator[Server]:
    """initdb + pg_ctl start in a temporary folder (a unix socket there, no TCP port); removed afterwards.
    Without fsync (fast, for tests) unless ``durable`` (as a real server runs, for the load run)."""
    as_root = os.geteuid() == 0
    # as root, in /tmp itself: the postgres account cannot enter a private $TMPDIR (pytest's own is 0700)
    folder = Path(tempfile.mkdtemp(prefix="mbt-pg-", dir="/tmp" if as_root and os.path.isdir("/tmp") else None))
    as_owner: list[str] = []
    if as_root:  # initdb refuses root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            unavailable("Running as root, initdb needs the 'postgres' account (Debian's postgresql package makes it).")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    options = f"-c listen_addresses='' -k {folder} -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    try:
        subprocess.run(
            [*as_owner, str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
            + ["--no-sync", "--encoding=UTF8", "--no-locale"],
            check=True,
            capture_output=True,
            text=True,
        )
        subprocess.run(
            [*as_owner, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start"],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise AssertionError(f"could not start PostgreSQL: {exc.stderr}{exc.stdout}\n{server_log}") from None
    try:
        yield Server(f"postgresql+psycopg://postgres@/postgres?host={folder}")
    finally:
        subprocess.run(
            [*as_owner, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgresql_server() -> Iterator[Server]:
    """$MBT_ADVISOR_TEST_POSTGRESQL_URL's server, else a throwaway cluster; skipped (failed under CI) when there
    is neither PostgreSQL nor its driver."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("The PostgreSQL driver is missing (pip install -e '.[test]' installs psycopg).")
    if url := os.environ.get(URL_ENV):
        yield Server(url)
        return
    binaries = server_binaries()
    if binaries is None:
        unavailable("PostgreSQL's server binaries are not installed (apt-get install postgresql).")
        return
    with throwaway_cluster(binaries) as server:
        yield server
