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
