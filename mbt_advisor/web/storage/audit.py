"""The audit trail: who created, changed, exported or deleted which unit, visit or account, and when.

A row holds ids, an action from :data:`ACTIONS`, the actor and the time (UTC); never profile content, answers,
an assessor or a unit's name (a name identifies a team and would outlive the unit's deletion here; the admin's
page shows the unit's *current* name beside the id). The functions that write (store.py, accounts.py) call
:func:`record` in the same session, so the row commits or rolls back with the change.

Forgetting it is hard: every session of the application is an :class:`AuditedSession`, which refuses to commit
a new, changed or deleted unit, visit, questionnaire, account, membership, token or sign-in session unless the
same transaction records an event naming it (``UnauditedWrite``; a deleted unit or visit needs its own
``unit.delete`` or ``visit.delete``, not just any event naming it), and refuses any change to an audit row.
The actor is the request's (set once by the access guard, :func:`acting_as`), the command line's, or "system".
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session

from mbt_advisor.common.errors import escape
from mbt_advisor.web.storage.models import (
    INTEGER_IDS,
    ApiToken,
    AuditEvent,
    Draft,
    Unit,
    UnitMember,
    User,
    Visit,
    WebSession,
    storable_equal,
)

ACTIONS: dict[str, str] = {
    "unit.create": "a unit was created",
    "visit.create": "a visit (a profile with its assessment) was stored",
    "visit.reassess": "a stored assessment was recomputed with changed knowledge",
    "visit.export": "a visit left the server: detail brief, profile (YAML) or json (the assessment)",
    "visit.delete": "a visit was deleted with the questionnaire that became it (detail: the counts; 'with its "
    "unit' when its unit was deleted)",
    "unit.delete": "a unit was deleted with its visits, questionnaires and memberships (detail: the counts)",
    "questionnaire.start": "a questionnaire was started",
    "questionnaire.save": "a questionnaire's answers changed (an answer, don't know, back)",
    "questionnaire.finish": "a questionnaire was saved as a visit",
    "questionnaire.export": "a questionnaire's profile so far was downloaded",
    "questionnaire.delete": "an unfinished questionnaire was deleted, its answers with it (detail: with its account, "
    "discarded by its starter, or discarded by an administrator because no account started it)",
    "user.add": "an account was added (detail: its role)",
    "user.remove": "an account was removed (detail: its unfinished questionnaires deleted with it)",
    "user.rename": "an account's sign-in name was changed (detail: its name before)",
    "user.password": "an account's password was reset (its sessions end, a lock-out is lifted; detail: its "
    "personal API tokens revoked, or 'tokens kept')",
    "user.grant": "an account may now see a unit",
    "user.revoke": "an account may no longer see a unit (its membership was taken away)",
    "token.create": "a personal API token was created (detail: its id)",
    "token.revoke": "a personal API token was revoked (detail: its id)",
    "signin": "an account signed in",
    "signin.failed": "a failed sign-in (detail: wrong password, locked or unknown name); never the password",
    "signin.lockout": "an account was locked after repeated failed sign-ins",
    "signout": "an account signed out",
    "access.denied": "a signed-in account was refused a page or API route (detail: method, address and status; "
    "a 404 is a unit, visit, questionnaire or token that is not theirs, or does not exist)",
    "db.backup": "the database was copied to a backup file (detail: the file)",
    "db.restore": "the database's content was replaced by a backup (detail: the file)",
    "db.move": "a whole portfolio was moved into this database (detail: where from), its own trail included",
}
# what check_action accepts (an action or a family, trailing dots allowed), as the OpenAPI document states it
ACTION_PATTERN = (
    "^(("
    + "|".join(re.escape(name) for name in sorted({*ACTIONS, *(action.split(".")[0] for action in ACTIONS)}))
    + r")\.*)?$"
)


class UnauditedWrite(RuntimeError):
    """A transaction changed audited data without recording an event that names it (a programming error)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: an account (``user_id``), the local user without accounts, the command line, or the system."""

    name: str
    via: str
    user_id: int | None = None
    address: str | None = None


SYSTEM = Actor("system", "system")
_actor: ContextVar[Actor] = ContextVar("mbt_advisor_audit_actor", default=SYSTEM)


def command_line() -> Actor:
    """The administrator at the server's command line: the terminal's login name (also under ``sudo -u`` or
    ``runuser -u``), else sudo's caller, else the operating system's user; ``via`` names the user the command ran
    as when that differs (``command line as mbt``)."""
    try:
        running_as = getpass.getuser()
    except (OSError, KeyError):
        running_as = "unknown"
    try:
        login: str | None = os.getlogin()
    except OSError:  # no controlling terminal (cron, a service)
        login = None
    name = login or os.environ.get("SUDO_USER") or running_as
    via = "command line" if name == running_as else f"command line as {running_as}"
    return Actor(name[:80], via[:40])


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Everything recorded inside the block (this task or thread and what it starts) is ``actor``'s."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get()


def record(
    session: Session,
    action: str,
    *,
    unit_id: int | None = None,
    visit_id: int | None = None,
    user: User | None = None,
    detail: str | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Add one event to ``session``'s transaction (committed with it, or rolled back with it)."""
    row = AuditEvent(**_values(action, unit_id, visit_id, user, detail, actor))
    session.add(row)
    return row


