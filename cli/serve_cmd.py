"""`mbt-advisor serve` (the web application), `db backup|restore|path`, `users ...` and `audit`.

The web stack (FastAPI, SQLAlchemy, uvicorn) is imported only inside these commands.
"""

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mbt_advisor.common import canonical_id
from mbt_advisor.common.errors import InputError, escape, shown

from .io import fail, note
from .usage import typer_app

DEFAULT_PORT = 8765
Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLite file or database URL (default: mbt-advisor.sqlite3 in your data folder, see `db path`).",
    ),
]


def record_id(text: str) -> int:
    """An id argument (a unit, a visit), spelled as the web spells it (mbt_advisor.common.canonical_id): ``+3``,
    `` 3``, ``03``, ``3.0``, ``1_7`` (which int() reads as 17) or ``٣`` is refused, naming the argument and
    what is allowed, before anything is opened."""
    value = canonical_id.parse_id(text)
    if value is None:
        raise typer.BadParameter(f"{shown(text)} is not {canonical_id.ALLOWED}.")
    return value


db_app = typer_app(
    help="The web application's database: where it is, backup and restore, deleting a unit or a visit.",
    no_args_is_help=True,
)


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on: 127.0.0.1 or ::1; another address only with an admin account (users add).",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = DEFAULT_PORT,
    database: Database = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the application in the web browser.")] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="Server processes sharing the database (one per core).")
    ] = 1,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="Behind a reverse proxy: the https:// address people open (its Host and Origin are accepted, "
            "cookies are Secure). Needs an admin account.",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="The reverse proxy's addresses or networks (comma-separated, e.g. 127.0.0.1) whose "
            "X-Forwarded-For and X-Forwarded-Proto are believed. Default: none. Needs an admin account.",
        ),
    ] = None,
) -> None:
    """Run mbt-advisor in the browser: the founder's questionnaire, the consultant's portfolio of units and
    visits, and a JSON API under /api/v1. Listens on this computer only; the data stay in one SQLite file.
    A shared server (accounts, a reverse proxy with HTTPS): see docs/deployment.md.

    Example:

      mbt-advisor serve --open
    """
    from mbt_advisor.web.access.exposure import BindRefused, check_bind, check_shared
    from mbt_advisor.web.settings.config import database_label, database_url, is_loopback
    from mbt_advisor.web.settings.site import Site, parse_forwarded_allow_ips, parse_public_url

    site = Site(parse_public_url(public_url), parse_forwarded_allow_ips(forwarded_allow_ips))
    url = database_url(database)
    try:
        check_bind(host, url)
        check_shared(site, url)
    except BindRefused as exc:
        fail(str(exc))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP; without it every
    # answer on a kept-alive connection waits ~40 ms for a delayed ACK (measured by bench/web_load.py)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the queue while worker processes start
    except OSError as exc:
        sock.close()
        fail(f"--port {port}: cannot listen on {host} ({exc.strerror or exc}); choose another port, or --port 0.")
    bound = sock.getsockname()[1]
    try:
        from mbt_advisor.web.app import create_app

        app = create_app(url, site=site)
    except InputError:  # a broken rule base: reported once by cli/usage.py
        sock.close()
        raise
    except Exception as exc:  # noqa: BLE001 - a database that cannot be opened or migrated: one clear line
        sock.close()
        fail(f"--database {database_label(url)}: cannot be opened ({str(exc).splitlines()[0]}).")
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{bound}/"
    reach = "this computer only" if is_loopback(host) else "reachable from other computers"
    if site.public_url:
        reach += f"; people open {site.public_url}/ through the reverse proxy"
    note(f"mbt-advisor {_version()}: serving {address} ({reach}); press Ctrl+C to stop.")
    if site.forwarded_allow_ips:
        note(f"believing X-Forwarded-For and X-Forwarded-Proto from {', '.join(site.forwarded_allow_ips)} only")
    note(f"data: {database_label(url)}")
    if workers > 1:
        note(f"{workers} worker processes")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, [address]).start()
    try:
        _run(app, sock, url, workers, site)
    finally:
        sock.close()


