"""The account decisions the third hostile run left open (issue 23, item 6; docs/web.md, "Accounts"): a password
reset ends the account's personal API tokens unless --keep-tokens; `users revoke` takes a unit away at once;
an account name is one account whatever its case, and a database holding two such names says so on opening."""

from __future__ import annotations

import pytest
from mbt_advisor.cli.main import app as cli
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from mbt_advisor.common.errors import InputError
from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage import migrate, store
from mbt_advisor.web.storage.db import make_engine, open_database
from mbt_advisor.web.storage.models import AuditEvent

from .conftest import BASE, LOCAL, TestClient, csrf
from .test_operations import one_line_refusal

pytestmark = pytest.mark.both_databases  # SQLite, and PostgreSQL in the slow tier

runner = CliRunner()
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another horse battery"


@pytest.fixture
def served(database: str, advisor):  # type: ignore[no-untyped-def]
    """An admin and a consultant (with a token each), and a unit shared with the consultant."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        unit = store.create_unit(session, "Oak ward")
        ada = accounts.add_user(session, "ada", "admin", PASSWORD)
        cole = accounts.add_user(session, "cole", "consultant", PASSWORD, (unit.id,))
        tokens = {
            "ada": accounts.create_api_token(session, ada.id, "tool"),
            "cole": accounts.create_api_token(session, cole.id, "tool"),
        }
        unit_id = unit.id
    yield app, unit_id, tokens
    app.state.web.engine.dispose()


def api(app, token: str, path: str) -> int:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code


def actions(app) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(row.action, row.user_name, row.detail) for row in rows]


# -- a password reset ends the personal API tokens -----------------------------------------------------------
def test_a_password_reset_revokes_the_accounts_api_tokens(served, database: str) -> None:  # type: ignore[no-untyped-def]
    app, _unit, tokens = served
    assert api(app, tokens["cole"], "/api/v1/units") == 200
    reset = runner.invoke(
        cli, ["users", "reset-password", "cole", "--password-stdin", "--database", database], input=NEW_PASSWORD
    )
    assert reset.exit_code == 0, reset.output
    assert "1 API token revoked" in reset.stderr
    assert api(app, tokens["cole"], "/api/v1/units") == 401
    assert api(app, tokens["ada"], "/api/v1/units") == 200  # another account's token is not touched
    assert ("user.password", "cole", "1 tokens revoked") in actions(app)
    assert ("token.revoke", "cole", "token 2") in actions(app)


def test_keep_tokens_keeps_them_valid_through_a_reset(served, database: str) -> None:  # type: ignore[no-untyped-def]
    app, _unit, tokens = served
    command = ["users", "reset-password", "cole", "--keep-tokens", "--password-stdin", "--database", database]
    reset = runner.invoke(cli, command, input=NEW_PASSWORD)
    assert reset.exit_code == 0 and "its API tokens kept" in reset.stderr
    assert api(app, tokens["cole"], "/api/v1/units") == 200
    assert ("user.password", "cole", "tokens kept") in actions(app)


# -- users revoke ---------------------------------------------------------------------------------------------
def test_users_revoke_takes_a_unit_away_at_once_and_is_audited(served, database: str) -> None:  # type: ignore[no-untyped-def]
    app, unit, tokens = served
    with TestClient(app, base_url=BASE, client=LOCAL) as browser:
        browser.post("/signin", data={"csrf_token": csrf(browser), "name": "cole", "password": PASSWORD})
        assert browser.get(f"/units/{unit}").status_code == 200
        revoked = runner.invoke(cli, ["users", "revoke", "cole", str(unit), "--database", database])
        assert revoked.exit_code == 0 and f"cole may no longer see unit {unit}" in revoked.stderr
        assert browser.get(f"/units/{unit}").status_code == 404  # the open session, at its next request
    assert api(app, tokens["cole"], f"/api/v1/units/{unit}") == 404
    assert api(app, tokens["ada"], f"/api/v1/units/{unit}") == 200  # the unit itself is kept
    with app.state.web.sessions() as session:
        row = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.revoke")).one()
        assert (row.user_name, row.unit_id) == ("cole", unit)
    listed = runner.invoke(cli, ["users", "list", "--database", database])
    assert "cole  consultant\n" in listed.stdout
    again = runner.invoke(cli, ["users", "revoke", "cole", str(unit), "--database", database])
    one_line_refusal(again, f"may not see unit {unit}; nothing was changed")
    for name, unit_id, words in [("nobody", str(unit), "no such user"), ("cole", "2147483648", "is not an id")]:
        one_line_refusal(runner.invoke(cli, ["users", "revoke", name, unit_id, "--database", database]), words)


# -- one account per name, whatever its case ------------------------------------------------------------------
def test_a_name_differing_only_in_case_is_the_same_account(served, database: str) -> None:  # type: ignore[no-untyped-def]
    app, _unit, _tokens = served
    for name in ("Ada", "ADA", "Cole"):
        added = runner.invoke(
            cli, ["users", "add", name, "--role", "admin", "--password-stdin", "--database", database], input=PASSWORD
        )
        one_line_refusal(added, f"already exists as '{name.lower()}' (one account per name, whatever its case)")
    with app.state.web.engine.begin() as connection, pytest.raises(IntegrityError):  # the database holds it too
        connection.execute(
            text(
                "INSERT INTO users (name, role, password_hash, failed_signins, created_at) "
                "VALUES ('aDa', 'admin', 'x', 0, '2026-01-01 00:00:00')"
            )
        )


def test_an_account_signs_in_and_is_managed_by_its_name_as_written(served, database: str) -> None:  # type: ignore[no-untyped-def]
    app, _unit, _tokens = served
    with TestClient(app, base_url=BASE, client=LOCAL) as browser:
        form = {"csrf_token": csrf(browser), "password": PASSWORD}
        assert browser.post("/signin", data={**form, "name": "ADA"}, follow_redirects=False).status_code == 401
        assert browser.post("/signin", data={**form, "name": "ada"}, follow_redirects=False).status_code == 303
    hint = runner.invoke(cli, ["users", "remove", "Cole", "--database", database])
    one_line_refusal(hint, "no such user (did you mean 'cole'? a name is written as it was added)")


# -- a database holding two names that differ only in case ----------------------------------------------------
def database_at_0004_with(database: str, *names: str) -> None:
    engine = make_engine(database)
    migrate.downgrade(engine, "0004") if migrate.current_revision(engine) else migrate.upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users"))
        for name in names:
            connection.execute(
                text(
                    "INSERT INTO users (name, role, password_hash, failed_signins, created_at) "
                    "VALUES (:name, 'admin', 'x', 0, '2026-01-01 00:00:00')"
                ),
                {"name": name},
            )
    engine.dispose()


def test_a_database_with_names_differing_only_in_case_is_refused_unchanged_on_opening(database: str) -> None:
    database_at_0004_with(database, "ada", "cole", "Ada")
    with pytest.raises(InputError, match="the accounts 'ada' and 'Ada' differ only in case") as refused:
        open_database(database)
    assert "remove one of them (mbt-advisor users remove NAME)" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    engine = make_engine(database)
    assert migrate.current_revision(engine) == "0004"
    engine.dispose()
    one_line_refusal(runner.invoke(cli, ["users", "list", "--database", database]), "differ only in case")


def test_a_database_with_distinct_names_gets_the_folded_index(database: str) -> None:
    database_at_0004_with(database, "ada", "cole")
    engine, sessions = open_database(database)
    with sessions() as session:
        assert sorted(session.scalars(select(accounts.User.name))) == ["ada", "cole"]
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(
            text(
                "INSERT INTO users (name, role, password_hash, failed_signins, created_at) "
                "VALUES ('COLE', 'admin', 'x', 0, '2026-01-01 00:00:00')"
            )
        )
    engine.dispose()
