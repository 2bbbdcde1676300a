"""Screenshots of the web application's main pages, as PNG files in docs/ (web-*.png).

Re-run after changing the pages (needs Debian's chromium and the test extra: pip install -e '.[test]'):

    python docs/make_web_screenshots.py

It starts `mbt-advisor serve` on a free loopback port over a temporary database, fills a small portfolio
(three bundled examples, and a second visit of Riverside during a reorganization, made in the browser with
"Start the next visit from this one") and photographs the portfolio, the unit, the next visit's form, the visit,
the founder's result and the questionnaire in Debian's chromium, driven by Playwright; and the portfolio and the
result on a 390 px phone.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))
from live_server import CHROMIUM, CHROMIUM_FLAGS, serving  # noqa: E402


def main() -> None:
    if CHROMIUM is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(Path(tmp) / "shots.sqlite3") as (url,),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url)
        page.screenshot(path=DOCS / "web-empty-portfolio.png")
        for example in ("riverside", "merger", "school", "adolescent-startup"):
            page.goto(url)
            page.select_option("#example", example)
            page.click("text=Start from this example")
            page.wait_for_url(re.compile(r"/units/\d+$"))
        visit = page.locator("table.visits tbody tr a").first.get_attribute("href")
        result_url = f"{url.rstrip('/')}{visit}/result"
        page.goto(url)
        page.click("text=Riverside MBT day programme")
        unit_url = page.url
        # the next visit, from the last: a reorganization, as a consultant enters it six months later
        page.click("text=Start the next visit from this one")
        page.fill("#f-organization-assessed_on", "2027-05-20")
        page.select_option("#f-organization-phase", "reorganizing")
        page.check('input[name="facts.reorganization"][value="yes"]')
        page.select_option("#f-facts-management_support", "lacking")
        page.select_option("#f-facts-team_conflict", "high")
        page.check('input[name="facts.on_site_supervision"][value="no"]')
        for item in ("org_commitment", "management_continuity", "leadership", "team_cohesion"):
            page.select_option(f"#f-ratings-{item}", "3")
        page.locator("#f-facts-management_support-field").scroll_into_view_if_needed()
        page.screenshot(path=DOCS / "web-next-visit.png")
        page.click("text=Save this visit")
        page.wait_for_url(re.compile(r"/visits/\d+$"))
        page.screenshot(path=DOCS / "web-visit.png")
        page.goto(unit_url)
        page.screenshot(path=DOCS / "web-unit.png", full_page=True)
        page.goto(url)
        page.screenshot(path=DOCS / "web-portfolio.png")
        page.goto(result_url)
        page.screenshot(path=DOCS / "web-result.png", full_page=True)
        page.goto(url)
        page.click("text=Start the questionnaire")
        page.fill('input[name="value"]', "Oak ward")
        page.click("button[value=answer]")
        page.check('input[value="day_hospital"]')
        page.click("button[value=answer]")
        page.locator("details.help summary").click()
        page.screenshot(path=DOCS / "web-questionnaire.png")
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(url)
        phone.screenshot(path=DOCS / "web-phone-portfolio.png")
        phone.goto(result_url)
        phone.screenshot(path=DOCS / "web-phone-result.png")
        browser.close()
    for name in sorted(DOCS.glob("web-*.png")):
        print(f"wrote {name.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    main()
