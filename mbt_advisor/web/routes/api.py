"""The JSON API for other tools, under /api/v1. Answers are the exact JSON of the command line's
``--format json``; bad input is a 422 whose ``error`` is the command line's message, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from mbt_advisor.common.errors import ProfileError
from mbt_advisor.common.yamlio import parse_json, utf8_text
from mbt_advisor.profile.field_types import Text
from mbt_advisor.profile.loading import profile_from_data
from mbt_advisor.profile.model import Profile
from mbt_advisor.questions.comparison import compare as compare_profiles
from mbt_advisor.questions.explanation import explain as explain_profile
from mbt_advisor.questions.whatif import what_if
from mbt_advisor.rendering.formats import to_json
from mbt_advisor.web.access.canonical_ids import PathId
from mbt_advisor.web.access.decisions import obtain, permit, visible
from mbt_advisor.web.access.error_body import Error
from mbt_advisor.web.routes.context import member_of_new_unit, principal_of, web_of
from mbt_advisor.web.storage import signals, store
from mbt_advisor.web.storage.models import Unit, Visit


class _Utf8Route(APIRoute):
    """A route whose request body is refused, as the command line refuses a file, when it is not UTF-8 text:
    before FastAPI parses it (which would answer its own 400 without saying which byte)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            utf8_text(await request.body(), BODY_SOURCE, error=ProfileError)  # the body is kept for the handler
            return await handler(request)

        return checked


router = APIRouter(prefix="/api/v1", tags=["api"], route_class=_Utf8Route)
PROFILE_REF = "#/components/schemas/Profile"
PROFILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": PROFILE_REF}}},
    }
}
BODY_SOURCE = "request body"


def _json(data: Any, status_code: int = 200) -> Response:
    return Response(to_json(data), status_code=status_code, media_type="application/json")


async def _body(request: Request) -> Any:
    text = (await request.body()).decode("utf-8")  # UTF-8: checked by the route (_Utf8Route)
    return parse_json(text, BODY_SOURCE, error=ProfileError).data


def _profile(data: Any, source: str = BODY_SOURCE) -> Profile:
    from mbt_advisor.common.yamlio import Document
    from mbt_advisor.profile.loading import profile_from_document

    return profile_from_document(Document(data=data, source=source))


@router.post("/assess", openapi_extra=PROFILE_BODY, summary="Assess a profile (the JSON of `evaluate --format json`)")
async def assess(request: Request) -> Response:
    profile = _profile(await _body(request))
    return _json(web_of(request).advisor.evaluate(profile))


@router.post("/whatif", openapi_extra=PROFILE_BODY, summary="The smallest changes that lower the risk")
async def whatif(request: Request, include_context: bool = False) -> Response:
    profile = _profile(await _body(request))
    advisor = web_of(request).advisor
    return _json(await run_in_threadpool(what_if, profile, include_context=include_context, advisor=advisor))


@router.post(
    "/explain", openapi_extra=PROFILE_BODY, summary="How each recommendation was reached (and why a rule did not fire)"
)
async def explain(request: Request, rule: str | None = None) -> Response:
    profile = _profile(await _body(request))
    return _json(await run_in_threadpool(explain_profile, profile, rule, advisor=web_of(request).advisor))


COMPARE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["old", "new"],
                    "additionalProperties": False,
                    "properties": {
                        "old": {"$ref": PROFILE_REF},
                        "new": {"$ref": PROFILE_REF},
                    },
                }
            }
        },
    }
}


@router.post("/compare", openapi_extra=COMPARE_BODY, summary="What changed between two profiles of one unit")
async def compare(request: Request) -> Response:
    data = await _body(request)
    if not isinstance(data, dict) or set(data) != {"old", "new"}:
        raise ProfileError("the body is an object with exactly 'old' and 'new' profiles.", source=BODY_SOURCE)
    old, new = _profile(data["old"], "old"), _profile(data["new"], "new")
    return _json(await run_in_threadpool(compare_profiles, old, new, advisor=web_of(request).advisor))


# -- units and visits ---------------------------------------------------------------------------------------
class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=200)
    setting: Text | None = Field(default=None, max_length=40)
    population: Text | None = Field(default=None, max_length=40)


class VisitIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # exactly one of the two is given (add_visit refuses neither and both)
            "oneOf": [
                {"required": ["profile"], "properties": {"profile": {"type": "object"}}},
                {"required": ["profile_yaml"], "properties": {"profile_yaml": {"type": "string"}}},
            ]
        },
    )
    profile: Annotated[
        dict[str, Any] | None, WithJsonSchema({"anyOf": [{"$ref": "#/components/schemas/Profile"}, {"type": "null"}]})
    ] = Field(default=None, description="The profile as JSON")
    profile_yaml: str | None = Field(
        default=None,
        description="Or the profile as YAML text (stored byte for byte)",
        json_schema_extra={"contentMediaType": "application/yaml", "contentSchema": {"$ref": PROFILE_REF}},
    )
    visited_on: dt.date | None = Field(default=None, description="Default: the profile's assessed_on, else today")
    assessor: Text | None = Field(default=None, max_length=200)


def _visit_out(visit: Any, full: bool = False) -> dict[str, Any]:
    data = store.assessment_data(visit)
    out = signals.visit_summary(visit, data)  # as the portfolio's stored line lists it
    if full:
        out["assessment"] = data
    return out


def _unit_out(unit: Any, visits: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A unit with its visits (``visits``: as its stored portfolio line lists them, else read now)."""
    return {
        "id": unit.id,
        "name": unit.name,
        "setting": unit.setting,
        "population": unit.population,
        "visits": [_visit_out(v) for v in unit.visits] if visits is None else visits,
    }


PAGE_HEADERS = {
    "X-Total-Count": {"description": "How many units match, on all pages", "schema": {"type": "integer"}},
    "Link": {
        "description": 'The next page while there is one: `</api/v1/units?limit=...&offset=...>; rel="next"`',
        "schema": {"type": "string"},
    },
}


@router.get(
    "/units",
    summary="The portfolio: units, declining first, a page at a time",
    description=(
        "At most `limit` units from `offset`, declining first (an early warning, a higher risk or a rising index "
        "since the previous visit), then by name; `q` keeps the units whose name contains it, in any case. "
        "`X-Total-Count` says how many units match; while more follow, `Link` names the next page. Each unit is "
        "read from its line of the portfolio, stored when its visits change: no assessment is made again."
    ),
    responses={200: {"headers": PAGE_HEADERS}},
)
def list_units(
    request: Request,
    limit: int = Query(signals.API_PAGE_SIZE, ge=1, le=signals.MAX_PAGE_SIZE, description="Units per answer"),
    offset: int = Query(0, ge=0, le=signals.MAX_OFFSET, description="Units before this page"),
    q: str = Query("", max_length=200, description="A part of the unit's name, in any case"),
) -> Response:
    with web_of(request).transaction() as session:
        page = signals.portfolio(session, visible(principal_of(request)), query=q, offset=offset, limit=limit)
        response = _json(
            [
                {
                    **_unit_out(row.unit, row.visits),
                    "risk": row.risk,
                    "index": row.index,
                    "index_change": row.change,
                    "warnings": row.warnings,
                }
                for row in page.rows
            ]
        )
    response.headers["X-Total-Count"] = str(page.total)
    if page.next_offset is not None:
        following = {"limit": limit, "offset": page.next_offset, **({"q": page.query} if page.query else {})}
        response.headers["Link"] = f'</api/v1/units?{urlencode(following)}>; rel="next"'
    return response


@router.post("/units", status_code=201, summary="Create a unit")
def create_unit(request: Request, unit: UnitIn) -> Response:
    permit(principal_of(request), "unit", "write")
    with web_of(request).transaction() as session:
        created = store.create_unit(session, unit.name, unit.setting, unit.population, member_of_new_unit(request))
        return _json(_unit_out(created), status_code=201)


@router.get("/units/{unit_id:id}", summary="A unit and its visits")
def get_unit(request: Request, unit_id: PathId) -> Response:
    with web_of(request).transaction() as session:
        return _json(_unit_out(obtain(session, principal_of(request), Unit, unit_id, "read")))


@router.post("/units/{unit_id:id}/visits", status_code=201, summary="Add a visit (a profile) to a unit")
def add_visit(request: Request, unit_id: PathId, visit: VisitIn) -> Response:
    web = web_of(request)
    if (visit.profile is None) == (visit.profile_yaml is None):
        raise ProfileError("give either 'profile' (JSON) or 'profile_yaml' (text).", source=BODY_SOURCE)
    text = visit.profile_yaml
    if text is None:
        text = store.profile_text(profile_from_data(visit.profile, "profile"))
    with web.transaction() as session:
        created = store.add_visit(
            session,
            obtain(session, principal_of(request), Unit, unit_id, "write"),
            text,
            web.advisor,
            visited_on=visit.visited_on,
            assessor=visit.assessor,
            source="profile" if visit.profile is not None else "profile_yaml",
        )
        return _json(_visit_out(created, full=True), status_code=201)


@router.get("/units/{unit_id:id}/visits/{visit_id:id}", summary="A visit with its assessment")
def get_visit(request: Request, unit_id: PathId, visit_id: PathId) -> Response:
    web = web_of(request)
    with web.transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "read", unit_id=unit_id)
        store.ensure_current(session, visit, web.advisor)
        store.exported(session, visit, "json")
        return _json(_visit_out(visit, full=True))


@router.get(
    "/units/{unit_id:id}/visits/{visit_id:id}/profile",
    summary="The visit's profile as YAML (byte for byte)",
    responses={200: {"content": {"application/yaml": {"schema": {"type": "string"}}}}},
)
def get_profile(request: Request, unit_id: PathId, visit_id: PathId) -> Response:
    with web_of(request).transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "read", unit_id=unit_id)
        store.exported(session, visit, "profile")
        return Response(visit.profile_yaml, media_type="application/yaml")


@router.delete(
    "/units/{unit_id:id}/visits/{visit_id:id}",
    status_code=204,
    summary="Delete a visit (administrators; consultants for the units shared with them)",
)
def delete_visit(request: Request, unit_id: PathId, visit_id: PathId) -> Response:
    with web_of(request).transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "delete", unit_id=unit_id)
        if store.delete_visit(session, visit, web_of(request).advisor) is None:  # deleted meanwhile
            raise HTTPException(404)
    return Response(status_code=204)


@router.delete(
    "/units/{unit_id:id}",
    status_code=204,
    summary="Delete a unit with its visits, questionnaires and memberships (administrators)",
)
def delete_unit(request: Request, unit_id: PathId) -> Response:
    with web_of(request).transaction() as session:
        unit = obtain(session, principal_of(request), Unit, unit_id, "delete")
        if store.delete_unit(session, unit.id) is None:  # deleted meanwhile
            raise HTTPException(404)
    return Response(status_code=204)


API_RULES = (
    "Every error is the JSON object `Error` (components.schemas.Error), whoever refuses. A request with a body "
    "sends it as `Content-Type: application/json` (else 415), UTF-8 (else 422); a tool signs in with its personal "
    "token (`Authorization: Bearer ...`). A method no operation lists (TRACE, PUT ...) is a 405 with `Allow`."
)
# the errors every operation may answer, besides its own success (the access guard, the router, the checks)
ERRORS = {
    "400": "The request cannot be read (a malformed body or header).",
    "401": "Not signed in: no token, or a token that is unknown or revoked.",
    "403": "Signed in, but this account may not do this here (or a refused origin).",
    "404": "No such unit or visit, or not one this account may see.",
    "413": "The body is larger than the server accepts.",
    "415": "A body that is not sent as application/json.",
    "422": "The input is refused: the message is the command line's, naming the field.",
}


def _one_error_shape(schema: dict[str, Any]) -> None:
    """Every operation lists the errors it may answer, all as components.schemas.Error (FastAPI's own
    validation-error shapes are not used: the application's handlers answer with Error)."""
    components = schema["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components["Error"] = Error.model_json_schema()
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, description in ERRORS.items():
                operation["responses"][status] = {"description": description, "content": error}


def install_openapi(app: FastAPI) -> None:
    """OpenAPI with the profile's own JSON Schema as ``components.schemas.Profile``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, description=API_RULES, routes=app.routes
        )
        profile = Profile.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(profile.pop("$defs", {}))
        components["Profile"] = profile
        _one_error_shape(schema)
        for parameter in schema["paths"]["/api/v1/explain"]["post"]["parameters"]:
            if parameter["name"] == "rule":  # the rules of this server's rule base, the ones explain knows
                parameter["schema"] = {"type": "string", "enum": sorted(app.state.web.advisor.kb.rules_by_id)}
        app.openapi_schema = json.loads(json.dumps(schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
