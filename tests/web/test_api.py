"""The JSON API: the same bytes as the command line's --format json, the same messages for bad input, and
nothing stored when the input is bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from mbt_advisor.rulebase.examples import example_path, list_examples

runner = CliRunner()
pytestmark = pytest.mark.both_databases


def cli_json(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(path: Path) -> str:
    """A YAML profile as the JSON another tool would send (dates become ISO strings)."""
    return json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)


@pytest.mark.parametrize("name", list(list_examples()))
def test_assess_answers_exactly_the_json_of_evaluate(client, name: str) -> None:
    path = example_path(name)
    response = client.post("/api/v1/assess", content=as_json(path), headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == cli_json("evaluate", str(path), "--format", "json").encode("utf-8")


def test_whatif_explain_and_compare_answer_the_json_of_their_commands(
    client, tmp_path: Path, reorganized_text: str
) -> None:
    path = example_path("riverside")
    later = tmp_path / "later.yaml"
    later.write_text(reorganized_text, encoding="utf-8")
    body = {"content": as_json(path), "headers": {"content-type": "application/json"}}
    assert client.post("/api/v1/whatif", **body).text == cli_json("whatif", str(path), "--format", "json")
    assert client.post("/api/v1/explain", **body).text == cli_json("explain", str(path), "--format", "json")
    rule = "support.isolated-team"
    assert client.post(f"/api/v1/explain?rule={rule}", **body).text == cli_json(
        "explain", str(path), "--rule", rule, "--format", "json"
    )
    pair = json.dumps({"old": json.loads(as_json(path)), "new": json.loads(as_json(later))})
    compared = client.post("/api/v1/compare", content=pair, headers={"content-type": "application/json"})
    assert compared.text == cli_json("compare", str(path), str(later), "--format", "json")
    assert compared.json()["warnings"][0].startswith("A reorganization")  # the heading says "Early warning"


def test_bad_input_gets_the_command_line_message_as_a_422_naming_the_field(client, tmp_path: Path) -> None:
    profile = {"organization": {"name": "X"}, "facts": {"team_size": "twelve"}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", str(path)])
    assert result.exit_code == 2
    cli_message = result.stderr.strip().removeprefix("mbt-advisor: error: ")
    response = client.post("/api/v1/assess", json=profile)
    assert response.status_code == 422
    error = response.json()
    assert error["field"] == "facts.team_size"
    assert error["error"] == cli_message.replace(str(path), "request body")


def test_malformed_json_and_a_non_object_are_422s_too(client) -> None:
    broken = client.post("/api/v1/assess", content=b'{"organization": ', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["error"].startswith("request body")
    listed = client.post("/api/v1/assess", json=[1, 2])
    assert listed.status_code == 422 and "mapping" in listed.json()["error"]


def test_units_and_visits_round_trip_and_export_the_profile_byte_for_byte(client, riverside_text: str) -> None:
    created = client.post("/api/v1/units", json={"name": "Riverside", "setting": "day_hospital"})
    assert created.status_code == 201
    unit = created.json()["id"]
    visit = client.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": riverside_text})
    assert visit.status_code == 201
    body = visit.json()
    assert body["visited_on"] == "2026-11-20" and body["assessor"] == "J. Doe"
    assert body["assessment"] == json.loads(cli_json("evaluate", str(example_path("riverside")), "--format", "json"))
    exported = client.get(f"/api/v1/units/{unit}/visits/{body['id']}/profile")
    assert exported.content == riverside_text.encode("utf-8")
    from_json = client.post(
        f"/api/v1/units/{unit}/visits",
        json={"profile": yaml.safe_load(riverside_text) | {"organization": {"name": "R"}}},
    )
    assert from_json.status_code == 201
    listed = client.get(f"/api/v1/units/{unit}").json()
    assert [v["id"] for v in listed["visits"]] == [body["id"], from_json.json()["id"]]  # by date: today comes later
    portfolio = client.get("/api/v1/units").json()
    assert [u["name"] for u in portfolio] == ["Riverside"]


def test_a_bad_visit_stores_nothing(client, riverside_text: str) -> None:
    unit = client.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
    bad = riverside_text.replace("team_size: 10", "team_size: -3")
    response = client.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": bad})
    assert response.status_code == 422
    assert response.json()["field"] == "facts.team_size"
    assert client.get(f"/api/v1/units/{unit}").json()["visits"] == []
    neither = client.post(f"/api/v1/units/{unit}/visits", json={})
    assert neither.status_code == 422
    unknown_key = client.post("/api/v1/units", json={"name": "X", "colour": "red"})
    assert unknown_key.status_code == 422 and unknown_key.json()["field"] == "colour"
    assert [u["name"] for u in client.get("/api/v1/units").json()] == ["Riverside"]


def test_unknown_units_and_visits_are_404s(client, riverside_text: str) -> None:
    unit = client.post("/api/v1/units", json={"name": "A"}).json()["id"]
    other = client.post("/api/v1/units", json={"name": "B"}).json()["id"]
    visit = client.post(f"/api/v1/units/{unit}/visits", json={"profile_yaml": riverside_text}).json()["id"]
    assert client.get(f"/api/v1/units/{unit}/visits/{visit}").status_code == 200
    assert client.get(f"/api/v1/units/{other}/visits/{visit}").status_code == 404  # a visit of another unit
    assert client.get("/api/v1/units/999").status_code == 404
    assert client.get(f"/api/v1/units/{unit}/visits/999/profile").status_code == 404


def test_openapi_is_served_with_the_profile_schema(client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/assess", "/api/v1/whatif", "/api/v1/explain", "/api/v1/compare", "/api/v1/units"} <= set(
        spec["paths"]
    )
    assert spec["components"]["schemas"]["Profile"]["properties"].keys() >= {"organization", "facts", "ratings"}
    body = spec["paths"]["/api/v1/assess"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Profile"}
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/assess" in docs.text and '<script src="http' not in docs.text
