"""Fixtures of the web tests: an application over a fresh database, a test client that comes from this
computer, and the profiles of a unit before and during a reorganization.

A test module marked ``pytestmark = pytest.mark.both_databases`` runs each of its tests that use a database
(the ``database``, ``empty_database``, ``app`` or ``client`` fixtures) twice: on a SQLite file (default
tier) and on a PostgreSQL database of its own (tests/web/postgres.py; slow tier); elsewhere it is SQLite."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette suggests httpx2 over httpx; both work for the test client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mbt_advisor.rulebase.examples import example_path

from .postgres import Server, postgresql_server

LOCAL = ("127.0.0.1", 50000)
BASE = "http://127.0.0.1:8765"


def reorganized(text: str) -> str:
    """Riverside six months later, during a reorganization: management support lost, conflict, no supervision."""
    for old, new in [
        ("phase: running", "phase: reorganizing"),
        ("reorganization: false", "reorganization: true"),
        ("management_support: strong", "management_support: lacking"),
        ("team_conflict: low", "team_conflict: high"),
        ("on_site_supervision: true", "on_site_supervision: false"),
        ("assessed_on: 2026-11-20", "assessed_on: 2027-05-20"),
    ]:
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords set in a test are hashed with scrypt at n=2**10 instead of the shipped 2**14 (about 38 ms a hash,
    for every account a test adds): a stored hash carries its own parameters, so signing in checks it the same
    way. Subprocesses and tests marked ``shipped_password_cost`` use the shipped cost."""
    if request.node.get_closest_marker("shipped_password_cost") is None:
        from mbt_advisor.web.access import accounts

        monkeypatch.setitem(accounts.SCRYPT, "n", 2**10)


@pytest.fixture
def riverside_text() -> str:
    return example_path("riverside").read_text(encoding="utf-8")


@pytest.fixture
def reorganized_text(riverside_text: str) -> str:
    return reorganized(riverside_text)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "portfolio.sqlite3"


# the PostgreSQL variants are the slow tier (a server to start, a database per test); CI runs them
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgresql() -> Iterator[Server]:
    """One PostgreSQL server for the whole run (started at its first use)."""
    with postgresql_server() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_template(postgresql: Server) -> Iterator[str]:
    """A PostgreSQL database at the current schema, the template of each test's database."""
    from mbt_advisor.web.storage.db import open_database

    name = postgresql.create()
    engine, _ = open_database(postgresql.url(name))
    engine.dispose()
    yield name
    postgresql.drop(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the current schema, copied for each test (migrating one per test cost ~0.2 s each)."""
    from mbt_advisor.web.storage.db import open_database

    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    engine, _ = open_database(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file
    engine.dispose()
    return path


@pytest.fixture
def database(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh database at the current schema: a SQLite file (``db_path``, a copy of a migrated
    template), or PostgreSQL (a database cloned from a migrated template)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, db_path)
        db_path.chmod(0o600)
        yield f"sqlite:///{db_path}"
        return
    server: Server = request.getfixturevalue("postgresql")
    name = server.create(request.getfixturevalue("migrated_template"))
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty database (no tables): a new SQLite file, or an empty PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: Server = request.getfixturevalue("postgresql")
    name = server.create()
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def app(database: str, advisor) -> Iterator[FastAPI]:  # type: ignore[no-untyped-def]
    from mbt_advisor.web.app import create_app

    application = create_app(database, advisor)
    yield application
    application.state.web.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, client=LOCAL) as test_client:
        yield test_client


def csrf(client: TestClient) -> str:
    """The form token of this client's session (the cookie, as every page also embeds it)."""
    if token := client.cookies.get("mbt_csrf"):
        return str(token)
    page = client.get("/api/docs")
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, "every page carries the CSRF token"
    return match.group(1)


def post_form(client: TestClient, url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, follow_redirects=False, **kwargs)


def add_unit_from_example(client: TestClient, name: str) -> int:
    response = post_form(client, "/units/from-example", {"example": name})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def add_visit(client: TestClient, unit: int, text: str, filename: str = "visit.yaml") -> int:
    response = post_form(
        client, f"/units/{unit}/visits", files={"profile_file": (filename, text.encode(), "application/yaml")}
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])
