"""Deleting a unit or a visit: everything of it leaves every table in one transaction, other units stay as
they were, the portfolio and the chart read the remaining visits, the audit trail keeps who did it (ids and
counts, never the name), and only those allowed may (access.obtain; another unit's ids are a 404)."""

from __future__ import annotations

from typing import Any

import pytest
from mbt_advisor.cli.main import app as cli
from sqlalchemy import delete, select
from typer.testing import CliRunner

from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage import audit, store
from mbt_advisor.web.storage.models import AuditEvent, Base, Draft, Unit, UnitMember, Visit

from .conftest import BASE, LOCAL, TestClient, add_unit_from_example, csrf

pytestmark = pytest.mark.both_databases
PASSWORD = "correct horse battery"
NAME = "Oak ward of the north team"
OTHER = "Birch unit"
ASSESSOR = "Dr. Confidential"


@pytest.fixture
def portfolio(database: str, advisor, riverside_text: str, reorganized_text: str):  # type: ignore[no-untyped-def]
    """Our unit (two visits, the second declining; a questionnaire in progress and one that became the second
    visit), another unit with a visit and a questionnaire; an admin, a consultant and a founder of our unit, a
    consultant of both."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        ours = store.create_unit(session, NAME)
        first = store.add_visit(session, ours, riverside_text.replace('"J. Doe"', repr(ASSESSOR)), advisor)
        second = store.add_visit(session, ours, reorganized_text, advisor)
        store.new_draft(session, ours.id)
        store.finish_draft(session, store.new_draft(session, ours.id), second)
        other = store.create_unit(session, OTHER)
        theirs = store.add_visit(session, other, riverside_text, advisor)
        store.new_draft(session, other.id)
        accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.add_user(session, "cole", "consultant", PASSWORD, (ours.id,))
        accounts.add_user(session, "fran", "founder", PASSWORD, (ours.id,))
        accounts.add_user(session, "dana", "consultant", PASSWORD, (ours.id, other.id))
        ids = {"ours": ours.id, "first": first.id, "second": second.id, "other": other.id, "theirs": theirs.id}
    yield app, ids
    app.state.web.engine.dispose()


def signed_in(app, name: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=BASE, client=LOCAL)
    response = client.post("/signin", data={"csrf_token": csrf(client), "name": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["x-csrf-token"] = csrf(client)  # as the application's own pages would send a DELETE
    return client


def rows(app) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Every stored row but the audit trail's, table by table."""
    with app.state.web.engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(table.select().order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
            if table.name != "audit_events"
        }


def of_unit(table: str, row: dict[str, Any], unit: int, visits: set[int]) -> bool:
    """Whether a row belongs to the unit or one of its visits (through any column that refers to them)."""
    return (
        (table == "units" and row["id"] == unit)
        or (table == "visits" and row["id"] in visits)
        or row.get("unit_id") == unit
        or row.get("visit_id") in visits
    )


def trail(app, since: int = 0) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id)))


def test_deleting_a_unit_leaves_nothing_of_it_in_any_table_and_the_other_unit_untouched(portfolio) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    visits = {ids["first"], ids["second"]}
    before = rows(app)
    assert sum(of_unit(t, r, ids["ours"], visits) for t, rs in before.items() for r in rs) == 9  # 1 + 2 + 2 + 3 + 1
    with app.state.web.transaction() as session:
        deleted = store.delete_unit(session, ids["ours"])
    assert deleted == store.Deleted(visits=2, questionnaires=2, memberships=3)
    after = rows(app)
    assert not [(t, r) for t, rs in after.items() for r in rs if of_unit(t, r, ids["ours"], visits)]
    expected = {t: [r for r in rs if not of_unit(t, r, ids["ours"], visits)] for t, rs in before.items()}
    assert after == expected  # everything else, the other unit's rows and every account, exactly as it was
    with app.state.web.transaction() as session:
        assert store.delete_unit(session, ids["ours"]) is None


