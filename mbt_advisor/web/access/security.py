"""The checks every request passes as a whole, whatever route, page, file or API it asks for.

``AccessGuard`` wraps the whole application (so a new route cannot forget it) and, in this order:
refuses clients and Host names that are not this computer (a web page elsewhere cannot reach the data by DNS
rebinding), refuses cross-origin writes, limits request bodies, and checks the CSRF token of every write
(double submit: the ``mbt_csrf`` cookie must equal the form's ``csrf_token`` field or the ``X-CSRF-Token``
header; API writes may instead send ``application/json``, and an API DELETE a personal token, ``Authorization:
Bearer mbt_...``, which no other site's page can send here without a CORS permission this server never gives;
any other ``Authorization`` header exempts nothing). A body that is not a readable form is a 400. Once accounts
exist it finds who signs the request (accounts.Authenticator) and sends a visitor without an account to the
sign-in page. It reads no id from the address: what an account may read or do with a unit, a visit, a
questionnaire or a token is decided where the route reads it (decisions.py).

Behind a reverse proxy (site.py): X-Forwarded-For and X-Forwarded-Proto are believed only from the configured
proxy addresses (uvicorn's ProxyHeadersMiddleware, applied here and nowhere else; uvicorn's own handling is
off), so the client's address and HTTPS are known; ``--public-url`` names the Host and Origin to accept; cookies
are ``Secure`` when the request came over HTTPS or the public address is HTTPS. Without accounts, a request
that came through any proxy is refused: the local application is for this computer only.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from mbt_advisor.web.access.error_body import error_bytes
from mbt_advisor.web.settings.config import MAX_BODY_BYTES, is_loopback
from mbt_advisor.web.settings.site import FORWARDED_HEADERS, Site
from mbt_advisor.web.storage.audit import Actor, acting_as

CSRF_COOKIE = "mbt_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}  # no route accepts another (tests/web/test_openapi_contract.py)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # not no-referrer: browsers would then send "Origin: null" on forms
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[: host_header.find("]") + 1]
    return host_header.rsplit(":", 1)[0]


def check_origin(scope: Scope, headers: Headers, local: bool = True, site: Site | None = None) -> None:
    """Loopback client and Host name, and no proxy in between (``local``: no accounts yet); the public Host
    name or a loopback one (``site.public_url``); and a same-site Origin when the browser says one."""
    site = site or Site()
    host = headers.get("host", "")
    origin = headers.get("origin")
    if origin == "null" and scope.get("method", "GET") not in SAFE_METHODS:
        # an opaque origin (a sandboxed frame, a data: page) never writes; our own pages send their origin
        raise Refused(403, "a request from an unknown origin was refused.")
    if origin and origin != "null":
        same_host = origin.split("://", 1)[-1] == host
        if not (same_host or origin.lower() == site.public_origin):
            raise Refused(403, "a request from another site was refused.")
    if local:
        client = scope.get("client")
        if not client or not is_loopback(client[0]):
            raise Refused(403, "this server only answers requests from this computer.")
        if any(name in headers for name in FORWARDED_HEADERS):
            raise Refused(
                403, "a request through a proxy was refused: without accounts this server is for this computer only."
            )
        if not is_loopback(_host_name(host)):
            raise Refused(403, "unexpected Host name; open the application at http://127.0.0.1:PORT/.")
    elif site.public_host is not None and host.lower() != site.public_host and not is_loopback(_host_name(host)):
        raise Refused(403, f"unexpected Host name; open the application at {site.public_url}/.")


def secure_cookies(scope: Mapping[str, Any], site: Site) -> bool:
    """Cookies get ``Secure`` when the request came over HTTPS (directly, or as a trusted proxy says) or the
    public address is HTTPS."""
    return scope.get("scheme") == "https" or site.https


def _valid_token(token: str | None) -> bool:
    return token is not None and len(token) == 43 and all(c.isalnum() or c in "-_" for c in token)


async def _read_body(receive: Receive, headers: Headers, limit: int) -> bytes:
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise Refused(413, f"the request is larger than {limit} bytes.")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "the client went away.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"the request is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


PERSONAL_TOKEN = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] (mbt_[A-Za-z0-9_-]{43})")


def personal_token(authorization: str | None) -> str | None:
    """The personal API token of an ``Authorization: Bearer mbt_...`` header, or None for any other header (none,
    empty, another scheme, a malformed token). The one reading of the header: the CSRF exemption below and the
    sign-in by token (accounts.py) both use it."""
    match = PERSONAL_TOKEN.fullmatch(authorization or "")
    return match.group(1) if match else None


FORM_TYPES = {b"application/x-www-form-urlencoded", b"multipart/form-data"}  # as Starlette's form reading names them


def _not_utf8(what: str, raw: bytes | bytearray) -> MultiPartException | None:
    try:
        bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        return MultiPartException(f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    return None


class _Utf8MultiPart(MultiPartParser):
    """Starlette's multipart parser, except that a text field that is not UTF-8 is refused: Starlette would
    read it as Latin-1, and the route would store text other than what was sent (files are bytes, and the
    route that takes one checks it as the command line does)."""

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            refused = _not_utf8(f"the field {self._current_part.field_name!r}", self._current_part.data)
            if refused is not None:
                raise refused
        super().on_part_end()


def _urlencoded_utf8(body: bytes) -> None:
    """A urlencoded body whose fields, percent-decoded, are UTF-8 and which has no raw byte beyond ASCII
    (Starlette decodes the fields with replacement characters, and raw bytes as Latin-1). Each ``&`` piece is
    checked whole: splitting UTF-8 text at an ASCII byte (``=``, ``;``) leaves UTF-8 pieces, so however a
    parser frames the fields, none of them can be altered."""
    if not body.isascii():
        raise MultiPartException(
            "a urlencoded form sends its text as percent-encoded UTF-8, not as raw bytes beyond ASCII"
        )
    for piece in body.split(b"&"):
        refused = _not_utf8("a form field", unquote_to_bytes(piece.replace(b"+", b" ")))
        if refused is not None:
            raise refused


async def _read_form(headers: Headers, body: bytes) -> str | None:
    """The ``csrf_token`` field of a form body (None for a body that is not a form), read by the parser the
    route's form reading uses; a body that is not a readable form, or whose text fields are not UTF-8, is
    refused (400), never a 500 or altered text."""
    content_type, params = parse_options_header(headers.get("content-type", ""))
    if content_type not in FORM_TYPES:
        return None

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        if content_type == b"multipart/form-data":
            charset = params.get(b"charset", b"utf-8").decode("latin-1").lower()
            if charset.replace("_", "-") not in {"utf-8", "utf8"}:
                raise MultiPartException(f"a form is read as UTF-8, not {charset}")
            form = await _Utf8MultiPart(headers, stream(), max_files=1000, max_fields=1000).parse()
        else:
            _urlencoded_utf8(body)
            form = await FormParser(headers, stream(), max_fields=1000).parse()
    except MultiPartException as exc:
        raise Refused(400, f"the form could not be read: {exc.message}.") from None
    try:
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


def _csrf_ok(scope: Scope, form_token: str | None, headers: Headers, cookie: str | None) -> bool:
    if (
        scope["path"].startswith("/api/")
        and scope["method"] == "DELETE"
        and personal_token(headers.get("authorization"))
    ):
        return True  # a tool with its token: no page of another site can send this without a preflight
    if not _valid_token(cookie):
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        return scope["path"].startswith("/api/") and content_type == "application/json"
    assert cookie is not None
    sent = headers.get(CSRF_HEADER)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if sent is None:
        sent = form_token
    if sent is not None:
        return hmac.compare_digest(sent.encode(), cookie.encode())
    return scope["path"].startswith("/api/") and content_type == "application/json"


def _csrf_refusal(scope: Scope, headers: Headers) -> Refused:
    """Why a write was refused: to a tool of the API (no page, no form), what to send instead."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    tool = headers.get("authorization", "").strip() != ""
    if scope["path"].startswith("/api/") and tool and content_type != "application/json":
        return Refused(
            415,
            "the API takes its body as JSON: send Content-Type: application/json (a DELETE may send its token, "
            "Authorization: Bearer ..., instead).",
        )
    return Refused(403, "the form's security token is missing or stale; reload the page and try again.")


