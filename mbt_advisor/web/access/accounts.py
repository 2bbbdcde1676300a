"""Accounts, roles and access per unit (the shared server). Until an account exists the application is a
local one (this computer only, no sign-in); from the first account on, every request must be signed in and
sees only the units its account may see. Who makes a request is found by ``Authenticator.principal``, which the
access guard (security.py) calls for every request; what that account may read or do is decided where the data
is read, in decisions.py.

Passwords are stored as scrypt hashes (memory-hard, through Python's hashlib and OpenSSL), sessions as the
SHA-256 of a random token (the cookie carries the token, the database only its hash).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mbt_advisor.common.errors import InputError
from mbt_advisor.web.access.security import Refused, personal_token
from mbt_advisor.web.storage.audit import Actor, current_actor, record
from mbt_advisor.web.storage.models import (
    ApiToken,
    Draft,
    Unit,
    UnitMember,
    User,
    WebSession,
    find,
    lock_for_update,
    storable_equal,
    utcnow,
)

ROLES = ("admin", "consultant", "founder")
SESSION_COOKIE = "mbt_session"
SESSION_HOURS = 12
MAX_FAILURES = 5
LOCK_MINUTES = 5
FAILURE_DELAY = 0.3  # seconds added to every failed sign-in
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
PUBLIC = re.compile(r"^/(signin|static/.*)$")  # what a visitor without an account may ask for


class SignInFirst(Refused):
    """Not signed in (401): the access guard sends a page to the sign-in page and answers the API with a 401."""

    def __init__(self, message: str) -> None:
        super().__init__(401, message)


# -- passwords ----------------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 * 1024 * 1024,
        )
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(8))  # unknown names cost the same time as known ones


# -- accounts -----------------------------------------------------------------------------------------------
PASSWORD_LENGTH = range(10, 1001)  # characters; the sign-in form takes at most the last
UNTYPABLE = {"Cc", "Cs"}  # control characters (a carriage return, a tab, ESC) and lone surrogates
INVISIBLE = "Cf"  # format characters: U+200B zero-width space, U+200D joiner, U+FEFF, bidi controls (U+202E, ...)


def check_password(password: str) -> None:
    """What a new password may be, one definition for the command line (``users add``, ``users reset-password``)
    and the sign-in form (its length limit): one a person can type into that form, so that an account is never
    created that can never sign in, and that holds no character nobody can see. Only a password being set is
    checked: signing in compares whatever is typed with the stored hash, so a password set by an earlier
    release keeps working."""
    shortest, longest = PASSWORD_LENGTH[0], PASSWORD_LENGTH[-1]
    if len(password) < shortest:
        raise InputError(f"a password needs at least {shortest} characters.", source="password")
    if len(password) > longest:
        raise InputError(
            f"a password has at most {longest:,} characters (the sign-in form takes no more); this has "
            f"{len(password):,}.",
            source="password",
        )
    if "\r" in password:
        raise InputError(
            "a password may not contain a carriage return (the sign-in form never sends one; was it piped with "
            "Windows line endings?).",
            source="password",
        )
    if any(unicodedata.category(character) in UNTYPABLE for character in password):
        raise InputError(
            "a password may not contain a control character (a tab, a line break, ESC, ...): it could never be "
            "typed into the sign-in form.",
            source="password",
        )
    if any(unicodedata.category(character) == INVISIBLE for character in password):
        raise InputError(
            "a password may not contain an invisible character (a zero-width space or joiner, a byte order mark, "
            "a text direction mark, ...): nobody could see whether it is there when typing it at the sign-in "
            "form; it often comes with a copied text.",
            source="password",
        )


def check_name(name: str) -> None:
    """What an account's name may be: ASCII letters, digits and ``. _ @ -`` (so that case folds the same on both
    databases, and no lookalike of another name can be made)."""
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,80}", name):
        raise InputError("a user name is 1-80 letters, digits and . _ @ -.", source=name)


def add_user(session: Session, name: str, role: str, password: str, units: tuple[int, ...] = ()) -> User:
    if role not in ROLES:
        raise InputError(f"unknown role '{role}'.", source="--role", allowed=", ".join(ROLES))
    check_name(name)
    if (same := _same_name(session, name)) is not None:
        shown = "" if same.name == name else f" as '{same.name}' (one account per name, whatever its case)"
        raise InputError(f"already exists{shown}.", source=f"user {name}")
    check_password(password)
    for unit in units:
        _check_unit(session, unit)
    user = User(name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # the same name (in any case), added at the same moment through another process
        raise InputError("already exists.", source=f"user {name}") from None
    record(session, "user.add", user=user, detail=role)
    for unit in units:
        session.add(UnitMember(user_id=user.id, unit_id=unit))
        record(session, "user.grant", user=user, unit_id=unit)
    return user


def _check_unit(session: Session, unit_id: int) -> None:
    if find(session, Unit, unit_id) is None:
        raise InputError("no such unit (mbt-advisor serve lists the units with their ids).", source=f"unit {unit_id}")


def _same_name(session: Session, name: str) -> User | None:
    """The account whose name is ``name`` whatever its case (at most one: the unique index of migration 0005)."""
    return session.scalar(select(User).where(storable_equal(User.name, name, func.lower(User.name) == name.lower())))


def find_user(session: Session, name: str) -> User:
    """The account named exactly ``name`` (as it signs in); another case of an existing name is named."""
    user = session.scalar(select(User).where(storable_equal(User.name, name)))
    if user is None:
        same = _same_name(session, name)
        hint = f" (did you mean '{same.name}'? a name is written as it was added)" if same is not None else ""
        raise InputError(f"no such user{hint}.", source=f"user {name}")
    return user


def reset_password(session: Session, name: str, password: str, *, keep_tokens: bool = False) -> int:
    """A new password: the account's sessions end, a lock-out is lifted, and its personal API tokens are revoked
    (a reset usually follows a suspected compromise) unless ``keep_tokens``. Returns the tokens revoked."""
    check_password(password)
    user = find_user(session, name)
    user.password_hash = hash_password(password)
    user.failed_signins, user.locked_until = 0, None
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    live = [] if keep_tokens else list(session.scalars(live_tokens(user.id)))
    record(session, "user.password", user=user, detail="tokens kept" if keep_tokens else f"{len(live)} tokens revoked")
    for token in live:
        _revoke(session, token, user)
    return len(live)


def rename_user(session: Session, old: str, new: str) -> User:
    """Give the account named ``old`` the name ``new`` (it then signs in with it; its sessions, tokens, units
    and questionnaires stay its own). ``new`` may not be another account's in any case, so a database holding
    two names that differ only in case (an earlier release's) is put right by renaming one of them."""
    check_name(new)
    user = find_user(session, old)
    if new == old:
        raise InputError("is already the account's name; nothing was changed.", source=f"user {new}")
    folded = func.lower(User.name) == new.lower()
    same = session.scalar(select(User).where(folded, User.id != user.id).order_by(User.id).limit(1))
    if same is not None:
        raise InputError(
            f"already exists as '{same.name}' (one account per name, whatever its case); nothing was changed.",
            source=f"user {new}",
        )
    user.name = new
    try:
        session.flush()
    except IntegrityError:  # the same name (in any case), added at the same moment through another process
        raise InputError("already exists; nothing was changed.", source=f"user {new}") from None
    record(session, "user.rename", user=user, detail=f"was {old}")
    return user


def remove_user(session: Session, name: str, *, last_admin: bool = False) -> int:
    """Remove an account, with its questionnaires: the unfinished ones (their answers were its starter's alone,
    and would be no one's) each recorded as ``questionnaire.delete``, and the saved ones (whose answers are their
    visits', which stay). Returns how many unfinished ones were deleted. The last admin is kept unless
    ``last_admin``: without an admin a shared server cannot be managed, and without any account it becomes the
    single-user local application again."""
    user = find_user(session, name)
    if user.role == "admin" and not last_admin:
        others = session.scalar(select(User.id).where(User.role == "admin", User.id != user.id).limit(1))
        if others is None:
            raise InputError(
                "is the last admin: add another admin first (users add NAME --role admin), or give "
                "--last-admin to remove it anyway (with no account left, the server is for this computer only).",
                source=f"user {name}",
            )
    drafts = session.scalars(select(Draft).where(Draft.user_id == user.id).order_by(Draft.updated_at, Draft.id)).all()
    unfinished = [draft for draft in drafts if draft.visit_id is None]
    detail = f"{len(unfinished)} unfinished questionnaire{'s' * (len(unfinished) != 1)} deleted" if unfinished else None
    record(session, "user.remove", user=user, detail=detail)
    for draft in unfinished:
        record(session, "questionnaire.delete", unit_id=draft.unit_id, user=user, detail="with its account")
    for draft in drafts:  # here, not by the database's cascade, which the audit trail would not see
        session.delete(draft)
    session.flush()
    session.delete(user)
    return len(unfinished)


def grant(session: Session, name: str, unit_id: int) -> None:
    user = find_user(session, name)
    _check_unit(session, unit_id)
    if session.get(UnitMember, (user.id, unit_id)) is None:
        session.add(UnitMember(user_id=user.id, unit_id=unit_id))
        record(session, "user.grant", user=user, unit_id=unit_id)


def revoke(session: Session, name: str, unit_id: int) -> None:
    """Take a unit away from an account (the opposite of :func:`grant`), at once for its open sessions and
    tokens too: access is read from the memberships at every request."""
    user = find_user(session, name)
    membership = find(session, UnitMember, (user.id, unit_id))
    if membership is None:
        raise InputError(
            f"may not see unit {unit_id}; nothing was changed (users list shows each account's units).",
            source=f"user {name}",
        )
    record(session, "user.revoke", user=user, unit_id=unit_id)
    session.delete(membership)


def accounts_exist(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def admin_exists(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None


# -- signing in ---------------------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(session: Session, name: str, password: str) -> str | None:
    """A new session token, or None (wrong name, wrong password or locked: the caller says the same for all,
    after :func:`failure_delay`). Every outcome is recorded in the audit trail, never the password tried."""
    now = utcnow()
    # locked until the transaction ends: failures counted by several server processes at once all count
    lock_for_update(session)
    user = session.scalar(select(User).where(User.name == name).with_for_update())
    if user is None:
        verify_password(password, _DUMMY_HASH)
        record(session, "signin.failed", detail="unknown name")  # the name may be a mistyped password: not kept
        return None
    if user.locked_until is not None and user.locked_until > now:
        verify_password(password, _DUMMY_HASH)
        record(session, "signin.failed", user=user, detail="locked")
        return None
    if not verify_password(password, user.password_hash):
        user.failed_signins += 1
        record(session, "signin.failed", user=user, detail="wrong password")
        if user.failed_signins >= MAX_FAILURES:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_signins = 0
            record(session, "signin.lockout", user=user, detail=f"{LOCK_MINUTES} minutes")
        return None
    user.failed_signins, user.locked_until = 0, None
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=_token_hash(token), user_id=user.id, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    record(session, "signin", user=user, actor=Actor(user.name, "session", user.id, current_actor().address))
    return token


def failure_delay() -> None:
    """The wait after a failed sign-in (outside the transaction, so other writers are not held up)."""
    time.sleep(FAILURE_DELAY)


def sign_out(session: Session, token: str) -> None:
    row = session.get(WebSession, _token_hash(token))
    if row is None:
        return
    record(session, "signout", user=session.get(User, row.user_id))
    session.delete(row)


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the routes see it (``request.state.principal``)."""

    user_id: int
    name: str
    role: str
    units: frozenset[int]
    token_id: int | None = None  # signed in with a personal API token (not a browser session)

    def sees(self, unit_id: int) -> bool:
        return self.role == "admin" or unit_id in self.units

    @property
    def visible(self) -> frozenset[int] | None:
        """The unit ids this user may see, or None for all (an admin)."""
        return None if self.role == "admin" else self.units

    @property
    def creates_units(self) -> bool:
        return self.role in {"admin", "consultant"}

    @property
    def starts_questionnaires(self) -> bool:
        """A questionnaire ends in a visit of a unit: of one this account sees, or of a new one it may create.
        A founder not yet granted a unit would answer everything and then be refused the save."""
        return self.creates_units or bool(self.units)

    def may_delete(self, what: str) -> bool:
        """Deleting is for those accountable for the portfolio (docs/web.md): an administrator deletes units
        and visits; a consultant deletes visits of the units shared with them (a visit entered by mistake),
        never a unit (other consultants may serve it); a founder deletes nothing (the assessed unit does not
        remove its own assessments)."""
        return self.role == "admin" or (self.role == "consultant" and what == "visit")

    def actor(self, address: str | None) -> Actor:
        """This account as the audit trail names it (and how it came: a browser session or a token)."""
        return Actor(self.name, "session" if self.token_id is None else f"token {self.token_id}", self.user_id, address)


def principal_for(session: Session, token: str | None) -> Principal | None:
    if not token:
        return None
    row = session.get(WebSession, _token_hash(token))
    if row is None or row.expires_at < utcnow():
        return None
    return _principal(session, row.user_id)


def principal_for_api_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return _principal(session, row.user_id, row.id)


def create_api_token(session: Session, user_id: int, name: str) -> str:
    """A new personal API token (shown once; only its hash is stored)."""
    token = "mbt_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=name, token_hash=_token_hash(token))
    session.add(row)
    session.flush()
    record(session, "token.create", user=session.get(User, user_id), detail=f"token {row.id}")
    return token


def revoke_api_token(session: Session, token_id: int) -> None:
    row = find(session, ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        _revoke(session, row, session.get(User, row.user_id))


def live_tokens(user_id: int) -> Select[ApiToken]:
    return select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)


def _revoke(session: Session, row: ApiToken, owner: User | None) -> None:
    row.revoked_at = utcnow()
    record(session, "token.revoke", user=owner, detail=f"token {row.id}")


def _principal(session: Session, user_id: int, token_id: int | None = None) -> Principal | None:
    user = session.get(User, user_id)
    if user is None:
        return None
    units = frozenset(session.scalars(select(UnitMember.unit_id).where(UnitMember.user_id == user.id)))
    return Principal(user.id, user.name, user.role, units, token_id)


class Authenticator:
    """Who makes a request, once accounts exist (called by the access guard for every request). What that
    account may read or do is decided where the data is read (decisions.py), never here from the address."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def accounts(self) -> bool:
        with self.sessions() as session:
            return accounts_exist(session)

    def principal(self, path: str, cookies: dict[str, str], authorization: str | None = None) -> Principal | None:
        """The signed-in principal (None for a visitor of the public sign-in page and static files). On the API
        an ``Authorization`` header, whatever it holds, is the only credential: a known personal token
        (``Authorization: Bearer mbt_...``), else 401; elsewhere the session cookie. Raises :class:`SignInFirst`."""
        with self.sessions() as session:
            if authorization is not None and path.startswith("/api/v1/"):  # the header alone, never the cookie
                token = personal_token(authorization)
                principal = principal_for_api_token(session, token) if token is not None else None
                if principal is None:
                    raise SignInFirst("the API token is unknown or revoked.")
            else:
                principal = principal_for(session, cookies.get(SESSION_COOKIE))
        if principal is None and not PUBLIC.match(path):
            raise SignInFirst("sign in first.")
        return principal
