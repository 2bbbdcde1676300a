"""Units, visits and drafts in the database. Every write runs in one transaction (``with session.begin()``
in the callers), so a failure never leaves half a visit, and records its audit event in that transaction
(audit.py; the session refuses to commit a change without one).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from mbt_advisor.assessment.advisor import Advisor, default_advisor
from mbt_advisor.assessment.model import Assessment
from mbt_advisor.common.errors import InputError
from mbt_advisor.profile.field_types import plain_text
from mbt_advisor.profile.loading import parse_profile
from mbt_advisor.profile.model import Profile
from mbt_advisor.rendering.formats import to_json
from mbt_advisor.web.storage import signals
from mbt_advisor.web.storage.audit import record
from mbt_advisor.web.storage.models import Draft, Unit, UnitMember, UnitSignal, User, Visit, find, lock_for_update
from mbt_advisor.wizard.questionnaire import WizardState, profile_yaml, state_json

__all__ = ["Draft", "Unit", "Visit", "assessment_data", "object_session", "parse_profile", "profile_of"]
from mbt_advisor.web.storage.summary import assessment_data, profile_of  # a stored visit, read


class Gone(LookupError):
    """What a change needs was deleted by another request meanwhile: answered as a 404, like an unknown id."""


def profile_text(profile: Profile, today: dt.date | None = None) -> str:
    """A profile as the YAML the command line writes (`mbt-advisor wizard --output`)."""
    return profile_yaml(profile, today)


def create_unit(
    session: Session,
    name: str,
    setting: str | None = None,
    population: str | None = None,
    member: int | None = None,
) -> Unit:
    """A new unit; ``member``: the account that created it and may see it from then on. Its name, setting and
    population are one line of printable text, as a profile's text fields (the same check), on every path."""
    for field, value in (("name", name), ("setting", setting), ("population", population)):
        try:
            plain_text(value or "")
        except ValueError as exc:
            raise InputError(f"the unit's {field} {exc}.", source="unit", field=field) from None
    unit = Unit(name=name, setting=setting or None, population=population or None)
    session.add(unit)
    session.flush()
    if member is not None:
        session.add(UnitMember(user_id=member, unit_id=unit.id))
    signals.update(session, unit)  # its line of the portfolio, from the start
    record(session, "unit.create", unit_id=unit.id, user=session.get(User, member) if member is not None else None)
    return unit


def add_visit(
    session: Session,
    unit: Unit,
    text: str,
    advisor: Advisor,
    *,
    visited_on: dt.date | None = None,
    assessor: str | None = None,
    source: str = "<profile>",
) -> Visit:
    """Store a profile (YAML text, kept byte for byte) with its assessment. Raises ProfileError, storing nothing;
    Gone if ``unit`` was deleted meanwhile (never the database's foreign-key error)."""
    profile = parse_profile(text, source)
    assessment = advisor.evaluate(profile)
    lock_for_update(session)  # the unit is locked from here to the commit: a deletion waits, or came first
    if session.scalar(select(Unit.id).where(Unit.id == unit.id).with_for_update()) is None:
        raise Gone(f"unit {unit.id} was deleted while the visit was being added")
    visit = Visit(
        unit=unit,
        visited_on=visited_on or profile.organization.assessed_on or dt.date.today(),
        assessor=assessor if assessor is not None else profile.organization.assessor,
        profile_yaml=text,
    )
    _store_assessment(visit, assessment)
    session.add(visit)
    session.flush()
    signals.update(session, unit, advisor)  # the portfolio's line: this visit against the one before
    record(session, "visit.create", unit_id=unit.id, visit_id=visit.id)
    return visit


def _store_assessment(visit: Visit, assessment: Assessment) -> None:
    visit.assessment_json = to_json(assessment)
    visit.knowledge_digest = assessment.rule_base
    visit.risk_overall = assessment.risk.overall


def refresh(session: Session, advisor: Advisor) -> int:
    """Re-assess every visit whose stored assessment was made with other knowledge; returns how many."""
    digest = advisor.kb.digest
    # PostgreSQL: server processes starting at once after an upgrade share the work instead of each redoing it:
    # the rows one of them has taken (locked until its commit) are skipped by the others (ignored by SQLite)
    statement = select(Visit).where(Visit.knowledge_digest != digest).order_by(Visit.id)
    stale = session.scalars(statement.with_for_update(skip_locked=True)).all()
    for visit in stale:
        _reassess(session, visit, advisor)
    signals.refresh(session, advisor)  # every unit's line read with this knowledge (and a unit without one)
    return len(stale)


