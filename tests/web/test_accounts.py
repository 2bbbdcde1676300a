"""Accounts and access per unit: every route of the route table, as every role, on a unit that is not theirs
(ids guessed included), answers 401, 403, 404 or a redirect to the sign-in page, never the data."""

from __future__ import annotations

import re

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from mbt_advisor.web.access import accounts
from mbt_advisor.web.access.exposure import BindRefused, check_bind
from mbt_advisor.web.app import create_app, route_table
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import Draft

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases
PASSWORD = "correct horse battery"
SECRET_UNIT = "Secret unit of another team"


@pytest.fixture
def shared(database: str, advisor, riverside_text: str):  # type: ignore[no-untyped-def]
    """Unit A (ours) and unit B (someone else's), each with a visit and a questionnaire draft; three accounts."""
    app = create_app(database, advisor)
    web = app.state.web
    from mbt_advisor.web.storage import store

    with web.transaction() as session:
        ours = store.create_unit(session, "Our unit")
        theirs = store.create_unit(session, SECRET_UNIT)
        store.add_visit(session, ours, riverside_text, advisor)
        secret = store.add_visit(
            session, theirs, riverside_text.replace("Riverside MBT day programme", SECRET_UNIT), advisor
        )
        draft = store.new_draft(session, theirs.id)
        loose = store.new_draft(session)
        ada = accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.create_api_token(session, ada.id, "ada's tool")
        accounts.add_user(session, "cole", "consultant", PASSWORD, (ours.id,))
        accounts.add_user(session, "fran", "founder", PASSWORD, (ours.id,))
        ids = {"ours": ours.id, "theirs": theirs.id, "visit": secret.id, "draft": draft.id, "loose": loose.id}
        ids["token"] = session.query(accounts.ApiToken).one().id
    yield app, ids
    web.engine.dispose()


def signed_in(app, name: str | None) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=BASE, client=LOCAL)
    if name is not None:
        form = {"csrf_token": csrf(client), "name": name, "password": PASSWORD}
        response = client.post("/signin", data=form, follow_redirects=False)
        assert response.status_code == 303, response.text
    return client


def deletes(method: str, path: str) -> bool:
    """A route that deletes a unit or a visit, or shows the page that confirms it."""
    return method == "DELETE" or path.endswith("/delete")


def filled(path: str, ids: dict) -> str:  # type: ignore[type-arg]
    path = path.replace("{unit_id}", str(ids["theirs"])).replace("{visit_id}", str(ids["visit"]))
    return path.replace("{draft_id}", ids["draft"]).replace("{token_id}", str(ids["token"]))


@pytest.mark.parametrize("who", [None, "cole", "fran"])
def test_no_route_shows_another_units_data_to_any_role(shared, who) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    client = signed_in(app, who)
    token = csrf(client)
    checked = admin_only = deleting = 0
    for method, path in route_table(app):
        if method == "MOUNT" or path in {"/signin", "/signout"}:
            continue
        url = filled(path, ids)
        data = {"csrf_token": token, "name": "x", "example": "merger", "unit_id": str(ids["theirs"])}
        headers = {"x-csrf-token": token}  # every write passes the CSRF check: the access check answers
        response = client.request(
            method, url, data=data if method == "POST" else None, headers=headers, follow_redirects=False
        )
        assert SECRET_UNIT not in response.text, (who, method, url)
        if "{" in path or who is None:  # 400, 422: a body the route refuses whatever the unit, before reading it
            assert response.status_code in {303, 400, 401, 403, 404, 422}, (who, method, url, response.status_code)
        if who is not None and deletes(method, path):  # deleting another unit's data: not even shown
            assert response.status_code == 404, (who, method, url, response.status_code)
            deleting += 1
        if who is None and response.status_code == 303:
            assert response.headers["location"] == "/signin"
        if who is not None and path.endswith("/audit"):  # the audit trail: administrators only
            assert response.status_code == 403, (who, method, url, response.status_code)
            admin_only += 1
        checked += 1
    assert checked > 20
    assert who is None or admin_only >= 2
    assert who is None or deleting == 6  # a unit and a visit: the confirmation pages, their forms, the API
    with app.state.web.sessions() as session:  # and nothing was deleted
        assert store.get_unit(session, ids["theirs"]) is not None
        assert store.get_visit(session, ids["theirs"], ids["visit"]) is not None


