"""The application factory: database migrated, stale assessments refreshed, routes and the access guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from mbt_advisor._version import __version__
from mbt_advisor.assessment.advisor import Advisor, default_advisor
from mbt_advisor.common.errors import InputError, ProfileError
from mbt_advisor.common.yamlio import parse_json

from .access import Denied, record_refusal
from .canonical_ids import SPELLING_ERROR
from .config import MAX_BODY_BYTES, database_label, database_url
from .db import open_database
from .error_body import error_response
from .security import AccessGuard
from .site import Site


@dataclass
class Web:
    """What every route needs, kept on ``app.state.web``."""

    engine: Engine
    sessions: sessionmaker[Session]
    advisor: Advisor
    url: str
    label: str
    templates: Any
    site: Site = field(default_factory=Site)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back (nothing stored) on any error."""
        with self.sessions.begin() as session:
            yield session


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def principal_of(request: Request) -> Any:
    """The signed-in account (accounts.Principal) the access guard let through, or None without accounts."""
    return request.scope.get("state", {}).get("principal")


def member_of_new_unit(request: Request) -> int | None:
    """The account that becomes a member of a unit it creates (a consultant; an admin sees all anyway)."""
    principal = principal_of(request)
    return principal.user_id if principal is not None and principal.role != "admin" else None


def _number(value: Any) -> str:
    """6.0 -> '6', 2.5 -> '2.5', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _templates() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(resources.files("mbt_advisor.web") / "templates")),
        undefined=StrictUndefined,
        autoescape=True,  # every page, whatever the template's name
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.filters["num"] = _number
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": str}
    return env


def create_app(
    database: str | None = None,
    advisor: Advisor | None = None,
    *,
    max_body: int = MAX_BODY_BYTES,
    site: Site | None = None,
) -> FastAPI:
    """The web application over ``database`` (a path or URL; default: the SQLite file in the data folder);
    ``site``: its public address and trusted proxies when it is shared behind a reverse proxy."""
    from . import api, audit_routes, pages, questionnaire, signin
    from .store import Gone, refresh

    url = database_url(database)
    engine, sessions = open_database(url)
    site = site or Site()
    web = Web(engine, sessions, advisor or default_advisor(), url, database_label(url), _templates(), site)
    with web.transaction() as session:
        refresh(session, web.advisor)

    app = FastAPI(
        title="mbt-advisor",
        version=__version__,
        summary="Decision support for implementing Mentalization-Based Treatment.",
        docs_url=None,  # FastAPI's docs page loads scripts from the internet; /api/docs is served here instead
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.web = web
    from .accounts import Authenticator

    app.add_middleware(AccessGuard, max_body=max_body, authenticator=Authenticator(web.sessions), site=site)
    app.mount("/static", StaticFiles(packages=[("mbt_advisor.web", "static")]), name="static")
    app.include_router(api.router)
    app.include_router(audit_routes.api_router)
    app.include_router(pages.router)
    app.include_router(questionnaire.router)
    app.include_router(signin.router)
    app.include_router(audit_routes.router)
    api.install_openapi(app)

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> Any:
        if request.url.path.startswith("/api/"):
            return error_response(422, str(exc), field=exc.field, line=exc.line, allowed=exc.allowed)
        return pages.render(request, "error.html.j2", status_code=400, title="Not accepted", message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Any:
        if any(error["type"] == SPELLING_ERROR for error in exc.errors()):
            return await _not_found(request, exc)  # an id in another spelling: no such page (canonical_ids.py)
        first = exc.errors()[0]
        if first["type"] == "json_invalid" and request.url.path.startswith("/api/"):
            try:  # the message the command line gives for the same text (never the position as a field)
                parse_json(str(exc.body), api.BODY_SOURCE, error=ProfileError)
            except ProfileError as error:
                return await _bad_input(request, error)
        field = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path"))
        problem = str(first["msg"]).removeprefix("Value error, ")
        message = f"{field}: {problem}" if field else problem
        if request.url.path.startswith("/api/"):
            return error_response(422, message, field=field or None)
        return pages.render(request, "error.html.j2", status_code=400, title="Not accepted", message=message)

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied) -> Any:
        """A refusal of access.py: recorded in the audit trail in a transaction of its own (the route's was rolled
        back), then answered: a 404 exactly as for what does not exist, a 403 with its reason."""
        await run_in_threadpool(_record_refusal, request, exc)
        if exc.status == 404:
            return await _not_found(request, exc)
        if request.url.path.startswith("/api/"):
            return error_response(exc.status, exc.message)
        return pages.render(request, "error.html.j2", status_code=exc.status, title="Not allowed", message=exc.message)

    @app.exception_handler(404)
    @app.exception_handler(Gone)
    async def _not_found(request: Request, exc: Any) -> Any:
        if request.url.path.startswith("/api/"):
            return error_response(404, "not found")
        return pages.render(request, "error.html.j2", status_code=404, title="Not found", message="No such page.")

    @app.exception_handler(StarletteHTTPException)
    async def _other_http_error(request: Request, exc: StarletteHTTPException) -> Any:
        """405 (with its Allow header), FastAPI's 400 for a body it cannot parse: the API's one error shape."""
        if request.url.path.startswith("/api/"):
            message = str(exc.detail).rstrip(".").lower() + "."
            return error_response(exc.status_code, message, headers=exc.headers)
        return await http_exception_handler(request, exc)

    return app


def _record_refusal(request: Request, denied: Denied) -> None:
    with web_of(request).transaction() as session:
        record_refusal(session, principal_of(request), denied, request.method, request.url.path)


DATABASE_ENV = "MBT_ADVISOR_DATABASE"


def app_from_environment() -> FastAPI:
    """The application over the database named in $MBT_ADVISOR_DATABASE (and the public address and trusted
    proxies in site.py's variables): what each worker process of ``serve --workers N`` builds."""
    import os

    from .site import site_from_environment

    return create_app(os.environ[DATABASE_ENV], site=site_from_environment())


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route and mount (``MOUNT``), for tests that must cover them all; a path names its
    parameters without their convertor (``/units/{unit_id}``)."""
    from starlette.routing import Mount

    found: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included routers (newer versions)
                walk(route.original_router.routes)
            elif isinstance(route, Mount):
                found.append(("MOUNT", route.path))
            else:
                methods = sorted(getattr(route, "methods", None) or {"GET"})
                found.extend((m, route.path_format) for m in methods if m != "HEAD")  # {unit_id}, not {unit_id:id}

    walk(list(app.routes))
    return found


__all__ = ["HTMLResponse", "Web", "create_app", "route_table", "web_of"]