UVICORN_OPTIONS = {
    "log_level": "warning",
    "access_log": False,
    "lifespan": "off",
    "proxy_headers": False,  # forwarded headers are believed by the access guard, from --forwarded-allow-ips only
}


def _run(app: object, sock: socket.socket, url: str, workers: int, site: Any) -> None:
    """uvicorn on our own socket: one process, or a supervisor with ``workers`` processes that each build the
    application from the environment (the database is already migrated by this process)."""
    import os

    import uvicorn

    options = dict(UVICORN_OPTIONS)
    if workers == 1:
        uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])  # type: ignore[arg-type]
        return
    from uvicorn.supervisors import Multiprocess

    from mbt_advisor.web.app import DATABASE_ENV

    os.environ[DATABASE_ENV] = url
    os.environ.update(site.environment())
    config = uvicorn.Config("mbt_advisor.web.app:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]
    try:
        supervisor = Multiprocess(config, sockets=[sock])
    except TypeError:  # uvicorn < 0.30 takes the worker's target as well
        supervisor = Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock])  # type: ignore[call-arg]
    supervisor.run()


def _version() -> str:
    from mbt_advisor._version import __version__

    return __version__


@db_app.command("path")
def db_path(database: Database = None) -> None:
    """Print where the data are (the SQLite file the application uses by default).

    Example:

      mbt-advisor db path --database /srv/mbt/portfolio.sqlite3
    """
    from mbt_advisor.web.settings.config import database_label, database_url

    sys.stdout.write(database_label(database_url(database)) + "\n")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    database: Database = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Copy the database to FILE with SQLite's online backup (safe while `serve` runs).

    Example:

      mbt-advisor db backup portfolio-2026-11-27.sqlite3
    """
    from mbt_advisor.web.settings.config import database_url
    from mbt_advisor.web.storage.backup import backup

    backup(database_url(database), file, force=force)  # bad input: one line, exit 2 (cli/usage.py); audited
    note(f"wrote {file}")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup written by `db backup`.")],
    database: Database = None,
) -> None:
    """Replace the database's content with a backup (the current content is kept beside it first).
    Stop `serve` before restoring. A copy of the backup is checked first: anything this release would not
    have written (a trigger, a view, another table or schema, an unknown migration version) is refused, and
    the database is left as it was.

    Example:

      mbt-advisor db restore portfolio-2026-11-27.sqlite3
    """
    from mbt_advisor.web.settings.config import database_label, database_url
    from mbt_advisor.web.storage.backup import restore

    url = database_url(database)
    kept = restore(url, file)
    if kept is not None:
        note(f"kept the previous content in {kept}")
    note(f"restored {file} into {database_label(url)}")


@db_app.command("move")
def db_move(
    to: Annotated[str, typer.Option("--to", help="The database to move into: postgresql://USER@HOST/DATABASE.")],
    database: Database = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete what the target holds first (in the same transaction).")
    ] = False,
) -> None:
    """Move a portfolio (by default the local SQLite file) into another database, typically the PostgreSQL of
    a shared server: every unit, visit, questionnaire, account, membership and token, ids kept, in one
    transaction, checked by counting afterwards. Sign-ins are not moved. The source is left as it was.

    Example:

      mbt-advisor db move --to postgresql://mbt@db.example.org/mbt
    """
    from mbt_advisor.web.settings.config import database_label, database_url
    from mbt_advisor.web.storage.move import NOT_MOVED, move

    target = database_url(to, "--to")
    from mbt_advisor.web.storage.audit import acting_as, command_line

    with acting_as(command_line()):  # recorded in the target's audit trail as the command line's
        counts = move(database_url(database), target, replace=replace)  # bad input: one line, exit 2
    moved = ", ".join(f"{count} {table}" for table, count in counts.items())
    note(f"moved into {database_label(target)}: {moved}")
    for reason in NOT_MOVED.values():
        note(reason)


Yes = Annotated[bool, typer.Option("--yes", help="Do not ask (required without a terminal).")]


def _existing(database: str | None) -> str:
    """The database's URL; a SQLite file that does not exist is bad input (not created empty)."""
    from mbt_advisor.web.settings.config import database_label, database_url

    url = database_url(database)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise InputError("there is no database here yet.", source=database_label(url))
    return url


