"""The command line reads an id argument as the web reads an id in a path (mbt_advisor.common.canonical_id):
`users grant gil 1_7` is not unit 17 and `db delete-unit +3` deletes nothing. Every other spelling is one line,
exit status 2, naming the argument and what is allowed, with every row of every table as it was
(docs/security.md, finding 23)."""

from __future__ import annotations

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from mbt_advisor.common.canonical_id import ID_MAX
from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.storage import store

from .test_move import rows

pytestmark = pytest.mark.both_databases  # SQLite, and PostgreSQL in the slow tier

runner = CliRunner()
PASSWORD = "correct horse battery"
# each would have meant unit (or visit) 3, 17, 0 or one past the column to int(); the last is one character
SPELLINGS = ["+3", " 3", "03", "3.0", "1_7", "٣", "3e0", "-0", "2**31", str(ID_MAX + 1)]


@pytest.fixture
def portfolio(database: str, riverside_text: str, advisor) -> str:  # type: ignore[no-untyped-def]
    """Units 1 to 17 (unit 3 with visits 1 to 3); cole sees units 3 and 17, gil (a founder) none."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        units = [store.create_unit(session, f"Unit {n}") for n in range(1, 18)]
        for _ in range(3):
            store.add_visit(session, units[2], riverside_text, advisor)
        accounts.add_user(session, "cole", "consultant", PASSWORD, (units[2].id, units[16].id))
        accounts.add_user(session, "gil", "founder", PASSWORD)
        assert [units[2].id, units[16].id] == [3, 17]
    app.state.web.engine.dispose()
    return database


def commands(spelling: str, database: str) -> list[tuple[str, list[str]]]:
    """Every id argument of the command line, given ``spelling`` (after ``--``: ``-0`` is an argument)."""
    at = ["--database", database]
    return [
        ("'unit'", ["users", "grant", *at, "--", "gil", spelling]),
        ("'unit'", ["users", "revoke", *at, "--", "cole", spelling]),
        ("'--unit'", ["users", "add", "newbie", "--role", "consultant", f"--unit={spelling}", "--password-stdin", *at]),
        ("'unit'", ["db", "delete-unit", "--yes", *at, "--", spelling]),
        ("'unit'", ["db", "delete-visit", "--yes", *at, "--", spelling, "3"]),
        ("'visit'", ["db", "delete-visit", "--yes", *at, "--", "3", spelling]),
        ("'--unit'", ["audit", f"--unit={spelling}", *at]),
    ]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_id_argument_in_another_spelling_is_one_line_and_changes_nothing(portfolio: str, spelling: str) -> None:
    before = rows(portfolio)
    for argument, command in commands(spelling, portfolio):
        result = runner.invoke(cli, command, input=PASSWORD)
        assert result.exit_code == 2, (command, result.exit_code, result.output)
        assert result.stdout == "" and result.stderr.count("\n") == 1, (command, result.stderr)
        assert "Traceback" not in result.output
        line = result.stderr
        assert (
            f"Invalid value for {argument}" in line
            and f"is not an id: the digits of a whole number from 1 to {ID_MAX}" in line
        ), line
    assert rows(portfolio) == before  # no grant, revoke, account, deletion, nor audit row


def test_the_canonical_spelling_still_does_what_it_says(portfolio: str) -> None:
    at = ["--database", portfolio]
    granted = runner.invoke(cli, ["users", "grant", "gil", "17", *at])
    assert granted.exit_code == 0 and "gil may now see unit 17" in granted.stderr, granted.output
    shown = runner.invoke(cli, ["audit", "--unit", "17", *at])
    assert shown.exit_code == 0 and "user.grant" in shown.stdout, shown.output
    deleted = runner.invoke(cli, ["db", "delete-visit", "3", "2", "--yes", *at])
    assert deleted.exit_code == 0 and "deleted visit 2 of unit 3" in deleted.stderr, deleted.output
