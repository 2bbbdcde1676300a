"""In a real browser (Debian's chromium through Playwright) against a real server on loopback: a founder's
questionnaire from start to downloaded profile, and a consultant who sees a reorganizing unit rise to the top."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from .live import chromium_page, running_server, thread_server


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with running_server(tmp_path / "browser.sqlite3") as url:
        yield url


def api(url: str, path: str) -> object:
    import urllib.request

    with urllib.request.urlopen(url + path.lstrip("/"), timeout=10) as response:
        return json.loads(response.read())


def test_smoke_the_portfolio_starts_a_unit_from_an_example(app) -> None:  # type: ignore[no-untyped-def]
    with thread_server(app) as server, chromium_page() as page:
        page.goto(server)
        assert page.locator("h1").inner_text() == "Portfolio"
        assert "No units yet" in page.content()
        page.select_option("#example", "riverside")
        page.click("text=Start from this example")
        page.wait_for_url(re.compile(r"/units/\d+$"))
        assert page.locator("h1").inner_text() == "Riverside MBT day programme"
        assert page.locator("svg.chart polyline").count() == 0  # one visit: points, no lines yet
        assert page.locator("svg.chart circle").count() == 4


def answer_current(page, value: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Answer the question on screen (a given value, else a reasonable one) and return its field."""
    form = page.locator("form.question")
    field = form.get_attribute("data-field")
    kind = form.get_attribute("data-kind")
    if kind in {"choice", "boolean", "rating"}:
        option = (
            page.locator(f'input[name="value"][value="{value}"]')
            if value
            else page.locator('input[name="value"]').first
        )
        option.check()
    elif kind == "multi":
        pass  # none of them
    else:
        default = {"integer": "10", "fraction": "80%", "date": "2026-11-01"}.get(kind or "", "someone")
        page.fill('input[name="value"]', value or default)
    page.click("button[value=answer]")
    page.wait_for_load_state()
    return field or ""


@pytest.mark.slow
def test_a_founder_with_dont_know_back_and_a_reload_downloads_a_profile_the_cli_evaluates_alike(
    server: str, tmp_path: Path
) -> None:
    with chromium_page() as page:
        page.goto(server)
        page.click("text=Start the questionnaire")
        page.wait_for_url(re.compile(r"/questionnaire/"))
        draft = page.url
        assert answer_current(page, "Founders' unit") == "organization.name"
        assert answer_current(page, "day_hospital") == "organization.setting"
        page.click("button[value=skip]")  # don't know the population
        page.wait_for_load_state()
        assert page.locator("form.question").get_attribute("data-field") == "organization.phase"
        page.click("button[value=back]")
        page.wait_for_load_state()
        assert page.locator("form.question").get_attribute("data-field") == "organization.population"
        page.click("button[value=skip]")
        page.wait_for_load_state()
        help_text = page.locator("details.help")
        help_text.locator("summary").click()
        assert help_text.locator("p").first.is_visible()
        for _ in range(6):
            answer_current(page)
        # the live preview (plain JavaScript asking /api/v1/assess) reacts to a choice before it is saved
        while page.locator("form.question").get_attribute("data-kind") not in {"choice", "boolean"}:
            answer_current(page)
        page.locator('input[name="value"]').first.check()
        # a locator waits without evaluating a string (wait_for_function's polling would need 'unsafe-eval',
        # which the page's Content-Security-Policy refuses when the preview is not there at the first look)
        page.locator(".preview-note", has_text="If you answer").wait_for()

        before = page.locator("form.question").get_attribute("data-field")
        page.reload()  # half way: nothing is lost
        assert page.locator("form.question").get_attribute("data-field") == before
        page.goto(draft)
        while page.locator("form.question").count():
            answer_current(page)
        assert "All questions are done" in page.content()
        with page.expect_download() as download_info:
            page.click("a.download")
        profile = tmp_path / "downloaded.yaml"
        download_info.value.save_as(profile)
        page.click("text=Save and see the assessment")
        page.wait_for_url(re.compile(r"/units/\d+/visits/\d+/result$"))  # the founder's own result
        unit, visit = re.search(r"/units/(\d+)/visits/(\d+)/result$", page.url).groups()
        assert "most urgent action" in page.content()

    text = profile.read_text(encoding="utf-8")
    assert "Founders' unit" in text and "population" not in text
    result = CliRunner().invoke(cli, ["evaluate", str(profile), "--format", "json"])
    assert result.exit_code == 0, result.output
    stored = api(server, f"/api/v1/units/{unit}/visits/{visit}")
    assert json.loads(result.stdout) == stored["assessment"]  # type: ignore[index]


