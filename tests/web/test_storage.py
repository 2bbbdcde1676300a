"""Storage: a visit keeps its profile byte for byte with its assessment and knowledge digest; stale
assessments are recomputed; a failed write leaves nothing behind; the portfolio puts declining units first."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select, text

from mbt_advisor.common.errors import InputError, ProfileError
from mbt_advisor.rendering.formats import to_json
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.db import open_database
from mbt_advisor.web.storage.models import Unit, Visit

pytestmark = pytest.mark.both_databases


@pytest.fixture
def sessions(database: str):  # type: ignore[no-untyped-def]
    engine, factory = open_database(database)
    yield factory
    engine.dispose()


def test_a_visit_keeps_the_profile_text_the_assessment_and_the_digest(sessions, advisor, riverside_text: str) -> None:
    with sessions.begin() as session:
        unit = store.create_unit(session, "Riverside", "day_hospital", "adults")
        visit = store.add_visit(session, unit, riverside_text, advisor)
        visit_id = visit.id
    with sessions.begin() as session:
        visit = session.get(Visit, visit_id)
        assert visit.profile_yaml == riverside_text
        assert visit.assessment_json == to_json(advisor.evaluate(store.profile_of(visit)))
        assert visit.knowledge_digest == advisor.kb.digest
        assert visit.visited_on.isoformat() == "2026-11-20" and visit.assessor == "J. Doe"


def test_assessments_made_with_other_knowledge_are_recomputed(sessions, advisor, riverside_text: str) -> None:
    with sessions.begin() as session:
        unit = store.create_unit(session, "Riverside")
        visit = store.add_visit(session, unit, riverside_text, advisor)
        visit.knowledge_digest = "an-older-rule-base"
        visit.assessment_json = json.dumps({"risk": {"overall": "high"}})
    with sessions.begin() as session:
        assert store.refresh(session, advisor) == 1
        assert store.refresh(session, advisor) == 0
    with sessions.begin() as session:
        visit = session.scalars(select(Visit)).one()
        assert visit.knowledge_digest == advisor.kb.digest
        assert json.loads(visit.assessment_json)["risk"]["overall"] == "low"


def test_a_failed_write_leaves_no_half_visit_and_no_unit(sessions, advisor, riverside_text: str) -> None:
    with pytest.raises(ProfileError, match="facts.team_size"), sessions.begin() as session:
        unit = store.create_unit(session, "Riverside")
        store.add_visit(session, unit, riverside_text, advisor)
        store.add_visit(session, unit, riverside_text.replace("team_size: 10", "team_size: many"), advisor)
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 0
        assert session.scalar(select(func.count()).select_from(Visit)) == 0


def test_the_portfolio_puts_a_unit_sliding_like_reorg_first(
    sessions, advisor, riverside_text, reorganized_text
) -> None:
    with sessions.begin() as session:
        for name, text in [("A stable unit", riverside_text), ("Riverside", riverside_text)]:
            store.add_visit(session, store.create_unit(session, name), text, advisor)
        store.create_unit(session, "A unit without visits")
    with sessions.begin() as session:
        assert [r.unit.name for r in store.portfolio(session)] == [
            "A stable unit",
            "A unit without visits",
            "Riverside",
        ]
        riverside = session.scalars(select(Unit).where(Unit.name == "Riverside")).one()
        store.add_visit(session, riverside, reorganized_text, advisor)
    with sessions.begin() as session:
        rows = store.portfolio(session)
        assert rows[0].unit.name == "Riverside"
        assert rows[0].declining and rows[0].risk_change == 1  # low -> a higher risk
        assert rows[0].change is not None and rows[0].change > 0  # and a rising 0-100 index
        assert "REORG" in rows[0].warnings[0]
        assert not rows[1].declining


def test_questionnaire_drafts_keep_the_wizard_state(sessions) -> None:
    from mbt_advisor.wizard.questionnaire import WizardState

    with sessions.begin() as session:
        draft = store.new_draft(session)
        store.save_draft(draft, WizardState({"organization.name": "X", "facts.team_size": 9}, ["facts.x"], ["a", "b"]))
        draft_id = draft.id
    with sessions.begin() as session:
        state = store.draft_state(session.get(store.Draft, draft_id))
        assert state.answers == {"organization.name": "X", "facts.team_size": 9}
        assert state.skipped == ["facts.x"] and state.history == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [("x" * 201, "units: name: at most 200 characters are stored here (this has 201)."), ("a\x00b", "NUL")],
)
def test_a_text_either_database_would_refuse_or_keep_differently_is_refused_on_both(
    sessions, name: str, problem: str
) -> None:
    """PostgreSQL refuses a text longer than its column and a NUL character, where SQLite would store them."""
    with pytest.raises(InputError, match=re.escape(problem)), sessions.begin() as session:
        session.add(Unit(name=name))  # the storage's own check (store.create_unit refuses a NUL before it)
        session.flush()
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 0
        store.create_unit(session, "x" * 200)  # the longest name fits on both


@pytest.mark.slow
def test_processes_refreshing_at_once_share_the_work_on_postgresql(  # type: ignore[no-untyped-def]
    postgresql, migrated_template, advisor, riverside_text: str
) -> None:
    """After an upgrade every server process refreshes the stale assessments at start: on PostgreSQL the rows one
    process is refreshing are skipped by the others, not waited for and then recomputed again."""
    name = postgresql.create(migrated_template)
    engine, sessions = open_database(postgresql.url(name))
    with sessions.begin() as session:
        unit = store.create_unit(session, "Riverside")
        for _ in range(3):
            store.add_visit(session, unit, riverside_text, advisor).knowledge_digest = "an-older-rule-base"
    first = sessions()
    with first.begin():
        assert store.refresh(first, advisor) == 3  # its three rows stay locked until this block commits
        with sessions.begin() as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail here, not hang
            assert store.refresh(second, advisor) == 0
    with sessions.begin() as session:
        assert store.refresh(session, advisor) == 0
        assert session.scalars(select(Visit.knowledge_digest).distinct()).all() == [advisor.kb.digest]
    engine.dispose()
    postgresql.drop(name)