def _confirm_by_typing(what: str, expected: str, yes: bool) -> None:
    """Deleting asks to type ``expected`` (the unit's name, the visit's date) on a terminal; without one, only
    ``--yes`` proceeds (a script or CI never waits on a prompt)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError("not deleted: confirm with --yes (there is no terminal to ask on).", source="--yes")
    shown = escape(expected)  # a name stored with control characters (before they were refused) stays inert
    typed = str(typer.prompt(f"To delete it, type {what} ({shown})", default="", show_default=False))
    if typed.strip() not in {expected.strip(), shown.strip()}:
        raise InputError(f"not deleted: that is not {what}.", source="confirmation")


@db_app.command("delete-unit")
def db_delete_unit(
    unit: Annotated[int, typer.Argument(parser=record_id, help="Unit id (the unit's page and `audit` show it).")],
    database: Database = None,
    yes: Yes = False,
) -> None:
    """Delete a unit with its visits, questionnaires and the accounts' access to it, for everyone (recorded in
    the audit trail as the command line's: ids and counts, not the name). Asks to type the unit's name on a
    terminal; elsewhere needs --yes.

    Example:

      mbt-advisor db delete-unit 3 --yes
    """
    from mbt_advisor.web.storage import store

    url = _existing(database)
    with _changing(url) as session:
        found = store.get_unit(session, unit)
        name = found.name if found is not None else None
    if name is None:
        raise InputError("no such unit (mbt-advisor serve lists the units with their ids).", source=f"unit {unit}")
    _confirm_by_typing("the unit's name", name, yes)
    with _changing(url) as session:
        deleted = store.delete_unit(session, unit)
    note(f"deleted unit {unit}: {deleted.detail() if deleted else 'it was already gone'}")


@db_app.command("delete-visit")
def db_delete_visit(
    unit: Annotated[int, typer.Argument(parser=record_id, help="Unit id.")],
    visit: Annotated[int, typer.Argument(parser=record_id, help="Visit id (of that unit).")],
    database: Database = None,
    yes: Yes = False,
) -> None:
    """Delete one visit (and the questionnaire that became it); recorded in the audit trail. Asks to type the
    visit's date on a terminal; elsewhere needs --yes.

    Example:

      mbt-advisor db delete-visit 3 12 --yes
    """
    from mbt_advisor.web.storage import store

    url = _existing(database)
    with _changing(url) as session:
        found = store.get_visit(session, unit, visit)
        day = found.visited_on.isoformat() if found is not None else None
    if day is None:
        raise InputError("no such visit of that unit.", source=f"unit {unit} visit {visit}")
    _confirm_by_typing("the visit's date", day, yes)
    with _changing(url) as session:
        found = store.get_visit(session, unit, visit)
        deleted = store.delete_visit(session, found) if found is not None else None
    note(f"deleted visit {visit} of unit {unit}: {deleted.detail() if deleted else 'it was already gone'}")


users_app = typer_app(
    help="Accounts of a shared server: from the first one on, everyone signs in.", no_args_is_help=True
)


def _password(stdin: bool) -> str:
    """The password from stdin's first line (UTF-8, whatever the locale) or asked twice on the terminal; then
    checked as the sign-in form will need it (accounts.check_password)."""
    from mbt_advisor.web.access.accounts import check_password

    if stdin:
        line = sys.stdin.buffer.readline()
        try:
            password = line.decode("utf-8").removesuffix("\n")
        except UnicodeDecodeError as exc:  # never shown: its bytes are part of a password
            raise InputError(
                f"the password is not UTF-8 text (at byte {exc.start + 1}); nothing was changed.",
                source="--password-stdin",
            ) from None
    else:
        password = str(typer.prompt("Password (at least 10 characters)", hide_input=True, confirmation_prompt=True))
    check_password(password)
    return password


@contextmanager
def _changing(database: str | None) -> Iterator[Any]:
    """One transaction on the database, recorded in the audit trail as the command line's (the OS user)."""
    from mbt_advisor.web.settings.config import database_url
    from mbt_advisor.web.storage.audit import acting_as, command_line
    from mbt_advisor.web.storage.db import open_database

    engine, sessions = open_database(database_url(database))
    try:
        with acting_as(command_line()), sessions.begin() as session:
            yield session
    finally:
        engine.dispose()


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The sign-in name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option("--role", help="admin (all units, accounts), consultant or founder.")],
    unit: Annotated[
        list[int] | None, typer.Option("--unit", parser=record_id, help="A unit id this account may see (repeat).")
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    database: Database = None,
) -> None:
    """Add an account. The first account switches the application to sign-in for everyone.

    Example:

      mbt-advisor users add ada --role admin
    """
    from mbt_advisor.web.access import accounts

    password = _password(password_stdin)
    with _changing(database) as session:
        accounts.add_user(session, name, role, password, tuple(unit or ()))
    note(f"added {name} ({role})")


