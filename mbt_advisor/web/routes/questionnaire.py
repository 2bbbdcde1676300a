"""The founder's questionnaire in the browser: the wizard's question bank, conditions, checks, "don't know"
and back (mbt_advisor.wizard), with the state saved in the database after every answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mbt_advisor.common.errors import InputError
from mbt_advisor.web.access.canonical_ids import parse_id
from mbt_advisor.web.access.decisions import Action, obtain, own_unit, permit, unclaimed
from mbt_advisor.web.routes.context import member_of_new_unit, principal_of, render, see_other, web_of
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import Draft, Unit, Visit
from mbt_advisor.wizard.questionnaire import PATH_QUESTION, Wizard

router = APIRouter(include_in_schema=False)


@router.post("/questionnaire")
def start(request: Request, unit_id: str = Form("")) -> Response:
    principal = principal_of(request)
    permit(principal, "questionnaire", "write")
    asked = parse_id(unit_id) if unit_id else own_unit(principal)  # a founder answers for their own unit
    if unit_id and asked is None:
        raise HTTPException(404)  # not an id: as on every unit route
    with web_of(request).transaction() as session:
        unit = obtain(session, principal, Unit, asked, "write") if asked is not None else None
        draft = store.new_draft(session, unit.id if unit else None, principal.user_id if principal else None)
        return see_other(f"/questionnaire/{draft.id}")


def _draft(request: Request, session: Session, draft_id: str, action: Action, *, for_update: bool = False) -> Draft:
    """The draft, if the account may have it (access.obtain). ``for_update``: locked until the transaction ends
    (on PostgreSQL), so two answers or two finishes of one questionnaire arriving at once, through one server
    process or two, apply one after the other (the second finish finds the visit of the first instead of storing
    another)."""
    return obtain(session, principal_of(request), Draft, draft_id, action, lock=for_update)


def _page(
    request: Request, draft: Draft, wizard: Wizard, error: str = "", raw: Any = None, status: int = 200
) -> HTMLResponse:
    question = wizard.next_question()
    done, total = wizard.progress()
    preview = None
    if question is None or wizard.state.answers:
        try:
            preview = web_of(request).advisor.evaluate(wizard.profile()).model_dump(mode="json")
        except InputError:  # no name yet: nothing to preview
            preview = None
    return render(
        request,
        "questionnaire.html.j2",
        status_code=status,
        draft=draft,
        question=question,
        is_path=question is PATH_QUESTION,
        optional=wizard.ask(question).optional if question else False,  # the wizard's one rule for "don't know"
        informs=wizard.informs(question) if question else [],
        done=done,
        total=total,
        error=error,
        raw=raw,
        answers=wizard.state.answers,
        preview=preview,
        can_go_back=bool(wizard.state.history),
    )


@router.get("/questionnaire/{draft_id:draft}", response_class=HTMLResponse)
def show(request: Request, draft_id: str) -> HTMLResponse:
    web = web_of(request)
    with web.transaction() as session:
        draft = _draft(request, session, draft_id, "read")
        return _page(request, draft, Wizard(web.advisor.kb, store.draft_state(draft)))


@router.post("/questionnaire/{draft_id:draft}", response_class=HTMLResponse)
async def answer(request: Request, draft_id: str) -> Response:
    """One step: ``action`` is answer, skip (don't know) or back; saved before the next page is shown."""
    web = web_of(request)
    form = await request.form()
    action = str(form.get("action", "answer"))
    values = [str(v) for v in form.getlist("value")]
    with web.transaction() as session:
        draft = _draft(request, session, draft_id, "write", for_update=True)
        wizard = Wizard(web.advisor.kb, store.draft_state(draft))
        question = wizard.next_question()
        if str(form.get("field", "")) != (question.field if question else ""):
            # a stale page (another tab, the browser's back button): show the current question
            return see_other(f"/questionnaire/{draft.id}")
        try:
            if action == "back":
                wizard.back()
            elif question is not None and action == "skip":
                wizard.skip(question)
            elif question is not None:
                raw: Any = ",".join(values) if question.type == "multi" else (values[0] if values else "")
                if question.type == "multi" and not values:
                    raw = []
                wizard.answer(question, raw)
        except ValueError as exc:
            return _page(request, draft, wizard, error=str(exc), raw=values, status=422)
        store.save_draft(draft, wizard.state)
        return see_other(f"/questionnaire/{draft.id}")


@router.get("/questionnaire/{draft_id:draft}/profile.yaml")
def download(request: Request, draft_id: str) -> Response:
    """The profile so far, as the YAML `mbt-advisor wizard --output` writes."""
    web = web_of(request)
    with web.transaction() as session:
        draft = _draft(request, session, draft_id, "read")
        wizard = Wizard(web.advisor.kb, store.draft_state(draft))
        text = store.profile_text(wizard.profile())
        store.draft_exported(session, draft)
    return Response(
        text, media_type="application/yaml", headers={"content-disposition": 'attachment; filename="profile.yaml"'}
    )


@router.post("/questionnaire/{draft_id:draft}/finish")
def finish(request: Request, draft_id: str) -> Response:
    """Save the answers as a visit (of the draft's unit, or of a new unit named in the answers)."""
    web = web_of(request)
    with web.transaction() as session:
        principal = principal_of(request)
        draft = _draft(request, session, draft_id, "write", for_update=True)
        if draft.visit_id is not None and draft.unit_id is not None:  # finished already: its visit
            visit = obtain(session, principal, Visit, draft.visit_id, "read", unit_id=draft.unit_id)
            return see_other(f"/units/{visit.unit_id}/visits/{visit.id}/result")
        unit = obtain(session, principal, Unit, draft.unit_id, "write") if draft.unit_id is not None else None
        if unit is None:
            permit(principal, "unit", "write")  # finishing a questionnaire of no unit creates one
        wizard = Wizard(web.advisor.kb, store.draft_state(draft))
        profile = wizard.profile()
        if unit is None:
            org = profile.organization
            unit = store.create_unit(session, org.name, org.setting, org.population, member_of_new_unit(request))
        visit = store.add_visit(session, unit, store.profile_text(profile), web.advisor, source="questionnaire")
        store.finish_draft(session, draft, visit)
        return see_other(f"/units/{unit.id}/visits/{visit.id}/result")  # the founder's own result


DISCARD = "discard"  # the value of the box that confirms a discard


@router.post("/questionnaire/{draft_id:draft}/discard")
def discard(request: Request, draft_id: str, confirm: str = Form("")) -> Response:
    """Delete an unfinished questionnaire with its answers: its starter's own, or, for an administrator, one no
    account started (access.obtain's delete). Only with the box ticked; recorded in the audit trail."""
    principal = principal_of(request)
    with web_of(request).transaction() as session:
        draft = _draft(request, session, draft_id, "delete", for_update=True)
        if confirm != DISCARD:
            raise HTTPException(400, "nothing was discarded: tick the box to confirm.")
        own = principal is None or draft.user_id == principal.user_id
        store.discard_draft(session, draft, store.DISCARDED_BY_STARTER if own else store.DISCARDED_UNCLAIMED)
    return see_other(
        "/?notice=questionnaire-discarded" if own else "/questionnaires/unclaimed?notice=questionnaire-discarded"
    )


@router.get("/questionnaires/unclaimed", response_class=HTMLResponse)
def unclaimed_page(request: Request) -> HTMLResponse:
    """For an administrator: the unfinished questionnaires no account started, to discard (never their answers)."""
    with web_of(request).transaction() as session:
        rows = unclaimed(session, principal_of(request))
    return render(request, "unclaimed.html.j2", rows=rows, confirm=DISCARD)
