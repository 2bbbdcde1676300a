"""An answer is put in a reader's words once (mbt_advisor.rulebase.words), so every screen that shows the same
answer shows it the same way: the wizard's and the visit form's "last time", the text, the Markdown and the
brief."""

from __future__ import annotations

import datetime as dt

from mbt_advisor import Advisor
from mbt_advisor.profile.loading import profile_from_data
from mbt_advisor.questions.comparison import compare
from mbt_advisor.rendering.brief import brief_context
from mbt_advisor.rendering.formats import comparison_text, to_markdown, to_text
from mbt_advisor.rulebase.words import value_label
from mbt_advisor.web.routes import visit_form as vf
from mbt_advisor.wizard.questionnaire import Wizard

NAME, ASSESSOR = "Ward_7 day_programme", "j_de_vries"  # free text with underscores, as a person may type it


def test_a_free_text_answer_is_shown_as_it_was_written(advisor: Advisor) -> None:
    assert value_label(advisor.kb, "organization.name", NAME) == NAME
    assert value_label(advisor.kb, "organization.assessor", ASSESSOR) == ASSESSOR
    assert value_label(None, "organization.assessor", ASSESSOR) == ASSESSOR
    assert value_label(advisor.kb, "organization.setting", "day_hospital") == "Day hospital (partial hospitalization)"


def test_the_last_visits_name_and_assessor_read_the_same_in_the_wizard_and_the_visit_form(advisor: Advisor) -> None:
    kb = advisor.kb
    previous = {"organization.name": NAME, "organization.assessor": ASSESSOR, "organization.setting": "day_hospital"}
    wizard = Wizard(kb, previous=previous)
    form = vf.build_form(kb, vf.starting_answers(previous, dt.date(2026, 12, 1)), previous)
    on_form = {f.name: f.last for section in form.sections for f in section.fields}
    for name in ("organization.name", "organization.assessor"):
        assert wizard.ask(kb.questions[name]).last_time == previous[name]
        assert on_form[name] == previous[name]


def test_the_assessor_reads_the_same_in_the_text_the_markdown_and_the_brief(advisor: Advisor) -> None:
    profile = profile_from_data({"organization": {"name": NAME, "assessor": ASSESSOR, "setting": "day_hospital"}})
    assessment = advisor.evaluate(profile)
    assert f"by {ASSESSOR}" in to_text(assessment, kb=advisor.tables)
    assert f"| Assessor | {ASSESSOR.replace('_', chr(92) + '_')} |" in to_markdown(assessment, kb=advisor.tables)
    facts = dict(brief_context(profile, advisor, assessment).facts)
    assert facts["Assessed"] == f"by {ASSESSOR} (date not given)"


def test_the_last_visits_ratings_read_the_same_in_the_wizard_and_the_visit_form(advisor: Advisor) -> None:
    """Table 4's label for a point, a half as the table writes it, and an item not rated as "not rated"."""
    kb = advisor.kb
    previous = {"organization.name": NAME, "ratings.org_commitment": 6, "ratings.implementation_plan": 2.5}
    wizard = Wizard(kb, previous=previous)
    form = vf.build_form(kb, vf.starting_answers(previous, dt.date(2026, 12, 1)), previous)
    on_form = {item.field.name: item.field.last for _, items in form.ratings for item in items}
    expected = {
        "ratings.org_commitment": "6 very good",
        "ratings.implementation_plan": "2/3",
        "ratings.financial_management": "not rated",
    }
    for name, words in expected.items():
        assert wizard.ask(kb.questions[name]).last_time == words
        assert on_form[name] == words


def test_an_item_not_rated_at_the_last_visit_reads_not_rated_in_compare_as_on_the_visit_form(advisor: Advisor) -> None:
    older = profile_from_data({"organization": {"name": NAME}})
    newer = profile_from_data({"organization": {"name": NAME}, "ratings": {"org_commitment": 6}})
    change = next(
        x for x in compare(older, newer, advisor=advisor).answers["organization"] if x.field == "ratings.org_commitment"
    )
    assert (change.old_words, change.new_words) == ("not rated", "6")
    assert "Commitment and support to implement MBT: not rated -> 6" in comparison_text(
        compare(older, newer, advisor=advisor)
    )


def test_an_omitted_answer_reads_not_known_in_the_markdown_and_the_brief_as_everywhere_else(advisor: Advisor) -> None:
    """The Markdown said "unknown" and the brief "not given" for the answer compare, the wizard and the visit
    form call "not known"."""
    profile = profile_from_data({"organization": {"name": NAME}})
    assessment = advisor.evaluate(profile)
    assert value_label(advisor.kb, "organization.setting", None) == "not known"
    markdown = to_markdown(assessment, kb=advisor.tables)
    for row in ("Setting", "Population", "Phase", "Assessed on", "Assessor"):
        assert f"| {row} | not known |" in markdown
    facts = dict(brief_context(profile, advisor, assessment).facts)
    assert (facts["Setting"], facts["Population"], facts["Phase"]) == ("not known",) * 3
