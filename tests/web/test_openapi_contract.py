"""The OpenAPI document states what the server enforces (hostile run 3, #2): the rating scale and the characters a
text field refuses, one error shape (components.schemas.Error) for every error whoever answers it, 405 for a
method no operation has, and a clear answer to a tool that leaves out Content-Type."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from mbt_advisor.rulebase.examples import example_path
from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import route_table

from .conftest import BASE, LOCAL, TestClient, csrf

JSON = {"content-type": "application/json"}


@pytest.fixture
def spec(client) -> dict:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/openapi.json").json()


def validator(spec: dict, name: str) -> jsonschema.Draft202012Validator:
    """A validator for components.schemas[name], resolving the document's own references."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema)


def riverside() -> dict:
    return json.loads(json.dumps(yaml.safe_load(example_path("riverside").read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize(
    ("rating", "valid"),
    [
        (1, True),
        (7, True),
        (2.5, True),
        ("2/3", True),
        (0.0, False),
        (7.5, False),
        (4.3, False),
        ("3/5", False),
        (True, False),
    ],
)
def test_the_rating_scale_is_stated_and_is_what_the_server_accepts(client, spec: dict, rating, valid: bool) -> None:
    profile = riverside()
    profile["ratings"]["leadership"] = rating
    assert validator(spec, "Profile").is_valid(profile) is valid
    assert client.post("/api/v1/assess", json=profile).status_code == (200 if valid else 422)


@pytest.mark.parametrize("name", ["nul\x00", "esc\x1b[2J", "two\nlines", "c1\x85", "line\u2028end"])
def test_text_fields_state_the_control_characters_they_refuse(client, spec: dict, name: str) -> None:
    profile = riverside()
    profile["organization"]["name"] = name
    assert not validator(spec, "Profile").is_valid(profile)
    assert client.post("/api/v1/assess", json=profile).status_code == 422
    unit = spec["paths"]["/api/v1/units"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    unit_schema = {**unit, "components": spec["components"]}
    assert not jsonschema.Draft202012Validator(unit_schema).is_valid({"name": name})
    assert jsonschema.Draft202012Validator(unit_schema).is_valid({"name": "Café Ωmega"})
    assert client.post("/api/v1/units", json={"name": name}).status_code == 422


def test_every_operation_lists_its_errors_in_the_one_error_shape(spec: dict) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(spec["components"]["schemas"]["Error"]["required"]) == {"error", "field", "line", "allowed"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "413", "415", "422"):
                body = operation["responses"][status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_every_error_the_api_answers_has_the_one_shape(app, client, spec: dict, riverside_text: str) -> None:
    error = validator(spec, "Error")
    unit = client.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
    answers = {
        "checks of the command line": client.post("/api/v1/assess", json={"organization": {"name": 3}}),
        "FastAPI's validation": client.post("/api/v1/units", json={"name": 3}),
        "malformed JSON, checked by us": client.post("/api/v1/assess", content=b'{"a": ', headers=JSON),
        "malformed JSON, parsed by FastAPI": client.post("/api/v1/units", content=b'{"name": ', headers=JSON),
        "not UTF-8": client.post("/api/v1/units", content=b'{"name": "\xe9"}', headers=JSON),
        "unknown unit": client.get("/api/v1/units/999"),
        "unknown method": client.request("TRACE", "/api/v1/units"),
        "method not listed": client.put(f"/api/v1/units/{unit}", json={}),
        "refused by the guard": client.post("/api/v1/assess", json={}, headers={"origin": "https://evil.example"}),
        "too large": client.post("/api/v1/assess", content=b" " * 1_000_001, headers=JSON),
    }
    for what, response in answers.items():
        assert response.status_code >= 400, what
        assert response.headers["content-type"] == "application/json", what
        body = response.json()
        assert error.is_valid(body), (what, body)
        assert not (body["field"] or "").isdigit(), (what, body)  # never a position in the text as a field
    assert answers["malformed JSON, parsed by FastAPI"].json()["field"] is None
    same = [answers[f"malformed JSON, {by}"].json()["error"] for by in ("parsed by FastAPI", "checked by us")]
    assert same[0] == same[1] == "request body, line 1: not valid JSON: Expecting value."
    assert answers["FastAPI's validation"].json()["field"] == "name"


def test_an_unknown_method_is_a_405_with_allow_before_any_csrf_check(client) -> None:
    for method in ("TRACE", "PROPFIND", "CONNECT_X"):
        for path in ("/api/v1/units", "/units/1", "/"):
            response = client.request(method, path)
            assert response.status_code == 405, (method, path, response.text)
            assert "GET" in response.headers["allow"]
    assert client.request("TRACE", "/api/v1/units").json()["error"] == "method not allowed."


def test_no_route_accepts_a_method_the_guard_does_not_check(app) -> None:
    """The guard reads the body and checks the form token of every write method; any other method is passed to
    the router unchecked, which is safe only while no route accepts one."""
    from mbt_advisor.web.access.security import SAFE_METHODS, WRITE_METHODS

    methods = {method for method, _ in route_table(app) if method != "MOUNT"}
    assert methods <= SAFE_METHODS | WRITE_METHODS


def test_a_token_client_without_content_type_is_told_to_send_json(app, client) -> None:
    with app.state.web.transaction() as session:
        ada = accounts.add_user(session, "ada", "admin", "correct horse battery")
        token = accounts.create_api_token(session, ada.id, "script")
    tool = TestClient(app, base_url=BASE, client=LOCAL)
    bearer = {"authorization": f"Bearer {token}"}
    body = json.dumps({"name": "Riverside"}).encode()
    bare = tool.post("/api/v1/units", content=body, headers=bearer)
    assert bare.status_code == 415
    assert "Content-Type: application/json" in bare.json()["error"] and "reload the page" not in bare.text
    assert tool.post("/api/v1/units", content=body, headers={**bearer, **JSON}).status_code == 201
    page = client.post("/units", data={"name": "x"})  # a page's form without its token is still a 403
    assert page.status_code == 403 and csrf(client)


def test_the_choices_and_forms_the_server_checks_are_stated(client, spec: dict, riverside_text: str) -> None:
    import re

    explain = spec["paths"]["/api/v1/explain"]["post"]["parameters"]
    rules = next(p for p in explain if p["name"] == "rule")["schema"]["enum"]
    profile = riverside()
    assert client.post(f"/api/v1/explain?rule={rules[0]}", json=profile).status_code == 200
    assert client.post("/api/v1/explain?rule=no.such-rule", json=profile).status_code == 422

    visit = validator(spec, "VisitIn")
    for body, valid in [
        ({}, False),
        ({"profile_yaml": riverside_text, "profile": profile}, False),
        ({"profile_yaml": riverside_text}, True),
        ({"profile": profile, "profile_yaml": None}, True),
    ]:
        assert visit.is_valid(body) is valid, body
        unit = client.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
        assert client.post(f"/api/v1/units/{unit}/visits", json=body).status_code == (201 if valid else 422), body

    audit = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/audit"]["get"]["parameters"]}
    for action, valid in [("visit", True), ("visit.create.", True), ("", True), (".", False), ("visitx", False)]:
        assert bool(re.search(audit["action"]["pattern"], action)) is valid, action
        assert client.get("/api/v1/audit", params={"action": action}).status_code == (200 if valid else 422), action
    import jsonschema_rs  # schemathesis's validator: it checks the date-time format too

    since = jsonschema_rs.validator_for(audit["since"], validate_formats=True)
    for moment, valid in [("2026-11-01", True), ("2026-11-01T08:00:00Z", True), ("", True), ("yesterday", False)]:
        assert since.is_valid(moment) is valid, moment
        assert client.get("/api/v1/audit", params={"since": moment}).status_code == (200 if valid else 422), moment
