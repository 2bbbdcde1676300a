"""The next visit starts from the last one: a form filled in with the last visit's answers and ratings, "last time"
beside each, kept unless changed, saved as a new visit of the unit; the expert ratings with Table 4's scale; the
founder's own result; the landing page that says what the tool is for."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from mbt_advisor.profile.loading import parse_profile
from mbt_advisor.rulebase.examples import example_path
from mbt_advisor.web.routes.visit_form import applicable_fields, previous_answers

from .conftest import add_unit_from_example, add_visit, post_form

pytestmark = pytest.mark.both_databases


class FormValues(HTMLParser):
    """What a browser would send for the form whose action is ``action``, as it is shown: every named input's
    value (a radio or checkbox only when checked), every select's selected option."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, None
        self.values: list[tuple[str, str]] = []
        self.first_option: dict[str, str] = {}
        self.selected: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and "name" in a:
            if a.get("type") in {"radio", "checkbox"} and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select is not None:
            self.first_option.setdefault(self.select, a.get("value", ""))
            if "selected" in a:
                self.values.append((self.select, a.get("value", "")))
                self.selected.add(self.select)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select is not None:
            if self.select not in self.selected:
                self.values.append((self.select, self.first_option.get(self.select, "")))
            self.select = None
        if tag == "form":
            self.inside = False


def form_of(page: str, action: str) -> dict[str, list[str]]:
    parser = FormValues(action)
    parser.feed(page)
    values: dict[str, list[str]] = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    assert values, f"no form posting to {action}"
    return values


def save(client, unit: int, values: dict[str, Any], status: int = 303) -> Any:  # type: ignore[no-untyped-def]
    response = post_form(client, f"/units/{unit}/new-visit", values)
    assert response.status_code == status, response.text[:2000]
    return response


def stored_profile(client, unit: int, visit: int):  # type: ignore[no-untyped-def]
    return parse_profile(client.get(f"/units/{unit}/visits/{visit}/profile.yaml").text, "stored")


def visit_of(response: Any) -> int:
    return int(re.search(r"/visits/(\d+)$", response.headers["location"]).group(1))


def test_the_unit_page_offers_to_start_the_next_visit_from_the_last(client, reorganized_text) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    second = add_visit(client, unit, reorganized_text)
    page = client.get(f"/units/{unit}").text
    assert f'href="/units/{unit}/new-visit?from={second}">Start the next visit from this one</a>' in page
    visit_page = client.get(f"/units/{unit}/visits/{second}").text
    assert f'href="/units/{unit}/new-visit?from={second}"' in visit_page


def test_the_next_visit_is_filled_in_from_the_last_with_last_time_beside_each_answer_and_rating(
    client, advisor
) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    page = client.get(f"/units/{unit}/new-visit").text
    assert "The next visit, starting from the one of 2026-11-20" in page
    last = parse_profile(example_path("riverside").read_text(encoding="utf-8"), "riverside")
    asked = applicable_fields(advisor.kb, previous_answers(last))
    assert len([f for f in asked if f.startswith("ratings.")]) == 21
    assert page.count("Last time:") == len(asked)  # every question asked, the 21 ratings among them
    assert "Last time: Strong: visible, lasting support" in page
    assert "Last time: 6 very good" in page
    assert re.search(
        r'<select id="f-ratings-org_commitment"[^>]*>.*?<option value="6" selected>6 very good', page, re.S
    )
    for word in ("very poor", "poor", "acceptable", "adequate", "good", "very good", "excellent"):
        assert f"</strong> {word}</li>" in page  # Table 4's own scale, from knowledge/rating_items.yaml
    assert "Organization level (7 items)" in page and "Team level (11 items)" in page
    assert "Therapist level (3 items)" in page


