"""The consultant's pages: the portfolio, a unit over its visits, a visit with everything about it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from mbt_advisor.common.errors import ProfileError
from mbt_advisor.common.yamlio import utf8_text
from mbt_advisor.profile.model import LEVELS
from mbt_advisor.questions.comparison import compare
from mbt_advisor.questions.explanation import explain
from mbt_advisor.questions.whatif import what_if
from mbt_advisor.rulebase.examples import example_path, list_examples
from mbt_advisor.web.access.canonical_ids import PathId
from mbt_advisor.web.access.decisions import obtain, permit, visible
from mbt_advisor.web.routes.chart import line_chart
from mbt_advisor.web.routes.context import member_of_new_unit, principal_of, render, see_other, web_of
from mbt_advisor.web.storage import signals, store
from mbt_advisor.web.storage.models import Unit, Visit
from mbt_advisor.web.storage.summary import RISK_RANK, SCOPES, visit_index

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def portfolio(
    request: Request,
    q: str = Query("", max_length=200, description="a part of the unit's name, any case"),
    offset: int = Query(0, ge=0, le=signals.MAX_OFFSET, description="the units before this page"),
) -> HTMLResponse:
    """The units, declining first, a page at a time (signals.PAGE_SIZE), with a search by name."""
    with web_of(request).transaction() as session:
        page = signals.portfolio(
            session, visible(principal_of(request)), query=q, offset=offset, limit=signals.PAGE_SIZE
        )
        return render(request, "portfolio.html.j2", page=page, rows=page.rows, examples=list_examples())


@router.post("/units")
def create_unit(
    request: Request,
    name: str = Form(min_length=1, max_length=200),
    setting: str = Form(""),
    population: str = Form(""),
) -> Response:
    permit(principal_of(request), "unit", "write")
    with web_of(request).transaction() as session:
        unit = store.create_unit(session, name.strip() or name, setting, population, member_of_new_unit(request))
        return see_other(f"/units/{unit.id}")


@router.post("/units/from-example")
def unit_from_example(request: Request, example: str = Form()) -> Response:
    permit(principal_of(request), "unit", "write")
    web = web_of(request)
    text = example_path(example).read_text(encoding="utf-8")
    with web.transaction() as session:
        profile = store.parse_profile(text, f"example {example}")
        org = profile.organization
        unit = store.create_unit(session, org.name, org.setting, org.population, member_of_new_unit(request))
        store.add_visit(session, unit, text, web.advisor, source=f"example {example}")
        return see_other(f"/units/{unit.id}")


def _index_chart(unit: Any) -> tuple[str, bool]:
    """The unit's risk per level over its visits: the 0-100 index where assessed, else the risk words."""
    datas = [store.assessment_data(v) for v in unit.visits]
    labels = [v.visited_on.isoformat() for v in unit.visits]
    indexes = [visit_index(d) for d in datas]
    if any(i["overall"] is not None for i in indexes):
        series = {scope: [i[scope] for i in indexes] for scope in SCOPES}
        ticks = [(float(v), str(v)) for v in (0, 25, 50, 75, 100)]
        return line_chart(f"Risk index per level, {unit.name}", labels, series, (0, 100), ticks), True
    series = {
        scope: [
            float(RISK_RANK[r])
            if (r := (d["risk"]["overall"] if scope == "overall" else d["risk"]["levels"][scope])) in RISK_RANK
            else None
            for d in datas
        ]
        for scope in SCOPES
    }
    ticks = [(1.0, "low"), (2.0, "moderate"), (3.0, "high")]
    return line_chart(f"Risk per level, {unit.name}", labels, series, (0.5, 3.5), ticks), False


def _ratings_over_visits(unit: Any, kb: Any) -> list[dict[str, Any]]:
    """Table 4 items rated at any visit, with the rating of each visit (None where not rated)."""
    profiles = [store.profile_of(v) for v in unit.visits]
    rows = []
    for item in kb.rating_items.items:
        values = [getattr(p.ratings, item.id, None) for p in profiles]
        if any(v is not None for v in values):
            rows.append({"item": item, "values": values})
    return rows


@router.get("/units/{unit_id:id}", response_class=HTMLResponse)
def unit_page(request: Request, unit_id: PathId) -> HTMLResponse:
    web = web_of(request)
    with web.transaction() as session:
        unit = obtain(session, principal_of(request), Unit, unit_id, "read")
        for visit in unit.visits:
            store.ensure_current(session, visit, web.advisor)
        chart, has_index = _index_chart(unit) if unit.visits else ("", False)
        visits = [(v, store.assessment_data(v)) for v in unit.visits]
        return render(
            request,
            "unit.html.j2",
            unit=unit,
            visits=[(v, d, visit_index(d)) for v, d in visits],
            chart_svg=chart,
            has_index=has_index,
            ratings=_ratings_over_visits(unit, web.advisor.kb),
            today=dt.date.today().isoformat(),
        )


@router.post("/units/{unit_id:id}/visits")
async def add_visit(
    request: Request,
    unit_id: PathId,
    profile_file: UploadFile | None = None,
    profile_text: str = Form(""),
    visited_on: str = Form(""),
    assessor: str = Form(""),
) -> Response:
    web = web_of(request)
    raw = await profile_file.read() if profile_file is not None and profile_file.filename else b""
    source = profile_file.filename if raw and profile_file is not None else "pasted profile"
    text = utf8_text(raw, source or "profile", error=ProfileError) if raw else profile_text.replace("\r\n", "\n")
    if not text.strip():
        raise ProfileError("choose a profile file or paste one.", source="new visit")
    try:
        day = dt.date.fromisoformat(visited_on) if visited_on else None
    except ValueError:
        raise ProfileError("give a date as YYYY-MM-DD.", source="new visit", field="visited_on") from None
    with web.transaction() as session:
        unit = obtain(session, principal_of(request), Unit, unit_id, "write")
        visit = store.add_visit(
            session, unit, text, web.advisor, visited_on=day, assessor=assessor or None, source=source or "profile"
        )
        return see_other(f"/units/{unit.id}/visits/{visit.id}")


