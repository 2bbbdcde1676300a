"""The stored data: units, their visits (profile, assessment, knowledge digest) and questionnaire drafts.

The schema is created and changed only by the migrations in ``migrations/versions``; these classes must match
the latest one (tests/web/test_migrations.py checks that they do).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, false, func, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from mbt_advisor.common.canonical_id import ID_MAX

T = TypeVar("T")
INTEGER_IDS = range(-ID_MAX - 1, ID_MAX + 1)  # an Integer column on both databases (PostgreSQL's integer is 32 bits)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def storable(column: Any, value: object) -> bool:
    """Whether ``column`` can hold ``value`` on both databases (an integer in range, a text that fits without
    NUL); comparing a column with a value it cannot hold is an error on PostgreSQL."""
    if isinstance(value, int):
        return value in INTEGER_IDS
    length = getattr(column.type, "length", None)
    return not isinstance(value, str) or ("\x00" not in value and (length is None or len(value) <= length))


def storable_equal(column: Any, value: object, condition: Any = None) -> Any:
    """``condition`` (default: ``column == value``) where ``value`` fits ``column``, else a false condition (no
    row can match): a filter with an impossible value finds nothing, on both databases."""
    return (column == value if condition is None else condition) if storable(column, value) else false()


def find(session: Session, model: type[T], key: Any, **options: Any) -> T | None:
    """``session.get``, but None for a key no row can have (an id beyond the column's range, a text longer than
    the column or with a NUL) instead of the error PostgreSQL (or, past 64 bits, SQLite) raises for it: a
    guessed id is a 404 on both databases."""
    keys = key if isinstance(key, tuple) else (key,)
    if not all(storable(column, value) for value, column in zip(keys, inspect(model).primary_key, strict=True)):
        return None
    if options.get("with_for_update"):
        lock_for_update(session)
    return session.get(model, key, **options)


def lock_for_update(session: Session) -> None:
    """For SQLite, which ignores ``SELECT ... FOR UPDATE``: begin the transaction with the database's write lock
    (BEGIN IMMEDIATE) before its first read, so a second writer of the same rows, in this process or another,
    waits until this transaction ends instead of acting on what it read before. Call it before a locking read;
    PostgreSQL locks the rows themselves."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Base(DeclarativeBase):
    pass


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    setting: Mapped[str | None] = mapped_column(String(40))
    population: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    visits: Mapped[list[Visit]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="(Visit.visited_on, Visit.id)"
    )


class Visit(Base):
    """One look at a unit: the profile as YAML text (exported byte for byte) and its stored assessment."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    assessor: Mapped[str | None] = mapped_column(String(200))
    profile_yaml: Mapped[str] = mapped_column(Text)
    assessment_json: Mapped[str] = mapped_column(Text, doc="exactly `evaluate --format json`")
    knowledge_digest: Mapped[str] = mapped_column(String(80), doc="the rule base the assessment was made with")
    risk_overall: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    unit: Mapped[Unit] = relationship(back_populates="visits")


class Draft(Base):
    """A questionnaire in progress (the wizard's resumable state), saved after every answer."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    state_json: Mapped[str] = mapped_column(Text)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), doc="who started it")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class UnitSignal(Base):
    """One unit's line of the portfolio, derived from its visits when they are written (storage/signals.py)."""

    __tablename__ = "unit_signals"
    __table_args__ = (Index("ix_unit_signals_order", "rank", "name_key", "unit_id"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    name_key: Mapped[str] = mapped_column(Text, doc="the unit's name, case-folded: search and order")
    digest: Mapped[str] = mapped_column(String(80), doc="the knowledge the change and warnings were read with")
    visit_count: Mapped[int] = mapped_column(Integer, default=0)
    latest_visit_id: Mapped[int | None] = mapped_column(Integer)
    latest_on: Mapped[dt.date | None] = mapped_column(Date)
    risk: Mapped[str] = mapped_column(String(20), doc="the latest visit's overall risk, or 'unknown'")
    risk_index: Mapped[float | None] = mapped_column(Float)
    index_change: Mapped[float | None] = mapped_column(Float, doc="since the visit before, positive = worse")
    risk_change: Mapped[int] = mapped_column(Integer, default=0, doc="+1 worse, -1 better, 0 same or unknown")
    warnings_json: Mapped[str] = mapped_column(Text, default="[]", doc="the early warnings since the visit before")
    rank: Mapped[int] = mapped_column(Integer, doc="the portfolio's order, declining first, as one number (rank_of)")
    readiness: Mapped[str | None] = mapped_column(String(200), doc="'3 of 7 preconditions in place' (not started)")
    visits_json: Mapped[str] = mapped_column(Text, default="[]", doc="the visits as GET /api/v1/units lists them")


class User(Base):
    """An account (from the first one on, every request must be signed in)."""

    __tablename__ = "users"
    # one account per name whatever its case (migration 0005): ``Ada`` and ``ada`` cannot both exist
    __table_args__ = (Index("ux_users_name_folded", func.lower(text("name")), unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20), doc="admin | consultant | founder")
    password_hash: Mapped[str] = mapped_column(String(200), doc="scrypt, salted")
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class UnitMember(Base):
    """A unit a (non-admin) account may see and edit."""

    __tablename__ = "unit_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)


class WebSession(Base):
    """A signed-in browser: the SHA-256 of the cookie's token, never the token itself."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A personal token for the API (``Authorization: Bearer ...``): only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who did what to which unit, visit or account, and when (UTC): ids, an action and the actor, never
    profile content or a unit's name. Appended in the same transaction as the change it describes (audit.py);
    never changed or deleted by the application. No foreign keys: a row outlives the unit, visit or account
    it names."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True, doc="UTC")
    actor: Mapped[str] = mapped_column(String(80), doc="account name, 'local', 'system', 'anonymous' or the OS user")
    actor_id: Mapped[int | None] = mapped_column(Integer, doc="the account's id, when the actor is an account")
    via: Mapped[str] = mapped_column(String(40), doc="session | token N | local | command line | system | anonymous")
    address: Mapped[str | None] = mapped_column(String(64), doc="the client's address, for web requests")
    action: Mapped[str] = mapped_column(String(40), index=True, doc="one of audit.ACTIONS")
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    visit_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer, doc="the account an account event is about")
    user_name: Mapped[str | None] = mapped_column(String(80), doc="its name then (kept after it is removed)")
    detail: Mapped[str | None] = mapped_column(String(300), doc="fixed words (a role, a token id, an export format)")
