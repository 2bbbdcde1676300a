"""The administrator's commands trust nothing they are given (issue 23): the audit trail's text cannot be
forged through a request, passwords the web could never take are refused at the command line, an unusable
data folder or database URL is one line, and `db move` never moves into nothing."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases  # the tests on `database` run on SQLite, and on PostgreSQL (slow tier)

runner = CliRunner()
PASSWORD = "correct horse battery"


def one_line_refusal(result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert "Traceback" not in result.output


# -- the audit trail's text (#16) ----------------------------------------------------------------------------
FORGED = "2026-12-06T09:00:00Z  ada (session, 127.0.0.1)  unit.delete  unit 1"
TERMINAL = "\x1b]0;owned\x07\x1b[2J\r\u202e"  # a window title, a cleared screen, a carriage return, RLO


def assert_one_printable_line_per_event(text: str, events: int) -> list[str]:
    lines = text.splitlines()
    assert len(lines) == events and not any(line.startswith(FORGED[:20]) for line in lines), lines
    assert all(character.isprintable() for character in text.replace("\n", ""))
    return lines


def test_a_request_path_cannot_forge_a_line_or_reach_the_terminal_through_audit(database: str, advisor) -> None:  # type: ignore[no-untyped-def]
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.add_user(session, "nora", "founder", PASSWORD)
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        client.post("/signin", data={"csrf_token": csrf(client), "name": "nora", "password": PASSWORD})
        hostile = "/units/4/x%0a" + FORGED.replace(" ", "%20") + "%1b]0;owned%07%1b[2J%0d%e2%80%ae"
        assert client.get(hostile).status_code == 404
    app.state.web.engine.dispose()
    shown = runner.invoke(cli, ["audit", "--database", database])
    assert shown.exit_code == 0, shown.output
    # the sign-in and two accounts added: a path that is no route's is a 404 of the router, which records nothing
    # (refusals are recorded where access is decided, on a route's canonical ids: access/decisions.py)
    lines = assert_one_printable_line_per_event(shown.stdout, 3)
    assert sum("access.denied" in line for line in lines) == 0


def test_a_file_name_cannot_forge_a_line_or_reach_the_terminal_through_audit(db_path: Path, tmp_path: Path) -> None:
    """The text view escapes every field, whatever wrote it: here the detail of a backup to a hostile file name."""
    database = ["--database", str(db_path)]
    added = runner.invoke(
        cli, ["users", "add", "ada", "--role", "admin", "--password-stdin", *database], input=PASSWORD
    )
    assert added.exit_code == 0
    hostile = tmp_path / f"b\n{FORGED}{TERMINAL}.sqlite3"
    assert runner.invoke(cli, ["db", "backup", str(hostile), *database]).exit_code == 0
    shown = runner.invoke(cli, ["audit", *database])
    lines = assert_one_printable_line_per_event(shown.stdout, 2)
    assert f"b\\n{FORGED}\\x1b]0;owned\\x07\\x1b[2J\\r\\u202e.sqlite3" in lines[0]
    as_json = runner.invoke(cli, ["audit", "--format", "json", *database])
    assert "b\\n2026-12-06" in as_json.stdout and "\\u001b]0;owned" in as_json.stdout  # JSON escapes, as before


def test_file_names_that_are_not_utf8_are_taken_and_written_escaped_in_the_audit_trail(
    tmp_path: Path, database: str
) -> None:
    """A Linux file name may hold a byte that is not UTF-8 (Python carries it as a lone surrogate, which neither
    database stores): db backup, db restore and db move take it, and the audit row names it escaped, never a
    traceback (docs/security.md, 22)."""
    live = ["--database", str(tmp_path / "live.sqlite3")]
    added = runner.invoke(cli, ["users", "add", "ada", "--role", "admin", "--password-stdin", *live], input=PASSWORD)
    assert added.exit_code == 0, added.output
    backup = tmp_path / os.fsdecode(b"bad\xff.sqlite3")
    backed_up = runner.invoke(cli, ["db", "backup", str(backup), *live])
    assert backed_up.exit_code == 0 and "Traceback" not in backed_up.output, backed_up.output
    assert os.fsencode(backup.name) in os.listdir(os.fsencode(tmp_path))
    restored = runner.invoke(cli, ["db", "restore", str(backup), *live])
    assert restored.exit_code == 0 and "Traceback" not in restored.output, restored.output
    trail = runner.invoke(cli, ["audit", *live]).stdout.splitlines()
    assert "db.restore" in trail[0] and trail[0].endswith("bad\\xff.sqlite3"), trail
    assert "db.backup" in trail[1] and trail[1].endswith("bad\\xff.sqlite3"), trail
    source = tmp_path / os.fsdecode(b"src\xff.sqlite3")
    shutil.copyfile(backup, source)
    moved = runner.invoke(cli, ["db", "move", "--database", str(source), "--to", database])
    assert moved.exit_code == 0 and "Traceback" not in moved.output, moved.output
    trail = runner.invoke(cli, ["audit", "--database", database]).stdout.splitlines()
    assert "db.move" in trail[0] and "src\\xff.sqlite3: " in trail[0], trail


# -- passwords (#28, #29) ------------------------------------------------------------------------------------
def test_password_bytes_that_are_not_utf8_are_one_line_and_change_nothing(db_path: Path) -> None:
    database = ["--database", str(db_path)]
    for command in (["users", "add", "e4", "--role", "admin"], ["users", "reset-password", "e4"]):
        result = runner.invoke(cli, [*command, "--password-stdin", *database], input=b"\xff\xfe0123456789\n")
        one_line_refusal(result, "--password-stdin: the password is not UTF-8 text (at byte 1)")
        assert "\\xff" not in result.stderr  # no byte of a password is shown
    assert not db_path.exists()


def test_password_bytes_that_are_not_utf8_under_the_c_locale(tmp_path: Path) -> None:
    environment = {**os.environ, "LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}
    environment.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "users", "add", "e4", "--role", "admin", "--password-stdin"]
        + ["--database", str(tmp_path / "db.sqlite3")],
        input=b"\xff\xfe0123456789\n",
        capture_output=True,
        env=environment,
        cwd=tempfile.gettempdir(),
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1 and b"not UTF-8 text" in done.stderr, done.stderr
    assert not (tmp_path / "db.sqlite3").exists()


# invisible format characters (Unicode's Cf): zero-width space, non-joiner, joiner, word joiner, byte order mark,
# soft hyphen, the bidirectional embeddings and overrides and the isolates
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad" + "".join(map(chr, range(0x202A, 0x202F))) + "\u2066\u2067\u2068\u2069"
)


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("x" * 1001, "at most 1,000 characters (the sign-in form takes no more)"),
        ("x" * 1_000_000, "at most 1,000 characters"),
        (PASSWORD + "\r", "may not contain a carriage return"),
        ("tab\tseparated secret", "may not contain a control character"),
        ("escape \x1b[2J secret", "may not contain a control character"),
        ("short", "at least 10 characters"),
        *((f"correct{invisible}horse battery", "may not contain an invisible character") for invisible in INVISIBLE),
    ],
    ids=["1001-characters", "a-megabyte", "crlf", "tab", "escape", "short", *(f"U+{ord(c):04X}" for c in INVISIBLE)],
)
def test_a_password_the_sign_in_form_could_never_take_is_refused(
    db_path: Path, tmp_path: Path, password: str, words: str
) -> None:
    database = ["--database", str(db_path)]
    make_portfolio(db_path, tmp_path)
    before = db_path.read_bytes()
    for command in (["users", "add", "bea", "--role", "admin"], ["users", "reset-password", "ada"]):
        result = runner.invoke(cli, [*command, "--password-stdin", *database], input=password + "\n")
        one_line_refusal(result, words)
    assert db_path.read_bytes() == before


def test_an_earlier_password_with_an_invisible_character_still_signs_in(database: str, advisor) -> None:  # type: ignore[no-untyped-def]
    """Only a password being set is checked: one stored before invisible characters were refused keeps working
    at the sign-in form, and the command line refuses it as a new password."""
    from sqlalchemy import update

    old = "correct\u200bhorse\u202ebattery"
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        ada = accounts.add_user(session, "ada", "admin", PASSWORD)
        session.execute(update(accounts.User).values(password_hash=accounts.hash_password(old)))
        accounts.record(session, "user.password", user=ada, detail="tokens kept")
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        form = {"csrf_token": csrf(client), "name": "ada"}
        visible = client.post("/signin", data={**form, "password": old.replace("\u200b", "")}, follow_redirects=False)
        assert visible.status_code == 401  # what is invisible is still part of it
        signed = client.post("/signin", data={**form, "password": old}, follow_redirects=False)
        assert signed.status_code == 303 and client.get("/").status_code == 200
    reset = ["users", "reset-password", "ada", "--password-stdin", "--database", database]
    one_line_refusal(runner.invoke(cli, reset, input=old + "\n"), "may not contain an invisible character")
    app.state.web.engine.dispose()


def test_the_longest_password_the_command_line_takes_signs_in_on_the_web(db_path: Path, advisor) -> None:  # type: ignore[no-untyped-def]
    longest = "é" + "x" * (accounts.PASSWORD_LENGTH[-1] - 2) + " "  # 1,000 characters, a space kept at the end
    database = ["--database", str(db_path)]
    added = runner.invoke(cli, ["users", "add", "ada", "--role", "admin", "--password-stdin", *database], input=longest)
    assert added.exit_code == 0, added.output
    app = create_app(str(db_path), advisor)
    with TestClient(app, base_url=BASE, client=LOCAL) as client:
        signed = client.post(
            "/signin", data={"csrf_token": csrf(client), "name": "ada", "password": longest}, follow_redirects=False
        )
        assert signed.status_code == 303
    app.state.web.engine.dispose()


# -- an unusable data folder (#40) ---------------------------------------------------------------------------
def commands_that_open_the_database(backup: Path, elsewhere: Path) -> list[list[str]]:
    return [
        ["users", "list"],
        ["users", "add", "ada", "--role", "admin", "--password-stdin"],
        ["users", "reset-password", "ada", "--password-stdin"],
        ["users", "remove", "ada"],
        ["users", "grant", "ada", "1"],
        ["audit"],
        ["db", "backup", str(elsewhere)],
        ["db", "restore", str(backup)],
        ["db", "delete-unit", "1", "--yes"],
        ["db", "delete-visit", "1", "1", "--yes"],
        ["db", "move", "--to", str(elsewhere)],
    ]


def test_an_unusable_data_folder_is_one_line_for_every_command_that_opens_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup.sqlite3"
    made = runner.invoke(
        cli,
        ["users", "add", "ada", "--role", "admin", "--password-stdin", "--database", str(tmp_path / "ok.sqlite3")],
        input=PASSWORD,
    )
    assert (
        made.exit_code == 0
        and runner.invoke(cli, ["db", "backup", str(backup), "--database", str(tmp_path / "ok.sqlite3")]).exit_code == 0
    )
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder", encoding="utf-8")
    settings: list[tuple[dict[str, str], list[str]]] = [
        ({"XDG_DATA_HOME": str(a_file)}, []),
        ({"XDG_DATA_HOME": "/proc/1/nope"}, []),
        ({"MBT_ADVISOR_DATA": str(a_file)}, []),
        ({"MBT_ADVISOR_DATA": "/proc/1/nope"}, []),
        ({}, ["--database", "/proc/1/nope/x.sqlite3"]),
        ({}, ["--database", str(a_file / "x.sqlite3")]),
    ]
    for environment, option in settings:
        monkeypatch.delenv("MBT_ADVISOR_DATA", raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        for command in commands_that_open_the_database(backup, tmp_path / "elsewhere.sqlite3"):
            result = runner.invoke(cli, [*command, *option], input=PASSWORD + "\n")
            assert result.exit_code == 2, (environment, option, command, result.output)
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, (command, result.output)
    assert a_file.read_text(encoding="utf-8") == "not a folder"
    assert not (tmp_path / "elsewhere.sqlite3").exists()


# -- db move into a URL that cannot be read, or into nothing (#35) -------------------------------------------
@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("postgresql://[::1", "--to: is not a database URL that can be read"),
        ("postgresql://host:port/db", "--to: is not a database URL that can be read"),
        ("sqlite://", "--to: is an in-memory database, which keeps nothing"),
        ("sqlite:///:memory:", "--to: is an in-memory database"),
        ("sqlite:///file::memory:?cache=shared", "--to: is an in-memory database"),
        ("", "--to: is empty"),
        ("  ", "--to: is empty"),
    ],
)
def test_db_move_refuses_a_url_it_cannot_read_or_that_keeps_nothing(
    db_path: Path, target: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(db_path.parent.parent)  # a relative file name lands in the test's own folder
    make_portfolio(db_path, db_path.parent)
    before = db_path.read_bytes()
    one_line_refusal(runner.invoke(cli, ["db", "move", "--to", target, "--database", str(db_path)]), words)
    assert db_path.read_bytes() == before


# -- db restore trusts nothing (item 3: #32, #33) ------------------------------------------------------------
_TEMPLATE: list[tempfile.TemporaryDirectory[str]] = []  # built once per run, copied for each test


def make_portfolio(db_path: Path, tmp_path: Path) -> Path:
    """A database with an admin, a consultant, a unit and a session at ``db_path``; and a backup of it in
    ``tmp_path`` (returned). Both are copies of files made once per run through the command line."""
    if not _TEMPLATE:
        _TEMPLATE.append(tempfile.TemporaryDirectory(prefix="mbt-advisor-portfolio-"))
        folder = Path(_TEMPLATE[0].name)
        database = ["--database", str(folder / "db.sqlite3")]
        for name, role in (("ada", "admin"), ("cole", "consultant")):
            added = runner.invoke(
                cli, ["users", "add", name, "--role", role, "--password-stdin", *database], input=PASSWORD
            )
            assert added.exit_code == 0, added.output
        with sqlite3.connect(folder / "db.sqlite3") as con:
            con.execute("INSERT INTO units (name, created_at) VALUES ('Oak ward', '2026-01-01 00:00:00')")
            con.execute("INSERT INTO web_sessions (id, user_id, expires_at) VALUES ('s', 1, '2999-01-01 00:00:00')")
        con.close()
        assert runner.invoke(cli, ["db", "backup", str(folder / "backup.sqlite3"), *database]).exit_code == 0
    folder = Path(_TEMPLATE[0].name)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "db.sqlite3", db_path)
    db_path.chmod(0o600)
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(folder / "backup.sqlite3", backup)
    return backup


def tampered(backup: Path, *statements: str) -> Path:
    with sqlite3.connect(backup) as con:
        for statement in statements:
            con.execute(statement)
    con.close()
    return backup


def live_files(db_path: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(db_path.parent.iterdir())}


TAMPERED = {
    "a trigger that grants every unit": (
        "CREATE TRIGGER grant_all AFTER INSERT ON web_sessions BEGIN INSERT OR IGNORE INTO unit_members "
        "SELECT new.user_id, id FROM units; END",
        "holds a trigger ('grant_all'), which mbt-advisor never writes",
    ),
    "a trigger that erases audit rows": (
        "CREATE TRIGGER hide AFTER INSERT ON audit_events WHEN new.actor = 'cole' BEGIN "
        "DELETE FROM audit_events WHERE id = new.id; END",
        "holds a trigger ('hide')",
    ),
    "a view": ("CREATE VIEW everything AS SELECT * FROM units", "holds a view ('everything')"),
    "an extra table": ("CREATE TABLE mallory (x)", "it holds table 'mallory', which this release's schema does not"),
    "an extra index": ("CREATE INDEX ix_units_name ON units (name)", "it holds index 'ix_units_name'"),
    "a units table of another shape": (
        "ALTER TABLE units ADD COLUMN owner TEXT",
        "its table 'units' has other columns, indexes or keys than this release writes",
    ),
    "a missing table": ("DROP TABLE api_tokens", "it lacks table 'api_tokens'"),
    "a newer migration version": (
        "UPDATE alembic_version SET version_num = 'ffffffffffff'",
        "has the migration version 'ffffffffffff', which this release does not know",
    ),
    "no migration version row": ("DELETE FROM alembic_version", "it has 0 migration versions, not one"),
    "two migration versions": ("INSERT INTO alembic_version VALUES ('0001')", "it has 2 migration versions"),
    "no migration version table": ("DROP TABLE alembic_version", "it has no migration version"),
    "a visit of no unit": (
        "INSERT INTO visits (unit_id, visited_on, profile_yaml, assessment_json, knowledge_digest, risk_overall, "
        "created_at) VALUES (999, '2026-01-01', 'x', '{}', 'd', 'low', '2026-01-01 00:00:00')",
        "a row of visits cannot be stored there (FOREIGN KEY constraint failed)",
    ),
    "a date that is no date": (
        "UPDATE units SET created_at = 'yesterday'",
        "a row of units cannot be stored there",
    ),
}


@pytest.mark.parametrize("change", TAMPERED, ids=[name.replace(" ", "-") for name in TAMPERED])
def test_a_backup_this_release_did_not_write_is_refused_and_the_live_database_is_not_touched(
    db_path: Path, tmp_path: Path, change: str
) -> None:
    statement, words = TAMPERED[change]
    backup = tampered(make_portfolio(db_path, tmp_path), statement)
    before = live_files(db_path)
    result = runner.invoke(cli, ["db", "restore", str(backup), "--database", str(db_path)])
    one_line_refusal(result, words)
    assert "not restored; nothing was changed" in result.stderr
    assert live_files(db_path) == before  # byte for byte, and no .before-restore copy either


def test_nothing_is_written_beside_the_backup_even_when_it_is_refused(db_path: Path, tmp_path: Path) -> None:
    backup = make_portfolio(db_path, tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    truncated = folder / "truncated.sqlite3"
    live = db_path.read_bytes()
    truncated.write_bytes(live[:5000])  # a WAL database's first pages (cut short by a copy)
    whole = folder / "whole.sqlite3"
    whole.write_bytes(backup.read_bytes())
    for source in (truncated, whole):
        runner.invoke(cli, ["db", "restore", str(source), "--database", str(db_path)])
    assert sorted(path.name for path in folder.iterdir()) == ["truncated.sqlite3", "whole.sqlite3"]


def test_a_refused_backup_leaves_no_database_where_there_was_none(tmp_path: Path) -> None:
    backup = tampered(make_portfolio(tmp_path / "a" / "db.sqlite3", tmp_path), "CREATE VIEW v AS SELECT 1")
    target = tmp_path / "new" / "db.sqlite3"
    one_line_refusal(runner.invoke(cli, ["db", "restore", str(backup), "--database", str(target)]), "holds a view")
    assert not target.parent.exists()


def test_the_restored_database_has_this_releases_schema_and_no_sign_ins(db_path: Path, tmp_path: Path) -> None:
    from mbt_advisor.web.storage.backup import structure

    backup = make_portfolio(db_path, tmp_path)
    assert runner.invoke(cli, ["db", "restore", str(backup), "--database", str(db_path)]).exit_code == 0
    fresh = tmp_path / "fresh.sqlite3"
    assert runner.invoke(cli, ["users", "list", "--database", str(fresh)]).exit_code == 0
    with sqlite3.connect(db_path) as live, sqlite3.connect(fresh) as new:
        assert structure(live) == structure(new)
        assert live.execute("SELECT name FROM units").fetchall() == [("Oak ward",)]
        assert live.execute("SELECT count(*) FROM web_sessions").fetchone() == (0,)  # everyone signs in again
        assert live.execute("SELECT action FROM audit_events ORDER BY id DESC LIMIT 1").fetchone() == ("db.restore",)
    live.close()
    new.close()


def test_an_older_backup_is_migrated_in_the_copy_and_then_restored(db_path: Path, tmp_path: Path) -> None:
    from mbt_advisor.web.storage import migrate
    from mbt_advisor.web.storage.db import make_engine

    old = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{old}")
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO units (name, created_at) VALUES ('Kept', '2026-01-01 00:00:00')")
    engine.dispose()  # the last connection closed: everything in the one file
    before = old.read_bytes()
    make_portfolio(db_path, tmp_path)
    restored = runner.invoke(cli, ["db", "restore", str(old), "--database", str(db_path)])
    assert restored.exit_code == 0, restored.output
    assert old.read_bytes() == before  # the backup itself is never migrated
    with sqlite3.connect(db_path) as live:
        assert live.execute("SELECT name FROM units").fetchall() == [("Kept",)]
        assert live.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.head_revision(),)]
    live.close()


def test_a_failure_after_the_swap_puts_the_previous_content_back_and_says_where_the_copy_is(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbt_advisor.web.storage import backup as backups

    backup = make_portfolio(db_path, tmp_path)
    with sqlite3.connect(db_path) as con:
        con.execute("INSERT INTO units (name, created_at) VALUES ('Added after the backup', '2026-02-01 00:00:00')")
    con.close()

    def disk_full(target: Path, restored: Path) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backups, "_check_restored", disk_full)
    result = runner.invoke(cli, ["db", "restore", str(backup), "--database", str(db_path)])
    one_line_refusal(result, "the restore failed (database or disk is full); the previous content was put back")
    kept = next(db_path.parent.glob("*.before-restore-*"))
    assert f"a copy of it is kept in {kept}" in result.stderr
    with sqlite3.connect(db_path) as con:
        assert [row[0] for row in con.execute("SELECT name FROM units ORDER BY id")] == [
            "Oak ward",
            "Added after the backup",
        ]
    con.close()
    assert runner.invoke(cli, ["users", "list", "--database", str(db_path)]).exit_code == 0


# -- db backup never replaces what is not a regular file (item 4: #34) ---------------------------------------
def special_files(folder: Path) -> dict[str, tuple[Path, Callable[[int], bool]]]:
    """A folder, a FIFO, a unix socket and (where permitted) a private device node, all made in ``folder``."""
    made: dict[str, tuple[Path, Callable[[int], bool]]] = {}
    (folder / "a-folder").mkdir()
    made["folder"] = (folder / "a-folder", stat.S_ISDIR)
    os.mkfifo(folder / "fifo")
    made["fifo"] = (folder / "fifo", stat.S_ISFIFO)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(folder / "sock"))
    listening.close()
    made["socket"] = (folder / "sock", stat.S_ISSOCK)
    try:
        os.mknod(folder / "null-device", 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a private copy, never /dev's
        made["device"] = (folder / "null-device", stat.S_ISCHR)
    except PermissionError:
        pass
    return made


def test_db_backup_never_replaces_a_folder_device_fifo_or_socket(db_path: Path) -> None:
    make_portfolio(db_path, db_path.parent)
    folder = Path(tempfile.mkdtemp(prefix="mbt-special-"))  # short: a socket's path has at most 107 bytes
    try:
        targets = special_files(folder)
        for _kind, (target, is_kind) in targets.items():
            for force in ([], ["--force"]):
                result = runner.invoke(cli, ["db", "backup", str(target), *force, "--database", str(db_path)])
                one_line_refusal(result, "is a folder" if is_kind is stat.S_ISDIR else "is not a regular file")
                assert is_kind(os.lstat(target).st_mode)
        if "device" not in targets:
            pytest.skip("making a device node is not permitted here (the folder, FIFO and socket were checked)")
    finally:
        shutil.rmtree(folder)


def test_db_backup_refuses_the_live_database_as_its_own_target(db_path: Path, tmp_path: Path) -> None:
    make_portfolio(db_path, tmp_path)
    link = tmp_path / "link.sqlite3"
    link.symlink_to(db_path)
    before = live_files(db_path)
    for target in (db_path, link, Path(str(db_path) + "-wal")):
        if not target.exists():
            target.touch()  # a journal left beside it
        result = runner.invoke(cli, ["db", "backup", str(target), "--force", "--database", str(db_path)])
        one_line_refusal(result, "is the database being backed up")
    after = live_files(db_path)
    after.pop(db_path.name + "-wal", None)
    before.pop(db_path.name + "-wal", None)
    assert after == before
