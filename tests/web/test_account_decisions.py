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
def database_at_with(database: str, revision: str, *names: str) -> None:
    """``database`` brought down (or up) to ``revision`` holding only the accounts ``names``, as an earlier
    release could have written them; the later ones are consultants of a unit of their own, with a token."""
    engine = make_engine(database)
    migrate.downgrade(engine, revision) if migrate.current_revision(engine) else migrate.upgrade(engine, revision)
    with engine.begin() as connection:
        for table in ("api_tokens", "unit_members", "users"):
            connection.execute(text(f"DELETE FROM {table}"))
        for name in names:
            connection.execute(
                text(
                    "INSERT INTO users (name, role, password_hash, failed_signins, created_at) "
                    "VALUES (:name, 'admin', 'x', 0, '2026-01-01 00:00:00')"
                ),
                {"name": name},
            )
    engine.dispose()


def database_at_0004_with(database: str, *names: str) -> None:
    database_at_with(database, "0004", *names)


def rows(database: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the accounts, the audit trail and the schema version: what a refused command must leave."""
    engine = make_engine(database)
    with engine.connect() as connection:
        tables = [
            name for name in ("users", "audit_events", "alembic_version") if engine.dialect.has_table(connection, name)
        ]
        found = {table: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table}")))) for table in tables}
    engine.dispose()
    return found  # type: ignore[return-value]


def label(database: str) -> str:
    """The database as the refusal's command names it (quoted for a shell where needed)."""
    import shlex

    from mbt_advisor.web.settings.config import database_argument

    return shlex.quote(database_argument(database))


def test_a_database_with_names_differing_only_in_case_is_refused_unchanged_on_opening(database: str) -> None:
    database_at_0004_with(database, "ada", "cole", "Ada")
    with pytest.raises(InputError, match="the accounts 'ada' and 'Ada' differ only in case") as refused:
        open_database(database)
    assert "nothing was changed" in str(refused.value)
    assert f"mbt-advisor users rename Ada Ada-2 --database {label(database)}" in str(refused.value)
    engine = make_engine(database)
    assert migrate.current_revision(engine) == "0004"
    engine.dispose()
    one_line_refusal(runner.invoke(cli, ["users", "list", "--database", database]), "differ only in case")


def test_the_command_the_refusal_gives_renames_the_later_account_and_the_database_then_opens(database: str) -> None:
    """The way out within this release: the exact command of the message, on the database it refused, and the
    next start migrates it. Nothing is merged: the renamed account keeps its id and its units."""
    import shlex

    database_at_0004_with(database, "ada", "cole", "Ada")
    refused = runner.invoke(cli, ["users", "list", "--database", database])
    command = shlex.split(refused.stderr.split(": ")[-1].strip())
    assert command[:4] == ["mbt-advisor", "users", "rename", "Ada"], command
    renamed = runner.invoke(cli, command[1:])
    assert renamed.exit_code == 0, renamed.output
    assert renamed.stderr == "renamed Ada to Ada-2\n"
    listed = runner.invoke(cli, ["users", "list", "--database", database])
    assert listed.exit_code == 0 and listed.stdout.split("\n")[:3] == ["Ada-2  admin", "ada  admin", "cole  admin"]
    engine, sessions = open_database(database)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.rename")).one()
        assert (event.user_name, event.detail, event.user_id) == ("Ada-2", "was Ada", 3)
        assert event.via.startswith("command line")
    engine.dispose()


def test_two_clashes_are_named_together_and_put_right_one_command_at_a_time(database: str) -> None:
    database_at_0004_with(database, "ada", "Ada", "cole", "ADA", "COLE")
    refused = runner.invoke(cli, ["users", "list", "--database", database])
    one_line_refusal(refused, "the accounts 'ada' and 'Ada' and 'ADA'; 'cole' and 'COLE' differ only in case")
    commands = [
        f"users rename {old} {new} --database {label(database)}"
        for old, new in [("Ada", "Ada-2"), ("ADA", "ADA-3"), ("COLE", "COLE-2")]
    ]
    assert "; ".join(f"mbt-advisor {command}" for command in commands) in refused.stderr
    first = runner.invoke(cli, ["users", "rename", "Ada", "Ada-2", "--database", database])
    assert first.exit_code == 0 and "still cannot be opened" in first.stderr  # the next ones, named
    assert "the accounts 'ada' and 'ADA'; 'cole' and 'COLE'" in first.stderr
    for old, new in [("ADA", "aDA-3"), ("COLE", "cole.2")]:  # any free name will do
        assert runner.invoke(cli, ["users", "rename", old, new, "--database", database]).exit_code == 0
    listed = runner.invoke(cli, ["users", "list", "--database", database])
    assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize("revision", ["0004", "0003"])
@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("nobody", "nobody-2", "no such user"),
        ("ADA", "ada-2", "no such user (did you mean 'ada'?"),
        ("Ada", "ADA", "already exists as 'ada' (one account per name, whatever its case); nothing was changed"),
        ("Ada", "cole", "already exists as 'cole'"),
        ("Ada", "Ada", "is already the account's name"),
        ("Ada", "two words", "a user name is 1-80 letters, digits and . _ @ -"),
        ("Ada", "x" * 81, "a user name is 1-80 letters"),
        ("Ada", "\u0430da", "a user name is 1-80 letters"),  # a Cyrillic a
    ],
)
def test_a_rename_that_cannot_be_made_is_one_line_and_writes_nothing(
    database: str, revision: str, old: str, new: str, words: str
) -> None:
    """Also on a database older than the last version before names are folded: the migrations up to it and the
    rename are one transaction, so a refused rename leaves even the schema version as it was."""
    database_at_with(database, revision, "ada", "cole", "Ada")
    before = rows(database)
    one_line_refusal(runner.invoke(cli, ["users", "rename", old, new, "--database", database]), words)
    assert rows(database) == before


