"""Who may read, change, delete or administer what: decided where the data is read, from the values the route
itself uses.

Every route obtains a unit, a visit, a questionnaire or a personal token through :func:`obtain`, given the
signed-in principal and the action (read, write, delete, administer); it returns the object or raises
:class:`Denied`: 404 for what the principal may not see (whether it exists or not: a guess confirms nothing),
403 for what it sees but may not do. What is not one stored object is decided here too: creating a unit,
starting a questionnaire and the audit trail (:func:`permit`), and which units a list shows (:func:`visible`).
No route reads a unit, visit, questionnaire, token or account any other way (tests/web/test_access.py walks the
route table and the route modules' code).

The principal is the account the access guard (security.py) signed in, or None for the local application
(no accounts yet: this computer only), which may do everything. The application answers a :class:`Denied`
(app.py) and records it in the audit trail as ``access.denied`` (:func:`record_refusal`), in a transaction of
its own once the route's own has been rolled back, so that an administrator sees probing.

Imports run one way: the routes import this module, which imports the storage (store, models, audit); nothing
here knows a request, a route or a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.audit import record
from mbt_advisor.web.storage.models import ApiToken, Draft, Unit, Visit, find

if TYPE_CHECKING:
    from mbt_advisor.web.access.accounts import Principal

Action = Literal["read", "write", "delete", "administer"]
ACTIONS: tuple[Action, ...] = ("read", "write", "delete", "administer")
T = TypeVar("T", Unit, Visit, Draft, ApiToken)
NOT_FOUND = "not found."


class Denied(Exception):
    """The principal may not have this: ``status`` 404 (not shown) or 403 (shown, but not this action). The
    ids say what was asked for, for the audit trail (never content)."""

    def __init__(self, status: int, message: str = NOT_FOUND, *, unit_id: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.unit_id = unit_id


def obtain(
    session: Session,
    principal: Principal | None,
    kind: type[T],
    key: Any,
    action: Action,
    *,
    unit_id: int | None = None,
    lock: bool = False,
) -> T:
    """The ``kind`` (Unit, Visit, Draft or ApiToken) with primary key ``key``, if ``principal`` may ``action``
    it; else :class:`Denied`. A visit is asked for with the ``unit_id`` of the address it was asked through
    (another unit's visit is a 404); ``lock``: the row is locked until the transaction ends (a questionnaire's
    answers)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if kind is Unit:
        return _unit(session, principal, key, action)  # type: ignore[return-value]
    if kind is Visit:
        if unit_id is None:
            raise ValueError("a visit is obtained through its unit: give unit_id")
        return _visit(session, principal, unit_id, key, action)  # type: ignore[return-value]
    if kind is Draft:
        return _draft(session, principal, key, action, lock)  # type: ignore[return-value]
    if kind is ApiToken:
        return _token(session, principal, key)  # type: ignore[return-value]
    raise TypeError(f"access to {kind.__name__} is not decided here")


def _sees(principal: Principal | None, unit_id: int) -> bool:
    return principal is None or principal.sees(unit_id)


def _may(principal: Principal | None, action: Action, what: Literal["unit", "visit"], unit_id: int) -> None:
    """What a principal that sees the unit may do with it or its visit: read and write; delete by role
    (Principal.may_delete); administer as an admin."""
    if principal is None or action in {"read", "write"}:
        return
    if action == "delete" and not principal.may_delete(what):
        raise Denied(403, f"your account cannot delete {what}s.", unit_id=unit_id)
    if action == "administer" and principal.role != "admin":
        raise Denied(403, "only an administrator may do this.", unit_id=unit_id)


def _unit(session: Session, principal: Principal | None, unit_id: int, action: Action) -> Unit:
    if not _sees(principal, unit_id):  # decided before anything is read
        raise Denied(404, unit_id=unit_id)
    unit = store.get_unit(session, unit_id)
    if unit is None:
        raise Denied(404, unit_id=unit_id)
    _may(principal, action, "unit", unit_id)
    return unit


def _visit(session: Session, principal: Principal | None, unit_id: int, visit_id: int, action: Action) -> Visit:
    if not _sees(principal, unit_id):
        raise Denied(404, unit_id=unit_id)
    visit = store.get_visit(session, unit_id, visit_id)  # None for another unit's visit
    if visit is None:
        raise Denied(404, unit_id=unit_id)
    _may(principal, action, "visit", unit_id)
    return visit


