"""Behind a reverse proxy: X-Forwarded-For and X-Forwarded-Proto are believed from the configured proxy
addresses only; cookies are Secure over HTTPS; the public Host name and Origin are accepted, others refused;
without accounts a request through any proxy is refused; serve's options are checked before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from sqlalchemy import select
from typer.testing import CliRunner

from mbt_advisor.common.errors import InputError
from mbt_advisor.web.access import accounts
from mbt_advisor.web.app import create_app
from mbt_advisor.web.settings.site import Site, parse_forwarded_allow_ips, parse_public_url
from mbt_advisor.web.storage.models import AuditEvent

from .conftest import BASE, LOCAL, TestClient

PASSWORD = "correct horse battery"
PUBLIC = "https://mbt.example.org"
PROXY = ("127.0.0.1", 41000)  # nginx on the same machine
ELSEWHERE = ("192.0.2.9", 41000)  # a peer that is not the configured proxy
HTTPS = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"}


def shared_app(db_path: Path, advisor, site: Site):  # type: ignore[no-untyped-def]
    app = create_app(str(db_path), advisor, site=site)
    with app.state.web.transaction() as session:
        accounts.add_user(session, "ada", "admin", PASSWORD)
    return app


def sign_in(app, peer=PROXY, headers=None, base_url=BASE):  # type: ignore[no-untyped-def]
    """Sign in as ada; the cookies are sent by hand (a Secure cookie is not sent back over the test's http://)."""
    client = TestClient(app, base_url=base_url, client=peer, headers=headers or {})
    page = client.get("/signin")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post(
        "/signin",
        data={"csrf_token": token, "name": "ada", "password": PASSWORD},
        headers={"cookie": f"mbt_csrf={token}"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client, response


def cookies_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0]] = header.lower()
    return found


def last_address(app) -> str | None:  # type: ignore[no-untyped-def]
    with app.state.web.sessions() as session:
        return session.scalars(select(AuditEvent.address).order_by(AuditEvent.id.desc())).first()


def test_a_trusted_proxy_says_https_and_the_client_address(db_path: Path, advisor) -> None:
    app = shared_app(db_path, advisor, Site(forwarded_allow_ips=("127.0.0.1",)))
    client, response = sign_in(app, PROXY, HTTPS)
    assert "secure" in cookies_of(response)["mbt_session"]
    assert (
        "secure" in cookies_of(TestClient(app, base_url=BASE, client=PROXY, headers=HTTPS).get("/signin"))["mbt_csrf"]
    )
    assert last_address(app) == "203.0.113.7"  # the sign-in is recorded with the client's address


def test_an_untrusted_peer_cannot_claim_https_or_another_address(db_path: Path, advisor) -> None:
    app = shared_app(db_path, advisor, Site(forwarded_allow_ips=("10.0.0.5",)))
    _, response = sign_in(app, PROXY, HTTPS)
    assert "secure" not in cookies_of(response)["mbt_session"]
    assert last_address(app) == PROXY[0]


def test_by_default_no_forwarded_header_is_believed(db_path: Path, advisor) -> None:
    app = shared_app(db_path, advisor, Site())
    _, response = sign_in(app, PROXY, HTTPS)
    assert "secure" not in cookies_of(response)["mbt_session"]
    assert last_address(app) == PROXY[0]
    _, plain = sign_in(app, PROXY)
    assert "secure" not in cookies_of(plain)["mbt_session"]
    assert "secure" not in cookies_of(TestClient(app, base_url=BASE, client=PROXY).get("/signin"))["mbt_csrf"]


def test_https_directly_and_an_https_public_url_make_cookies_secure(db_path: Path, advisor) -> None:
    app = shared_app(db_path, advisor, Site())
    _, direct = sign_in(app, base_url="https://127.0.0.1:8765")
    assert "secure" in cookies_of(direct)["mbt_session"]
    public = create_app(str(db_path), advisor, site=Site(public_url=PUBLIC))
    client, response = sign_in(public, PROXY, {"host": "mbt.example.org"})
    assert "secure" in cookies_of(response)["mbt_session"]
    assert "secure" in cookies_of(client.get("/signin", headers={"cookie": ""}))["mbt_csrf"]


def test_the_public_host_and_origin_are_accepted_and_others_refused(db_path: Path, advisor) -> None:
    app = shared_app(db_path, advisor, Site(PUBLIC, ("127.0.0.1",)))
    client, _ = sign_in(app, PROXY, HTTPS, base_url=PUBLIC)  # the browser's view: https://mbt.example.org
    assert client.get("/").status_code == 200
    write = {"origin": PUBLIC}
    assert client.post("/api/v1/units", json={"name": "Through the proxy"}, headers=write).status_code == 201
    # nginx's default passes Host 127.0.0.1:PORT upstream: the loopback name is accepted, and the public origin
    loopback_host = {"host": "127.0.0.1:8765", "origin": PUBLIC}
    assert client.post("/api/v1/units", json={"name": "Default Host"}, headers=loopback_host).status_code == 201
    assert client.get("/", headers={"host": "evil.example"}).status_code == 403
    foreign = client.post("/api/v1/units", json={"name": "Forged"}, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    plain_http = client.post("/api/v1/units", json={"name": "Forged"}, headers={"origin": "http://mbt.example.org"})
    assert plain_http.status_code == 201  # same host name as the request (the scheme is the proxy's business)


def test_without_accounts_a_request_through_a_proxy_is_refused(app, client) -> None:
    assert client.get("/").status_code == 200
    for header in ("x-forwarded-for", "x-forwarded-proto", "forwarded", "x-real-ip"):
        response = client.get("/", headers={header: "https" if "proto" in header else "203.0.113.7"})
        assert response.status_code == 403 and "through a proxy" in response.text, header


def test_public_url_and_forwarded_allow_ips_are_checked() -> None:
    assert parse_public_url("https://MBT.example.org/") == "https://mbt.example.org"
    assert parse_public_url("https://mbt.example.org:8443") == "https://mbt.example.org:8443"
    for bad in ("http://mbt.example.org", "https://mbt.example.org/mbt", "mbt.example.org", "https://u:p@x.org"):
        with pytest.raises(InputError):
            parse_public_url(bad)
    assert parse_forwarded_allow_ips("127.0.0.1, ::1,10.0.0.0/24") == ("127.0.0.1", "::1", "10.0.0.0/24")
    for bad in ("*", "nginx", "10.0.0.1/24"):
        with pytest.raises(InputError):
            parse_forwarded_allow_ips(bad)


def test_serve_refuses_bad_proxy_options_and_a_proxy_without_an_admin(tmp_path: Path) -> None:
    runner = CliRunner()
    database = ["--database", str(tmp_path / "db.sqlite3")]
    for options, message in [
        (["--public-url", "http://mbt.example.org"], "must start with https://"),
        (["--forwarded-allow-ips", "*"], "'*' would believe any client"),
        (["--public-url", PUBLIC], "refusing to serve through a reverse proxy"),
        (["--forwarded-allow-ips", "127.0.0.1"], "no admin account"),
    ]:
        result = runner.invoke(cli, ["serve", *options, *database])
        assert result.exit_code == 2 and message in result.stderr, (options, result.stderr)
        assert result.stderr.count("\n") == 1
    assert not (tmp_path / "db.sqlite3").exists()


def test_uvicorn_never_believes_forwarded_headers_itself() -> None:
    from mbt_advisor.cli.serve_cmd import UVICORN_OPTIONS

    assert UVICORN_OPTIONS["proxy_headers"] is False


def test_worker_processes_get_the_same_site(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mbt_advisor.web.settings.site import site_from_environment

    site = Site(PUBLIC, ("127.0.0.1", "::1"))
    for name, value in site.environment().items():
        monkeypatch.setenv(name, value)
    assert site_from_environment() == site
    assert LOCAL[0] == "127.0.0.1"


@pytest.mark.slow
def test_a_real_server_believes_the_proxy_only_when_told(tmp_path: Path) -> None:
    """uvicorn itself would believe X-Forwarded-Proto from 127.0.0.1 by default; `serve` turns that off."""
    import httpx

    from .live import running_server

    database = tmp_path / "shared.sqlite3"
    add = ["users", "add", "ada", "--role", "admin", "--password-stdin", "--database", str(database)]
    assert CliRunner().invoke(cli, add, input=PASSWORD + "\n").exit_code == 0

    def session_cookie(url: str) -> str:
        with httpx.Client(base_url=url, headers=HTTPS) as client:
            token = client.get("/signin").text.split('name="csrf-token" content="')[1].split('"')[0]
            response = client.post(
                "/signin",
                data={"csrf_token": token, "name": "ada", "password": PASSWORD},
                headers={"cookie": f"mbt_csrf={token}"},
            )
            assert response.status_code == 303, response.text
            return response.headers["set-cookie"].lower()

    with running_server(database) as url:
        assert "secure" not in session_cookie(url)
    with running_server(database, "--forwarded-allow-ips", "127.0.0.1", "--public-url", PUBLIC) as url:
        assert "secure" in session_cookie(url)