def test_the_audit_trail_keeps_who_deleted_which_unit_and_visits_with_counts_not_the_name(portfolio) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    start = trail(app)[-1].id
    ada = signed_in(app, "ada")
    assert ada.delete(f"/api/v1/units/{ids['ours']}").status_code == 204
    got = [(e.action, e.unit_id, e.visit_id, e.detail, e.actor, e.via) for e in trail(app, start)[1:]]  # 0: sign-in
    assert got == [
        ("visit.delete", ids["ours"], ids["first"], "with its unit", "ada", "session"),
        ("visit.delete", ids["ours"], ids["second"], "with its unit", "ada", "session"),
        ("unit.delete", ids["ours"], None, "2 visits, 2 questionnaires, 3 memberships", "ada", "session"),
    ]
    stored = " ".join(repr(audit.as_dict(e)) for e in trail(app))
    for secret in (NAME, ASSESSOR, "Riverside", "team_size"):
        assert secret not in stored
    page = ada.get(f"/audit?unit={ids['ours']}").text  # the admin's page: the id, and the name no longer
    assert page.count(">visit.delete</td>") == 2 and "no longer stored" in page and NAME not in page


def test_deleting_the_latest_visit_recomputes_the_portfolio_signal_and_the_chart(portfolio, advisor) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    with app.state.web.sessions() as session:
        (row,) = [r for r in store.portfolio(session) if r.unit.id == ids["ours"]]
        assert row.declining and row.latest.id == ids["second"]
    cole = signed_in(app, "cole")  # a consultant of the unit removes a visit entered by mistake
    assert cole.delete(f"/api/v1/units/{ids['ours']}/visits/{ids['second']}").status_code == 204
    with app.state.web.sessions() as session:
        (row,) = [r for r in store.portfolio(session) if r.unit.id == ids["ours"]]
        assert not row.declining and row.latest.id == ids["first"] and row.change is None and not row.warnings
        assert [d.visit_id for d in session.scalars(select(Draft).where(Draft.unit_id == ids["ours"]))] == [None]
    listed = cole.get("/api/v1/units").json()
    assert [v["id"] for u in listed if u["id"] == ids["ours"] for v in u["visits"]] == [ids["first"]]
    page = cole.get(f"/units/{ids['ours']}").text
    assert page.count("/visits/") - page.count("/visits/{") >= 1 and f"/visits/{ids['second']}" not in page
    assert "Previous visit" not in cole.get(f"/units/{ids['ours']}/visits/{ids['first']}").text
    assert cole.get(f"/units/{ids['ours']}/visits/{ids['second']}").status_code == 404


def test_a_deletion_without_its_own_audit_event_never_commits(portfolio) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    sessions = app.state.web.sessions
    with pytest.raises(audit.UnauditedWrite, match=f"deletion of visit {ids['first']}"), sessions.begin() as session:
        audit.record(session, "visit.export", unit_id=ids["ours"], visit_id=ids["first"], detail="json")  # not it
        session.delete(session.get(Visit, ids["first"]))
    with pytest.raises(audit.UnauditedWrite, match=f"deletion of unit {ids['other']}"), sessions.begin() as session:
        audit.record(session, "visit.delete", unit_id=ids["other"], visit_id=ids["theirs"])  # the visits only
        for draft in session.scalars(select(Draft).where(Draft.unit_id == ids["other"])):
            session.delete(draft)
        session.delete(session.get(Unit, ids["other"]))
    with pytest.raises(audit.UnauditedWrite, match="questionnaire"), sessions.begin() as session:
        audit.record(session, "visit.delete", unit_id=ids["ours"], visit_id=ids["first"])  # not the drafts' visit
        for draft in session.scalars(select(Draft).where(Draft.unit_id == ids["ours"])):
            session.delete(draft)
    with pytest.raises(audit.UnauditedWrite, match="membership"), sessions.begin() as session:
        audit.record(session, "visit.delete", unit_id=ids["ours"], visit_id=ids["first"])
        session.delete(session.scalars(select(UnitMember)).first())
    with pytest.raises(audit.UnauditedWrite, match="bulk deletion of visits"), sessions.begin() as session:
        audit.record(session, "unit.create", unit_id=ids["ours"])
        session.execute(delete(Visit).where(Visit.unit_id == ids["other"]))
    with sessions() as session:
        assert session.get(Visit, ids["first"]) is not None and session.get(Unit, ids["other"]) is not None
        assert len(session.scalars(select(Visit)).all()) == 3 and len(session.scalars(select(Draft)).all()) == 3