@users_app.command("list")
def users_list(database: Database = None) -> None:
    """List the accounts: name, role and the units each may see.

    Example:

      mbt-advisor users list
    """
    from sqlalchemy import select

    from mbt_advisor.web.storage.models import UnitMember, User

    with _changing(database) as session:
        # sorted here, not by the database: PostgreSQL's collation may order names differently from SQLite's
        for user in sorted(session.scalars(select(User)), key=lambda u: u.name):
            units = sorted(session.scalars(select(UnitMember.unit_id).where(UnitMember.user_id == user.id)))
            shown = f"  units {', '.join(map(str, units))}" if units else ""
            sys.stdout.write(f"{user.name}  {user.role}{shown}\n")


@users_app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument()],
    last_admin: Annotated[
        bool, typer.Option("--last-admin", help="Remove it even if it is the last admin (see above).")
    ] = False,
    database: Database = None,
) -> None:
    """Remove an account (its sessions end at once) with the questionnaires it started and did not finish (each
    recorded in the audit trail). The last admin is refused unless --last-admin is given:
    a shared server without an admin cannot be managed, and one without any account is for this computer only.

    Example:

      mbt-advisor users remove cole
    """
    from mbt_advisor.web.access import accounts

    with _changing(database) as session:
        unfinished = accounts.remove_user(session, name, last_admin=last_admin)
    drafts = (
        f", and {unfinished} unfinished questionnaire{'s' * (unfinished != 1)} it had started" if unfinished else ""
    )
    note(f"removed {name}{drafts}")


@users_app.command("rename")
def users_rename(
    old: Annotated[str, typer.Argument(help="The account's name now.")],
    new: Annotated[
        str, typer.Argument(help="Its new name (letters, digits, . _ @ -; no other account's, in any case).")
    ],
    database: Database = None,
) -> None:
    """Give an account another name: it signs in with the new one; its units, tokens, sessions and
    questionnaires stay its own. Also works on a database that this release will not open because two account
    names differ only in case (the message on opening it gives the command).

    Example:

      mbt-advisor users rename Ada Ada-2
    """
    from mbt_advisor.web.access import accounts
    from mbt_advisor.web.settings.config import database_label
    from mbt_advisor.web.storage.audit import acting_as, command_line
    from mbt_advisor.web.storage.db import accounts_transaction, open_database

    url = _existing(database)
    with acting_as(command_line()), accounts_transaction(url) as session:
        accounts.rename_user(session, old, new)
    note(f"renamed {old} to {new}")
    try:
        engine, _ = open_database(url)  # a database that waited for this rename is brought up to date now
    except InputError as still:  # another pair of names differing only in case: the next command
        note(f"{database_label(url)} still cannot be opened: {still.problem}")
    else:
        engine.dispose()


