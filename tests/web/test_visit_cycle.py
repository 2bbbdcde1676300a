"""The consultant's cycle in a real browser (Debian's chromium through Playwright) with no file edited by hand: a
unit, its first visit from the form with the expert ratings, the next visit from it, and the brief that sees the
change ("Since the last visit")."""

from __future__ import annotations

import re

import pytest

from .live import chromium_page, thread_server

pytestmark = pytest.mark.slow  # a browser through two visits and a brief: about ten seconds

ALL_SIX = 6  # the first visit rates every Table 4 item "very good"
FELL = ("org_commitment", "management_continuity", "organizational_stability", "leadership", "team_cohesion")


def test_a_unit_its_first_visit_with_ratings_the_next_from_it_and_the_brief_that_sees_the_change(app) -> None:  # type: ignore[no-untyped-def]
    with thread_server(app) as server, chromium_page() as page:
        page.goto(server)
        page.fill("#unit-name", "Harbour Clinic day programme")
        page.select_option("#unit-setting", "day_hospital")
        page.click("text=Create the unit")
        page.wait_for_url(re.compile(r"/units/\d+$"))

        # the first visit: a few plain answers and all 21 ratings
        page.click("text=Start the first visit")
        page.wait_for_url(re.compile(r"/new-visit"))
        assert page.locator("details.ratings-form").get_attribute("open") is not None
        page.fill("#f-organization-assessed_on", "2026-11-20")
        page.fill("#f-organization-assessor", "J. Doe")
        page.select_option("#f-organization-phase", "running")
        page.select_option("#f-facts-management_support", "strong")
        page.check('input[name="facts.reorganization"][value="no"]')
        page.fill("#f-facts-team_size", "10")
        ratings = page.locator("details.ratings-form select")
        assert ratings.count() == 21
        for n in range(ratings.count()):
            ratings.nth(n).select_option(str(ALL_SIX))
        page.click("text=Save this visit")
        page.wait_for_url(re.compile(r"/units/\d+/visits/\d+$"))
        assert "Visit of 2026-11-20" in page.locator("h1").inner_text()

        # the next visit, from this one: everything filled in, five ratings fall, a reorganization
        page.click("text=Start the next visit from this one")
        page.wait_for_url(re.compile(r"/new-visit\?from=\d+"))
        assert page.locator("#f-facts-team_size").input_value() == "10"
        assert page.locator("#f-ratings-leadership").input_value() == str(ALL_SIX)
        assert page.locator(".last", has_text="Last time: 6 very good").count() == 21
        page.fill("#f-organization-assessed_on", "2027-05-20")
        page.fill("#f-organization-assessor", "K. Jansen")
        page.select_option("#f-organization-phase", "reorganizing")
        page.check('input[name="facts.reorganization"][value="yes"]')
        page.select_option("#f-facts-management_support", "lacking")
        for item in FELL:
            page.select_option(f"#f-ratings-{item}", "3")
        page.click("text=Save this visit")
        page.wait_for_url(re.compile(r"/units/\d+/visits/\d+$"))
        assert "Visit of 2027-05-20 by K. Jansen" in page.locator("h1").inner_text()
        assert page.locator(".early-warning").count() == 1

        unit_url = page.url.rsplit("/visits/", 1)[0]
        page.goto(unit_url)
        assert page.locator("table.visits tbody tr").count() == 2

        # the brief of the second visit sees the first
        page.goto(unit_url)
        page.locator("table.visits tbody tr").nth(1).locator("text=brief").click()
        page.wait_for_url(re.compile(r"/brief$"))
        brief = page.locator("body").inner_text()
        assert "Since the last visit" in brief
        assert "2026-11-20" in brief