@pytest.mark.parametrize(
    ("who", "unit", "visit", "unit_page_button", "visit_page_button"),
    [
        ("ada", 204, 204, True, True),  # an administrator: units and visits
        ("cole", 403, 204, False, True),  # a consultant: visits of the units shared with them, no unit
        ("fran", 403, 403, False, False),  # a founder: nothing (the assessed unit keeps its assessments)
    ],
)
def test_who_may_delete_is_decided_by_role(portfolio, who, unit, visit, unit_page_button, visit_page_button) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    client = signed_in(app, who)
    ours, first, second = ids["ours"], ids["first"], ids["second"]
    assert ("Delete this unit" in client.get(f"/units/{ours}").text) is unit_page_button
    assert ("Delete this visit" in client.get(f"/units/{ours}/visits/{first}").text) is visit_page_button
    assert client.get(f"/units/{ours}/delete").status_code == (200 if unit == 204 else 403)
    assert client.get(f"/units/{ours}/visits/{first}/delete").status_code == (200 if visit == 204 else 403)
    form = {"csrf_token": csrf(client), "confirm": NAME}
    if unit == 403:
        assert client.post(f"/units/{ours}/delete", data=form).status_code == 403
    if visit == 403:
        assert client.post(f"/units/{ours}/visits/{first}/delete", data=form).status_code == 403
    assert client.delete(f"/api/v1/units/{ours}/visits/{second}").status_code == visit
    assert client.delete(f"/api/v1/units/{ours}").status_code == unit
    with app.state.web.sessions() as session:
        assert (session.get(Visit, second) is None) is (visit == 204)
        assert (session.get(Unit, ours) is None) is (unit == 204)
        assert session.get(Unit, ids["other"]) is not None


def test_other_units_unknown_and_mismatched_ids_are_404s(portfolio) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    cole, ada = signed_in(app, "cole"), signed_in(app, "ada")
    assert cole.delete(f"/api/v1/units/{ids['other']}/visits/{ids['theirs']}").status_code == 404  # not shared
    assert cole.delete(f"/api/v1/units/{ids['ours']}/visits/{ids['theirs']}").status_code == 404  # another's visit
    assert cole.delete(f"/api/v1/units/{ids['other']}").status_code == 404  # not 403: not even shown
    for guess in (999, 2**31, 2**63):
        assert ada.delete(f"/api/v1/units/{guess}").status_code == 404
        assert ada.delete(f"/api/v1/units/{ids['ours']}/visits/{guess}").status_code == 404
        assert ada.post(f"/units/{guess}/delete", data={"csrf_token": csrf(ada), "confirm": "x"}).status_code == 404
    assert ada.delete(f"/api/v1/units/{ids['ours']}/visits/{ids['theirs']}").status_code == 404
    assert ada.delete(f"/api/v1/units/{ids['other']}").status_code == 204
    assert ada.delete(f"/api/v1/units/{ids['other']}").status_code == 404  # gone
    with app.state.web.sessions() as session:
        assert len(session.scalars(select(Visit)).all()) == 2