def test_an_account_renamed_on_a_current_database_signs_in_by_its_new_name_only(served, database: str) -> None:  # type: ignore[no-untyped-def]
    app, unit, tokens = served
    renamed = runner.invoke(cli, ["users", "rename", "cole", "colette", "--database", database])
    assert renamed.exit_code == 0 and renamed.stderr == "renamed cole to colette\n", renamed.output
    with TestClient(app, base_url=BASE, client=LOCAL) as browser:
        form = {"csrf_token": csrf(browser), "password": PASSWORD}
        assert browser.post("/signin", data={**form, "name": "cole"}, follow_redirects=False).status_code == 401
        assert browser.post("/signin", data={**form, "name": "colette"}, follow_redirects=False).status_code == 303
        assert browser.get(f"/units/{unit}").status_code == 200  # its units stay its own
    assert api(app, tokens["cole"], f"/api/v1/units/{unit}") == 200  # and its tokens
    assert ("user.rename", "colette", "was cole") in actions(app)


def test_a_restore_of_a_backup_with_names_differing_only_in_case_says_how_to_rename_in_the_backup(
    database: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    if not database.startswith("sqlite"):
        pytest.skip("db backup and restore are SQLite's")
    backup = tmp_path / "old-backup.sqlite3"
    database_at_0004_with(f"sqlite:///{backup}", "ada", "Ada")
    engine = make_engine(database)
    engine.dispose()
    refused = runner.invoke(cli, ["db", "restore", str(backup), "--database", database])
    one_line_refusal(refused, "not restored: the accounts 'ada' and 'Ada' differ only in case")
    assert f"mbt-advisor users rename Ada Ada-2 --database {backup}" in refused.stderr
    assert runner.invoke(cli, ["users", "rename", "Ada", "Ada-2", "--database", str(backup)]).exit_code == 0
    restored = runner.invoke(cli, ["db", "restore", str(backup), "--database", database])
    assert restored.exit_code == 0, restored.output
    listed = runner.invoke(cli, ["users", "list", "--database", database])
    assert listed.stdout.split("\n")[:2] == ["Ada-2  admin", "ada  admin"]


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
