"""The audit trail: every route of the route table that changes stored data records who did it in the same
transaction; a change without its row never commits; a rolled-back change leaves no row; rows are
append-only and hold ids, never profile content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from mbt_advisor.assessment.advisor import default_advisor
from mbt_advisor.common.errors import ProfileError
from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app, route_table
from mbt_advisor.web.routes.visit_form import applicable_fields
from mbt_advisor.web.storage import audit, store
from mbt_advisor.web.storage.models import AuditEvent, Base, Unit
from mbt_advisor.wizard.questionnaire import WizardState

from .conftest import BASE, LOCAL, TestClient, csrf

PASSWORD = "correct horse battery"
UNIT_NAME = "Oak ward of the north team"
ASSESSOR = "Dr. Confidential"


pytestmark = pytest.mark.both_databases  # the tests on `database` run on SQLite, and on PostgreSQL (slow tier)


def fingerprint(app) -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    """Every stored row but the audit trail's, table by table (through a connection of its own)."""
    with app.state.web.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
            if table.name != "audit_events"
        }


def audit_rows(app) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.fixture
def served(database: str, advisor, riverside_text: str):  # type: ignore[no-untyped-def]
    """An admin (ada, signed in) and a unit with a visit, a questionnaire with a name, and an API token."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        unit = store.create_unit(session, UNIT_NAME)
        visit = store.add_visit(session, unit, riverside_text.replace('"J. Doe"', repr(ASSESSOR)), advisor)
        ada = accounts.add_user(session, "ada", "admin", PASSWORD)
        draft = store.new_draft(session, unit.id, ada.id)  # ada's: a questionnaire is its starter's alone
        store.save_draft(draft, WizardState({"organization.name": UNIT_NAME}, [], ["organization.name"]))
        accounts.create_api_token(session, ada.id, "tool")
        ids = {"unit": unit.id, "visit": visit.id, "draft": draft.id}
    with app.state.web.sessions() as session:
        ids["token"] = session.scalars(select(accounts.ApiToken.id)).one()
    client = TestClient(app, base_url=BASE, client=LOCAL)
    signed = client.post("/signin", data={"csrf_token": csrf(client), "name": "ada", "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    return app, client, ids


def request_for(
    method: str, path: str, ids: dict[str, Any], client: TestClient, text_of_profile: str
) -> dict[str, Any]:
    """A valid request for every route (each write route needs its own body: a new write route fails here until
    it is given one, and is then checked like the others)."""
    url = (
        path.replace("{unit_id}", str(ids["unit"]))
        .replace("{visit_id}", str(ids["visit"]))
        .replace("{draft_id}", ids["draft"])
        .replace("{token_id}", str(ids["token"]))
    )
    token = csrf(client)
    profile = {"organization": {"name": "x"}}
    every_question = applicable_fields(default_advisor().kb, {"organization.name": "Next visit"})  # all unknown
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/v1/assess"): {"json": profile},
        ("POST", "/api/v1/whatif"): {"json": profile},
        ("POST", "/api/v1/explain"): {"json": profile},
        ("POST", "/api/v1/compare"): {"json": {"old": profile, "new": profile}},
        ("POST", "/api/v1/units"): {"json": {"name": "Created by the API"}},
        ("POST", "/api/v1/units/{unit_id}/visits"): {"json": {"profile_yaml": text_of_profile}},
        ("POST", "/units"): {"data": {"csrf_token": token, "name": "Created by a form"}},
        ("POST", "/units/from-example"): {"data": {"csrf_token": token, "example": "merger"}},
        ("POST", "/units/{unit_id}/visits"): {"data": {"csrf_token": token, "profile_text": text_of_profile}},
        ("POST", "/units/{unit_id}/new-visit"): {
            "data": {"csrf_token": token, "shown": " ".join(every_question), "organization.name": "Next visit"}
        },
        ("POST", "/questionnaire"): {"data": {"csrf_token": token, "unit_id": str(ids["unit"])}},
        ("POST", "/questionnaire/{draft_id}"): {
            "data": {"csrf_token": token, "field": "organization.setting", "action": "skip"}
        },
        ("POST", "/questionnaire/{draft_id}/finish"): {"data": {"csrf_token": token}},
        ("POST", "/signin"): {"data": {"csrf_token": token, "name": "ada", "password": "a wrong password"}},
        ("POST", "/signout"): {"data": {"csrf_token": token}},
        ("POST", "/tokens"): {"data": {"csrf_token": token, "name": "another tool"}},
        ("POST", "/tokens/{token_id}/revoke"): {"data": {"csrf_token": token}},
        ("POST", "/units/{unit_id}/delete"): {"data": {"csrf_token": token, "confirm": ids.get("unit_name", "")}},
        ("POST", "/questionnaire/{draft_id}/discard"): {"data": {"csrf_token": token, "confirm": "discard"}},
        ("POST", "/units/{unit_id}/visits/{visit_id}/delete"): {
            "data": {"csrf_token": token, "confirm": ids.get("visit_date", "")}
        },
        ("DELETE", "/api/v1/units/{unit_id}"): {"headers": {"x-csrf-token": token}},
        ("DELETE", "/api/v1/units/{unit_id}/visits/{visit_id}"): {"headers": {"x-csrf-token": token}},
    }
    if method == "GET":
        return {"method": method, "url": url}
    assert (method, path) in bodies, f"give {method} {path} a valid request here"
    return {"method": method, "url": url, **bodies[(method, path)]}


def doomed(app, riverside_text: str, advisor) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A unit with a visit and a questionnaire of its own, for a route that deletes one (the walk's other routes
    keep theirs)."""
    with app.state.web.transaction() as session:
        unit = store.create_unit(session, "Doomed unit")
        visit = store.add_visit(session, unit, riverside_text, advisor)
        ada = session.scalars(select(accounts.User.id).where(accounts.User.name == "ada")).one()
        draft = store.new_draft(session, unit.id, ada)
        return {
            "unit": unit.id,
            "visit": visit.id,
            "draft": draft.id,
            "unit_name": unit.name,
            "visit_date": visit.visited_on.isoformat(),
        }


