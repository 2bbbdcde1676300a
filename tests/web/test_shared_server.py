"""A shared server: two real `mbt-advisor serve` processes over one database (PostgreSQL, and SQLite too) start
at once on an empty database, and serve the same data: written through one, read through the other, with
accounts, sessions and access per unit shared. And the throwaway PostgreSQL of the tests skips without
PostgreSQL, except under CI, where it fails."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
from live_server import serving

from mbt_advisor.web.access.error_body import error_bytes

from . import postgres

pytestmark = pytest.mark.both_databases
PASSWORD = "correct horse battery"


def users_add(database: str, name: str, role: str, *units: int) -> None:
    unit_options = [option for unit in units for option in ("--unit", str(unit))]
    subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "users", "add", name, "--role", role, "--password-stdin"]
        + [*unit_options, "--database", database],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        cwd=tempfile.gettempdir(),
    )


def signed_in(url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    client.get("/signin")  # the CSRF cookie
    response = client.post(
        "/signin", data={"csrf_token": client.cookies["mbt_csrf"], "name": name, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    return client


@pytest.mark.slow
def test_two_server_processes_over_one_database_serve_the_same_data(empty_database: str, riverside_text: str) -> None:
    with serving(empty_database, count=2) as (one, two):  # both migrate the empty database at once
        first, second = httpx.Client(base_url=one, timeout=60), httpx.Client(base_url=two, timeout=60)
        unit = first.post("/api/v1/units", json={"name": "Shared unit"}).json()["id"]
        visit = first.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": riverside_text}).json()
        assert [u["name"] for u in second.get("/api/v1/units").json()] == ["Shared unit"]
        assert second.get(f"/api/v1/units/{unit}/visits/{visit['id']}").json() == visit
        assert second.get(f"/api/v1/units/{unit}/visits/{visit['id']}/profile").text == riverside_text

        users_add(empty_database, "ada", "admin")  # while both run: from now on everyone signs in, on both
        users_add(empty_database, "fran", "founder", unit)
        assert first.get("/api/v1/units").status_code == 401
        assert second.get("/api/v1/units").status_code == 401
        ada = signed_in(two, "ada")
        other = ada.post("/api/v1/units", json={"name": "Another team's unit"}).json()["id"]
        fran = signed_in(one, "fran")
        assert [u["name"] for u in fran.get("/api/v1/units").json()] == ["Shared unit"]
        assert fran.get(f"/api/v1/units/{other}").status_code == 404
        fran_there = httpx.Client(base_url=two, timeout=60, cookies=fran.cookies)  # her session, other process
        assert [u["name"] for u in fran_there.get("/api/v1/units").json()] == ["Shared unit"]
        assert fran_there.get(f"/api/v1/units/{other}").status_code == 404
        fran.post("/signout", data={"csrf_token": fran.cookies["mbt_csrf"]})
        assert fran_there.get("/api/v1/units").status_code == 401  # signed out on one: out on both


def test_the_postgresql_tests_skip_without_postgresql_but_fail_under_ci(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        postgres.unavailable("PostgreSQL's server binaries are not installed.")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="run under CI"):
        postgres.unavailable("PostgreSQL's server binaries are not installed.")


def test_the_newest_of_debians_postgresql_servers_is_used() -> None:
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not debian:
        pytest.skip("Debian's PostgreSQL server is not installed here")
    assert postgres.server_binaries() == debian[-1].parent


def test_the_load_run_counts_a_wrong_or_leaking_answer_as_an_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """bench/web_shared.py's check (a benchmark asserts nothing itself; what it counts as an error is pinned here)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("web_shared", Path(__file__).parents[2] / "bench" / "web_shared.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "web_shared", bench)
    spec.loader.exec_module(bench)
    names = {1: bench.unit_name(1), 2: bench.unit_name(2)}
    user = bench.User("user0", "founder", {1}, {1: 10})
    assert bench.check(user, "list", "/api/v1/units", 200, b'[{"id": 1}]', names) is None
    assert bench.check(user, "list", "/api/v1/units", 200, b'[{"id": 1}, {"id": 2}]', names) is not None
    assert bench.check(user, "other unit", "/api/v1/units/2", 404, error_bytes("not found"), names) is None
    assert bench.check(user, "other unit", "/api/v1/units/2", 200, b"{}", names) is not None
    assert bench.check(user, "unit", "/api/v1/units/1", 200, names[2].encode(), names) is not None
    assert bench.check(user, "create unit", "/api/v1/units", 201, b'{"id": 3}', names) is not None  # founder: 403
    assert user.leaks == 2
