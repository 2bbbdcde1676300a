"""The access guard's own reading of a request (issue 23, classes 18 and 10 of the third hostile run): a body it
cannot read as a form is a 400, never a 500, with or without an account; only a well-formed personal token
exempts an API DELETE from the CSRF check, and then that token alone signs the request in, never the cookie."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import AuditEvent

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases
PASSWORD = "correct horse battery"
BOUNDARY = "XyZzy"


def part(name: str | None, value: str = "v", filename: str | None = None) -> str:
    disposition = "form-data" + (f'; name="{name}"' if name is not None else "")
    disposition += f'; filename="{filename}"' if filename else ""
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n"


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
MALFORMED = {
    "no boundary": ("multipart/form-data", b"x"),
    "an empty boundary": ("multipart/form-data; boundary=", b"x"),
    "garbage": (MULTIPART, b"garbage\r\n\x00\xff"),
    "a part without a name": (MULTIPART, (part(None) + f"--{BOUNDARY}--\r\n").encode()),
    "1,500 parts": (MULTIPART, ("".join(part(f"f{i}") for i in range(1500)) + f"--{BOUNDARY}--\r\n").encode()),
    "1,001 files": (
        MULTIPART,
        ("".join(part("f", filename="a") for _ in range(1001)) + f"--{BOUNDARY}--\r\n").encode(),
    ),
    "1,001 urlencoded fields": ("application/x-www-form-urlencoded", "&".join(f"a{i}=1" for i in range(1001)).encode()),
}


@pytest.fixture
def accounts_app(database: str, advisor, riverside_text: str):  # type: ignore[no-untyped-def]
    """An admin (ada) and a consultant (cole) of unit 1, which has a visit; ada has a personal token."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        unit = store.create_unit(session, "Our unit")
        visit = store.add_visit(session, unit, riverside_text, advisor)
        ada = accounts.add_user(session, "ada", "admin", PASSWORD)
        token = accounts.create_api_token(session, ada.id, "ada's tool")
        accounts.add_user(session, "cole", "consultant", PASSWORD, (unit.id,))
        ids = {"unit": unit.id, "visit": visit.id, "token": token}
    yield app, ids
    app.state.web.engine.dispose()


def signed_in(app, name: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=BASE, client=LOCAL)
    form = {"csrf_token": csrf(client), "name": name, "password": PASSWORD}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
    return client


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_form_body_is_a_400_without_an_account(app, case: str) -> None:
    """Without accounts (the local application) and on the sign-in form of a shared server (next test): the
    guard reads the form for its CSRF token, and a form it cannot read is refused before anything else runs."""
    content_type, body = MALFORMED[case]
    client = TestClient(app, base_url=BASE, client=LOCAL)
    client.cookies.set("mbt_csrf", "A" * 43)
    response = client.post("/units", content=body, headers={"content-type": content_type})
    assert response.status_code == 400, (case, response.status_code, response.text)
    assert "the form could not be read" in response.text
    assert client.get("/api/v1/units").json() == []


def test_a_malformed_form_body_on_the_sign_in_form_is_a_400(accounts_app) -> None:  # type: ignore[no-untyped-def]
    app, _ = accounts_app
    client = TestClient(app, base_url=BASE, client=LOCAL)  # no account: the reproducer's request
    client.cookies.set("mbt_csrf", "A" * 43)
    for case, (content_type, body) in sorted(MALFORMED.items()):
        response = client.post("/signin", content=body, headers={"content-type": content_type})
        assert response.status_code == 400, (case, response.status_code, response.text)


def test_an_empty_or_foreign_authorization_header_never_skips_the_csrf_check(accounts_app) -> None:  # type: ignore[no-untyped-def]
    """The report's request: a signed-in browser's DELETE with an empty ``Authorization`` header and no CSRF
    token deleted the visit (204), as the exemption took any header and the sign-in then fell back to the cookie."""
    app, ids = accounts_app
    ada = signed_in(app, "ada")
    url = f"/api/v1/units/{ids['unit']}/visits/{ids['visit']}"
    for header in ["", " ", "Bearer", "Bearer ", "Basic YWRhOnBhc3N3b3Jk", "Bearer mbt_short", f"Token {ids['token']}"]:
        response = ada.delete(url, headers={"authorization": header})
        # refused by the CSRF check: 403, or 415 for what looks like a tool (it is told to send JSON or a token)
        assert response.status_code == (403 if header.strip() == "" else 415), (header, response.status_code)
    assert ada.get(url).status_code == 200  # still there


def test_an_authorization_header_is_the_only_credential_on_the_api(accounts_app) -> None:  # type: ignore[no-untyped-def]
    """With the CSRF token (so the check passes), a header that is not a known personal token is a 401: the
    session cookie beside it is never used instead."""
    app, ids = accounts_app
    ada = signed_in(app, "ada")
    token = csrf(ada)
    url = f"/api/v1/units/{ids['unit']}"
    unknown = "Bearer mbt_" + "x" * 43
    for header in ["", "Basic YWRhOnBhc3N3b3Jk", "Bearer mbt_short", unknown]:
        response = ada.get(url, headers={"authorization": header, "x-csrf-token": token})
        assert response.status_code == 401, (header, response.status_code)
        deleting = ada.delete(f"{url}/visits/{ids['visit']}", headers={"authorization": header, "x-csrf-token": token})
        assert deleting.status_code == 401, (header, deleting.status_code)
    assert ada.get(url).status_code == 200  # the cookie alone: signed in


def test_a_personal_token_deletes_without_a_csrf_token_as_its_owner(accounts_app) -> None:  # type: ignore[no-untyped-def]
    app, ids = accounts_app
    assert re.fullmatch(r"mbt_[A-Za-z0-9_-]{43}", ids["token"])
    cole = signed_in(app, "cole")  # cole's cookie beside ada's token: the token decides who deletes
    response = cole.delete(
        f"/api/v1/units/{ids['unit']}/visits/{ids['visit']}", headers={"authorization": f"bearer {ids['token']}"}
    )
    assert response.status_code == 204
    with app.state.web.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "visit.delete")).all()
        assert [(e.actor, e.via.split()[0]) for e in rows] == [("ada", "token")]