def test_guessed_ids_reveal_nothing(shared) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    client = signed_in(app, "fran")
    seen = [n for n in range(1, 12) if client.get(f"/units/{n}").status_code == 200]
    assert seen == [ids["ours"]]
    assert client.get(f"/api/v1/units/{ids['theirs']}/visits/{ids['visit']}/profile").status_code == 404
    assert client.get(f"/units/{ids['theirs']}/visits/{ids['visit']}/brief").status_code == 404
    assert client.get(f"/questionnaire/{ids['loose']}").status_code == 404  # someone else's draft


def test_ids_beyond_what_a_column_holds_are_404s_not_errors(shared) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    admin = signed_in(app, "ada")  # sees every unit: the routes' own lookups answer, not the access check
    for guess in (2**31, 2**63, 10**25):  # beyond PostgreSQL's integer, SQLite's 64 bits, any integer column
        for path in [f"/units/{guess}", f"/api/v1/units/{guess}", f"/api/v1/units/{ids['ours']}/visits/{guess}"]:
            assert admin.get(path).status_code == 404, path
        assert admin.post(f"/tokens/{guess}/revoke", data={"csrf_token": csrf(admin)}).status_code == 404
        for query in (f"unit={guess}", f"before={guess}", f"before={-guess}"):  # the audit trail's filters too
            assert admin.get(f"/api/v1/audit?{query}").status_code == 404, query
    assert admin.get("/api/v1/audit?user=a%00b").json()["events"] == []
    assert admin.get("/questionnaire/a%00b").status_code == 404
    assert admin.get("/questionnaire/" + "x" * 100).status_code == 404


def test_the_portfolio_and_the_api_list_only_the_units_an_account_sees(shared) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    assert [u["name"] for u in signed_in(app, "cole").get("/api/v1/units").json()] == ["Our unit"]
    assert SECRET_UNIT not in signed_in(app, "fran").get("/").text
    admin = signed_in(app, "ada")
    assert sorted(u["name"] for u in admin.get("/api/v1/units").json()) == ["Our unit", SECRET_UNIT]
    assert admin.get(f"/units/{ids['theirs']}").status_code == 200


def test_a_consultant_creates_units_it_then_sees_and_a_founder_cannot(shared) -> None:  # type: ignore[no-untyped-def]
    app, _ = shared
    cole = signed_in(app, "cole")
    created = cole.post("/api/v1/units", json={"name": "Cole's new unit"})
    assert created.status_code == 201
    assert cole.get(f"/api/v1/units/{created.json()['id']}").status_code == 200
    fran = signed_in(app, "fran")
    assert fran.post("/api/v1/units", json={"name": "Fran's"}).status_code == 403
    assert fran.get(f"/api/v1/units/{created.json()['id']}").status_code == 404


def test_a_founder_questionnaire_belongs_to_the_founders_unit(shared) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    fran = signed_in(app, "fran")
    theirs = fran.post(
        "/questionnaire", data={"csrf_token": csrf(fran), "unit_id": str(ids["theirs"])}, follow_redirects=False
    )
    assert theirs.status_code == 404  # another team's unit: not found, as on every unit route
    started = fran.post("/questionnaire", data={"csrf_token": csrf(fran)}, follow_redirects=False)
    draft = started.headers["location"]
    with app.state.web.transaction() as session:
        row = session.get(Draft, draft.rsplit("/", 1)[1])
        assert row.unit_id == ids["ours"] and row.user_id is not None
    assert fran.get(draft).status_code == 200
    assert signed_in(app, "cole").get(draft).status_code == 404  # the unit's consultant: not his questionnaire
    assert signed_in(app, None).get(draft, follow_redirects=False).status_code == 303