def test_every_route_that_changes_data_records_an_audit_row_in_the_same_request(  # type: ignore[no-untyped-def]
    served, riverside_text: str, advisor
) -> None:
    app, client, ids = served
    routes = [(m, p) for m, p in route_table(app) if m != "MOUNT" and p != "/signout"]
    deleting = [(m, p) for m, p in routes if m == "DELETE" or (m == "POST" and p.endswith(("/delete", "/discard")))]
    # the deleting routes last, each on a unit of its own
    routes = [r for r in routes if r not in deleting] + deleting + [("POST", "/signout")]
    writers = set()
    for method, path in routes:
        target = {**ids, **doomed(app, riverside_text, advisor)} if (method, path) in deleting else ids
        before, count = fingerprint(app), len(audit_rows(app))
        response = client.request(**request_for(method, path, target, client, riverside_text), follow_redirects=False)
        assert response.status_code < 500, (method, path, response.status_code)
        new_rows = audit_rows(app)[count:]
        if fingerprint(app) != before:
            writers.add((method, path))
            assert new_rows, f"{method} {path} changed stored data without an audit row"
            assert {r.actor for r in new_rows} <= {"ada", "anonymous"}, (method, path)
    # the walk really wrote through every route that writes (else the check above proves nothing)
    computing = {f"/api/v1/{name}" for name in ("assess", "whatif", "explain", "compare")}
    assert writers == {(m, p) for m, p in routes if m in {"POST", "DELETE"} and p not in computing}
    assert len(deleting) == 5


