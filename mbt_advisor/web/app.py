"""The application factory, at the top of the web: the database migrated, stale assessments refreshed, the
routes assembled (none of them imports this module: what they share is ``routes/context.py``) and the access
guard around them. Imported by the command line (``serve``) and the tests only."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from mbt_advisor._version import __version__
from mbt_advisor.assessment.advisor import Advisor, default_advisor
from mbt_advisor.common.errors import InputError, ProfileError
from mbt_advisor.common.yamlio import parse_json
from mbt_advisor.web.access.canonical_ids import SPELLING_ERROR
from mbt_advisor.web.access.decisions import Denied, record_refusal
from mbt_advisor.web.access.error_body import error_response
from mbt_advisor.web.access.security import AccessGuard
from mbt_advisor.web.routes.context import Web, page_templates, principal_of, render, web_of
from mbt_advisor.web.settings.config import MAX_BODY_BYTES, database_label, database_url
from mbt_advisor.web.settings.site import Site
from mbt_advisor.web.storage.db import open_database


def create_app(
    database: str | None = None,
    advisor: Advisor | None = None,
    *,
    max_body: int = MAX_BODY_BYTES,
    site: Site | None = None,
) -> FastAPI:
    """The web application over ``database`` (a path or URL; default: the SQLite file in the data folder);
    ``site``: its public address and trusted proxies when it is shared behind a reverse proxy."""
    from mbt_advisor.web.routes import api, audit_routes, pages, questionnaire, signin, visits
    from mbt_advisor.web.storage.store import Gone, refresh

    url = database_url(database)
    engine, sessions = open_database(url)
    site = site or Site()
    web = Web(engine, sessions, advisor or default_advisor(), url, database_label(url), page_templates(), site)
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
    from mbt_advisor.web.access.accounts import Authenticator

    app.add_middleware(AccessGuard, max_body=max_body, authenticator=Authenticator(web.sessions), site=site)
    app.mount("/static", StaticFiles(packages=[("mbt_advisor.web", "static")]), name="static")
    app.include_router(api.router)
    app.include_router(audit_routes.api_router)
    app.include_router(pages.router)
    app.include_router(visits.router)
    app.include_router(questionnaire.router)
    app.include_router(signin.router)
    app.include_router(audit_routes.router)
    api.install_openapi(app)

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> Any:
        if request.url.path.startswith("/api/"):
            return error_response(422, str(exc), field=exc.field, line=exc.line, allowed=exc.allowed)
        return render(request, "error.html.j2", status_code=400, title="Not accepted", message=str(exc))

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
        return render(request, "error.html.j2", status_code=400, title="Not accepted", message=message)

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied) -> Any:
        """A refusal of decisions.py: recorded in the audit trail in a transaction of its own (the route's was rolled
        back), then answered: a 404 exactly as for what does not exist, a 403 with its reason."""
        await run_in_threadpool(_record_refusal, request, exc)
        if exc.status == 404:
            return await _not_found(request, exc)
        if request.url.path.startswith("/api/"):
            return error_response(exc.status, exc.message)
        return render(request, "error.html.j2", status_code=exc.status, title="Not allowed", message=exc.message)

    @app.exception_handler(404)
    @app.exception_handler(Gone)
    async def _not_found(request: Request, exc: Any) -> Any:
        if request.url.path.startswith("/api/"):
            return error_response(404, "not found")
        return render(request, "error.html.j2", status_code=404, title="Not found", message="No such page.")

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

    from mbt_advisor.web.settings.site import site_from_environment

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


__all__ = ["create_app", "route_table"]
