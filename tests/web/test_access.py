"""Access is decided where the data is read (issue 23, item 1): every route obtains a unit, visit, questionnaire
or token through ``access.obtain`` with the principal and the action, and no route reads one any other way.
These tests walk the application's route table and the code of the modules its routes live in, so a new route
that reads stored data by itself, or takes an id in a lenient spelling, fails here."""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.routing import Route

from mbt_advisor.web.access import accounts
from mbt_advisor.web.access import decisions as access
from mbt_advisor.web.access.canonical_ids import DraftConvertor, IdConvertor
from mbt_advisor.web.app import create_app, route_table
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import AuditEvent, Draft, Unit, Visit

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases
PASSWORD = "correct horse battery"
WEB = Path(access.__file__).parents[1]  # mbt_advisor/web
# reading stored rows: the session's own queries, the models' lookup, the storage's lookups by id
READS = {"get", "scalar", "scalars", "execute", "query", "find", "select", "get_unit", "get_visit"}


def routes_of(app) -> list[Route]:  # type: ignore[no-untyped-def]
    found: list[Route] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif isinstance(route, Route):
                found.append(route)

    walk(list(app.routes))
    return found


@pytest.fixture
def app(database: str, advisor):  # type: ignore[no-untyped-def]
    application = create_app(database, advisor)
    yield application
    application.state.web.engine.dispose()


def test_every_id_in_a_route_path_has_one_spelling(app) -> None:  # type: ignore[no-untyped-def]
    """A path parameter is an id (``{x_id:id}``) or a questionnaire's (``{draft_id:draft}``): never the lenient
    default (any text, converted by pydantic)."""
    with_parameters = [r for r in routes_of(app) if r.param_convertors]
    assert len(with_parameters) >= 18
    for route in with_parameters:
        for name, convertor in route.param_convertors.items():
            expected = DraftConvertor if name == "draft_id" else IdConvertor
            assert isinstance(convertor, expected), (route.path, name, type(convertor).__name__)


def route_modules(app) -> set[str]:  # type: ignore[no-untyped-def]
    """The modules the application's routes live in (a new one is found from the route table)."""
    modules = {route.endpoint.__module__ for route in routes_of(app)}
    return {m for m in modules if m.startswith("mbt_advisor.")}


def calls(tree: ast.AST) -> list[tuple[str, int]]:
    """The names of the functions and methods called in ``tree``, with their lines."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            found.append((name, node.lineno))
    return found


def test_no_route_module_reads_stored_rows_by_itself(app) -> None:  # type: ignore[no-untyped-def]
    """The route modules call no ``session.get``/``scalars``/``execute``, no ``find``, ``select``,
    ``store.get_unit`` or ``store.get_visit``: what they show comes from access.obtain (one object) or from a
    storage function given access.visible (a list)."""
    modules = route_modules(app)
    assert {
        "mbt_advisor.web.routes.api",
        "mbt_advisor.web.routes.pages",
        "mbt_advisor.web.routes.questionnaire",
    } <= modules
    for module in sorted(modules):
        source = inspect.getsource(sys.modules[module])
        reads = [(name, line) for name, line in calls(ast.parse(source)) if name in READS]
        # request.query_params.get and a form's get are not the database: only a session or the models
        reads = [(n, line) for n, line in reads if n != "get" or "session.get" in source.splitlines()[line - 1]]
        assert reads == [], (module, reads)


def test_only_the_access_module_looks_up_a_unit_or_visit_by_id_for_the_web() -> None:
    """store.get_unit and store.get_visit are called by access/decisions.py alone (the storage's own deletions lock their
    rows by id inside store.py, after access.obtain gave the object)."""
    callers = set()
    for path in WEB.rglob("*.py"):
        for name, _ in calls(ast.parse(path.read_text(encoding="utf-8"))):
            if name in {"get_unit", "get_visit"}:
                callers.add(path.name)
    assert callers == {"decisions.py"}


def test_every_route_with_an_id_obtains_it_through_access(app) -> None:  # type: ignore[no-untyped-def]
    """Each endpoint with an id in its path calls access.obtain, itself or through a helper of its module."""
    for route in routes_of(app):
        if not route.param_convertors:
            continue
        module = sys.modules[route.endpoint.__module__]
        tree = ast.parse(inspect.getsource(module))
        helpers = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and any(name == "obtain" for name, _ in calls(node))
        }
        endpoint = ast.parse(inspect.getsource(route.endpoint).strip())
        called = {name for name, _ in calls(endpoint)}
        assert called & ({"obtain"} | helpers), (route.path, route.endpoint.__name__)


@pytest.fixture
def shared(app, riverside_text: str, advisor):  # type: ignore[no-untyped-def]
    """Unit 'theirs' with a visit, a questionnaire and ada's token; nora, a founder without a unit."""
    with app.state.web.transaction() as session:
        theirs = store.create_unit(session, "Their unit")
        visit = store.add_visit(session, theirs, riverside_text, advisor)
        draft = store.new_draft(session, theirs.id)
        ada = accounts.add_user(session, "ada", "admin", PASSWORD)
        accounts.create_api_token(session, ada.id, "ada's tool")
        accounts.add_user(session, "nora", "founder", PASSWORD)
        ids = {"unit_id": theirs.id, "visit_id": visit.id, "draft_id": draft.id}
    with app.state.web.sessions() as session:
        ids["token_id"] = session.scalars(select(accounts.ApiToken.id)).one()
    return ids


