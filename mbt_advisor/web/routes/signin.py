"""Signing in and out, and personal API tokens (only once accounts exist; see accounts.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mbt_advisor.web.access import accounts
from mbt_advisor.web.access.canonical_ids import PathId
from mbt_advisor.web.access.decisions import obtain, own_tokens
from mbt_advisor.web.access.security import secure_cookies
from mbt_advisor.web.routes.context import principal_of, render, see_other, web_of
from mbt_advisor.web.storage.models import ApiToken

router = APIRouter(include_in_schema=False)
FAILED = "The name or the password is wrong, or the account is locked for a few minutes after repeated failures."


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    with web_of(request).transaction() as session:
        if not accounts.accounts_exist(session):
            return see_other("/")
    return render(request, "signin.html.j2", error="")


@router.post("/signin")
def signin(
    request: Request, name: str = Form(max_length=80), password: str = Form(max_length=accounts.PASSWORD_LENGTH[-1])
) -> Response:
    with web_of(request).transaction() as session:
        token = accounts.sign_in(session, name, password)
    if token is None:
        accounts.failure_delay()
        return render(request, "signin.html.j2", status_code=401, error=FAILED)
    response = see_other("/")
    response.set_cookie(
        accounts.SESSION_COOKIE,
        token,
        max_age=accounts.SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request.scope, web_of(request).site),
    )
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    token = request.cookies.get(accounts.SESSION_COOKIE)
    if token:
        with web_of(request).transaction() as session:
            accounts.sign_out(session, token)
    response = see_other("/signin")
    response.delete_cookie(
        accounts.SESSION_COOKIE,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request.scope, web_of(request).site),
    )
    return response


def _me(request: Request) -> Any:
    principal = principal_of(request)
    if principal is None:
        raise HTTPException(404)  # tokens belong to accounts; without accounts there are none
    return principal


def _tokens_page(request: Request, new_token: str = "", status_code: int = 200) -> Response:
    me = _me(request)
    with web_of(request).transaction() as session:
        rows = own_tokens(session, me)
        return render(request, "tokens.html.j2", status_code=status_code, tokens=rows, new_token=new_token)


@router.get("/tokens", response_class=HTMLResponse)
def tokens(request: Request) -> Response:
    """Your personal API tokens (``Authorization: Bearer TOKEN`` on /api/v1)."""
    return _tokens_page(request)


@router.post("/tokens", response_class=HTMLResponse)
def create_token(request: Request, name: str = Form(min_length=1, max_length=80)) -> Response:
    me = _me(request)
    with web_of(request).transaction() as session:
        token = accounts.create_api_token(session, me.user_id, name)
    return _tokens_page(request, new_token=token, status_code=201)


@router.post("/tokens/{token_id:id}/revoke")
def revoke_token(request: Request, token_id: PathId) -> Response:
    me = _me(request)
    with web_of(request).transaction() as session:
        row = obtain(session, me, ApiToken, token_id, "delete")  # one's own tokens only: another's is a 404
        accounts.revoke_api_token(session, row.id)
    return see_other("/tokens")