@users_app.command("reset-password")
def users_reset_password(
    name: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    keep_tokens: Annotated[
        bool, typer.Option("--keep-tokens", help="Keep the account's personal API tokens valid.")
    ] = False,
    database: Database = None,
) -> None:
    """Set a new password: ends the account's sessions and any lock-out, and revokes its personal API tokens
    (a reset usually follows a suspected compromise) unless --keep-tokens is given.

    Example:

      mbt-advisor users reset-password cole
    """
    from mbt_advisor.web.access import accounts

    password = _password(password_stdin)
    with _changing(database) as session:
        revoked = accounts.reset_password(session, name, password, keep_tokens=keep_tokens)
    tokens = "its API tokens kept" if keep_tokens else f"{revoked} API token{'s' * (revoked != 1)} revoked"
    note(f"new password set for {name} (signed out everywhere; {tokens})")


@users_app.command("grant")
def users_grant(
    name: Annotated[str, typer.Argument()],
    unit: Annotated[int, typer.Argument(parser=record_id, help="Unit id.")],
    database: Database = None,
) -> None:
    """Let an account see and edit one more unit.

    Example:

      mbt-advisor users grant cole 3
    """
    from mbt_advisor.web.access import accounts

    with _changing(database) as session:
        accounts.grant(session, name, unit)
    note(f"{name} may now see unit {unit}")


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument()],
    unit: Annotated[int, typer.Argument(parser=record_id, help="Unit id.")],
    database: Database = None,
) -> None:
    """Take a unit away from an account (the opposite of grant), at once for its open sessions and tokens too.

    Example:

      mbt-advisor users revoke cole 3
    """
    from mbt_advisor.web.access import accounts

    with _changing(database) as session:
        accounts.revoke(session, name, unit)
    note(f"{name} may no longer see unit {unit}")


class AuditFormat(StrEnum):
    text = "text"
    json = "json"


def audit(
    database: Database = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only events from this UTC date or time on (2026-11-01, 2026-11-01T08:00)."),
    ] = None,
    unit: Annotated[
        int | None, typer.Option("--unit", parser=record_id, help="Only events about this unit id.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only events by, or about, this account name.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, or family of actions (visit, signin, user).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000, help="At most this many, newest first.")] = 200,
    output_format: Annotated[AuditFormat, typer.Option("--format", help="text or json.")] = AuditFormat.text,
) -> None:
    """The audit trail, newest first: who created, changed, exported or deleted which unit, visit or account,
    and when (UTC). Ids, actions and actors only, never profile content.

    Example:

      mbt-advisor audit --since 2026-11-01 --action visit.export
    """
    from mbt_advisor.web.settings.config import database_label, database_url
    from mbt_advisor.web.storage import audit as trail
    from mbt_advisor.web.storage.db import open_database

    selection = trail.Filter(unit, user, trail.check_action(action), trail.parse_since(since), limit=limit)
    url = database_url(database)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise InputError("there is no database here yet (nothing recorded).", source=database_label(url))
    engine, sessions = open_database(url)
    try:
        with sessions() as session:
            rows = trail.events(session, selection)
    finally:
        engine.dispose()
    if len(rows) == limit:
        note(f"the newest {limit} events shown; older ones with --limit or --since")
    if output_format is AuditFormat.json:
        import json

        sys.stdout.write(json.dumps([trail.as_dict(r) for r in rows], indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.writelines(trail.as_line(r) + "\n" for r in rows)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(audit)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
