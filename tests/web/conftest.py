"""Fixtures of the web tests: an application over a fresh SQLite file, a test client that comes from this
computer, and the profiles of a unit before and during a reorganization."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette suggests httpx2 over httpx; both work for the test client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mbt_advisor.examples import example_path

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


@pytest.fixture
def riverside_text() -> str:
    return example_path("riverside").read_text(encoding="utf-8")


@pytest.fixture
def reorganized_text(riverside_text: str) -> str:
    return reorganized(riverside_text)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "portfolio.sqlite3"


@pytest.fixture
def app(db_path: Path, advisor) -> FastAPI:  # type: ignore[no-untyped-def]
    from mbt_advisor.web.app import create_app

    return create_app(str(db_path), advisor)


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