class AccessGuard:
    """ASGI middleware around the whole application: see the module docstring."""

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
        max_body: int = MAX_BODY_BYTES,
        authenticator: Any = None,
        site: Site | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.authenticator = authenticator  # accounts.Authenticator: from the first account on, who signed in
        self.site = site or Site()
        self.handle: Callable[[Scope, Receive, Send], Awaitable[None]] = self.guard
        if self.site.forwarded_allow_ips:  # the client's address and scheme as the trusted proxy says
            from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

            trusted = list(self.site.forwarded_allow_ips)
            self.handle = ProxyHeadersMiddleware(self.guard, trusted_hosts=trusted)  # type: ignore[arg-type,assignment]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.handle(scope, receive, send)

    async def guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = Headers(scope=scope)
        cookie = Request(scope).cookies.get(CSRF_COOKIE)
        new_token = None if _valid_token(cookie) else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = cookie if new_token is None else new_token
        accounts = self.authenticator is not None and self.authenticator.accounts()
        scope["state"]["accounts"] = accounts
        principal = None
        try:
            check_origin(scope, headers, local=not accounts, site=self.site)
            if scope["method"] in WRITE_METHODS:  # any other method has no route: the router answers 405
                body = await _read_body(receive, headers, self.max_body)
                form_token = await _read_form(headers, body)  # every form write: its text must be readable
                if not _csrf_ok(scope, form_token, headers, cookie):
                    raise _csrf_refusal(scope, headers)
                receive = _replay(body)
            if accounts:
                cookies = Request(scope).cookies
                principal = self.authenticator.principal(scope["path"], cookies, headers.get("authorization"))
                scope["state"]["principal"] = principal  # what it may read or do: decisions.py, where the data is read
        except Refused as refused:
            if refused.status == 401 and not scope["path"].startswith("/api/v1/"):  # not signed in: a page
                await _redirect(send, "/signin")
            else:
                await _refuse(scope, send, refused)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if new_token is not None:
                    cookie_value = f"{CSRF_COOKIE}={new_token}; Path=/; HttpOnly; SameSite=Strict"
                    if secure_cookies(scope, self.site):
                        cookie_value += "; Secure"
                    extra.append((b"set-cookie", cookie_value.encode()))
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in present or k == b"set-cookie"
                ]
            await send(message)

        client = scope.get("client")
        address = client[0] if client else None
        if principal is not None:
            actor = principal.actor(address)
        else:
            actor = (
                Actor("anonymous", "anonymous", None, address) if accounts else Actor("local", "local", None, address)
            )
        with acting_as(actor):  # whatever the route records in the audit trail is this actor's
            await self.app(scope, receive, send_with_headers)


async def _refuse(scope: Scope, send: Send, refused: Refused) -> None:
    if scope["path"].startswith("/api/"):
        body = error_bytes(refused.message)
        content_type = b"application/json"
    else:
        body = f"mbt-advisor: {refused.message}\n".encode()
        content_type = b"text/plain; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    headers = [(b"location", location.encode()), (b"content-length", b"0"), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
