"""`mbt-advisor db move`: a SQLite portfolio moves into another database (PostgreSQL in the slow tier, another
SQLite file in the default tier) with every table, every id and every value, in one transaction."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage.db import open_database
from mbt_advisor.web.storage.models import Base
from mbt_advisor.web.storage.move import NOT_MOVED, moved_tables

from .conftest import BASE, LOCAL, TestClient, add_unit_from_example, csrf, post_form

pytestmark = pytest.mark.both_databases
runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture
def source(tmp_path: Path, advisor) -> str:  # type: ignore[no-untyped-def]
    """A local portfolio with rows in every table: units with visits, questionnaires, accounts, a membership,
    a token and a sign-in, made through the application as a user would."""
    url = f"sqlite:///{tmp_path / 'local.sqlite3'}"
    app = create_app(url, advisor)
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        riverside = add_unit_from_example(client, "riverside")
        add_unit_from_example(client, "merger")
        post_form(client, "/questionnaire", {"unit_id": str(riverside)})
        with app.state.web.transaction() as session:
            accounts.add_user(session, "ada", "admin", PASSWORD)
            accounts.add_user(session, "cole", "consultant", PASSWORD, (riverside,))
        signed_in = post_form(client, "/signin", {"name": "cole", "password": PASSWORD})
        assert signed_in.status_code == 303
        assert client.post("/tokens", data={"csrf_token": csrf(client), "name": "sheet"}).status_code == 201
    app.state.web.engine.dispose()
    return url


def rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_every_table_moves_with_its_ids_and_values_and_the_source_stays(source: str, database: str) -> None:
    before = rows(source)
    source_file = Path(source.removeprefix("sqlite:///"))
    source_bytes = source_file.read_bytes()
    empty = [name for name, content in before.items() if not content]
    assert empty == [], f"give table(s) {empty} rows in the `source` fixture, so that this test sees them move"
    moved = runner.invoke(cli, ["db", "move", "--database", source, "--to", database])
    assert moved.exit_code == 0, moved.output
    assert "2 units, " in moved.stderr and "sign-ins are not moved" in moved.stderr
    after = rows(database)
    *moved_trail, recorded = after["audit_events"]  # the move itself is recorded in the target's trail (audit.py)
    assert (
        recorded[6] == "db.move"
        and recorded[4].startswith("command line")
        and recorded[-1] == f"from {source_file}: {sum(len(before[t.name]) for t in moved_tables())} rows"
    )
    after["audit_events"] = moved_trail
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_MOVED:
            assert after[table.name] == [], table.name
        else:
            assert after[table.name] == before[table.name], table.name
    assert source_file.read_bytes() == source_bytes  # read through a private copy: not migrated, not re-journaled
    assert rows(source) == before


def test_the_moved_portfolio_works_and_new_ids_follow_the_moved_ones(source: str, database: str) -> None:
    assert runner.invoke(cli, ["db", "move", "--database", source, "--to", database]).exit_code == 0
    app = create_app(database)
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/signin"  # sign in again
        assert post_form(client, "/signin", {"name": "ada", "password": PASSWORD}).status_code == 303
        assert sorted(u["id"] for u in client.get("/api/v1/units").json()) == [1, 2]
        created = client.post("/api/v1/units", json={"name": "After the move"})
        assert created.status_code == 201 and created.json()["id"] == 3  # the sequence continues after 2
    app.state.web.engine.dispose()


def test_a_target_with_data_is_refused_unless_replaced(source: str, database: str, advisor) -> None:  # type: ignore[no-untyped-def]
    app = create_app(database, advisor)
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        client.post("/api/v1/units", json={"name": "Already there"})
    app.state.web.engine.dispose()
    refused = runner.invoke(cli, ["db", "move", "--database", source, "--to", database])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert (
        "already holds data (in " in refused.stderr
        and "units, unit_signals); nothing was written. --replace" in refused.stderr
    )
    assert [r[1] for r in rows(database)["units"]] == ["Already there"]
    replaced = runner.invoke(cli, ["db", "move", "--database", source, "--to", database, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert rows(database)["units"] == rows(source)["units"]
    assert rows(database)["audit_events"][:-1] == rows(source)["audit_events"]  # the target's own trail is gone
    recorded = rows(database)["audit_events"][-1][-1]
    assert "; replaced " in recorded and " rows the target held, its trail included" in recorded  # and says so


def test_moving_nothing_or_onto_itself_is_refused(source: str, tmp_path: Path, database: str) -> None:
    missing = runner.invoke(cli, ["db", "move", "--database", str(tmp_path / "none.sqlite3"), "--to", database])
    assert missing.exit_code == 2 and "nothing to move" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()
    itself = runner.invoke(cli, ["db", "move", "--database", source, "--to", source])
    assert itself.exit_code == 2 and "is the database to move from" in itself.stderr


def test_a_row_postgresql_refuses_stops_the_whole_move(source: str, database: str) -> None:
    """A name longer than its column, stored by SQLite (which does not check) before this version refused it:
    another SQLite file takes it, PostgreSQL refuses it, and then nothing at all is written."""
    engine = create_engine(source)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE units SET name = '" + "x" * 250 + "' WHERE id = 2")
    engine.dispose()
    refused = runner.invoke(cli, ["db", "move", "--database", source, "--to", database])
    if database.startswith("sqlite"):
        assert refused.exit_code == 0 and len(rows(database)["units"][1][1]) == 250
        return
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "a row of units cannot be stored there (value too long" in refused.stderr
    assert all(content == [] for content in rows(database).values())


def test_without_the_driver_or_the_server_one_line_and_exit_2(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    local = tmp_path / "local.sqlite3"
    open_database(f"sqlite:///{local}")[0].dispose()
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `pip install 'mbt-advisor[postgresql]'` was not run
    url = "postgresql://mbt@localhost/mbt"
    for command in (["serve", "--database", url], ["users", "list", "--database", url], ["db", "move", "--to", url]):
        result = runner.invoke(cli, [*command, "--database", str(local)] if "move" in command else command)
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and "pip install 'mbt-advisor[postgresql]'" in result.stderr
    monkeypatch.delitem(sys.modules, "psycopg")
    refused = runner.invoke(cli, ["users", "list", "--database", "postgresql://mbt@127.0.0.1:1/mbt"])
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "127.0.0.1:1/mbt: cannot be opened (" in refused.stderr and "refused" in refused.stderr


def test_backup_and_restore_point_postgresql_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://mbt@localhost/mbt"
    for command in (["db", "backup", str(tmp_path / "b.sqlite3")], ["db", "restore", str(tmp_path / "b.sqlite3")]):
        result = runner.invoke(cli, [*command, "--database", url])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert "pg_dump --format=custom" in result.stderr and "db move" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_kind_of_database_is_refused_with_what_is_allowed() -> None:
    result = runner.invoke(cli, ["db", "path", "--database", "postgres://mbt@localhost/mbt"])
    assert result.exit_code == 2 and "did you mean postgresql://?" in result.stderr
    assert runner.invoke(cli, ["db", "path", "--database", "postgresql://mbt:secret@localhost/mbt"]).stdout == (
        "postgresql://mbt:***@localhost/mbt\n"
    )


def test_the_postgresql_driver_is_imported_only_for_a_postgresql_url(tmp_path: Path) -> None:
    code = (
        "import sys; from mbt_advisor.web.storage.db import open_database; "
        f"open_database('sqlite:///{tmp_path / 'local.sqlite3'}')[0].dispose(); print('psycopg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
    assert out.stdout == "False\n", out.stderr