def test_exports_are_recorded_with_their_kind(served) -> None:  # type: ignore[no-untyped-def]
    app, client, ids = served
    unit, visit = ids["unit"], ids["visit"]
    for url in (
        f"/units/{unit}/visits/{visit}/profile.yaml",
        f"/api/v1/units/{unit}/visits/{visit}/profile",
        f"/api/v1/units/{unit}/visits/{visit}",
        f"/questionnaire/{ids['draft']}/profile.yaml",
    ):
        assert client.get(url).status_code == 200, url
    rows = audit_rows(app)[-4:]
    assert [(r.action, r.detail, r.unit_id, r.actor, r.via) for r in rows] == [
        ("visit.export", "profile", unit, "ada", "session"),
        ("visit.export", "profile", unit, "ada", "session"),
        ("visit.export", "json", unit, "ada", "session"),
        ("questionnaire.export", None, unit, "ada", "session"),
    ]
    assert rows[0].visit_id == visit and rows[0].address == LOCAL[0]


@pytest.mark.slow
def test_the_brief_is_recorded_as_an_export(served) -> None:  # type: ignore[no-untyped-def]
    app, client, ids = served
    assert client.get(f"/units/{ids['unit']}/visits/{ids['visit']}/brief").status_code == 200
    assert (audit_rows(app)[-1].action, audit_rows(app)[-1].detail) == ("visit.export", "brief")


def test_the_actor_is_the_token_owner_the_local_user_or_the_system(served, db_path: Path, advisor) -> None:  # type: ignore[no-untyped-def]
    app, client, _ = served
    page = client.post("/tokens", data={"csrf_token": csrf(client), "name": "script"})
    token = page.text.split('<code id="new-token">')[1].split("<")[0]
    tool = TestClient(app, base_url=BASE, client=LOCAL)
    created = tool.post("/api/v1/units", json={"name": "By a script"}, headers={"authorization": f"Bearer {token}"})
    assert created.status_code == 201
    row = audit_rows(app)[-1]
    assert (row.action, row.actor, row.via, row.unit_id) == (
        "unit.create",
        "ada",
        f"token {row.via.split()[1]}",
        created.json()["id"],
    )
    assert int(row.via.split()[1]) > 1  # the new token, not the fixture's

    local = create_app(str(db_path.with_name("local.sqlite3")), advisor)
    with TestClient(local, base_url=BASE, client=LOCAL) as anyone:
        anyone.post("/api/v1/units", json={"name": "Mine"})
        assert ">unit.create</td>" in anyone.get("/audit").text  # without accounts: the one local user sees it
    assert [(r.action, r.actor, r.via) for r in audit_rows(local)] == [("unit.create", "local", "local")]