def _reassess(session: Session, visit: Visit, advisor: Advisor) -> bool:
    if visit.knowledge_digest == advisor.kb.digest:
        return False
    _store_assessment(visit, advisor.evaluate(profile_of(visit)))
    record(session, "visit.reassess", unit_id=visit.unit_id, visit_id=visit.id, detail="knowledge changed")
    return True


def ensure_current(session: Session, visit: Visit, advisor: Advisor) -> None:
    """Assess ``visit`` again if it was assessed with other knowledge (and make its unit's line again)."""
    if _reassess(session, visit, advisor):
        signals.update(session, visit.unit, advisor)


EXPORTS = ("brief", "profile", "json")


def exported(session: Session, visit: Visit, kind: str) -> Visit:
    """Record that ``visit`` leaves the server as ``kind`` (brief, profile or json); returns the visit."""
    if kind not in EXPORTS:
        raise ValueError(f"unknown export {kind!r}")
    record(session, "visit.export", unit_id=visit.unit_id, visit_id=visit.id, detail=kind)
    return visit


@dataclass(frozen=True)
class Deleted:
    """What a deletion removed (the counts its audit event keeps)."""

    visits: int
    questionnaires: int
    memberships: int = 0

    def detail(self) -> str:
        counts = [(self.visits, "visit"), (self.questionnaires, "questionnaire"), (self.memberships, "membership")]
        return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)


def _drafts_of(unit_id: int, visit_ids: list[int]) -> Any:
    """The questionnaires of a unit, or that became one of ``visit_ids`` (a condition)."""
    return or_(Draft.unit_id == unit_id, Draft.visit_id.in_(visit_ids)) if visit_ids else Draft.unit_id == unit_id


def deletion_counts(session: Session, unit: Unit, visit: Visit | None = None) -> Deleted:
    """What deleting ``visit`` (or, without one, ``unit``) would remove, for the confirmation page."""
    if visit is not None:
        drafts = session.scalar(select(func.count()).where(Draft.visit_id == visit.id))
        return Deleted(1, drafts or 0)
    drafts = session.scalar(select(func.count()).where(_drafts_of(unit.id, [v.id for v in unit.visits])))
    members = session.scalar(select(func.count()).where(UnitMember.unit_id == unit.id))
    return Deleted(len(unit.visits), drafts or 0, members or 0)


def delete_visit(session: Session, visit: Visit, advisor: Advisor | None = None) -> Deleted | None:
    """Delete ``visit`` and the questionnaire that became it (its answers are the visit's content); the unit's
    other visits, its chart and the portfolio's signal then read as if it had never been stored. None if it
    was deleted meanwhile (its row is locked first: two processes deleting it at once delete it once)."""
    if session.scalar(select(Visit.id).where(Visit.id == visit.id).with_for_update()) is None:
        return None
    drafts = session.scalars(select(Draft).where(Draft.visit_id == visit.id)).all()
    deleted = Deleted(visits=1, questionnaires=len(drafts))
    record(session, "visit.delete", unit_id=visit.unit_id, visit_id=visit.id, detail=deleted.detail())
    for draft in drafts:
        session.delete(draft)
    session.flush()  # the drafts first: they refer to the visit
    unit = visit.unit
    session.delete(visit)
    session.flush()
    session.expire(unit, ["visits"])  # latest and previous recomputed from what remains
    signals.update(session, unit, advisor or default_advisor())  # the portfolio's line, from what remains
    return deleted


def delete_unit(session: Session, unit_id: int) -> Deleted | None:
    """Delete a unit with everything stored about it: its visits, its questionnaires (also finished ones) and
    the memberships that let accounts see it. None if there is no such unit. The audit trail keeps one
    ``visit.delete`` per visit and one ``unit.delete`` with the counts: ids and numbers, never the name.

    The unit's row is locked first, so a visit added through another process at the same moment waits and
    then fails (PostgreSQL) instead of being removed without its own audit row."""
    unit = find(session, Unit, unit_id, with_for_update=True, populate_existing=True)
    if unit is None:
        return None
    visits = list(unit.visits)
    visit_ids = [v.id for v in visits]
    drafts = session.scalars(select(Draft).where(_drafts_of(unit.id, visit_ids))).all()
    members = session.scalars(select(UnitMember).where(UnitMember.unit_id == unit.id)).all()
    deleted = Deleted(len(visits), len(drafts), len(members))
    for visit in visits:
        record(session, "visit.delete", unit_id=unit.id, visit_id=visit.id, detail="with its unit")
    record(session, "unit.delete", unit_id=unit.id, detail=deleted.detail())
    for row in [*drafts, *members]:
        session.delete(row)
    session.execute(delete(UnitSignal).where(UnitSignal.unit_id == unit.id))  # its line of the portfolio (derived)
    session.flush()  # what refers to the unit and its visits first
    session.delete(unit)  # its visits with it (the relationship's cascade)
    session.flush()
    return deleted


