"""Signing in and out (only once accounts exist; see accounts.py)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from . import accounts
from .app import web_of
from .pages import render, see_other

router = APIRouter(include_in_schema=False)
FAILED = "The name or the password is wrong, or the account is locked for a few minutes after repeated failures."


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    with web_of(request).transaction() as session:
        if not accounts.accounts_exist(session):
            return see_other("/")
    return render(request, "signin.html.j2", error="")


@router.post("/signin")
def signin(request: Request, name: str = Form(max_length=80), password: str = Form(max_length=1000)) -> Response:
    with web_of(request).transaction() as session:
        token = accounts.sign_in(session, name, password)
    if token is None:
        return render(request, "signin.html.j2", status_code=401, error=FAILED)
    response = see_other("/")
    response.set_cookie(
        accounts.SESSION_COOKIE,
        token,
        max_age=accounts.SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    token = request.cookies.get(accounts.SESSION_COOKIE)
    if token:
        with web_of(request).transaction() as session:
            accounts.sign_out(session, token)
    response = see_other("/signin")
    response.delete_cookie(accounts.SESSION_COOKIE)
    return response
