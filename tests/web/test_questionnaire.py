"""The founder's questionnaire in the browser (without a browser: the same forms a browser posts): the wizard's
questions and conditions, don't know, back, a bad answer, resuming from another tab, and the profile at the end
that the command line evaluates to the stored assessment."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from .conftest import BASE, LOCAL, TestClient, csrf, post_form

pytestmark = pytest.mark.both_databases
ANSWERS = {"organization.name": "Oak <ward>", "organization.setting": "school", "facts.team_size": "12"}


def current(client: TestClient, draft: str) -> tuple[str, str, list[str]]:
    """(field, kind, choice values) of the question the draft page shows ("" when done)."""
    page = client.get(draft).text
    match = re.search(r'data-field="([^"]+)" data-kind="([^"]+)"', page)
    if not match:
        return "", "", []
    values = [html.unescape(v) for v in re.findall(r'name="value" value="([^"]*)"', page)]
    return match.group(1), match.group(2), values


def step(client: TestClient, draft: str, field: str, action: str, value: str | None = None):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client), "field": field, "action": action}
    if value is not None:
        data["value"] = value
    return client.post(draft, data=data, follow_redirects=False)


def default_answer(field: str, kind: str, values: list[str]) -> str | None:
    if field in ANSWERS:
        return ANSWERS[field]
    return {"integer": "10", "fraction": "80%", "date": "2026-11-01", "text": "someone", "boolean": "no"}.get(
        kind, values[0] if values else None
    )


def test_a_founder_answers_goes_back_skips_resumes_and_gets_the_profile(
    client: TestClient, app, tmp_path: Path
) -> None:
    draft = post_form(client, "/questionnaire").headers["location"]
    assert current(client, draft)[0] == "organization.name"
    no_name = step(client, draft, "organization.name", "answer", "  ")
    assert no_name.status_code == 422 and "an answer is needed" in no_name.text
    step(client, draft, "organization.name", "answer", ANSWERS["organization.name"])
    step(client, draft, "organization.setting", "answer", "day_hospital")
    step(client, draft, "organization.population", "back")  # back to the setting
    assert current(client, draft)[0] == "organization.setting"
    step(client, draft, "organization.setting", "answer", "school")
    field, _, _ = current(client, draft)
    assert field == "organization.population"
    step(client, draft, field, "skip")  # don't know

    # another tab (a new browser session) continues where the first left off
    with TestClient(app, base_url=BASE, client=LOCAL) as other_tab:
        assert current(other_tab, draft)[0] == "organization.phase"
        stale = step(other_tab, draft, "organization.name", "answer", "overwritten?")
        assert stale.status_code == 303 and current(other_tab, draft)[0] == "organization.phase"

    asked = []
    for _ in range(300):
        field, kind, values = current(client, draft)
        if not field:
            break
        assert field not in asked, f"{field} asked twice"
        asked.append(field)
        if field == "facts.team_size":
            bad = step(client, draft, field, "answer", "twelve")
            assert bad.status_code == 422 and "whole number" in bad.text
        answer = default_answer(field, kind, values)
        if step(client, draft, field, "answer" if answer is not None else "skip", answer).status_code == 422:
            step(client, draft, field, "skip")  # our guess of an answer was not accepted: don't know
    else:
        raise AssertionError("the questionnaire did not end")
    assert "facts.decision_process" not in asked  # `unless: setting school`, as in the terminal wizard
    assert "facts.principal_support" in asked  # asked only in a school
    assert not any(f.startswith("ratings.") for f in asked)  # the founder's path

    download = client.get(f"{draft}/profile.yaml")
    assert download.status_code == 200 and download.text.startswith("# mbt-advisor organization profile")
    profile = tmp_path / "profile.yaml"
    profile.write_bytes(download.content)
    assert "population" not in download.text  # "don't know" is omitted, not guessed
    finished = post_form(client, f"{draft}/finish")
    assert finished.status_code == 303
    unit, visit = re.search(r"/units/(\d+)/visits/(\d+)", finished.headers["location"]).groups()
    stored = client.get(f"/api/v1/units/{unit}/visits/{visit}").json()["assessment"]
    result = CliRunner().invoke(cli, ["evaluate", str(profile), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == stored
    assert client.get(f"/api/v1/units/{unit}").json()["name"] == "Oak <ward>"
    again = post_form(client, f"{draft}/finish")  # finishing twice opens the same visit
    assert again.headers["location"] == finished.headers["location"]


def test_a_questionnaire_for_an_existing_unit_adds_a_visit_to_it(client: TestClient) -> None:
    unit = client.post("/api/v1/units", json={"name": "Existing"}).json()["id"]
    draft = post_form(client, "/questionnaire", {"unit_id": str(unit)}).headers["location"]
    step(client, draft, "organization.name", "answer", "Existing")
    for _ in range(300):
        field, kind, values = current(client, draft)
        if not field:
            break
        if step(client, draft, field, "skip").status_code == 422:  # a question that needs an answer
            step(client, draft, field, "answer", default_answer(field, kind, values))
    else:
        raise AssertionError("the questionnaire did not end")
    location = post_form(client, f"{draft}/finish").headers["location"]
    assert location.startswith(f"/units/{unit}/visits/")
    assert len(client.get(f"/api/v1/units/{unit}").json()["visits"]) == 1


def test_an_unknown_draft_is_404(client: TestClient) -> None:
    assert client.get("/questionnaire/nope").status_code == 404


def test_dont_know_is_offered_exactly_where_the_wizard_accepts_it(client: TestClient) -> None:
    """The name and the founder-or-expert choice need an answer: their pages offer no skip button."""
    from mbt_advisor.wizard.questionnaire import REQUIRED

    draft = post_form(client, "/questionnaire").headers["location"]
    seen: dict[str, bool] = {}
    for _ in range(80):
        field, kind, values = current(client, draft)
        if not field:
            break
        seen[field] = 'value="skip"' in client.get(draft).text
        step(client, draft, field, "answer", default_answer(field, kind, values))
    assert {"organization.name", "wizard.path"} <= set(seen)
    assert {f for f, offered in seen.items() if not offered} == REQUIRED


def test_two_finishes_of_one_questionnaire_at_once_store_one_visit(app) -> None:  # type: ignore[no-untyped-def]
    """A double click on 'save as a visit', or the same questionnaire finished in two tabs, possibly through two
    server processes: the questionnaire is locked while it is finished, so the second finds the first's visit
    (without the lock both read 'not finished yet' and each stores a unit and a visit)."""
    import threading

    from sqlalchemy import func, select

    from mbt_advisor.web.storage import store
    from mbt_advisor.wizard.questionnaire import WizardState

    with app.state.web.transaction() as session:
        draft = store.new_draft(session)
        store.save_draft(draft, WizardState({"organization.name": "Oak ward", "facts.team_size": 12}, [], []))
        path = f"/questionnaire/{draft.id}/finish"
    clients = [TestClient(app, base_url=BASE, client=LOCAL) for _ in range(2)]
    tokens = [csrf(client) for client in clients]
    barrier, answers = threading.Barrier(2), [None, None]

    def finish(k: int) -> None:
        barrier.wait()
        answers[k] = clients[k].post(path, data={"csrf_token": tokens[k]}, follow_redirects=False)

    threads = [threading.Thread(target=finish, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303, 303]  # type: ignore[union-attr]
    assert answers[0].headers["location"] == answers[1].headers["location"]  # type: ignore[union-attr]
    with app.state.web.transaction() as session:
        assert session.scalar(select(func.count()).select_from(store.Visit)) == 1
        assert session.scalar(select(func.count()).select_from(store.Unit)) == 1