def get_unit(session: Session, unit_id: int) -> Unit | None:
    return find(session, Unit, unit_id, options=[selectinload(Unit.visits)])


def get_visit(session: Session, unit_id: int, visit_id: int) -> Visit | None:
    visit = find(session, Visit, visit_id)
    return visit if visit is not None and visit.unit_id == unit_id else None


def unit_names(session: Session, unit_ids: set[int]) -> dict[int, str]:
    """The current names of the units ``unit_ids`` that still exist (the audit trail holds only ids)."""
    if not unit_ids:
        return {}
    return {unit_id: name for unit_id, name in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids)))}


def previous_visit(visit: Visit) -> Visit | None:
    visits = visit.unit.visits
    index = visits.index(visit)
    return visits[index - 1] if index > 0 else None


def portfolio(session: Session, visible: frozenset[int] | None = None) -> list[signals.PortfolioRow]:
    """Every unit (or those in ``visible``), declining units first: the lines stored with the visits
    (``signals.portfolio`` reads them a page at a time, with a search by name)."""
    return signals.portfolio(session, visible).rows


# -- drafts (the questionnaire in the browser) ---------------------------------------------------------------
def new_draft(session: Session, unit_id: int | None = None, user_id: int | None = None) -> Draft:
    draft = Draft(id=secrets.token_urlsafe(24), unit_id=unit_id, user_id=user_id, state_json=state_json(WizardState()))
    session.add(draft)
    session.flush()
    record(session, "questionnaire.start", unit_id=unit_id)
    return draft


def draft_state(draft: Draft) -> WizardState:
    data = json.loads(draft.state_json)
    return WizardState(dict(data["answers"]), list(data["skipped"]), list(data["history"]))


def save_draft(draft: Draft, state: WizardState) -> None:
    text = state_json(state)
    if text == draft.state_json:
        return
    draft.state_json = text
    session = object_session(draft)
    assert session is not None, "a draft is saved in the session that loaded it"
    record(session, "questionnaire.save", unit_id=draft.unit_id)


def finish_draft(session: Session, draft: Draft, visit: Visit) -> None:
    """The questionnaire became ``visit`` (of the draft's unit, or of a unit it created)."""
    draft.unit_id, draft.visit_id = visit.unit_id, visit.id
    record(session, "questionnaire.finish", unit_id=visit.unit_id, visit_id=visit.id)


def draft_exported(session: Session, draft: Draft) -> None:
    record(session, "questionnaire.export", unit_id=draft.unit_id)


DISCARDED_BY_STARTER = "discarded by its starter"
DISCARDED_UNCLAIMED = "discarded: no account started it"


def discard_draft(session: Session, draft: Draft, how: str) -> None:
    """Delete an unfinished questionnaire (its answers are gone), recorded as ``questionnaire.delete``."""
    if draft.visit_id is not None:
        raise ValueError("a saved questionnaire is deleted with its visit")
    starter = session.get(User, draft.user_id) if draft.user_id is not None else None
    record(session, "questionnaire.delete", unit_id=draft.unit_id, user=starter, detail=how)
    session.delete(draft)
    session.flush()


@dataclass(frozen=True)
class Unclaimed:
    """An unfinished questionnaire no account started, as an administrator's list shows it (never its answers)."""

    draft_id: str
    unit_id: int | None
    unit_name: str | None
    changed: dt.datetime
    answers: int


def unclaimed_drafts(session: Session) -> list[Unclaimed]:
    """The unfinished questionnaires without a starter (begun in the local application before the first
    account), oldest change first."""
    query = (
        select(Draft, Unit.name)
        .outerjoin(Unit, Draft.unit_id == Unit.id)
        .where(Draft.user_id.is_(None), Draft.visit_id.is_(None))
        .order_by(Draft.updated_at, Draft.id)
    )
    return [
        Unclaimed(draft.id, draft.unit_id, name, draft.updated_at, len(draft_state(draft).answers))
        for draft, name in session.execute(query)
    ]
