"""The visit as one form (mbt_advisor/web/visit_form.py): filled in from the last visit and kept unless changed,
the ratings with Table 4's own scale, "not known" as an empty value, and the questions new answers bring."""

from __future__ import annotations

import datetime as dt

import pytest

from mbt_advisor.profile.loading import parse_profile
from mbt_advisor.rulebase.examples import example_path
from mbt_advisor.web.routes import visit_form as vf

from .conftest import reorganized

TODAY = dt.date(2027, 5, 20)


@pytest.fixture
def kb(advisor):  # type: ignore[no-untyped-def]
    return advisor.kb


@pytest.fixture
def last():  # type: ignore[no-untyped-def]
    return parse_profile(example_path("riverside").read_text(encoding="utf-8"), "riverside")


def as_submitted(form: vf.VisitForm, **changes: tuple[str, ...]) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """What a browser sends for ``form`` with ``changes`` made by the user."""
    shown = form.shown.split()
    values = {f.name: f.value for s in form.sections for f in s.fields}
    values.update({i.field.name: i.field.value for _, items in form.ratings for i in items})
    for name, value in changes.items():
        values[name.replace("__", ".")] = value
    return shown, values


def next_form(kb, last):  # type: ignore[no-untyped-def]
    previous = vf.previous_answers(last)
    return vf.build_form(kb, vf.starting_answers(previous, TODAY), previous, last.organization.assessed_on)


def test_the_next_visit_saved_unchanged_keeps_every_answer_and_rating_of_the_last_with_todays_date(kb, last) -> None:  # type: ignore[no-untyped-def]
    shown, values = as_submitted(next_form(kb, last))
    answers, errors = vf.read_form(kb, shown, values)
    assert errors == {}
    new = parse_profile_from(answers)
    assert new.known_fields() == last.known_fields()
    assert new.ratings == last.ratings and len(last.ratings.model_dump(exclude_none=True)) == 21
    assert new.organization.assessed_on == TODAY
    assert new.organization.name == last.organization.name


def parse_profile_from(answers):  # type: ignore[no-untyped-def]
    from mbt_advisor.profile.loading import profile_from_data

    return profile_from_data(vf.profile_data(answers), source="form")


def test_each_field_says_what_it_was_last_time_in_words_and_a_change_is_marked(kb, last) -> None:  # type: ignore[no-untyped-def]
    form = next_form(kb, last)
    fields = {f.name: f for s in form.sections for f in s.fields}
    ratings = {i.field.name: i.field for _, items in form.ratings for i in items}
    assert fields["facts.management_support"].last == "Strong: visible, lasting support"
    assert fields["facts.mission_fit"].last == "yes"
    assert fields["facts.institutional_support"].last == "not known"
    assert ratings["ratings.org_commitment"].last == "6 very good"
    assert not any(f.changed for f in [*fields.values(), *ratings.values()])
    changed = vf.build_form(
        kb,
        {**vf.starting_answers(vf.previous_answers(last), TODAY), "facts.team_conflict": "high"},
        vf.previous_answers(last),
        last.organization.assessed_on,
    )
    assert [f.name for s in changed.sections for f in s.fields if f.changed] == ["facts.team_conflict"]


def test_a_change_an_emptied_answer_and_a_half_point_are_read_as_the_questionnaire_reads_them(kb, last) -> None:  # type: ignore[no-untyped-def]
    shown, values = as_submitted(
        next_form(kb, last),
        facts__reorganization=("yes",),
        facts__management_support=(),  # set back to "not known"
        ratings__org_commitment=("2.5",),
        ratings__leadership=(),  # not rated this time
        facts__team_splits=("disciplines",),
        facts__mbt_trained_fraction=("60%",),
    )
    answers, errors = vf.read_form(kb, shown, values)
    assert errors == {}
    new = parse_profile_from(answers)
    assert new.facts.reorganization is True
    assert new.facts.management_support is None
    assert new.ratings.org_commitment == 2.5 and new.ratings.leadership is None
    assert new.facts.team_splits == ("disciplines",)
    assert new.facts.mbt_trained_fraction == 0.6