def _draft(session: Session, principal: Principal | None, draft_id: str, action: Action, lock: bool) -> Draft:
    """A questionnaire is its starter's: no other account reads or changes it, whoever shares its unit, an
    administrator included (a 404, as for what does not exist). One of a unit the account no longer sees is a
    404 to its starter too (``users revoke``). Its starter may also delete (discard) it while it is unfinished;
    a saved one is deleted with its visit (403).

    A questionnaire without a starter (begun in the local application before the first account, by this release
    or an earlier one) is no account's to read or answer, a 404 to all; but an administrator may discard it
    unread while it is unfinished (:func:`unclaimed` lists them), so that none stays in the database for ever.
    Without accounts (the local application) every questionnaire is this computer's."""
    draft = find(session, Draft, draft_id, with_for_update=lock)
    if draft is None:
        raise Denied(404)
    unclaimed_discard = (
        principal is not None
        and principal.role == "admin"
        and action == "delete"
        and draft.user_id is None
        and draft.visit_id is None
    )
    if principal is not None and not unclaimed_discard:
        if draft.user_id is None or draft.user_id != principal.user_id:
            raise Denied(404, unit_id=draft.unit_id)
        if draft.unit_id is not None and not principal.sees(draft.unit_id):
            raise Denied(404, unit_id=draft.unit_id)
    if action == "delete" and draft.visit_id is not None:
        raise Denied(403, "a saved questionnaire is deleted with its visit.", unit_id=draft.unit_id)
    return draft


def _token(session: Session, principal: Principal | None, token_id: int) -> ApiToken:
    """One's own personal token (without accounts there are none)."""
    row = find(session, ApiToken, token_id) if principal is not None else None
    if row is None or principal is None or row.user_id != principal.user_id:
        raise Denied(404)
    return row


Collective = Literal["unit", "questionnaire", "audit trail", "unclaimed questionnaires"]


def permit(principal: Principal | None, what: Collective, action: Action) -> None:
    """What is not one stored object: creating a unit (``"unit", "write"``), starting a questionnaire
    (``"questionnaire", "write"``), reading the audit trail (``"audit trail", "read"``) and the list of
    unclaimed questionnaires (``"unclaimed questionnaires", "read"``). Raises :class:`Denied` (403)."""
    if principal is None:
        return
    if what == "unit" and action == "write" and not principal.creates_units:
        raise Denied(403, "your account cannot create units.")
    if what == "questionnaire" and action == "write" and not principal.starts_questionnaires:
        raise Denied(403, "your account has no unit yet: an administrator grants one (users grant).")
    if what in {"audit trail", "unclaimed questionnaires"} and principal.role != "admin":
        raise Denied(403, f"only an administrator sees the {what}.")
    if (what, action) not in {
        ("unit", "write"),
        ("questionnaire", "write"),
        ("audit trail", "read"),
        ("unclaimed questionnaires", "read"),
    }:
        raise ValueError(f"no such decision: {action} {what}")


def unclaimed(session: Session, principal: Principal | None) -> list[store.Unclaimed]:
    """The unfinished questionnaires no account started, for an administrator to discard: what they are about
    (their unit, when last changed, how many answers), never their answers. A 403 for anyone else; the local
    application (no accounts) has none, every questionnaire being its own."""
    permit(principal, "unclaimed questionnaires", "read")
    return store.unclaimed_drafts(session) if principal is not None else []


def own_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    """The personal tokens of ``principal``'s account, oldest first (the tokens page)."""
    query = select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.id)
    return list(session.scalars(query))


def visible(principal: Principal | None) -> frozenset[int] | None:
    """The unit ids a list may show ``principal``, or None for all (the local application, an admin)."""
    return None if principal is None else principal.visible


def own_unit(principal: Principal | None) -> int | None:
    """The unit a founder answers a questionnaire for when none is named (their first), else None."""
    if principal is not None and principal.role == "founder" and principal.units:
        return min(principal.units)
    return None


def record_refusal(session: Session, principal: Principal | None, denied: Denied, method: str, path: str) -> None:
    """The ``access.denied`` row of a refusal to a signed-in account: the method, the address asked for
    (percent-encoded: one plain line, whatever the path holds) and the status; the unit's id when one was
    asked for; never content. The local application (no account) records none."""
    if principal is None:
        return
    detail = f"{method} {quote(path)[:200]} ({denied.status})"
    record(session, "access.denied", unit_id=denied.unit_id, detail=detail)