def test_the_pages_ask_for_the_name_or_date_and_a_form_token_then_say_what_happened(portfolio) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    ada = signed_in(app, "ada")
    del ada.headers["x-csrf-token"]  # a browser's form: the token in the form or nowhere
    ours, first = ids["ours"], ids["first"]
    confirm = ada.get(f"/units/{ours}/delete").text
    assert "2 visits" in confirm and "2 questionnaires" in confirm and "3 accounts" in confirm
    assert ada.post(f"/units/{ours}/delete", data={"confirm": NAME}).status_code == 403  # no form token
    wrong = ada.post(f"/units/{ours}/delete", data={"csrf_token": csrf(ada), "confirm": "Oak ward"})
    assert wrong.status_code == 400 and "nothing was deleted" in wrong.text
    wrong_day = ada.post(f"/units/{ours}/visits/{first}/delete", data={"csrf_token": csrf(ada), "confirm": NAME})
    assert wrong_day.status_code == 400
    with app.state.web.sessions() as session:
        assert session.get(Unit, ours) is not None and session.get(Visit, first) is not None

    day = ada.get(f"/units/{ours}/visits/{first}").text.split("Visit of ")[1][:10]
    gone = ada.post(
        f"/units/{ours}/visits/{first}/delete", data={"csrf_token": csrf(ada), "confirm": day}, follow_redirects=False
    )
    assert gone.status_code == 303 and gone.headers["location"] == f"/units/{ours}?notice=visit-deleted"
    assert "The visit was deleted" in ada.get(gone.headers["location"]).text
    done = ada.post(
        f"/units/{ours}/delete", data={"csrf_token": csrf(ada), "confirm": f" {NAME} "}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/?notice=unit-deleted"
    portfolio_page = ada.get("/?notice=unit-deleted").text
    assert "The unit was deleted" in portfolio_page and NAME not in portfolio_page and OTHER in portfolio_page
    assert "<script" not in ada.get("/?notice=<script>").text.split("<main>")[1]  # fixed words only
    with app.state.web.sessions() as session:
        assert session.get(Unit, ours) is None


def test_the_command_line_deletes_only_when_told_to(portfolio, database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    runner, where = CliRunner(), ["--database", database]
    start = trail(app)[-1].id
    refused = runner.invoke(cli, ["db", "delete-unit", str(ids["ours"]), *where])  # no terminal, no --yes
    assert refused.exit_code == 2 and "--yes" in refused.stderr and refused.stderr.count("\n") == 1
    for unknown in (["delete-unit", "999"], ["delete-visit", str(ids["ours"]), str(ids["theirs"])]):
        missing = runner.invoke(cli, ["db", *unknown, "--yes", *where])
        assert missing.exit_code == 2 and "no such" in missing.stderr, missing.output
    nowhere = tmp_path / "none.sqlite3"
    absent = runner.invoke(cli, ["db", "delete-unit", "1", "--yes", "--database", str(nowhere)])
    assert absent.exit_code == 2 and "no database here yet" in absent.stderr and not nowhere.exists()
    assert trail(app, start) == []  # nothing written

    visit = runner.invoke(cli, ["db", "delete-visit", str(ids["ours"]), str(ids["second"]), "--yes", *where])
    assert visit.exit_code == 0 and "1 visit, 1 questionnaire" in visit.stderr, visit.output
    unit = runner.invoke(cli, ["db", "delete-unit", str(ids["ours"]), "--yes", *where])
    assert unit.exit_code == 0 and "1 visit, 1 questionnaire, 3 memberships" in unit.stderr, unit.output
    me = audit.command_line()
    got = [(e.action, e.visit_id, e.actor, e.via) for e in trail(app, start)]
    assert got == [
        ("visit.delete", ids["second"], me.name, me.via),
        ("visit.delete", ids["first"], me.name, me.via),
        ("unit.delete", None, me.name, me.via),
    ]
    with app.state.web.sessions() as session:
        assert session.get(Unit, ids["ours"]) is None and session.get(Unit, ids["other"]) is not None


def test_a_tool_deletes_with_its_personal_token_and_another_site_cannot(portfolio) -> None:  # type: ignore[no-untyped-def]
    app, ids = portfolio
    with app.state.web.transaction() as session:
        token = accounts.create_api_token(session, accounts.find_user(session, "ada").id, "cleanup script")
    tool = TestClient(app, base_url=BASE, client=LOCAL)  # no cookies, no form token: its token is enough
    bearer = {"authorization": f"Bearer {token}"}
    other_site = {**bearer, "origin": "https://elsewhere.example"}
    assert tool.delete(f"/api/v1/units/{ids['ours']}/visits/{ids['first']}", headers=other_site).status_code == 403
    assert tool.delete(f"/api/v1/units/{ids['ours']}/visits/{ids['first']}", headers=bearer).status_code == 204
    assert tool.delete(f"/api/v1/units/{ids['ours']}").status_code == 403  # neither a token nor a form token
    malformed, unknown = {"authorization": "Bearer mbt_guess"}, {"authorization": "Bearer mbt_" + "g" * 43}
    # not a personal token: no exemption from the CSRF check (415: the guard tells a tool to send JSON or a token)
    assert tool.delete(f"/api/v1/units/{ids['ours']}", headers=malformed).status_code == 415
    assert tool.delete(f"/api/v1/units/{ids['ours']}", headers=unknown).status_code == 401
    last = trail(app)[-1]
    assert (last.action, last.actor, last.via.split()[0]) == ("visit.delete", "ada", "token")


def test_without_accounts_the_local_user_deletes_like_any_write(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    assert "Delete this unit" in client.get(f"/units/{unit}").text
    assert client.delete(f"/api/v1/units/{unit}").status_code == 403  # a forged request: no token, no JSON
    assert client.delete(f"/api/v1/units/{unit}", headers={"content-type": "application/json"}).status_code == 204
    assert client.get("/api/v1/units").json() == []
