"""Plain words on every page type a person reads: the portfolio, a unit, a visit with its previous one (the
assessment, how each recommendation was reached, what-if, the comparison), a first visit in planning
(readiness), the next visit's form, the brief and the questionnaire with its help open. No field ids, snake_case values, Python lists or booleans, rule ids, knowledge digests or score
formulas outside a folded <details>."""

from __future__ import annotations

import re

from plain_words import machine_forms, visible_text_of_html

from .conftest import add_unit_from_example, add_visit, csrf, post_form


def test_every_page_type_speaks_plainly(client, reorganized_text: str) -> None:
    unit = add_unit_from_example(client, "riverside")
    second = add_visit(client, unit, reorganized_text)
    merger = add_unit_from_example(client, "merger")
    merger_visit = re.search(rf"/units/{merger}/visits/(\d+)", client.get(f"/units/{merger}").text).group(1)
    pages = {
        "visit with a previous one": f"/units/{unit}/visits/{second}",
        "brief": f"/units/{unit}/visits/{second}/brief",
        "visit in a merger": f"/units/{merger}/visits/{merger_visit}",
        "first visit of a unit in planning": "",
    }
    planning = add_unit_from_example(client, "adolescent-startup")
    visit = re.search(rf"/units/{planning}/visits/(\d+)", client.get(f"/units/{planning}").text).group(1)
    pages["first visit of a unit in planning"] = f"/units/{planning}/visits/{visit}"
    pages["portfolio"] = "/"
    pages["unit"] = f"/units/{unit}"
    pages["next visit from the last"] = f"/units/{unit}/new-visit?from={second}"
    found = {}
    for name, url in pages.items():
        page = client.get(url)
        assert page.status_code == 200, url
        found[name] = machine_forms(visible_text_of_html(page.text))
    assert found == {name: [] for name in pages}


def test_the_questionnaire_and_its_help_speak_plainly(client) -> None:
    draft = post_form(client, "/questionnaire").headers["location"]
    seen, bears_on = 0, 0
    for _ in range(60):
        page = client.get(draft).text
        match = re.search(r'data-field="([^"]+)" data-kind="([^"]+)"', page)
        if not match:
            break
        # the help is folded in <details>, but a founder opens it: read it unfolded
        unfolded = page.replace("<details", "<div").replace("</details>", "</div>")
        assert machine_forms(visible_text_of_html(unfolded)) == [], match.group(1)
        seen += 1
        bears_on += "Your answer bears on:" in page  # the recommendations it informs, by their titles
        field, kind = match.groups()
        value = {"organization.name": "Oak ward", "organization.setting": "day_hospital"}.get(field)
        data = {"csrf_token": csrf(client), "field": field, "action": "answer" if value else "skip"}
        if value:
            data["value"] = value
        if client.post(draft, data=data, follow_redirects=False).status_code == 422:
            client.post(draft, data={**data, "action": "answer", "value": "founder"}, follow_redirects=False)
    assert seen > 20 and bears_on > 10


def test_every_page_names_its_icon_so_no_browser_asks_for_favicon_ico(client) -> None:
    assert '<link rel="icon" href="data:,">' in client.get("/").text
