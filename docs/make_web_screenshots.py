"""Screenshots of the web application's main pages, as PNG files in docs/ (web-*.png).

Re-run after changing the pages (needs Debian's chromium and the test extra: pip install -e '.[test]'):

    python docs/make_web_screenshots.py

It starts `mbt-advisor serve` on a free loopback port over a temporary database, fills a small portfolio
(three bundled examples, and a second visit of Riverside during a reorganization) and photographs the
portfolio, the unit, the visit and the questionnaire in Debian's chromium, driven by Playwright.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from mbt_advisor import example_path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))
from live_server import CHROMIUM, CHROMIUM_FLAGS, serving  # noqa: E402

REORGANIZATION = [
    ("phase: running", "phase: reorganizing"),
    ("reorganization: false", "reorganization: true"),
    ("management_support: strong", "management_support: lacking"),
    ("team_conflict: low", "team_conflict: high"),
    ("on_site_supervision: true", "on_site_supervision: false"),
    ("assessed_on: 2026-11-20", "assessed_on: 2027-05-20"),
]


def main() -> None:
    if CHROMIUM is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        later = Path(tmp) / "riverside-2027.yaml"
        text = example_path("riverside").read_text(encoding="utf-8")
        for old, new in REORGANIZATION:
            text = text.replace(old, new)
        later.write_text(text, encoding="utf-8")
        with serving(Path(tmp) / "shots.sqlite3") as (url,), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url)
            page.screenshot(path=DOCS / "web-empty-portfolio.png")
            for example in ("riverside", "merger", "school"):
                page.goto(url)
                page.select_option("#example", example)
                page.click("text=Start from this example")
                page.wait_for_url(re.compile(r"/units/\d+$"))
            page.goto(url)
            page.click("text=Riverside MBT day programme")
            unit_url = page.url
            page.set_input_files("#profile-file", str(later))
            page.click("text=Add the visit")
            page.wait_for_url(re.compile(r"/visits/\d+$"))
            page.screenshot(path=DOCS / "web-visit.png")
            page.goto(unit_url)
            page.screenshot(path=DOCS / "web-unit.png", full_page=True)
            page.goto(url)
            page.screenshot(path=DOCS / "web-portfolio.png")
            page.click("text=Start the questionnaire")
            page.fill('input[name="value"]', "Oak ward")
            page.click("button[value=answer]")
            page.check('input[value="day_hospital"]')
            page.click("button[value=answer]")
            page.locator("details.help summary").click()
            page.screenshot(path=DOCS / "web-questionnaire.png")
            browser.close()
    for name in sorted(DOCS.glob("web-*.png")):
        print(f"wrote {name.relative_to(DOCS.parent)}")


if __name__ == "__main__":
    main()
