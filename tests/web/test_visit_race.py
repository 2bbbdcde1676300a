"""A visit added while its unit is deleted by another request (hostile run 3, #21): a 404, never a 500, and
nothing left behind. The interleaving is made deterministic: the unit is deleted, through a second connection
and committed, after the route has read the unit and before the visit is inserted (while it is assessed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import Unit, Visit

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases


@pytest.fixture
def tolerant(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A client that sees a server error as the 500 a browser would get, instead of the exception."""
    with TestClient(app, base_url=BASE, client=LOCAL, raise_server_exceptions=False) as test_client:
        yield test_client


def delete_while_assessing(app: Any, monkeypatch: pytest.MonkeyPatch, unit: int) -> None:
    """The next assessment first deletes ``unit`` in a transaction of its own (another request, committed)."""
    web = app.state.web
    evaluate: Callable[..., Any] = web.advisor.evaluate

    def deleting_first(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(web.advisor, "evaluate", evaluate)
        with web.transaction() as other:
            assert store.delete_unit(other, unit) is not None
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(web.advisor, "evaluate", deleting_first)


def visits_and_units(app: Any) -> tuple[int, int]:
    with app.state.web.sessions() as session:
        return session.scalar(select(func.count()).select_from(Visit)), session.scalar(
            select(func.count()).select_from(Unit)
        )


def test_a_visit_posted_to_the_api_while_its_unit_is_deleted_is_a_404(
    app, tolerant: TestClient, monkeypatch: pytest.MonkeyPatch, riverside_text: str
) -> None:
    unit = tolerant.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
    delete_while_assessing(app, monkeypatch, unit)
    response = tolerant.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": riverside_text})
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not found"
    assert visits_and_units(app) == (0, 0)


def test_a_visit_uploaded_on_the_page_while_its_unit_is_deleted_is_a_404(
    app, tolerant: TestClient, monkeypatch: pytest.MonkeyPatch, riverside_text: str
) -> None:
    unit = tolerant.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
    delete_while_assessing(app, monkeypatch, unit)
    response = tolerant.post(
        f"/units/{unit}/visits",
        data={"csrf_token": csrf(tolerant)},
        files={"profile_file": ("visit.yaml", riverside_text.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert response.status_code == 404, response.text
    assert "No such page" in response.text
    assert visits_and_units(app) == (0, 0)


def test_a_visit_added_before_the_deletion_is_deleted_with_its_unit(
    app, tolerant: TestClient, riverside_text: str
) -> None:
    unit = tolerant.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
    assert tolerant.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": riverside_text}).status_code == 201
    assert tolerant.delete(f"/api/v1/units/{unit}", headers={"content-type": "application/json"}).status_code == 204
    assert visits_and_units(app) == (0, 0)
