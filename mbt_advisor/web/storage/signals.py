"""What the portfolio shows of each unit, stored when a visit is written: the latest visit's risk and index, the
change since the visit before it and its early warnings, so that a portfolio of thousands of units is one
indexed query, a page at a time, instead of a comparison of every unit's last two visits on every request.

A unit's row is derived data, written in the same transaction as the change it follows (a unit created, a visit
added, deleted or assessed again) and made again for every unit at start when the knowledge changed; the
portfolio reads it and never recomputes an assessment.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from mbt_advisor.common.canonical_id import ID_MAX
from mbt_advisor.questions.comparison import compare
from mbt_advisor.web.storage.models import Unit, UnitSignal, Visit
from mbt_advisor.web.storage.summary import RISK_RANK, assessment_data, profile_of, readiness_line, visit_index

if TYPE_CHECKING:
    from mbt_advisor.assessment.advisor import Advisor

PAGE_SIZE = 50  # units per portfolio page
API_PAGE_SIZE = 100  # units per answer of GET /api/v1/units without ?limit
MAX_PAGE_SIZE = 500
# No portfolio holds more units than an id column can number; a larger offset is refused (422) before it reaches
# the database, whose integers it would overflow (a generated request's offset of 2**101 was a 500)
MAX_OFFSET = ID_MAX


def name_key(name: str) -> str:
    return name.casefold()


def rank_of(warnings: int, risk_change: int, change: float | None) -> int:
    """The portfolio's order as one number, smallest first: declining units (an early warning, a higher risk or
    a rising index) before the others, then more warnings, a higher risk, the larger rise of the index; ties
    go by name. The parts: declining, warnings (up to 99), risk change (-1, 0, +1), index change in tenths
    (-100.0 to +100.0: the index is 0-100), each in its own decimal places of a negated key."""
    declining = bool(warnings) or risk_change > 0 or (change or 0) > 0
    tenths = max(-1000, min(1000, round((change or 0) * 10)))
    return -(int(declining) * 10**7 + min(warnings, 99) * 10**5 + (risk_change + 1) * 10**4 + (tenths + 1000))


def visit_summary(visit: Visit, data: dict[str, Any]) -> dict[str, Any]:
    """A visit as the API lists it (``GET /api/v1/units``, ``GET /api/v1/units/ID``)."""
    return {
        "id": visit.id,
        "unit": visit.unit_id,
        "visited_on": visit.visited_on.isoformat(),
        "assessor": visit.assessor,
        "knowledge_digest": visit.knowledge_digest,
        "risk": data["risk"]["overall"],
        "index": visit_index(data),
    }


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


def update(session: Session, unit: Unit, advisor: Advisor | None = None) -> UnitSignal:
    """Make ``unit``'s portfolio line again from its visits as they are now (in the caller's transaction);
    ``advisor`` compares its last two visits (a unit without a visit needs none)."""
    session.flush()
    session.expire(unit, ["visits"])
    visits = list(unit.visits)
    signal = session.get(UnitSignal, unit.id) or UnitSignal(unit_id=unit.id)
    latest = visits[-1] if visits else None
    data = assessment_data(latest) if latest is not None else None
    change: float | None = None
    risk_change, warnings = 0, list[str]()
    if latest is not None:
        assert advisor is not None, "a unit with visits is compared by an advisor"
        change, risk_change, warnings = change_since(visits[-2] if len(visits) > 1 else None, latest, advisor)
    signal.name_key = name_key(unit.name)
    signal.digest = advisor.kb.digest if advisor is not None and visits else ""
    signal.visit_count = len(visits)
    signal.latest_visit_id = latest.id if latest is not None else None
    signal.latest_on = latest.visited_on if latest is not None else None
    signal.risk = data["risk"]["overall"] if data else "unknown"
    signal.risk_index = visit_index(data)["overall"] if data else None
    signal.index_change = change
    signal.risk_change = risk_change
    signal.warnings_json = json.dumps(warnings, ensure_ascii=False)
    signal.rank = rank_of(len(warnings), risk_change, change)
    signal.readiness = readiness_line(data) if data else None
    signal.visits_json = json.dumps(
        [visit_summary(v, assessment_data(v)) for v in visits], ensure_ascii=False, sort_keys=True
    )
    session.add(signal)
    return signal


def refresh(session: Session, advisor: Advisor) -> int:
    """Make the line of every unit that has none, or one read with other knowledge; returns how many."""
    stale = session.scalars(
        select(Unit)
        .outerjoin(UnitSignal, UnitSignal.unit_id == Unit.id)
        .where(UnitSignal.unit_id.is_(None) | ((UnitSignal.visit_count > 0) & (UnitSignal.digest != advisor.kb.digest)))
        .order_by(Unit.id)
    ).all()
    for unit in stale:
        update(session, unit, advisor)
    return len(stale)


@dataclass(frozen=True)
class LatestVisit:
    id: int
    visited_on: dt.date


@dataclass(frozen=True)
class PortfolioRow:
    """A unit's line of the portfolio, as the pages and the API show it."""

    unit: Unit
    latest: LatestVisit | None
    risk: str
    index: float | None
    change: float | None  # index change since the previous visit (positive = worse), when both have one
    risk_change: int  # +1 worse, -1 better, 0 same or unknown
    warnings: list[str]
    readiness: str | None
    visit_count: int
    visits: list[dict[str, Any]]

    @property
    def declining(self) -> bool:
        return bool(self.warnings) or self.risk_change > 0 or (self.change or 0) > 0