@pytest.mark.slow
def test_a_consultant_sees_a_reorganizing_unit_rise_to_the_top_with_the_early_warning(
    server: str, tmp_path: Path, reorganized_text: str
) -> None:
    second = tmp_path / "riverside-2027.yaml"
    second.write_text(reorganized_text, encoding="utf-8")
    with chromium_page() as page:
        for example in ("riverside", "merger", "school"):
            page.goto(server)
            page.select_option("#example", example)
            page.click("text=Start from this example")
            page.wait_for_url(re.compile(r"/units/\d+$"))
        page.goto(server)
        first_row = page.locator("table.portfolio tbody tr").first
        assert "Riverside" not in first_row.inner_text()
        page.click("text=Riverside MBT day programme")
        page.click("text=Add a visit from a profile file")  # folded under the next visit's form
        page.set_input_files("#profile-file", str(second))
        page.click("text=Add the visit")
        page.wait_for_url(re.compile(r"/visits/\d+$"))
        assert "Early warning" in page.locator("section.early-warning").inner_text()
        page.goto(server)
        first_row = page.locator("table.portfolio tbody tr").first
        assert "Riverside MBT day programme" in first_row.inner_text()
        assert "REORG" in first_row.inner_text()
        assert "declining" in (first_row.get_attribute("class") or "")
        page.click("text=Riverside MBT day programme")
        assert page.locator("svg.chart polyline").count() == 4


@pytest.mark.slow
def test_a_visit_entered_by_mistake_is_deleted_and_the_unit_falls_back_then_the_unit_goes(
    server: str, tmp_path: Path, reorganized_text: str
) -> None:
    second = tmp_path / "riverside-2027.yaml"
    second.write_text(reorganized_text, encoding="utf-8")
    with chromium_page() as page:
        for example in ("merger", "riverside"):
            page.goto(server)
            page.select_option("#example", example)
            page.click("text=Start from this example")
            page.wait_for_url(re.compile(r"/units/\d+$"))
        page.click("text=Add a visit from a profile file")  # folded under the next visit's form
        page.set_input_files("#profile-file", str(second))
        page.click("text=Add the visit")
        page.wait_for_url(re.compile(r"/visits/\d+$"))
        page.click("text=Delete this visit…")
        page.fill("#confirm", "2027-05-20")  # the date of the visit, as the page asks
        page.click("button.delete")
        page.wait_for_url(re.compile(r"/units/\d+\?notice=visit-deleted$"))
        assert "The visit was deleted" in page.locator("p.notice").inner_text()
        assert page.locator("svg.chart polyline").count() == 0  # one visit left: points, no lines
        page.goto(server)
        riverside = page.locator("table.portfolio tbody tr", has_text="Riverside MBT day programme")
        assert "declining" not in (riverside.get_attribute("class") or "")  # its latest visit is the first again
        assert "(1 visit)" in riverside.inner_text()
        page.click("text=Riverside MBT day programme")
        page.click("text=Delete this unit…")
        page.fill("#confirm", "Riverside MBT day programme")
        page.click("button.delete")
        page.wait_for_url(re.compile(r"/\?notice=unit-deleted$"))
        assert "Riverside" not in page.locator("table.portfolio").inner_text()
    assert [u["name"] for u in api(server, "/api/v1/units")] == ["Harbour Clinic personality disorders unit"]  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_real_server_answers_the_api_over_loopback_like_the_cli(server: str) -> None:
    import urllib.request

    import yaml

    from mbt_advisor.rulebase.examples import example_path

    body = json.dumps(yaml.safe_load(example_path("merger").read_text(encoding="utf-8")), default=str).encode()
    request = urllib.request.Request(server + "api/v1/assess", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = response.read()
    result = CliRunner().invoke(cli, ["evaluate", "--example", "merger", "--format", "json"])
    assert answer == result.stdout.encode()
    form = urllib.request.Request(server + "units", data=b"name=x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(form, timeout=10)
    assert refused.value.code == 403


@pytest.mark.slow
def test_two_worker_processes_serve_the_same_portfolio(tmp_path: Path) -> None:
    import urllib.request

    with running_server(tmp_path / "shared.sqlite3", "--workers", "2") as url:
        for n in range(6):  # spread over both workers by the kernel
            body = json.dumps({"name": f"Unit {n}"}).encode()
            request = urllib.request.Request(
                url + "api/v1/units", data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 201
        for _ in range(6):
            assert [u["name"] for u in api(url, "/api/v1/units")] == [f"Unit {n}" for n in range(6)]  # type: ignore[union-attr,index]