def draft_rows(app) -> dict[str, tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        return {row.id: (row.state_json, row.visit_id) for row in session.query(Draft)}


def visit_count(app, unit_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        unit = store.get_unit(session, unit_id)
        assert unit is not None
        return len(unit.visits)


@pytest.mark.parametrize(("starter", "others"), [("cole", ["fran", "ada"]), ("fran", ["cole", "ada"])])
def test_a_questionnaire_of_a_shared_unit_is_its_starters_alone(shared, advisor, starter, others) -> None:  # type: ignore[no-untyped-def]
    """The consultant's unfinished rating is not the founder's to rewrite, nor the other way round, nor an
    administrator's: read, answer, download and finish are each a 404, and nothing changes (security.md, 8)."""
    from mbt_advisor.wizard.questionnaire import Wizard, WizardState

    app, ids = shared
    owner = signed_in(app, starter)
    started = owner.post("/questionnaire", data={"csrf_token": csrf(owner), "unit_id": str(ids["ours"])})
    draft = str(started.url.path)
    assert started.status_code == 200 and draft.startswith("/questionnaire/")
    first = Wizard(advisor.kb, WizardState()).next_question()
    assert first is not None
    step = {"field": first.field, "value": "written by another account", "action": "answer"}
    before, visits = draft_rows(app), visit_count(app, ids["ours"])
    for name in others:
        other = signed_in(app, name)
        token = csrf(other)
        assert other.get(draft).status_code == 404, name
        assert other.post(draft, data={**step, "csrf_token": token}).status_code == 404, name
        assert other.get(draft + "/profile.yaml").status_code == 404, name
        assert other.post(draft + "/finish", data={"csrf_token": token}).status_code == 404, name
    assert draft_rows(app) == before and visit_count(app, ids["ours"]) == visits
    assert owner.get(draft).status_code == 200  # and still its starter's
    assert owner.post(draft, data={**step, "csrf_token": csrf(owner)}).status_code == 200


def test_a_questionnaire_begun_before_the_first_account_is_no_accounts(database: str, advisor) -> None:  # type: ignore[no-untyped-def]
    """A draft without a starter (the local application's, from before accounts) is a 404 to every account,
    an administrator included; its unit's deletion removes it (docs/web.md)."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        unit = store.create_unit(session, "Oak ward")
        local_draft = store.new_draft(session, unit.id)
        loose = store.new_draft(session)
        unit_id, paths = unit.id, [f"/questionnaire/{local_draft.id}", f"/questionnaire/{loose.id}"]
    local = TestClient(app, base_url=BASE, client=LOCAL)
    assert [local.get(path).status_code for path in paths] == [200, 200]  # without accounts: this computer's
    with app.state.web.transaction() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.add_user(session, "cole", "consultant", PASSWORD, (unit_id,))
    for name in ("ada", "cole"):
        client = signed_in(app, name)
        assert [client.get(path).status_code for path in paths] == [404, 404], name
    admin = signed_in(app, "ada")
    page = admin.get(f"/units/{unit_id}/delete")
    assert "1 questionnaire" in page.text
    app.state.web.engine.dispose()


def test_a_failed_sign_in_waits_before_it_answers(shared) -> None:  # type: ignore[no-untyped-def]
    import time

    app, _ = shared
    client = TestClient(app, base_url=BASE, client=LOCAL)
    token = csrf(client)
    started = time.perf_counter()
    wrong = client.post("/signin", data={"csrf_token": token, "name": "cole", "password": "wrong password"})
    assert wrong.status_code == 401 and time.perf_counter() - started >= accounts.FAILURE_DELAY


def test_sign_in_says_the_same_for_every_failure_and_locks_after_repeated_failures(shared, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(accounts, "FAILURE_DELAY", 0)  # the wait has its own test above; here, what is said
    app, _ = shared
    client = TestClient(app, base_url=BASE, client=LOCAL)
    token = csrf(client)
    wrong = client.post("/signin", data={"csrf_token": token, "name": "cole", "password": "wrong password"})
    unknown = client.post("/signin", data={"csrf_token": token, "name": "nobody", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 401
    message = re.search(r'<p class="error"[^>]*>(.*?)</p>', wrong.text).group(1)
    assert message == re.search(r'<p class="error"[^>]*>(.*?)</p>', unknown.text).group(1)
    for _ in range(accounts.MAX_FAILURES - 1):
        client.post("/signin", data={"csrf_token": token, "name": "cole", "password": "wrong password"})
    locked = client.post("/signin", data={"csrf_token": token, "name": "cole", "password": PASSWORD})
    assert locked.status_code == 401  # locked, with the same message
    with app.state.web.transaction() as session:
        accounts.reset_password(session, "cole", PASSWORD)
    assert (
        client.post(
            "/signin", data={"csrf_token": token, "name": "cole", "password": PASSWORD}, follow_redirects=False
        ).status_code
        == 303
    )


def test_the_session_cookie_and_signing_out(shared) -> None:  # type: ignore[no-untyped-def]
    app, _ = shared
    client = TestClient(app, base_url=BASE, client=LOCAL)
    response = client.post(
        "/signin", data={"csrf_token": csrf(client), "name": "ada", "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"].lower()
    assert "mbt_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert client.get("/").status_code == 200
    client.post("/signout", data={"csrf_token": csrf(client)})
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    with app.state.web.transaction() as session:
        assert session.query(accounts.WebSession).count() == 0


@pytest.mark.shipped_password_cost
def test_passwords_are_stored_as_salted_scrypt() -> None:
    one, two = accounts.hash_password("a long secret"), accounts.hash_password("a long secret")
    assert one.startswith("scrypt$16384$8$1$") and one != two
    assert accounts.verify_password("a long secret", one) and not accounts.verify_password("a long secreT", one)
    cheaper = one.replace("scrypt$16384$", "scrypt$1024$", 1)  # a hash is checked at its own cost: no match
    assert not accounts.verify_password("a long secret", cheaper)


def test_users_commands_and_binding_beyond_loopback(database: str) -> None:
    runner = CliRunner()
    url, database = database, ["--database", database]  # type: ignore[assignment]
    with pytest.raises(BindRefused):
        check_bind("0.0.0.0", url)
    added = runner.invoke(
        cli, ["users", "add", "ada", "--role", "admin", "--password-stdin", *database], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    check_bind("0.0.0.0", url)  # an admin exists: allowed
    short = runner.invoke(
        cli, ["users", "add", "bob", "--role", "founder", "--password-stdin", *database], input="short\n"
    )
    assert short.exit_code == 2 and "at least 10 characters" in short.stderr
    bad_role = runner.invoke(
        cli, ["users", "add", "bob", "--role", "boss", "--password-stdin", *database], input=PASSWORD + "\n"
    )
    assert bad_role.exit_code == 2 and "Allowed: admin, consultant, founder" in bad_role.stderr
    # an id beyond what the column holds is refused as a spelling: tests/web/test_cli_ids.py
    add_bo = ["users", "add", "bo", "--role", "founder", "--unit", "998", "--password-stdin"]
    for unknown in (["users", "grant", "ada", "999"], add_bo):
        refused = runner.invoke(cli, [*unknown, *database], input=PASSWORD + "\n")
        assert refused.exit_code == 2 and "no such unit" in refused.stderr, refused.output
    listed = runner.invoke(cli, ["users", "list", *database])
    assert listed.stdout == "ada  admin\n"
    last = runner.invoke(cli, ["users", "remove", "ada", *database])
    assert last.exit_code == 2 and "is the last admin" in last.stderr and "--last-admin" in last.stderr
    assert runner.invoke(cli, ["users", "list", *database]).stdout == "ada  admin\n"
    assert runner.invoke(cli, ["users", "remove", "ada", "--last-admin", *database]).exit_code == 0
    assert runner.invoke(cli, ["users", "list", *database]).stdout == ""


def test_personal_api_tokens_see_what_their_owner_sees_and_stop_when_revoked(shared) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    cole = signed_in(app, "cole")
    page = cole.post("/tokens", data={"csrf_token": csrf(cole), "name": "spreadsheet"})
    assert page.status_code == 201
    token = re.search(r'<code id="new-token">([^<]+)</code>', page.text).group(1)
    tool = TestClient(app, base_url=BASE, client=LOCAL)  # no cookies: the token alone
    bearer = {"authorization": f"Bearer {token}"}
    assert [u["name"] for u in tool.get("/api/v1/units", headers=bearer).json()] == ["Our unit"]
    assert tool.get(f"/api/v1/units/{ids['theirs']}", headers=bearer).status_code == 404
    assert tool.get("/", headers=bearer, follow_redirects=False).headers["location"] == "/signin"  # API only
    with app.state.web.transaction() as session:
        row = session.query(accounts.ApiToken).filter_by(name="spreadsheet").one()
        assert token not in (row.token_hash, row.name) and len(row.token_hash) == 64
        token_id = row.id
    fran = signed_in(app, "fran")
    assert fran.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf(fran)}).status_code == 404
    assert tool.get("/api/v1/units", headers=bearer).status_code == 200
    cole.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf(cole)})
    revoked = tool.get("/api/v1/units", headers=bearer)
    assert revoked.status_code == 401 and revoked.json()["error"] == "the API token is unknown or revoked."
    assert tool.get("/api/v1/units", headers={"authorization": "Bearer mbt_guessed"}).status_code == 401