def test_saved_unchanged_the_next_visit_keeps_every_answer_and_rating_and_is_added_to_the_unit(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    first = int(re.search(rf"/units/{unit}/visits/(\d+)", client.get(f"/units/{unit}").text).group(1))
    values = form_of(client.get(f"/units/{unit}/new-visit").text, f"/units/{unit}/new-visit")
    values["organization.assessed_on"] = ["2027-05-20"]
    second = visit_of(save(client, unit, values))
    old, new = stored_profile(client, unit, first), stored_profile(client, unit, second)
    assert new.known_fields() == old.known_fields() and new.organization.name == old.organization.name
    assert new.organization.assessed_on.isoformat() == "2027-05-20"
    unit_page = client.get(f"/units/{unit}").text
    assert unit_page.count(f"/units/{unit}/visits/{second}/brief") == 1 and "2027-05-20" in unit_page


def test_what_is_changed_is_stored_and_shows_on_the_visit_page_as_the_change_since_the_last(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    values = form_of(client.get(f"/units/{unit}/new-visit").text, f"/units/{unit}/new-visit")
    values |= {
        "organization.assessed_on": ["2027-05-20"],
        "organization.phase": ["reorganizing"],
        "facts.reorganization": ["yes"],
        "facts.management_support": ["lacking"],
        "ratings.org_commitment": ["3"],
        "ratings.leadership": ["2.5"],
        "ratings.team_cohesion": [""],  # not rated this time
    }
    second = visit_of(save(client, unit, values))
    new = stored_profile(client, unit, second)
    assert new.facts.reorganization is True and new.facts.management_support == "lacking"
    assert (new.ratings.org_commitment, new.ratings.leadership, new.ratings.team_cohesion) == (3, 2.5, None)
    page = client.get(f"/units/{unit}/visits/{second}").text
    assert 'class="early-warning"' in page
    following = client.get(f"/units/{unit}/new-visit").text  # the next one starts from this one
    assert "Last time: 2/3" in following and "Last time: not rated" in following


def test_a_refused_answer_shows_the_form_again_with_what_was_typed_and_stores_nothing(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    before = client.get(f"/units/{unit}").text.count("/brief")
    values = form_of(client.get(f"/units/{unit}/new-visit").text, f"/units/{unit}/new-visit")
    values |= {"facts.team_size": ["about ten"], "facts.team_conflict": ["high"]}
    page = save(client, unit, values, status=422).text
    assert "1 answer was not accepted; nothing was saved" in page
    assert 'value="about ten"' in page and "give a whole number" in page
    assert re.search(r'<option value="high" selected>', page)  # the other change is kept on the form
    assert client.get(f"/units/{unit}").text.count("/brief") == before


def test_a_first_visit_may_carry_ratings_only_or_answers_only(client) -> None:  # type: ignore[no-untyped-def]
    created = post_form(client, "/units", {"name": "Harbour unit", "setting": "day_hospital"})
    unit = int(created.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/units/{unit}/new-visit?ratings=1").text
    assert "A visit to Harbour unit" in page and "Last time" not in page
    assert '<details class="ratings-form" open>' in page
    values = form_of(page, f"/units/{unit}/new-visit")
    rated = values | {f"ratings.{item}": ["5"] for item in ("org_commitment", "leadership", "model_commitment")}
    first = visit_of(save(client, unit, rated))
    assert stored_profile(client, unit, first).known_fields() == {
        "ratings.org_commitment": 5.0,
        "ratings.leadership": 5.0,
        "ratings.model_commitment": 5.0,
    }
    answers = form_of(client.get(f"/units/{unit}/new-visit").text, f"/units/{unit}/new-visit")
    answers |= {f"ratings.{item}": [""] for item in ("org_commitment", "leadership", "model_commitment")}
    answers |= {"facts.team_size": ["9"]}
    second = visit_of(save(client, unit, answers))
    assert stored_profile(client, unit, second).known_fields() == {"facts.team_size": 9}


def test_questions_a_changed_answer_brings_are_asked_before_anything_is_saved(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    values = form_of(client.get(f"/units/{unit}/new-visit").text, f"/units/{unit}/new-visit")
    values |= {"organization.setting": ["school"], "organization.population": ["pupils"]}
    page = save(client, unit, values, status=200).text
    assert "Your answers bring" in page and "nothing was saved yet" in page
    again = form_of(page, f"/units/{unit}/new-visit")
    saved = visit_of(save(client, unit, again))
    profile = stored_profile(client, unit, saved)
    assert profile.organization.setting == "school" and profile.facts.team_size is None  # not asked of a school


def test_a_visit_of_another_unit_or_an_unknown_unit_is_a_404(client, riverside_text) -> None:  # type: ignore[no-untyped-def]
    ours = add_unit_from_example(client, "riverside")
    theirs = add_unit_from_example(client, "merger")
    their_visit = int(re.search(rf"/units/{theirs}/visits/(\d+)", client.get(f"/units/{theirs}").text).group(1))
    assert client.get(f"/units/{ours}/new-visit?from={their_visit}").status_code == 404
    assert client.get(f"/units/{ours}/new-visit?from=+{their_visit}").status_code == 404
    assert client.get("/units/999999/new-visit").status_code == 404
    values = form_of(client.get(f"/units/{ours}/new-visit").text, f"/units/{ours}/new-visit")
    assert post_form(client, "/units/999999/new-visit", values).status_code == 404


# -- the founder's own result ---------------------------------------------------------------------------------
def test_the_founders_result_has_the_headline_once_three_actions_what_to_answer_next_and_the_next_steps(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "adolescent-startup")
    visit = int(re.search(rf"/units/{unit}/visits/(\d+)", client.get(f"/units/{unit}").text).group(1))
    page = client.get(f"/units/{unit}/visits/{visit}/result").text
    main = page[page.index("<main>") : page.index("</main>")]
    assert main.count("preconditions in place") == 1 and main.count("Overall risk") == 1
    urgent = re.search(r'<ol class="urgent">(.*?)</ol>\s*<p', main, re.S).group(1)
    assert urgent.count("<h3>") == 3
    assert urgent.count("Evidence (what the sources report)") == 3  # each recommendation's evidence, once
    assert "Our reading:" in urgent and "Cases:" not in urgent
    order = [main.index(h) for h in ("most urgent action", "What to answer next", "Next steps", "Delete this result")]
    assert order == sorted(order), "the delete control comes last, after the next steps"
    assert f'href="/units/{unit}/visits/{visit}/delete"' not in main[: main.index("Next steps")]
    assert f"/units/{unit}/new-visit?from={visit}" in main


def test_the_visit_page_states_the_risk_once_shows_evidence_once_and_puts_delete_at_the_bottom(client) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "merger")
    visit = int(re.search(rf"/units/{unit}/visits/(\d+)", client.get(f"/units/{unit}").text).group(1))
    page = client.get(f"/units/{unit}/visits/{visit}").text
    main = page[page.index("<main>") : page.index("</main>")]
    assert main.count("Overall risk") == 1
    recommendations = main.split("<li>\n  <h3>")[1:]
    assert len(recommendations) > 3
    assert all(r.count("Evidence (what the sources report)") <= 1 for r in recommendations)  # each once at most
    assert sum("Evidence (what the sources report)" in r for r in recommendations) > len(recommendations) / 2
    assert "Cases:" not in main
    assert main.index("Delete this visit") > main.index('<section id="similar">')


def test_the_landing_page_says_what_the_tool_is_for_and_offers_the_questionnaire_first(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/").text
    intro = re.search(r'<p class="intro">(.*?)</p>', page, re.S).group(1)
    assert intro.count(". ") + 1 == 2 and "Mentalization-Based Treatment" in intro
    assert page.index('action="/questionnaire"') < page.index('action="/units/from-example"')
    add_unit_from_example(client, "riverside")  # a consultant's portfolio: the units first
    page = client.get("/").text
    assert page.index('class="portfolio"') < page.index('action="/questionnaire"')
