"""The consultant's pages: an empty portfolio that offers a start, units over their visits, a visit with its
assessment, what-if, explanations, comparison and the same brief as `report`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from mbt_advisor.rulebase.examples import example_path
from mbt_advisor.web.settings.config import database_label

from .conftest import add_unit_from_example, add_visit, post_form

pytestmark = pytest.mark.both_databases


def test_an_empty_portfolio_offers_to_start_from_a_bundled_example(client, database: str) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "No units yet" in page.text
    assert 'action="/units/from-example"' in page.text and '<option value="riverside">' in page.text
    assert database_label(database) in page.text  # the footer says where the data are (never a password)


def test_a_unit_started_from_an_example_stores_the_example_byte_for_byte(client) -> None:
    unit = add_unit_from_example(client, "riverside")
    page = client.get(f"/units/{unit}")
    assert "Riverside MBT day programme" in page.text
    visit = re.search(rf"/units/{unit}/visits/(\d+)/profile.yaml", page.text).group(1)
    exported = client.get(f"/units/{unit}/visits/{visit}/profile.yaml")
    assert exported.content == example_path("riverside").read_bytes()
    assert "attachment" in exported.headers["content-disposition"]


def test_the_unit_page_charts_each_level_and_lists_table4_ratings_over_visits(
    client, riverside_text, reorganized_text
) -> None:
    unit = add_unit_from_example(client, "riverside")
    add_visit(client, unit, reorganized_text.replace("  leadership: 6\n", "  leadership: 2\n"))
    page = client.get(f"/units/{unit}").text
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert svg.count("<polyline") == 4  # overall and the three levels
    assert "2026-11-20" in svg and "2027-05-20" in svg
    row = re.search(r"<tr><td title=\"[^\"]*\">Leadership[^<]*</td><td>team</td><td>6</td><td>2</td></tr>", page)
    assert row, "the leadership rating of both visits, in visit order"


def test_the_visit_page_has_the_assessment_whatif_explanations_and_the_comparison(client, reorganized_text) -> None:
    unit = add_unit_from_example(client, "riverside")
    second = add_visit(client, unit, reorganized_text)
    page = client.get(f"/units/{unit}/visits/{second}").text
    assert 'class="early-warning"' in page and "REORG" in page
    for section in ("assessment", "whatif", "comparison", "similar"):
        assert f'<section id="{section}">' in page
    assert page.count("How this was reached") >= 3
    assert "Overall risk low (index " in page and "-&gt; high (index " in page
    assert f'href="/units/{unit}/visits/{second}/brief"' in page


def test_a_first_visit_says_there_is_nothing_to_compare_with(client) -> None:
    unit = add_unit_from_example(client, "school")
    visit = re.search(rf"/units/{unit}/visits/(\d+)", client.get(f"/units/{unit}").text).group(1)
    page = client.get(f"/units/{unit}/visits/{visit}").text
    assert "first visit" in page and "early-warning" not in page


@pytest.mark.slow
def test_the_brief_is_the_same_html_as_the_report_command(client, tmp_path: Path) -> None:
    unit = add_unit_from_example(client, "merger")
    visit = re.search(rf"/units/{unit}/visits/(\d+)", client.get(f"/units/{unit}").text).group(1)
    brief = client.get(f"/units/{unit}/visits/{visit}/brief")
    out = tmp_path / "brief.html"
    result = CliRunner().invoke(cli, ["report", str(example_path("merger")), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert brief.text == out.read_text(encoding="utf-8")


def test_a_bad_profile_upload_shows_the_command_line_message_and_stores_nothing(client, riverside_text) -> None:
    unit = add_unit_from_example(client, "riverside")
    bad = riverside_text.replace("team_conflict: low", "team_conflict: furious")
    response = post_form(client, f"/units/{unit}/visits", files={"profile_file": ("bad.yaml", bad.encode())})
    assert response.status_code == 400
    assert (
        "bad.yaml, line" in response.text
        and "facts.team_conflict" in response.text
        and "Nothing was stored" in response.text
    )
    assert len(client.get(f"/api/v1/units/{unit}").json()["visits"]) == 1
    pasted = post_form(client, f"/units/{unit}/visits", {"profile_text": riverside_text, "visited_on": "2027-01-05"})
    assert pasted.status_code == 303
    assert [v["visited_on"] for v in client.get(f"/api/v1/units/{unit}").json()["visits"]] == [
        "2026-11-20",
        "2027-01-05",
    ]


def test_a_new_unit_by_name_and_unknown_pages(client) -> None:
    created = post_form(client, "/units", {"name": "Oak ward", "setting": "inpatient", "population": "adolescents"})
    assert created.status_code == 303
    page = client.get(created.headers["location"]).text
    assert "Oak ward" in page and "No visit yet" in page
    assert client.get("/units/999").status_code == 404
    assert client.get("/units/1/visits/999").status_code == 404


def test_a_unit_that_has_not_started_shows_its_readiness(client) -> None:
    unit = add_unit_from_example(client, "adolescent-startup")
    assert "4 of 11 preconditions in place" in client.get("/").text
    visit = re.search(rf"/units/{unit}/visits/(\d+)", client.get(f"/units/{unit}").text).group(1)
    assert "Readiness: 4 of 11 preconditions in place" in client.get(f"/units/{unit}/visits/{visit}").text


def test_the_index_is_shown_where_the_assessment_has_one(client) -> None:
    unit = add_unit_from_example(client, "merger")
    data = client.get(f"/api/v1/units/{unit}").json()["visits"][0]
    assert data["index"]["overall"] is not None and set(data["index"]) == {
        "overall",
        "organization",
        "team",
        "therapist",
    }
    assert "Risk index per level" in client.get(f"/units/{unit}").text
