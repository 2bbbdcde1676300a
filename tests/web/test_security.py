"""Safety of the data: one access check in front of every route (generated from the route table), CSRF on
every write, escaped text on every page, body limits, loopback only."""

from __future__ import annotations

import re

import pytest

from mbt_advisor.web.access.exposure import BindRefused, check_bind
from mbt_advisor.web.app import route_table
from mbt_advisor.web.settings.config import is_loopback

from .conftest import BASE, LOCAL, TestClient, add_unit_from_example, add_visit, csrf, post_form

pytestmark = pytest.mark.both_databases
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def every_request(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, path) for every route and mount of the application, ids filled in."""
    found = []
    for method, path in route_table(app):
        if method == "MOUNT":
            found.append(("GET", f"{path}/style.css"))
        else:
            found.append((method, re.sub(r"\{[a-z_]+\}", "1", path)))
    return found


def test_every_route_refuses_a_client_from_another_computer(app) -> None:
    requests = every_request(app)
    assert len(requests) > 20
    with TestClient(app, base_url=BASE, client=("192.168.1.20", 40000)) as outsider:
        for method, path in requests:
            response = outsider.request(method, path)
            assert response.status_code == 403, (method, path)
            assert "Riverside" not in response.text


def test_every_route_refuses_a_foreign_host_name_dns_rebinding(app) -> None:
    with TestClient(app, base_url="http://evil.example:8765", client=LOCAL) as rebinding:
        for method, path in every_request(app):
            assert rebinding.request(method, path).status_code == 403, (method, path)


def test_every_write_without_the_csrf_token_is_refused_and_stores_nothing(app, client) -> None:
    writes = [(m, p) for m, p in every_request(app) if m not in {"GET", "HEAD", "OPTIONS"}]
    assert len(writes) >= 8
    client.get("/")  # the client has its cookie, as a victim's browser would
    for method, path in writes:
        as_form = client.request(method, path, data={"name": "Forged", "example": "merger"})
        assert as_form.status_code == 403, (method, path)
        wrong = client.request(method, path, data={"name": "Forged", "csrf_token": "x" * 43})
        assert wrong.status_code == 403, (method, path)
        text_plain = client.request(method, path, content=b'{"name": "Forged"}', headers={"content-type": "text/plain"})
        assert text_plain.status_code == 403, (method, path)
    assert client.get("/api/v1/units").json() == []


def test_a_write_from_another_origin_is_refused_even_with_json(client) -> None:
    response = client.post("/api/v1/units", json={"name": "Forged"}, headers={"origin": "http://evil.example"})
    assert response.status_code == 403
    same = client.post("/api/v1/units", json={"name": "Ok"}, headers={"origin": BASE})
    assert same.status_code == 201


def test_every_route_of_the_application_is_behind_the_guard(app) -> None:
    """The guard wraps the whole application: no route, mount or docs page is added outside it."""
    from mbt_advisor.web.access.security import AccessGuard

    assert [m.cls for m in app.user_middleware] == [AccessGuard]
    paths = {path for _, path in route_table(app)}
    assert {"/api/v1/openapi.json", "/static", "/", "/api/v1/assess", "/questionnaire/{draft_id}"} <= paths


def test_request_bodies_over_the_limit_are_refused(app, client) -> None:
    too_big = b"{" + b" " * 1_100_000 + b"}"
    response = client.post("/api/v1/assess", content=too_big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    token = csrf(client)
    upload = client.post(
        "/units/1/visits", data={"csrf_token": token}, files={"profile_file": ("big.yaml", b"#" * 1_100_000)}
    )
    assert upload.status_code == 413


def test_pages_carry_the_security_headers(client) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert "httponly" in headers["set-cookie"].lower() and "samesite=strict" in headers["set-cookie"].lower()


def hostile_pages(client, riverside_text: str, brief: bool) -> None:  # type: ignore[no-untyped-def]
    hostile_profile = riverside_text.replace('"Riverside MBT day programme"', repr(HOSTILE)).replace(
        '"J. Doe"', repr(HOSTILE)
    )
    unit = client.post(
        "/api/v1/units", json={"name": HOSTILE, "setting": HOSTILE[:40], "population": HOSTILE[:40]}
    ).json()["id"]
    first = add_visit(client, unit, hostile_profile)
    second = add_visit(client, unit, hostile_profile.replace("team_conflict: low", "team_conflict: high"))
    other = add_unit_from_example(client, "merger")
    draft = post_form(client, "/questionnaire", {"unit_id": str(unit)}).headers["location"]
    token = csrf(client)
    client.post(draft, data={"csrf_token": token, "field": "organization.name", "value": HOSTILE, "action": "answer"})
    client.post(
        draft, data={"csrf_token": token, "field": "organization.setting", "value": HOSTILE, "action": "answer"}
    )
    pages = [
        "/",
        f"/units/{unit}",
        f"/units/{unit}/visits/{first}",
        f"/units/{unit}/visits/{second}",
        f"/units/{other}",
        draft,
        "/api/docs",
    ]
    if brief:
        pages.append(f"/units/{unit}/visits/{second}/brief")
    for page in pages:
        html = client.get(page).text
        assert "<script>alert" not in html and "<img src=x" not in html, page
    assert "&lt;script&gt;alert" in client.get("/").text
    assert "&lt;script&gt;alert" in client.get(f"/units/{unit}/visits/{second}").text
    bad = client.post(
        draft, data={"csrf_token": token, "field": "organization.setting", "value": HOSTILE, "action": "answer"}
    )
    assert bad.status_code == 422 and "<script>alert" not in bad.text


def test_hostile_text_is_escaped_on_every_page(client, riverside_text: str) -> None:
    hostile_pages(client, riverside_text, brief=False)


@pytest.mark.slow
def test_hostile_text_is_escaped_on_every_page_and_the_brief(client, riverside_text: str) -> None:
    hostile_pages(client, riverside_text, brief=True)  # the brief draws its chart with matplotlib: slow


def test_only_loopback_addresses_may_be_bound() -> None:
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_bind(host)
    for host in ("0.0.0.0", "192.168.1.20", "::", "example.org"):
        with pytest.raises(BindRefused, match="Allowed without accounts: 127.0.0.1"):
            check_bind(host)
    assert is_loopback("[::1]") and not is_loopback("")
