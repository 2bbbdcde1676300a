"""What a new administrator's trial of the shared server found (docs/deployment.md): files only their owner
reads, the last admin kept, an opaque Origin refused on writes, nothing about the server shown to a visitor
who has not signed in, and the audit view saying when it shows only the newest events."""

from __future__ import annotations

import stat
from pathlib import Path

from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage.db import open_database

from .conftest import BASE, LOCAL, TestClient, csrf

PASSWORD = "correct horse battery"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_backup_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "portfolio.sqlite3"
    engine, _ = open_database(f"sqlite:///{path}")
    engine.dispose()
    assert mode(path) == 0o600
    copy = tmp_path / "backup.sqlite3"
    result = CliRunner().invoke(cli, ["db", "backup", str(copy), "--database", str(path)])
    assert result.exit_code == 0, result.output
    assert mode(copy) == 0o600


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    path.touch(mode=0o640)
    path.chmod(0o640)
    open_database(f"sqlite:///{path}")[0].dispose()
    assert mode(path) == 0o640


def test_an_opaque_origin_cannot_write_and_our_pages_send_their_own(tmp_path: Path, advisor) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", advisor), base_url=BASE, client=LOCAL)
    page = client.get("/")
    assert page.headers["referrer-policy"] == "same-origin"  # no-referrer made browsers send "Origin: null"
    form = {"csrf_token": csrf(client), "name": "Oak ward"}
    refused = client.post("/units", data=form, headers={"origin": "null"}, follow_redirects=False)
    assert refused.status_code == 403 and "unknown origin" in refused.text
    accepted = client.post("/units", data=form, headers={"origin": BASE}, follow_redirects=False)
    assert accepted.status_code == 303
    assert client.get("/", headers={"origin": "null"}).status_code == 200  # reading is not writing


def test_a_visitor_who_has_not_signed_in_is_not_told_where_the_data_live(tmp_path: Path, advisor) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    app = create_app(url, advisor)
    local = TestClient(app, base_url=BASE, client=LOCAL)
    assert 'class="database"' in local.get("/").text  # the one local user sees it
    with app.state.web.transaction() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.add_user(session, "cole", "consultant", PASSWORD)
    visitor = TestClient(app, base_url=BASE, client=LOCAL)
    signin = visitor.get("/signin").text
    assert "p.sqlite3" not in signin and 'class="database"' not in signin
    for name, shown in (("cole", False), ("ada", True)):
        client = TestClient(app, base_url=BASE, client=LOCAL)
        form = {"csrf_token": csrf(client), "name": name, "password": PASSWORD}
        assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
        assert ('class="database"' in client.get("/").text) is shown, name
    app.state.web.engine.dispose()


def test_the_audit_view_says_when_it_shows_only_the_newest_events(tmp_path: Path) -> None:
    database = ["--database", str(tmp_path / "p.sqlite3")]
    runner = CliRunner()
    for name in ("ada", "bea", "cy"):
        added = runner.invoke(
            cli, ["users", "add", name, "--role", "admin", "--password-stdin", *database], input=PASSWORD + "\n"
        )
        assert added.exit_code == 0, added.output
    few = runner.invoke(cli, ["audit", "--limit", "2", *database])
    assert few.exit_code == 0 and len(few.stdout.splitlines()) == 2
    assert "the newest 2 events shown; older ones with --limit or --since" in few.stderr
    everything = runner.invoke(cli, ["audit", *database])
    assert everything.exit_code == 0 and "newest" not in everything.stderr


def test_a_founder_is_offered_only_what_a_founder_may_do(tmp_path: Path, advisor) -> None:  # type: ignore[no-untyped-def]
    app = create_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", advisor)
    from mbt_advisor.web.storage import store

    with app.state.web.transaction() as session:
        ours, theirs = store.create_unit(session, "Our unit"), store.create_unit(session, "Their unit")
        accounts.add_user(session, "fran", "founder", PASSWORD, (ours.id,))
        accounts.add_user(session, "newt", "founder", PASSWORD)  # not granted a unit yet
        ids = (ours.id, theirs.id)

    def signed_in(name: str) -> TestClient:
        client = TestClient(app, base_url=BASE, client=LOCAL)
        form = {"csrf_token": csrf(client), "name": name, "password": PASSWORD}
        assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
        return client

    fran = signed_in("fran")
    page = fran.get("/").text
    assert 'action="/units"' not in page and 'action="/units/from-example"' not in page
    assert 'action="/questionnaire"' in page
    other = fran.post("/questionnaire", data={"csrf_token": csrf(fran), "unit_id": str(ids[1])}, follow_redirects=False)
    assert other.status_code == 404  # not silently turned into a questionnaire of another unit
    own = fran.post("/questionnaire", data={"csrf_token": csrf(fran), "unit_id": str(ids[0])}, follow_redirects=False)
    assert own.status_code == 303
    newt = signed_in("newt")
    assert 'action="/questionnaire"' not in newt.get("/").text and "no unit yet" in newt.get("/").text
    refused = newt.post("/questionnaire", data={"csrf_token": csrf(newt)}, follow_redirects=False)
    assert refused.status_code == 403 and "no unit yet" in refused.text
    app.state.web.engine.dispose()


def test_a_signed_in_account_probing_other_units_leaves_a_trail(tmp_path: Path, advisor) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from mbt_advisor.web.storage import store
    from mbt_advisor.web.storage.models import AuditEvent

    app = create_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", advisor)
    with app.state.web.transaction() as session:
        ours, theirs = store.create_unit(session, "Our unit"), store.create_unit(session, "Secret unit")
        accounts.add_user(session, "fran", "founder", PASSWORD, (ours.id,))
        secret_id = theirs.id
    fran = TestClient(app, base_url=BASE, client=LOCAL)
    form = {"csrf_token": csrf(fran), "name": "fran", "password": PASSWORD}
    assert fran.post("/signin", data=form, follow_redirects=False).status_code == 303
    assert fran.get(f"/units/{secret_id}").status_code == 404
    assert fran.get(f"/api/v1/units/{secret_id}").status_code == 404
    assert fran.get("/audit").status_code == 403
    with app.state.web.sessions() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [(e.actor, e.unit_id, e.detail) for e in denied] == [
        ("fran", secret_id, f"GET /units/{secret_id} (404)"),
        ("fran", secret_id, f"GET /api/v1/units/{secret_id} (404)"),
        ("fran", None, "GET /audit (403)"),
    ]
    assert not any("Secret" in (e.detail or "") for e in denied)
    app.state.web.engine.dispose()