def test_refusals_name_the_field_and_the_reason_and_keep_nothing(kb, last) -> None:  # type: ignore[no-untyped-def]
    shown, values = as_submitted(
        next_form(kb, last),
        organization__name=(),
        facts__team_size=("about ten",),
        ratings__org_commitment=("9",),
        facts__team_splits=("-none-", "disciplines"),
    )
    answers, errors = vf.read_form(kb, shown, values)
    assert set(errors) == {"organization.name", "facts.team_size", "ratings.org_commitment", "facts.team_splits"}
    assert "whole number" in errors["facts.team_size"]
    assert "from 1 to 7" in errors["ratings.org_commitment"]
    assert "facts.team_size" not in answers


def test_the_ratings_come_by_level_with_table_4s_labels_and_scale_from_the_knowledge(kb) -> None:  # type: ignore[no-untyped-def]
    form = vf.build_form(kb, vf.starting_answers(None, TODAY, "A new unit"), None)
    assert [level for level, _ in form.ratings] == ["organization", "team", "therapist"]
    assert sum(len(items) for _, items in form.ratings) == 21
    assert [(o.value, o.label) for o in form.scale] == [(str(s.value), s.label) for s in kb.rating_items.scale]
    first = form.ratings[0][1][0]
    assert first.short == kb.rating_items.items[0].short
    assert [o.label for o in first.field.options][:3] == [
        f"1 {kb.rating_items.scale[0].label}",
        "1/2",
        f"2 {kb.rating_items.scale[1].label}",
    ]
    assert all(f.last is None for s in form.sections for f in s.fields)  # a first visit has no "last time"
    name = next(f for f in form.sections[0].fields if f.name == "organization.name")
    assert name.value == ("A new unit",)


def test_a_visit_with_answers_only_carries_no_ratings_and_one_with_ratings_only_carries_no_answers(kb) -> None:  # type: ignore[no-untyped-def]
    form = vf.build_form(kb, vf.starting_answers(None, TODAY, "Unit"), None)
    shown = form.shown.split()
    only_ratings = {"organization.name": ("Unit",), "ratings.leadership": ("5",)}
    answers, errors = vf.read_form(kb, shown, only_ratings)
    assert errors == {} and parse_profile_from(answers).known_fields() == {"ratings.leadership": 5.0}
    answers, _ = vf.read_form(kb, shown, {"organization.name": ("Unit",), "facts.team_size": ("9",)})
    assert parse_profile_from(answers).known_fields() == {"facts.team_size": 9}


def test_questions_the_new_answers_bring_are_named_and_those_no_longer_asked_are_dropped(kb, last) -> None:  # type: ignore[no-untyped-def]
    form = next_form(kb, last)
    shown, values = as_submitted(form, organization__setting=("school",), organization__population=("pupils",))
    answers, errors = vf.read_form(kb, shown, values)
    assert errors == {}
    again = vf.build_form(kb, answers, vf.previous_answers(last), last.organization.assessed_on, shown=shown)
    assert again.new_questions  # the school's questions were not on the form
    assert all(f.name.startswith(("organization.", "facts.", "ratings.")) for s in again.sections for f in s.fields)
    settled = vf.settle(kb, answers)
    assert "facts.team_size" not in settled  # a school is not asked about the team's size
    assert settled["organization.setting"] == "school"


def test_a_reorganized_unit_filled_in_from_the_last_visit_reads_back_as_that_profile(kb, riverside_text) -> None:  # type: ignore[no-untyped-def]
    later = parse_profile(reorganized(riverside_text), "later")
    previous = vf.previous_answers(later)
    form = vf.build_form(kb, vf.starting_answers(previous, later.organization.assessed_on), previous)
    answers, errors = vf.read_form(kb, *as_submitted(form))
    assert errors == {}
    assert parse_profile_from(vf.settle(kb, answers)) == later


def test_the_form_asks_a_planning_unit_about_an_existing_team_only_once_it_says_it_converts_one(kb) -> None:  # type: ignore[no-untyped-def]
    planning = {"organization.name": "Oak", "organization.setting": "day_hospital", "organization.phase": "planning"}
    asked = vf.applicable_fields(kb, planning)
    assert "facts.team_origin" in asked and "facts.team_buy_in" not in asked
    converting = vf.applicable_fields(kb, {**planning, "facts.team_origin": "converting"})
    assert {"facts.team_buy_in", "facts.team_conflict"} <= set(converting)
    # an answer the form does not ask is not kept: the last visit's buy-in, with the team's origin not known
    assert "facts.team_buy_in" not in vf.settle(kb, {**planning, "facts.team_buy_in": "partial"})