def test_sign_in_failures_and_lock_outs_are_recorded_without_the_password(served, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(accounts, "FAILURE_DELAY", 0)  # the wait is test_accounts' business; here, the rows
    app, _, _ = served
    stranger = TestClient(app, base_url=BASE, client=LOCAL)
    token = csrf(stranger)
    tried = "my-secret-attempt"
    stranger.post("/signin", data={"csrf_token": token, "name": tried, "password": tried + "!"})
    for _ in range(accounts.MAX_FAILURES):
        stranger.post("/signin", data={"csrf_token": token, "name": "ada", "password": tried})
    stranger.post("/signin", data={"csrf_token": token, "name": "ada", "password": PASSWORD})  # locked now
    rows = [(r.action, r.user_name, r.detail, r.actor) for r in audit_rows(app) if r.action.startswith("signin.")]
    assert rows[0] == ("signin.failed", None, "unknown name", "anonymous")  # the tried name is not kept
    assert rows[1:6] == [("signin.failed", "ada", "wrong password", "anonymous")] * 5
    assert rows[6] == ("signin.lockout", "ada", "5 minutes", "anonymous")
    assert rows[7] == ("signin.failed", "ada", "locked", "anonymous")
    with app.state.web.sessions() as session:
        for row in session.execute(select(AuditEvent)).scalars():
            assert tried not in repr(audit.as_dict(row)) and PASSWORD not in repr(audit.as_dict(row))


def test_no_audit_row_holds_profile_content_a_unit_name_or_an_assessor(served, riverside_text: str) -> None:  # type: ignore[no-untyped-def]
    app, client, ids = served
    client.post(f"/api/v1/units/{ids['unit']}/visits", json={"profile_yaml": riverside_text})
    client.get(f"/api/v1/units/{ids['unit']}/visits/{ids['visit']}/profile")
    stored = " ".join(repr(audit.as_dict(r)) for r in audit_rows(app))
    for secret in (UNIT_NAME, ASSESSOR, "Riverside", "day_hospital", "team_size"):
        assert secret not in stored


def test_a_change_without_its_audit_row_never_commits(served) -> None:  # type: ignore[no-untyped-def]
    app, _, ids = served
    sessions = app.state.web.sessions
    with pytest.raises(audit.UnauditedWrite, match="unit"), sessions.begin() as session:
        session.add(Unit(name="Forgot to record"))
    with pytest.raises(audit.UnauditedWrite, match=f"unit {ids['unit']}"), sessions.begin() as session:
        session.get(Unit, ids["unit"]).name = "Renamed silently"
    with pytest.raises(audit.UnauditedWrite, match="bulk"), sessions.begin() as session:
        session.execute(update(Unit).values(setting="x"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 1
        assert session.get(Unit, ids["unit"]).name == UNIT_NAME


def test_audit_rows_are_append_only(served) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = served
    sessions = app.state.web.sessions
    with pytest.raises(audit.UnauditedWrite, match="append-only"), sessions.begin() as session:
        session.scalars(select(AuditEvent)).first().actor = "someone else"
    with pytest.raises(audit.UnauditedWrite, match="append-only"), sessions.begin() as session:
        session.delete(session.scalars(select(AuditEvent)).first())
    with pytest.raises(audit.UnauditedWrite, match="append-only"), sessions.begin() as session:
        session.execute(delete(AuditEvent))
    assert audit_rows(app)[0].actor == "system"


def test_a_rolled_back_change_leaves_no_audit_row(served, riverside_text: str, advisor) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = served
    count = len(audit_rows(app))
    with pytest.raises(ProfileError), app.state.web.transaction() as session:
        unit = store.create_unit(session, "Half")
        store.add_visit(session, unit, riverside_text.replace("team_size: 10", "team_size: many"), advisor)
    assert len(audit_rows(app)) == count


def test_the_command_line_names_the_person_logged_in_not_only_the_account_it_runs_as(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    monkeypatch.setattr(os, "getlogin", lambda: "alice")
    monkeypatch.setenv("USER", "mbt")
    monkeypatch.setenv("LOGNAME", "mbt")
    assert audit.command_line() == audit.Actor("alice", "command line as mbt")

    def no_terminal() -> str:
        raise OSError("no controlling terminal")

    monkeypatch.setattr(os, "getlogin", no_terminal)
    monkeypatch.setenv("SUDO_USER", "bob")
    assert audit.command_line() == audit.Actor("bob", "command line as mbt")
    monkeypatch.delenv("SUDO_USER")
    assert audit.command_line() == audit.Actor("mbt", "command line")


def test_recording_takes_only_known_actions(served) -> None:  # type: ignore[no-untyped-def]
    app, _, _ = served
    with pytest.raises(ValueError, match="unknown audit action"), app.state.web.transaction() as session:
        audit.record(session, "unit.rename")


def test_the_command_line_records_as_the_os_user_and_shows_the_trail(db_path: Path, tmp_path: Path) -> None:
    import json

    from mbt_advisor.cli.main import app as cli
    from typer.testing import CliRunner

    runner = CliRunner()
    database = ["--database", str(db_path)]
    missing = runner.invoke(cli, ["audit", *database])
    assert missing.exit_code == 2 and "no database here yet" in missing.stderr and not db_path.exists()
    add = ["users", "add", "cole", "--role", "consultant", "--password-stdin", *database]
    assert runner.invoke(cli, add, input=PASSWORD + "\n").exit_code == 0
    assert runner.invoke(cli, ["users", "remove", "cole", *database]).exit_code == 0
    assert runner.invoke(cli, ["db", "backup", str(tmp_path / "b.sqlite3"), *database]).exit_code == 0
    shown = runner.invoke(cli, ["audit", "--format", "json", *database])
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)
    me = audit.command_line()
    assert [(r["action"], r["user_name"], r["via"]) for r in rows] == [
        ("db.backup", None, me.via),
        ("user.remove", "cole", me.via),
        ("user.add", "cole", me.via),
    ]
    assert {r["actor"] for r in rows} == {me.name} and rows[2]["detail"] == "consultant"
    text_view = runner.invoke(cli, ["audit", "--action", "user", "--user", "cole", *database])
    lines = text_view.stdout.splitlines()
    assert len(lines) == 2 and "user.remove  account cole" in lines[0] and lines[0].split()[0].endswith("Z")
    assert runner.invoke(cli, ["audit", "--since", "2999-01-01", *database]).stdout == ""
    for bad, message in [(["--since", "yesterday"], "--since"), (["--action", "visit.rename"], "unknown action")]:
        refused = runner.invoke(cli, ["audit", *bad, *database])
        assert refused.exit_code == 2 and message in refused.stderr and refused.stderr.count("\n") == 1


def test_administrators_read_the_trail_on_a_page_and_through_the_api(served) -> None:  # type: ignore[no-untyped-def]
    app, client, ids = served
    for _ in range(3):
        client.get(f"/api/v1/units/{ids['unit']}/visits/{ids['visit']}/profile")
    page = client.get(f"/audit?unit={ids['unit']}&action=visit.export")
    assert page.status_code == 200
    assert page.text.count(">visit.export</td>") == 3
    assert f"{ids['unit']} ({UNIT_NAME})" in page.text  # the current name, shown beside the stored id
    assert "Audit trail</a>" in client.get("/").text

    first = client.get("/api/v1/audit", params={"limit": 2})
    assert first.status_code == 200 and len(first.json()["events"]) == 2
    older = client.get("/api/v1/audit", params={"limit": 2, "before": first.json()["next"]}).json()
    assert older["events"][0]["id"] < first.json()["events"][-1]["id"]
    everything = client.get("/api/v1/audit", params={"limit": 1000}).json()
    assert everything["next"] is None and everything["events"][-1]["action"] == "unit.create"
    assert {
        e["action"] for e in client.get("/api/v1/audit", params={"user": "ada", "action": "token"}).json()["events"]
    } == {"token.create"}

    bad = client.get("/api/v1/audit", params={"action": "visit.rename"})
    assert bad.status_code == 422 and "unknown action" in bad.json()["error"]
    assert client.get("/audit", params={"since": "last week"}).status_code == 400
    for method in ("POST", "PUT", "DELETE", "PATCH"):  # append-only: no route changes the trail
        assert client.request(method, "/api/v1/audit", headers={"x-csrf-token": csrf(client)}).status_code == 405


def test_a_long_trail_is_paged_on_the_page(served) -> None:  # type: ignore[no-untyped-def]
    app, client, ids = served
    with app.state.web.transaction() as session:
        for _ in range(60):
            audit.record(session, "visit.export", unit_id=ids["unit"], visit_id=ids["visit"], detail="json")
    page = client.get("/audit")
    assert page.text.count("<tr><td>") == 50
    older = page.text.split('<a href="/audit?')[1].split('"')[0].replace("&amp;", "&")
    rest = client.get(f"/audit?{older}")
    assert 0 < rest.text.count("<tr><td>") <= 50 and "Older events" not in rest.text