def test_every_refusal_of_a_route_with_an_id_comes_from_access_and_is_recorded(app, shared, riverside_text) -> None:  # type: ignore[no-untyped-def]
    """A founder without a unit asks every route with an id for what exists but is not hers: a 404 each time,
    and one access.denied row per request (written only by a refusal of access/decisions.py)."""
    nora = TestClient(app, base_url=BASE, client=LOCAL)
    token = csrf(nora)
    assert nora.post("/signin", data={"csrf_token": token, "name": "nora", "password": PASSWORD}).status_code == 200
    asked = 0
    for method, path in route_table(app):
        if "{" not in path:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(shared[m.group(1)]), path)
        before = denied_rows(app)
        body: dict[str, Any] = {}  # a valid body where the route needs one: the refusal is access's, not the body's
        if (method, path) == ("POST", "/api/v1/units/{unit_id}/visits"):
            body = {"json": {"profile_yaml": riverside_text}}
        elif (method, path) == ("POST", "/units/{unit_id}/visits"):
            body = {"data": {"profile_text": riverside_text}}
        response = nora.request(method, url, headers={"x-csrf-token": token}, follow_redirects=False, **body)
        assert response.status_code == 404, (method, url, response.status_code)
        rows = denied_rows(app)[len(before) :]
        assert [(r.actor, r.detail) for r in rows] == [("nora", f"{method} {url} (404)")], (method, url)
        asked += 1
    assert asked >= 18
    with app.state.web.sessions() as session:  # nothing was taken
        assert session.get(Unit, shared["unit_id"]) is not None and session.get(Visit, shared["visit_id"]) is not None
        assert session.get(Draft, shared["draft_id"]) is not None


def denied_rows(app) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == "access.denied").order_by(AuditEvent.id)
        return list(session.scalars(query))


def test_obtain_decides_by_principal_and_action(app, shared) -> None:  # type: ignore[no-untyped-def]
    """The decisions themselves: 404 for what the principal does not see, 403 for what it sees but may not do;
    the local application (no principal) may everything."""
    with app.state.web.sessions() as session:
        ada = accounts._principal(session, 1)
        nora = accounts._principal(session, 2)
        unit, visit = shared["unit_id"], shared["visit_id"]
        assert access.obtain(session, None, Unit, unit, "delete").id == unit
        assert access.obtain(session, ada, Visit, visit, "delete", unit_id=unit).id == visit
        for action in access.ACTIONS:
            with pytest.raises(access.Denied) as refused:
                access.obtain(session, nora, Unit, unit, action)
            assert refused.value.status == 404 and refused.value.unit_id == unit
        with pytest.raises(access.Denied) as missing:
            access.obtain(session, ada, Visit, visit + 1, "read", unit_id=unit)
        assert missing.value.status == 404
        with pytest.raises(access.Denied) as token:
            access.obtain(session, nora, accounts.ApiToken, shared["token_id"], "delete")
        assert token.value.status == 404
        consultant = accounts.Principal(99, "cole", "consultant", frozenset({unit}))
        assert access.obtain(session, consultant, Visit, visit, "delete", unit_id=unit).id == visit
        with pytest.raises(access.Denied) as role:
            access.obtain(session, consultant, Unit, unit, "delete")
        assert role.value.status == 403
        with pytest.raises(access.Denied):
            access.permit(nora, "audit trail", "read")
        access.permit(ada, "audit trail", "read")
