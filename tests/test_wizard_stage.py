"""The wizard's smaller frictions (issue 27, items 7 and 13): a yes/no question starts with no answer selected,
'today' is a date and 'about 10' a count, the unit's setting lists no other kind of unit's advice, and the
counter shows a total only once the answers that decide it are given."""

from __future__ import annotations

import datetime as dt

from mbt_advisor.cli.prompts import ArrowPrompter, counter
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from mbt_advisor import Advisor
from mbt_advisor.wizard.answer_marks import SKIP
from mbt_advisor.wizard.questionnaire import Wizard, parse_answer


def question(wizard: Wizard, name: str):  # type: ignore[no-untyped-def]
    return next(q for q in wizard.questions if q.field == name)


def test_enter_on_a_yes_no_question_records_no_risk(advisor: Advisor) -> None:
    wizard = Wizard(advisor.kb)
    ask = wizard.ask(question(wizard, "facts.reorganization"))
    with create_pipe_input() as pipe:
        pipe.send_text("\r")
        assert ArrowPrompter(input=pipe, output=DummyOutput()).ask(ask) == SKIP  # "Don't know", never "Yes"


def test_today_is_a_date_and_about_ten_is_a_count(advisor: Advisor) -> None:
    wizard = Wizard(advisor.kb)
    assert parse_answer(question(wizard, "organization.assessed_on"), "today") == dt.date.today()
    assert parse_answer(question(wizard, "organization.assessed_on"), " Today ") == dt.date.today()
    assert parse_answer(question(wizard, "facts.team_size"), "about 10") == 10
    assert parse_answer(question(wizard, "facts.team_size"), "~12") == 12


def test_the_setting_lists_no_school_advice_to_a_clinic(advisor: Advisor) -> None:
    wizard = Wizard(advisor.kb)
    assert wizard.ask(question(wizard, "organization.setting")).informs == ()
    assert wizard.ask(question(wizard, "facts.management_support")).informs  # a fact still says what it informs


def test_the_total_is_shown_once_setting_and_phase_are_given(advisor: Advisor) -> None:
    wizard = Wizard(advisor.kb)
    for name, value in (("organization.name", "Oak"), ("organization.setting", "day_hospital")):
        assert counter(wizard.ask(question(wizard, name))).count("/") == 0
        wizard.answer(question(wizard, name), value)
    wizard.answer(question(wizard, "organization.population"), "adults")
    assert "/" not in counter(wizard.ask(question(wizard, "organization.phase")))
    wizard.answer(question(wizard, "organization.phase"), "planning")
    first = wizard.ask(wizard.next_question())
    assert "/" in counter(first)
    total = first.total
    while (next_question := wizard.next_question()) is not None:  # the total never changes from here on
        assert wizard.ask(next_question).total == total
        wizard.skip(next_question) if next_question.field != "wizard.path" else wizard.answer(next_question, "founder")


EXISTING_TEAM = ("facts.team_conflict", "facts.team_buy_in")  # the questions about an existing team


def _asked_about_existing_team(advisor: Advisor, phase: str, origin: str | None) -> list[str]:
    wizard = Wizard(advisor.kb)
    for name, value in (("organization.setting", "day_hospital"), ("organization.phase", phase)):
        wizard.answer(question(wizard, name), value)
    team_origin = question(wizard, "facts.team_origin")
    wizard.answer(team_origin, origin) if origin else wizard.skip(team_origin)
    return [name for name in EXISTING_TEAM if wizard.applies(question(wizard, name))]


def test_a_planning_unit_is_asked_about_an_existing_team_only_when_it_converts_one(advisor: Advisor) -> None:
    assert _asked_about_existing_team(advisor, "planning", "converting") == list(EXISTING_TEAM)
    assert _asked_about_existing_team(advisor, "planning", None) == []  # where the team comes from is not known
    assert _asked_about_existing_team(advisor, "planning", "new_team") == []


def test_a_running_unit_whose_team_origin_is_unknown_is_still_asked_about_its_team(advisor: Advisor) -> None:
    assert _asked_about_existing_team(advisor, "running", None) == list(EXISTING_TEAM)
    assert _asked_about_existing_team(advisor, "running", "new_team") == []


def test_where_the_team_comes_from_is_asked_before_any_question_about_an_existing_team(advisor: Advisor) -> None:
    order = [q.field for q in Wizard(advisor.kb).questions]
    assert all(order.index("facts.team_origin") < order.index(name) for name in EXISTING_TEAM)


def test_a_planning_unit_of_unknown_team_origin_misses_where_its_team_comes_from_not_its_buy_in(
    advisor: Advisor,
) -> None:
    profile = {"organization": {"name": "Oak", "setting": "day_hospital", "phase": "planning"}}
    missing = [m.field for m in advisor.evaluate(profile).missing_information]
    assert "facts.team_origin" in missing
    assert not set(EXISTING_TEAM) & set(missing)
    running = {"organization": {"name": "Oak", "setting": "day_hospital", "phase": "running"}}
    assert "facts.team_buy_in" in [m.field for m in advisor.evaluate(running).missing_information]
