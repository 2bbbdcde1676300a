"""The audit trail for administrators: a page (``/audit``) and the API (``/api/v1/audit``), newest first,
filtered by unit, account and action, paged by event id. Who may see them is decided with everything else
in decisions.py (admins only once accounts exist); there is no route that changes or deletes a row.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from mbt_advisor.web.access.canonical_ids import QueryId
from mbt_advisor.web.access.decisions import permit
from mbt_advisor.web.routes.context import principal_of, render, web_of
from mbt_advisor.web.storage import audit, store

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["api"])
PAGE = 50


def _selection(
    unit: int | None, user: str | None, action: str | None, since: str | None, before: int | None, limit: int
) -> audit.Filter:
    return audit.Filter(
        unit_id=unit,
        user=user or None,
        action=audit.check_action(action or None),
        since=audit.parse_since(since or None),
        before=before,
        limit=limit,
    )


def _read(request: Request, selection: audit.Filter) -> tuple[list[Any], dict[int, str]]:
    """The events, and the current names of the units they name (the trail itself holds only ids)."""
    with web_of(request).transaction() as session:
        rows = audit.events(session, selection)
        return rows, store.unit_names(session, {r.unit_id for r in rows if r.unit_id is not None})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    unit: QueryId = None,
    user: str | None = Query(None, max_length=80),
    action: str | None = Query(None, max_length=40),
    since: str | None = Query(None, max_length=40),
    before: QueryId = None,
) -> HTMLResponse:
    permit(principal_of(request), "audit trail", "read")
    selection = _selection(unit, user, action, since, before, PAGE)
    rows, names = _read(request, selection)
    older = None
    if len(rows) == PAGE:
        query = {"unit": unit, "user": user, "action": action, "since": since, "before": rows[-1].id}
        older = "?" + "&".join(f"{k}={v}" for k, v in query.items() if v not in (None, ""))
    return render(
        request,
        "audit.html.j2",
        rows=rows,
        names=names,
        older=older,
        actions=audit.ACTIONS,
        chosen={"unit": unit or "", "user": user or "", "action": action or "", "since": since or ""},
    )


@api_router.get("/audit", summary="The audit trail, newest first (administrators only)")
def audit_api(
    request: Request,
    unit: QueryId = None,
    user: str | None = Query(None, max_length=80, description="By, or about, this account name"),
    action: str | None = Query(
        None,
        max_length=40,
        description="An action or a family (visit, signin, user)",
        json_schema_extra={"pattern": audit.ACTION_PATTERN},
    ),
    since: str | None = Query(
        None,
        max_length=40,
        description="UTC date or time, ISO 8601",
        json_schema_extra={  # what parse_since reads (as a string: a query's value always is one)
            "anyOf": [{"type": "string", "maxLength": 0}]
            + [{"type": "string", "format": f} for f in ("date", "date-time")]
        },
    ),
    before: Annotated[QueryId, Query(description="Only events older than this id (the last answer's `next`)")] = None,
    limit: int = Query(100, ge=1, le=1000),
) -> Response:
    from mbt_advisor.rendering.formats import to_json

    permit(principal_of(request), "audit trail", "read")
    rows, _ = _read(request, _selection(unit, user, action, since, before, limit))
    body = {"events": [audit.as_dict(r) for r in rows], "next": rows[-1].id if len(rows) == limit else None}
    return Response(to_json(body), media_type="application/json")
