"""`serve` refuses to listen beyond this computer; `db backup` / `db restore` round-trip a portfolio; the rest
of the tool does not import the web stack."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from .conftest import BASE, LOCAL, TestClient

runner = CliRunner()


def test_serve_refuses_a_non_loopback_address_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--database", str(tmp_path / "db.sqlite3")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "refusing to listen beyond this computer" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_backup_then_restore_brings_the_portfolio_back(
    app, client: TestClient, db_path: Path, tmp_path: Path, riverside_text: str
) -> None:
    unit = client.post("/api/v1/units", json={"name": "Kept"}).json()["id"]
    client.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": riverside_text})
    backup = tmp_path / "backup.sqlite3"
    made = runner.invoke(cli, ["db", "backup", str(backup), "--database", str(db_path)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(cli, ["db", "backup", str(backup), "--database", str(db_path)]).exit_code == 2  # no overwrite

    client.post("/api/v1/units", json={"name": "Added after the backup"})
    assert len(client.get("/api/v1/units").json()) == 2
    restored = runner.invoke(cli, ["db", "restore", str(backup), "--database", str(db_path)])
    assert restored.exit_code == 0, restored.output
    assert "kept the previous content in" in restored.stderr
    # the running application (its connections opened before) sees the restored data
    units = client.get("/api/v1/units").json()
    assert [u["name"] for u in units] == ["Kept"]
    assert client.get(f"/api/v1/units/{unit}/visits/{units[0]['visits'][0]['id']}/profile").text == riverside_text
    kept = next(db_path.parent.glob("*.before-restore-*"))
    with sqlite3.connect(kept) as con:
        assert con.execute("SELECT count(*) FROM units").fetchone() == (2,)


def test_a_backup_restores_into_a_fresh_place(app, client: TestClient, db_path: Path, tmp_path: Path) -> None:
    client.post("/api/v1/units", json={"name": "Moved"})
    backup = tmp_path / "b.sqlite3"
    assert runner.invoke(cli, ["db", "backup", str(backup), "--database", str(db_path)]).exit_code == 0
    elsewhere = tmp_path / "new" / "place.sqlite3"
    assert runner.invoke(cli, ["db", "restore", str(backup), "--database", str(elsewhere)]).exit_code == 0
    from mbt_advisor.web.app import create_app

    with TestClient(create_app(str(elsewhere)), base_url=BASE, client=LOCAL) as fresh:
        assert [u["name"] for u in fresh.get("/api/v1/units").json()] == ["Moved"]


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    target = tmp_path / "db.sqlite3"
    for bad, message in [
        (not_sqlite, "not an SQLite database"),
        (other, "not an mbt-advisor backup"),
        (tmp_path / "none", "no such file"),
    ]:
        result = runner.invoke(cli, ["db", "restore", str(bad), "--database", str(target)])
        assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert not target.exists()
    missing = runner.invoke(cli, ["db", "backup", str(tmp_path / "x.sqlite3"), "--database", str(target)])
    assert missing.exit_code == 2 and "nothing to back up" in missing.stderr


def test_db_path_prints_the_data_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MBT_ADVISOR_DATA", str(tmp_path))
    result = runner.invoke(cli, ["db", "path"])
    assert result.stdout == f"{tmp_path / 'mbt-advisor.sqlite3'}\n"


def test_the_library_and_the_other_commands_do_not_import_the_web_stack() -> None:
    code = (
        "import sys, mbt_advisor, mbt_advisor.cli.main; mbt_advisor.evaluate({'organization': {'name': 'x'}}); "
        "print(sorted(m for m in ('fastapi', 'starlette', 'sqlalchemy', 'alembic', 'uvicorn', 'psycopg') if m in sys.modules))"
    )
    # run outside the checkout, whose folders would shadow an installed (non-editable) copy
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tempfile.gettempdir()
    )
    assert out.stdout == "[]\n"
