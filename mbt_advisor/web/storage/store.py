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

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.assessment.model import Assessment
from mbt_advisor.common.errors import InputError
from mbt_advisor.profile.field_types import plain_text
from mbt_advisor.profile.loading import parse_profile
from mbt_advisor.profile.model import Profile
from mbt_advisor.questions.comparison import compare
from mbt_advisor.rendering.formats import to_json
from mbt_advisor.web.storage.audit import record
from mbt_advisor.web.storage.models import Draft, Unit, UnitMember, User, Visit, find, lock_for_update
from mbt_advisor.wizard.questionnaire import WizardState, profile_yaml, state_json

__all__ = ["Draft", "Unit", "Visit", "object_session", "parse_profile"]
from mbt_advisor.web.storage.summary import RISK_RANK, readiness_line, visit_index


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
    record(session, "visit.create", unit_id=unit.id, visit_id=visit.id)
    return visit


def _store_assessment(visit: Visit, assessment: Assessment) -> None:
    visit.assessment_json = to_json(assessment)
    visit.knowledge_digest = assessment.rule_base
    visit.risk_overall = assessment.risk.overall


def profile_of(visit: Visit) -> Profile:
    return parse_profile(visit.profile_yaml, f"visit {visit.id}")


def assessment_data(visit: Visit) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(visit.assessment_json)
    return data


def refresh(session: Session, advisor: Advisor) -> int:
    """Re-assess every visit whose stored assessment was made with other knowledge; returns how many."""
    digest = advisor.kb.digest
    # PostgreSQL: server processes starting at once after an upgrade share the work instead of each redoing it:
    # the rows one of them has taken (locked until its commit) are skipped by the others (ignored by SQLite)
    statement = select(Visit).where(Visit.knowledge_digest != digest).order_by(Visit.id)
    stale = session.scalars(statement.with_for_update(skip_locked=True)).all()
    for visit in stale:
        ensure_current(session, visit, advisor)
    return len(stale)


def ensure_current(session: Session, visit: Visit, advisor: Advisor) -> None:
    if visit.knowledge_digest != advisor.kb.digest:
        _store_assessment(visit, advisor.evaluate(profile_of(visit)))
        record(session, "visit.reassess", unit_id=visit.unit_id, visit_id=visit.id, detail="knowledge changed")


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


def delete_visit(session: Session, visit: Visit) -> Deleted | None:
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


@dataclass
class PortfolioRow:
    unit: Unit
    latest: Visit | None
    risk: str
    index: float | None
    change: float | None  # index change since the previous visit (positive = worse), when both have one
    risk_change: int  # +1 worse, -1 better, 0 same or unknown
    warnings: list[str]
    readiness: str | None = None  # for a unit that has not started

    @property
    def declining(self) -> bool:
        return bool(self.warnings) or self.risk_change > 0 or (self.change or 0) > 0


def portfolio(session: Session, advisor: Advisor, visible: frozenset[int] | None = None) -> list[PortfolioRow]:
    """Every unit (or those in ``visible``) with its latest visit, declining units first (early warning, then
    the largest rise)."""
    query = select(Unit).options(selectinload(Unit.visits)).order_by(Unit.id)  # ties: the same order on both databases
    if visible is not None:
        query = query.where(Unit.id.in_(visible))
    units = session.scalars(query).all()
    rows = []
    for unit in units:
        latest = unit.visits[-1] if unit.visits else None
        previous = unit.visits[-2] if len(unit.visits) > 1 else None
        data = assessment_data(latest) if latest else None
        change, risk_change, warnings = change_since(previous, latest, advisor) if latest else (None, 0, [])
        rows.append(
            PortfolioRow(
                unit=unit,
                latest=latest,
                risk=data["risk"]["overall"] if data else "unknown",
                index=visit_index(data)["overall"] if data else None,
                change=change,
                risk_change=risk_change,
                warnings=warnings,
                readiness=readiness_line(data) if data else None,
            )
        )
    rows.sort(key=lambda r: (not r.declining, -len(r.warnings), -r.risk_change, -(r.change or 0), r.unit.name.lower()))
    return rows


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


def change_since(previous: Visit | None, latest: Visit, advisor: Advisor) -> tuple[float | None, int, list[str]]:
    """(index change, risk change as +1/0/-1, early warnings) from ``previous`` to ``latest``."""
    if previous is None:
        return None, 0, []
    old, new = assessment_data(previous), assessment_data(latest)
    a, b = visit_index(old)["overall"], visit_index(new)["overall"]
    change = None if a is None or b is None else round(b - a, 1)
    ra, rb = RISK_RANK.get(old["risk"]["overall"]), RISK_RANK.get(new["risk"]["overall"])
    risk_change = 0 if ra is None or rb is None else (rb > ra) - (rb < ra)
    warnings = compare(profile_of(previous), profile_of(latest), advisor=advisor).warnings
    return change, risk_change, warnings