@dataclass(frozen=True)
class Page:
    rows: list[PortfolioRow]
    total: int  # units that match (all pages)
    offset: int
    limit: int | None
    query: str

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.rows)
        return end if self.limit is not None and end < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - (self.limit or 0)) if self.offset > 0 else None


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def portfolio(
    session: Session,
    visible: frozenset[int] | None = None,
    *,
    query: str = "",
    offset: int = 0,
    limit: int | None = None,
) -> Page:
    """The units (or those in ``visible``) whose name contains ``query`` (any case), declining first (an early
    warning, more warnings, a higher risk, the larger rise), then by name; ``limit`` of them from ``offset``."""
    condition: ColumnElement[bool] = true() if visible is None else UnitSignal.unit_id.in_(visible)
    needle = name_key(query.strip())
    if needle:
        condition = and_(condition, UnitSignal.name_key.like(f"%{_escaped(needle)}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(UnitSignal).where(condition))
    # the page's ids first, in the order of the index on (rank, name_key, unit_id), then their rows
    ids = select(UnitSignal.unit_id).where(condition).order_by(UnitSignal.rank, UnitSignal.name_key, UnitSignal.unit_id)
    if offset:
        ids = ids.offset(offset)
    if limit is not None:
        ids = ids.limit(limit)
    wanted = list(session.scalars(ids))
    found = {
        unit.id: (unit, signal)
        for unit, signal in session.execute(
            select(Unit, UnitSignal).join(UnitSignal, UnitSignal.unit_id == Unit.id).where(Unit.id.in_(wanted))
        )
    }
    ordered = [found[i] for i in wanted if i in found]
    rows = [
        PortfolioRow(
            unit=unit,
            latest=LatestVisit(s.latest_visit_id, s.latest_on)
            if s.latest_visit_id is not None and s.latest_on is not None
            else None,
            risk=s.risk,
            index=s.risk_index,
            change=s.index_change,
            risk_change=s.risk_change,
            warnings=json.loads(s.warnings_json),
            readiness=s.readiness,
            visit_count=s.visit_count,
            visits=json.loads(s.visits_json),
        )
        for unit, s in ordered
    ]
    return Page(rows, total or 0, offset, limit, query.strip())
