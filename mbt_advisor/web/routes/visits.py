"""The consultant's next visit and the founder's own result: a visit as one form, filled in from the unit's last
visit (or empty for a first one), saved as a new visit of that unit; and a visit's result as a founder reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRouter

from mbt_advisor.profile.loading import profile_from_data
from mbt_advisor.web.access.canonical_ids import PathId, parse_id
from mbt_advisor.web.access.decisions import Denied, obtain
from mbt_advisor.web.routes import visit_form as vf
from mbt_advisor.web.routes.context import principal_of, render, see_other, web_of
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import Unit, Visit
from mbt_advisor.web.storage.summary import visit_index

router = APIRouter(include_in_schema=False)
URGENT = 3  # the founder's result shows the three most urgent actions
OPEN_QUESTIONS = 5  # and the first open questions


def _from_visit(request: Request, session: Any, unit: Unit, raw: str | None) -> Visit | None:
    """The visit a next visit starts from: the one named (a visit of this unit, obtained as every visit is), else
    the latest; None for a unit's first visit."""
    if raw is None or raw == "":
        return unit.visits[-1] if unit.visits else None
    wanted = parse_id(raw)  # one spelling of an id: any other is a 404, as on every route
    if wanted is None:
        raise Denied(404, unit_id=unit.id)
    return obtain(session, principal_of(request), Visit, wanted, "read", unit_id=unit.id)


def _form_page(
    request: Request, unit: Any, last: Any, answers: dict[str, Any], status: int = 200, **extra: Any
) -> HTMLResponse:
    kb = web_of(request).advisor.kb
    previous = vf.previous_answers(store.profile_of(last)) if last is not None else None
    form = vf.build_form(kb, answers, previous, last.visited_on if last is not None else None, **extra)
    return render(
        request,
        "visit_form.html.j2",
        status_code=status,
        unit=unit,
        form=form,
        from_visit=last.id if last is not None else None,
        open_ratings=request.query_params.get("ratings") == "1",
    )


@router.get("/units/{unit_id:id}/new-visit", response_class=HTMLResponse)
def new_visit(request: Request, unit_id: PathId) -> HTMLResponse:
    """The next visit's form: the last visit's answers and ratings filled in (``?from=VISIT`` for another
    visit of the unit), or an empty form for the unit's first visit."""
    web = web_of(request)
    with web.transaction() as session:
        unit = obtain(session, principal_of(request), Unit, unit_id, "read")
        last = _from_visit(request, session, unit, request.query_params.get("from"))
        previous = vf.previous_answers(store.profile_of(last)) if last is not None else None
        return _form_page(request, unit, last, vf.starting_answers(previous, dt.date.today(), unit.name))


@router.post("/units/{unit_id:id}/new-visit")
async def save_new_visit(request: Request, unit_id: PathId) -> Response:
    """Add the visit the form describes to the unit; refused answers or questions the answers bring show the
    form again, with what was typed, and store nothing."""
    web = web_of(request)
    form = await request.form()
    shown, values = vf.submitted(form)
    kb = web.advisor.kb
    answers, errors = vf.read_form(kb, shown, values)
    with web.transaction() as session:
        unit = obtain(session, principal_of(request), Unit, unit_id, "write")
        last = _from_visit(request, session, unit, str(form.get("from", "")))
        if errors:
            return _form_page(request, unit, last, answers, status=422, raw=values, errors=errors)
        if any(name not in shown for name in vf.applicable_fields(kb, answers)):
            return _form_page(request, unit, last, answers, raw=values, shown=shown)
        text = store.profile_text(profile_from_data(vf.profile_data(vf.settle(kb, answers)), "visit form"))
        visit = store.add_visit(session, unit, text, web.advisor, source="visit form")
        return see_other(f"/units/{unit.id}/visits/{visit.id}")


@router.get("/units/{unit_id:id}/visits/{visit_id:id}/result", response_class=HTMLResponse)
def result(request: Request, unit_id: PathId, visit_id: PathId) -> HTMLResponse:
    """The founder's own result: the headline once, the three most urgent actions, what to answer next and
    the next steps; the consultant's full visit page is one link away."""
    web = web_of(request)
    with web.transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "read", unit_id=unit_id)
        store.ensure_current(session, visit, web.advisor)
        data = store.assessment_data(visit)
        return render(
            request,
            "result.html.j2",
            unit=visit.unit,
            visit=visit,
            a=data,
            index=visit_index(data),
            urgent=data["recommendations"][:URGENT],
            more=max(0, len(data["recommendations"]) - URGENT),
            questions=data["missing_information"][:OPEN_QUESTIONS],
            open_count=len(data["missing_information"]),
        )