def record_on(connection: Connection, action: str, *, detail: str | None = None) -> None:
    """The same, for a write made without the ORM on ``connection`` (``db move``), in its transaction."""
    connection.execute(insert(AuditEvent), _values(action, None, None, None, detail, None))


def _values(
    action: str,
    unit_id: int | None,
    visit_id: int | None,
    user: User | None,
    detail: str | None,
    actor: Actor | None,
) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = actor or current_actor()
    return {
        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "actor": storable(who.name)[:80],
        "actor_id": who.user_id,
        "via": storable(who.via)[:40],
        "address": storable(who.address)[:64] if who.address else None,
        "action": action,
        "unit_id": unit_id,
        "visit_id": visit_id,
        "user_id": user.id if user is not None else None,
        "user_name": user.name if user is not None else None,
        "detail": storable(detail)[:300] if detail else None,
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def storable(text: str) -> str:
    """``text`` as UTF-8 can hold it: a byte of a file name that is not UTF-8 (which Python carries as a lone
    surrogate, ``bad\\udcff``) is written as its escape, ``bad\\xff``; any other lone surrogate as ``\\udXXX``.
    Both databases refuse a lone surrogate, so an audit row of ``db backup $'bad\\xff.sqlite3'`` would fail."""
    return _SURROGATE.sub(_escaped_surrogate, text)


# -- reading ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    """Which events to list: newest first, ``limit`` of them, older than event ``before`` (paging)."""

    unit_id: int | None = None
    user: str | None = None  # the actor's name or the account the event is about
    action: str | None = None  # an action, or its family ("visit", "signin")
    since: dt.datetime | None = None  # UTC
    before: int | None = None
    limit: int = 50


def query(selection: Filter) -> Select[Any]:
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(selection.limit)
    if selection.unit_id is not None:
        statement = statement.where(storable_equal(AuditEvent.unit_id, selection.unit_id))
    if selection.user:
        user = selection.user
        statement = statement.where(storable_equal(AuditEvent.actor, user) | storable_equal(AuditEvent.user_name, user))
    if selection.action:
        family = selection.action.rstrip(".")
        statement = statement.where((AuditEvent.action == family) | AuditEvent.action.startswith(family + "."))
    if selection.since is not None:
        statement = statement.where(AuditEvent.at >= selection.since)
    if selection.before is not None and selection.before < INTEGER_IDS.stop:  # beyond every id: no limit
        statement = statement.where(storable_equal(AuditEvent.id, selection.before, AuditEvent.id < selection.before))
    return statement


def check_action(action: str | None) -> str | None:
    """An action or a family of actions (``visit``), as given; anything else is bad input."""
    if not action:
        return None
    families = sorted({a.split(".")[0] for a in ACTIONS})
    if action.rstrip(".") not in ACTIONS and action.rstrip(".") not in families:
        from mbt_advisor.common.errors import InputError, did_you_mean

        known = [*families, *ACTIONS]
        raise InputError(
            f"unknown action '{action}'.{did_you_mean(action, known)}", source="--action", allowed=", ".join(known)
        )
    return action


def parse_since(value: str | None) -> dt.datetime | None:
    """``2026-11-01`` or ``2026-11-01T08:00`` (UTC, or with an offset, converted to UTC)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        from mbt_advisor.common.errors import InputError

        raise InputError(
            f"'{value}' is not a date or time.", source="--since", allowed="YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def events(session: Session, selection: Filter) -> list[AuditEvent]:
    return list(session.scalars(query(selection)))


def as_dict(row: AuditEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(timespec="seconds") + "Z",
        "actor": row.actor,
        "actor_id": row.actor_id,
        "via": row.via,
        "address": row.address,
        "action": row.action,
        "unit": row.unit_id,
        "visit": row.visit_id,
        "user": row.user_id,
        "user_name": row.user_name,
        "detail": row.detail,
    }


def as_line(row: AuditEvent) -> str:
    """One event as a line of text: time, actor (how, from where), action, what, detail. Every character a
    terminal would act on (a line break, ESC, BEL, a bidirectional override) is written as an escape, so a
    field that came from a request (the path of a refused one) can neither forge a line nor reach the
    terminal."""
    how = row.via if row.address is None else f"{row.via}, {row.address}"
    what = [f"{name} {value}" for name, value in (("unit", row.unit_id), ("visit", row.visit_id)) if value is not None]
    if row.user_name is not None or row.user_id is not None:
        what.append(f"account {row.user_name or row.user_id}")
    parts = [row.at.isoformat(timespec="seconds") + "Z", f"{row.actor} ({how})", row.action, " ".join(what) or "-"]
    if row.detail:
        parts.append(row.detail)
    return escape("  ".join(parts))


# -- the guarantee: no audited change commits without its row ----------------------------------------------
Covers = Callable[[AuditEvent], bool]


def _deletion_covered_by(obj: Any) -> tuple[str, Covers] | None:
    """What an event must be to cover the deletion of ``obj``: a unit only by its ``unit.delete``, a visit only
    by its ``visit.delete``, a questionnaire or membership by the deletion of its unit (or of the visit the
    questionnaire became); the ids are read now, while the deleted row's values are at hand."""
    if isinstance(obj, Unit):
        unit_id = obj.id
        return f"the deletion of unit {unit_id}", lambda e: (e.action, e.unit_id) == ("unit.delete", unit_id)
    if isinstance(obj, Visit):
        visit_id = obj.id
        return f"the deletion of visit {visit_id}", lambda e: (e.action, e.visit_id) == ("visit.delete", visit_id)
    if isinstance(obj, Draft):
        of_unit, of_visit, of_user = obj.unit_id, obj.visit_id, obj.user_id
        return (
            "the deletion of a questionnaire",
            lambda e: (
                (e.action == "unit.delete" and of_unit is not None and e.unit_id == of_unit)
                or (e.action == "visit.delete" and of_visit is not None and e.visit_id == of_visit)
                or (e.action == "user.remove" and of_user is not None and e.user_id == of_user)
                or (e.action, e.unit_id, e.user_id) == ("questionnaire.delete", of_unit, of_user)
            ),
        )
    if isinstance(obj, UnitMember):
        user_id, unit_id = obj.user_id, obj.unit_id
        return (
            f"the deletion of membership {user_id}/{unit_id}",
            lambda e: (
                (e.action, e.unit_id) == ("unit.delete", unit_id)
                or (e.action, e.user_id) == ("user.remove", user_id)
                or (e.action, e.user_id, e.unit_id) == ("user.revoke", user_id, unit_id)
            ),
        )
    return _covered_by(obj)


def _covered_by(obj: Any) -> tuple[str, Covers] | None:
    """What an event must name to cover a change of ``obj`` (None: not audited)."""
    if isinstance(obj, Unit):
        return f"unit {obj.id}", lambda e: e.unit_id == obj.id
    if isinstance(obj, Visit):
        return f"visit {obj.id}", lambda e: e.visit_id == obj.id
    if isinstance(obj, Draft):
        return "a questionnaire", lambda e: e.action.startswith("questionnaire.") and e.unit_id == obj.unit_id
    if isinstance(obj, User):
        return f"account {obj.id}", lambda e: e.user_id == obj.id
    if isinstance(obj, UnitMember):
        return (
            f"membership {obj.user_id}/{obj.unit_id}",
            lambda e: (
                (e.user_id, e.unit_id)
                == (
                    obj.user_id,
                    obj.unit_id,
                )
            ),
        )
    if isinstance(obj, ApiToken):
        return f"token {obj.id}", lambda e: e.user_id == obj.user_id and e.action.startswith("token.")
    if isinstance(obj, WebSession):
        return "a sign-in session", lambda e: e.user_id == obj.user_id and e.action in {"signin", "signout"}
    return None


AUDITED_TABLES = frozenset(
    t.__tablename__ for t in (Unit, Visit, Draft, User, UnitMember, ApiToken, WebSession, AuditEvent)
)


DELETED_ONLY_WITH = {Unit.__tablename__: "unit.delete", Visit.__tablename__: "visit.delete"}


def _pending(session: Session) -> dict[str, Any]:
    empty: dict[str, list[Any]] = {"touched": [], "events": [], "bulk": [], "bulk_deletes": []}
    info: dict[str, Any] = session.info.setdefault("audit", empty)
    return info


class AuditedSession(Session):
    """The application's session: see the module docstring."""


@event.listens_for(AuditedSession, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    pending = _pending(session)
    for obj in session.new:
        if isinstance(obj, AuditEvent):
            pending["events"].append(obj)
        elif (covers := _covered_by(obj)) is not None:
            pending["touched"].append(covers)
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise UnauditedWrite("audit rows are append-only: one was deleted")
        if (covers := _deletion_covered_by(obj)) is not None:
            pending["touched"].append(covers)
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, AuditEvent):
            raise UnauditedWrite("audit rows are append-only: one was changed")
        if (covers := _covered_by(obj)) is not None:
            pending["touched"].append(covers)


@event.listens_for(AuditedSession, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table == AuditEvent.__tablename__:
        raise UnauditedWrite("audit rows are append-only: an UPDATE or DELETE was attempted")
    if table in AUDITED_TABLES:
        _pending(state.session)["bulk"].append(table)
    if state.is_delete and table in DELETED_ONLY_WITH:
        _pending(state.session)["bulk_deletes"].append(table)


@event.listens_for(AuditedSession, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()
    pending = _pending(session)
    recorded: list[AuditEvent] = pending["events"]
    missing = [what for what, covers in pending["touched"] if not any(covers(e) for e in recorded)]
    if pending["bulk"] and not recorded:
        missing.extend(f"a bulk change of {table}" for table in pending["bulk"])
    actions = {e.action for e in recorded}
    missing.extend(f"a bulk deletion of {t}" for t in pending["bulk_deletes"] if DELETED_ONLY_WITH[t] not in actions)
    if missing:
        raise UnauditedWrite(f"no audit event records {', '.join(sorted(set(missing)))}")


@event.listens_for(AuditedSession, "after_commit")
@event.listens_for(AuditedSession, "after_rollback")
def _reset(session: Session) -> None:
    session.info.pop("audit", None)
