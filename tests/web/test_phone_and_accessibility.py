"""Every page type on a phone (a 390 px wide screen) in Debian's chromium: nothing wider than the screen, every
tap target at least 44 px, and axe-core (the copy shipped in the axe-playwright-python package, injected into the
page by the test; nothing is fetched) finds no serious or critical violation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mbt_advisor.web.storage import store

from .live import chromium_page, thread_server

pytestmark = pytest.mark.slow  # a browser and axe on fifteen pages: about half a minute

PHONE = {"width": 390, "height": 844}
PASSWORD = "a long enough password"
# what a finger taps: buttons, choices (through their label), fields, folded parts and the navigation
TAP_TARGETS = """() => {
  const seen = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const targets = document.querySelectorAll(
    'button, select, textarea, summary, a.button, header.top a, nav a, .crumbs a, .pager a, p.actions a,'
    + ' input:not([type=hidden]):not([type=radio]):not([type=checkbox]), label.option');
  for (const el of targets) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) seen.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || '').trim().slice(0, 40)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  for (const input of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
    if (visible(input) && !input.closest('label')) seen.push(`a ${input.type} without a label to tap: ${input.name}`);
  }
  return seen;
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.x A and AA (and its best practices) on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
            "resultTypes": ["violations"],
        },
    )
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def check_page(page: Any, url: str, report: dict[str, Any], name: str) -> list[str]:
    response = page.goto(url)
    assert response is not None
    problems = []
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    if width > PHONE["width"]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
                 .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
        )
        problems.append(f"{name}: {width} px wide ({wide})")
    problems += [f"{name}: tap target {t}" for t in page.evaluate(TAP_TARGETS)]
    violations = axe_violations(page)
    report[name] = {
        "status": response.status,
        "width": width,
        "violations": {v["id"]: v["impact"] for v in violations},
    }
    problems += [
        f"{name}: axe {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    return problems


@pytest.fixture
def portfolio(app, advisor, riverside_text, reorganized_text) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from mbt_advisor.common.yamlio import parse_yaml
    from mbt_advisor.rulebase.examples import example_path
    from mbt_advisor.wizard.questionnaire import PATH_FIELD, WizardState, flatten

    web = app.state.web
    with web.transaction() as session:
        unit = store.create_unit(session, "Riverside MBT day programme", "day_hospital", "adults")
        store.add_visit(session, unit, riverside_text, advisor)
        second = store.add_visit(session, unit, reorganized_text, advisor)
        founder_text = example_path("adolescent-startup").read_text(encoding="utf-8")
        founders = store.create_unit(session, "Adolescent unit")
        planned = store.add_visit(session, founders, founder_text, advisor)
        asking = store.new_draft(session, unit.id)
        done = store.new_draft(session, founders.id)
        answers = flatten(parse_yaml(founder_text, "founder").data)
        answers.pop("organization.assessed_on", None)
        store.save_draft(done, WizardState({**answers, PATH_FIELD: "founder"}, [], list(answers)))
        ids = {
            "unit": unit.id,
            "visit": second.id,
            "founders": founders.id,
            "planned": planned.id,
            "asking": asking.id,
            "done": done.id,
        }
    yield ids


def test_every_page_type_fits_a_phone_with_44_px_targets_and_no_serious_axe_violation(  # type: ignore[no-untyped-def]
    app, portfolio, tmp_path: Path
) -> None:
    ids = portfolio
    u, v = ids["unit"], ids["visit"]
    pages = {
        "portfolio": "",
        "unit": f"units/{u}",
        "visit (with an early warning)": f"units/{u}/visits/{v}",
        "founder's result (planning)": f"units/{ids['founders']}/visits/{ids['planned']}/result",
        "result (running)": f"units/{u}/visits/{v}/result",
        "the next visit's form": f"units/{u}/new-visit?from={v}",
        "a first visit's form with ratings": f"units/{ids['founders']}/new-visit?ratings=1",
        "questionnaire: a question": f"questionnaire/{ids['asking']}",
        "questionnaire: the end": f"questionnaire/{ids['done']}",
        "delete a unit": f"units/{u}/delete",
        "delete a visit": f"units/{u}/visits/{v}/delete",
        "the brief": f"units/{u}/visits/{v}/brief",
        "API documentation": "api/docs",
        "audit trail": "audit",
        "not found": "units/999999",
    }
    report: dict[str, Any] = {}
    problems: list[str] = []
    with thread_server(app) as server, chromium_page(viewport=PHONE) as page:
        for name, path in pages.items():
            problems += check_page(page, server + path, report, name)
    (tmp_path / "report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    assert report["not found"]["status"] == 404
    assert all(r["status"] == 200 for n, r in report.items() if n != "not found"), report
    assert not problems, "\n".join(problems)


def test_the_signed_in_pages_fit_a_phone_too(app, portfolio) -> None:  # type: ignore[no-untyped-def]
    from mbt_advisor.web.access import accounts

    with app.state.web.transaction() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.add_user(session, "fran", "founder", PASSWORD, (portfolio["founders"],))
    report: dict[str, Any] = {}
    problems: list[str] = []
    with thread_server(app) as server, chromium_page(viewport=PHONE) as page:
        problems += check_page(page, server + "signin", report, "sign-in")
        for who in ("fran", "ada"):
            page.goto(server + "signin")
            page.fill("input[name=name]", who)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/$"))
            problems += check_page(page, server, report, f"portfolio as {who}")
            problems += check_page(page, server + "tokens", report, f"API tokens of {who}")
            if who == "ada":  # the questionnaires begun before the first account, to discard
                problems += check_page(page, server + "questionnaires/unclaimed", report, "unclaimed questionnaires")
            page.context.clear_cookies()
    print(json.dumps(report, indent=1))
    assert not problems, "\n".join(problems)
