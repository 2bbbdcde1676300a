"""Questionnaires that no account can use any more (issue 23's work left them alone): removing an account
removes the questionnaires it started in the same transaction, each recorded in the audit trail; and the
unfinished questionnaires no account started (the local application's, from before the first account) are
listed for an administrator, who discards them unread, through access.obtain like every other access."""

from __future__ import annotations

import pytest
from mbt_advisor.cli.main import app as cli
from sqlalchemy import select
from typer.testing import CliRunner

from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import AuditEvent, Draft
from mbt_advisor.wizard.questionnaire import WizardState

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases  # SQLite, and PostgreSQL in the slow tier

runner = CliRunner()
PASSWORD = "correct horse battery"
SECRET_ANSWER = "Answered before the accounts came"


def signed_in(app, name: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=BASE, client=LOCAL)
    form = {"csrf_token": csrf(client), "name": name, "password": PASSWORD}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
    return client


def drafts(app) -> dict[str, tuple[int | None, int | None, int | None]]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        return {d.id: (d.unit_id, d.user_id, d.visit_id) for d in session.scalars(select(Draft))}


def events(app, action: str) -> list[tuple[str, int | None, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(row.actor, row.unit_id, row.user_name, row.detail) for row in rows]


@pytest.fixture
def server(database: str, advisor, riverside_text: str):  # type: ignore[no-untyped-def]
    """Oak ward with a visit; two questionnaires begun before the first account (one of the ward, with an
    answer; one of no unit); then ada (admin) and cole (consultant of the ward)."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        unit = store.create_unit(session, "Oak ward")
        store.add_visit(session, unit, riverside_text, advisor)
        local = store.new_draft(session, unit.id)
        store.save_draft(local, WizardState({"organization.name": SECRET_ANSWER}, [], ["organization.name"]))
        loose = store.new_draft(session)
        accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.add_user(session, "cole", "consultant", PASSWORD, (unit.id,))
        ids = {"unit": unit.id, "local": local.id, "loose": loose.id}
    yield app, ids
    app.state.web.engine.dispose()


def start(client: TestClient, unit_id: int | None = None) -> str:
    form = {"csrf_token": csrf(client)} | ({"unit_id": str(unit_id)} if unit_id is not None else {})
    started = client.post("/questionnaire", data=form, follow_redirects=False)
    assert started.status_code == 303, started.text
    return started.headers["location"].removeprefix("/questionnaire/")


# -- removing an account ----------------------------------------------------------------------------------------
def test_removing_an_account_removes_its_questionnaires_in_the_same_transaction_and_records_each(
    server, database: str, advisor, riverside_text: str
) -> None:  # type: ignore[no-untyped-def]
    app, ids = server
    cole = signed_in(app, "cole")
    of_unit = start(cole, ids["unit"])
    start(cole)  # and one of no unit
    with app.state.web.transaction() as session:  # a third one, saved as a visit: its answers are the visit's
        saved = store.new_draft(session, ids["unit"], drafts(app)[of_unit][1])
        visit = store.add_visit(session, store.get_unit(session, ids["unit"]), riverside_text, advisor)
        store.finish_draft(session, saved, visit)
        saved_id, visit_id = saved.id, visit.id
    removed = runner.invoke(cli, ["users", "remove", "cole", "--database", database])
    assert removed.exit_code == 0, removed.output
    assert removed.stderr == "removed cole, and 2 unfinished questionnaires it had started\n"
    assert set(drafts(app)) == {ids["local"], ids["loose"]}  # cole's three are gone, the others stay
    assert saved_id not in drafts(app)
    ((who, _, name, detail),) = events(app, "user.remove")
    assert (name, detail) == ("cole", "2 unfinished questionnaires deleted")
    deleted = events(app, "questionnaire.delete")
    assert sorted((unit or 0, name, detail) for _, unit, name, detail in deleted) == [
        (0, "cole", "with its account"),  # the one of no unit
        (ids["unit"], "cole", "with its account"),
    ]
    assert all(actor == who for actor, *_ in deleted)
    with app.state.web.sessions() as session:  # the visit the saved one became stays
        assert store.get_visit(session, ids["unit"], visit_id) is not None


def test_an_account_without_questionnaires_is_removed_as_before(server, database: str) -> None:  # type: ignore[no-untyped-def]
    app, _ = server
    removed = runner.invoke(cli, ["users", "remove", "cole", "--database", database])
    assert removed.exit_code == 0 and removed.stderr == "removed cole\n", removed.output
    assert events(app, "user.remove")[0][3] is None and events(app, "questionnaire.delete") == []


# -- unclaimed questionnaires -------------------------------------------------------------------------------------
def test_an_administrator_lists_the_unclaimed_questionnaires_and_discards_them_unread(server) -> None:  # type: ignore[no-untyped-def]
    app, ids = server
    cole = signed_in(app, "cole")
    coles = start(cole, ids["unit"])
    ada = signed_in(app, "ada")
    assert "/questionnaires/unclaimed" in ada.get("/audit").text
    page = ada.get("/questionnaires/unclaimed")
    assert page.status_code == 200
    assert (
        f"/questionnaire/{ids['local']}/discard" in page.text and f"/questionnaire/{ids['loose']}/discard" in page.text
    )
    assert coles not in page.text  # a questionnaire with a starter is not unclaimed
    assert "Oak ward" in page.text and "no unit yet" in page.text and "1 answer" in page.text
    assert SECRET_ANSWER not in page.text  # listed, never read
    assert ada.get(f"/questionnaire/{ids['local']}").status_code == 404  # nor opened
    assert ada.get(f"/questionnaire/{ids['local']}/profile.yaml").status_code == 404
    token = csrf(ada)
    unconfirmed = ada.post(f"/questionnaire/{ids['local']}/discard", data={"csrf_token": token})
    assert unconfirmed.status_code == 400 and ids["local"] in drafts(app)
    discarded = ada.post(f"/questionnaire/{ids['local']}/discard", data={"csrf_token": token, "confirm": "discard"})
    assert discarded.status_code == 200 and "The questionnaire was discarded" in discarded.text
    assert str(discarded.url).endswith("/questionnaires/unclaimed?notice=questionnaire-discarded")
    assert ids["local"] not in drafts(app) and ids["loose"] in drafts(app)
    assert events(app, "questionnaire.delete") == [("ada", ids["unit"], None, "discarded: no account started it")]
    assert (
        ada.post(f"/questionnaire/{ids['local']}/discard", data={"csrf_token": token, "confirm": "discard"}).status_code
        == 404
    )
    assert (
        ada.post(f"/questionnaire/{coles}/discard", data={"csrf_token": token, "confirm": "discard"}).status_code == 404
    )
    assert coles in drafts(app)  # another account's questionnaire is not an administrator's to discard
    assert "1 questionnaire " in ada.get(f"/units/{ids['unit']}/delete").text  # cole's alone is left


def test_only_an_administrator_sees_or_discards_unclaimed_questionnaires(server) -> None:  # type: ignore[no-untyped-def]
    app, ids = server
    cole = signed_in(app, "cole")
    assert cole.get("/questionnaires/unclaimed").status_code == 403
    form = {"csrf_token": csrf(cole), "confirm": "discard"}
    assert cole.post(f"/questionnaire/{ids['local']}/discard", data=form).status_code == 404
    assert {ids["local"], ids["loose"]} <= set(drafts(app))
    refused = events(app, "access.denied")
    assert [detail for *_, detail in refused] == [
        "GET /questionnaires/unclaimed (403)",
        f"POST /questionnaire/{ids['local']}/discard (404)",
    ]
    visitor = TestClient(app, base_url=BASE, client=LOCAL)
    assert visitor.get("/questionnaires/unclaimed", follow_redirects=False).status_code == 303  # sign in first


def test_a_starter_discards_their_own_unfinished_questionnaire_but_not_a_saved_one(server, advisor) -> None:  # type: ignore[no-untyped-def]
    app, ids = server
    cole = signed_in(app, "cole")
    own = start(cole, ids["unit"])
    assert "Discard this questionnaire" in cole.get(f"/questionnaire/{own}").text
    form = {"csrf_token": csrf(cole), "confirm": "discard"}
    discarded = cole.post(f"/questionnaire/{own}/discard", data=form, follow_redirects=False)
    assert (discarded.status_code, discarded.headers["location"]) == (303, "/?notice=questionnaire-discarded")
    assert own not in drafts(app)
    assert events(app, "questionnaire.delete") == [("cole", ids["unit"], "cole", "discarded by its starter")]
    with app.state.web.transaction() as session:
        cole_id = session.scalar(select(accounts.User.id).where(accounts.User.name == "cole"))
        saved = store.new_draft(session, ids["unit"], cole_id)
        unit = store.get_unit(session, ids["unit"])
        store.finish_draft(session, saved, unit.visits[0])
        saved_id = saved.id
    assert cole.post(f"/questionnaire/{saved_id}/discard", data=form).status_code == 403  # with its visit
    assert saved_id in drafts(app)


def test_without_accounts_a_questionnaire_is_discarded_by_this_computer(database: str, advisor) -> None:  # type: ignore[no-untyped-def]
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        draft = store.new_draft(session).id
    local = TestClient(app, base_url=BASE, client=LOCAL)
    assert local.get("/questionnaires/unclaimed").status_code == 200  # none: every questionnaire is its own
    form = {"csrf_token": csrf(local), "confirm": "discard"}
    assert local.post(f"/questionnaire/{draft}/discard", data=form, follow_redirects=False).status_code == 303
    assert drafts(app) == {}
    assert events(app, "questionnaire.delete") == [("local", None, None, "discarded by its starter")]
    app.state.web.engine.dispose()