@router.get("/units/{unit_id:id}/visits/{visit_id:id}", response_class=HTMLResponse)
def visit_page(request: Request, unit_id: PathId, visit_id: PathId) -> HTMLResponse:
    web = web_of(request)
    advisor = web.advisor
    with web.transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "read", unit_id=unit_id)
        store.ensure_current(session, visit, advisor)
        profile = store.profile_of(visit)
        previous = store.previous_visit(visit)
        comparison = compare(store.profile_of(previous), profile, advisor=advisor) if previous else None
        traces = {t.rule_id: t for t in explain(profile, advisor=advisor).recommendations}
        return render(
            request,
            "visit.html.j2",
            unit=visit.unit,
            visit=visit,
            previous=previous,
            a=store.assessment_data(visit),
            index=visit_index(store.assessment_data(visit)),
            traces={k: v.model_dump(mode="json") for k, v in traces.items()},
            plan=what_if(profile, advisor=advisor).model_dump(mode="json"),
            comparison=comparison.model_dump(mode="json") if comparison else None,
            levels=LEVELS,
        )


@router.get("/units/{unit_id:id}/visits/{visit_id:id}/brief", response_class=HTMLResponse)
def visit_brief(request: Request, unit_id: PathId, visit_id: PathId) -> HTMLResponse:
    """The site-visit brief: the same HTML as `mbt-advisor report`, printable."""
    from mbt_advisor.rendering.brief import render_brief

    web = web_of(request)
    with web.transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "read", unit_id=unit_id)
        store.exported(session, visit, "brief")
        previous = store.previous_visit(visit)  # page one says what changed since it ("Since the last visit")
        before = store.profile_of(previous) if previous is not None else None
        return HTMLResponse(render_brief(store.profile_of(visit), web.advisor, "html", previous=before))


@router.get("/units/{unit_id:id}/visits/{visit_id:id}/profile.yaml")
def visit_profile(request: Request, unit_id: PathId, visit_id: PathId) -> Response:
    with web_of(request).transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "read", unit_id=unit_id)
        store.exported(session, visit, "profile")
        name = f"unit-{unit_id}-visit-{visit.visited_on.isoformat()}.yaml"
        return Response(
            visit.profile_yaml,
            media_type="application/yaml",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )


# -- deleting (who may: access.obtain's delete; a confirmation page, then a form that names what it deletes) --
def _confirm_delete(
    request: Request, unit: Any, visit: Any = None, status_code: int = 200, typed: str | None = None
) -> HTMLResponse:
    session = store.object_session(unit)
    assert session is not None, "the unit was loaded in this request's transaction"
    return render(
        request,
        "delete.html.j2",
        status_code=status_code,
        unit=unit,
        visit=visit,
        counts=store.deletion_counts(session, unit, visit),
        expected=unit.name if visit is None else visit.visited_on.isoformat(),
        typed=typed,
    )


@router.get("/units/{unit_id:id}/delete", response_class=HTMLResponse)
def confirm_unit_deletion(request: Request, unit_id: PathId) -> HTMLResponse:
    with web_of(request).transaction() as session:
        return _confirm_delete(request, obtain(session, principal_of(request), Unit, unit_id, "delete"))


@router.post("/units/{unit_id:id}/delete")
def delete_unit(request: Request, unit_id: PathId, confirm: str = Form("")) -> Response:
    """Deletes only when ``confirm`` is the unit's name (typed by the user on the confirmation page)."""
    with web_of(request).transaction() as session:
        unit = obtain(session, principal_of(request), Unit, unit_id, "delete")
        if confirm.strip() != unit.name.strip():
            return _confirm_delete(request, unit, status_code=400, typed=confirm)
        store.delete_unit(session, unit.id)
    return see_other("/?notice=unit-deleted")


@router.get("/units/{unit_id:id}/visits/{visit_id:id}/delete", response_class=HTMLResponse)
def confirm_visit_deletion(request: Request, unit_id: PathId, visit_id: PathId) -> HTMLResponse:
    with web_of(request).transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "delete", unit_id=unit_id)
        return _confirm_delete(request, visit.unit, visit)


@router.post("/units/{unit_id:id}/visits/{visit_id:id}/delete")
def delete_visit(request: Request, unit_id: PathId, visit_id: PathId, confirm: str = Form("")) -> Response:
    """Deletes only when ``confirm`` is the visit's date (YYYY-MM-DD, typed on the confirmation page)."""
    with web_of(request).transaction() as session:
        visit = obtain(session, principal_of(request), Visit, visit_id, "delete", unit_id=unit_id)
        if confirm.strip() != visit.visited_on.isoformat():
            return _confirm_delete(request, visit.unit, visit, status_code=400, typed=confirm)
        if store.delete_visit(session, visit, web_of(request).advisor) is None:
            raise HTTPException(404)
    return see_other(f"/units/{unit_id}?notice=visit-deleted")


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API's documentation from its OpenAPI description, as a plain page (no scripts from anywhere)."""
    spec = request.app.openapi()
    return render(request, "api_docs.html.j2", spec=spec)
