"""Input the command line refuses is refused by the web the same way, with the same message: bytes that are not
UTF-8 (hostile run 3, #25) and control characters in unit names (#17). Nothing is stored altered."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app as cli
from typer.testing import CliRunner

from .conftest import add_unit_from_example, post_form

runner = CliRunner()
pytestmark = pytest.mark.both_databases
LATIN1 = "Café unit".encode("latin-1")  # the byte 0xe9 is not UTF-8


def latin1_profile(riverside_text: str) -> bytes:
    text = riverside_text.replace('name: "Riverside MBT day programme"', 'name: "CAFE"')
    assert "CAFE" in text
    return text.encode().replace(b"CAFE", LATIN1)


def cli_message(tmp_path: Path, raw: bytes) -> str:
    """What `mbt-advisor evaluate` says of a file holding ``raw``, without the file's name."""
    path = tmp_path / "profile.yaml"
    path.write_bytes(raw)
    result = runner.invoke(cli, ["evaluate", str(path)])
    assert result.exit_code == 2
    return result.stderr.strip().removeprefix("mbt-advisor: error: ").removeprefix(f"{path}: ")


def test_an_uploaded_profile_that_is_not_utf8_is_refused_as_the_command_line_refuses_it(
    client, riverside_text: str, tmp_path: Path
) -> None:
    raw = latin1_profile(riverside_text)
    expected = cli_message(tmp_path, raw)
    assert expected.startswith("is not UTF-8 text (byte 0xe9 at offset ")
    unit = add_unit_from_example(client, "riverside")
    before = client.get(f"/api/v1/units/{unit}").json()["visits"]
    response = post_form(client, f"/units/{unit}/visits", files={"profile_file": ("cafe.yaml", raw, "text/yaml")})
    assert response.status_code == 400
    assert f"cafe.yaml: {expected}" in response.text
    assert client.get(f"/api/v1/units/{unit}").json()["visits"] == before  # nothing stored, altered or not


def test_an_uploaded_profile_is_stored_as_the_bytes_uploaded(client, riverside_text: str) -> None:
    raw = b"\xef\xbb\xbf" + riverside_text.replace("\n", "\r\n").encode()  # a byte-order mark and CRLF line ends
    unit = add_unit_from_example(client, "riverside")
    response = post_form(client, f"/units/{unit}/visits", files={"profile_file": ("win.yaml", raw, "text/yaml")})
    assert response.status_code == 303, response.text
    visit = response.headers["location"].rsplit("/", 1)[1]
    assert client.get(f"/api/v1/units/{unit}/visits/{visit}/profile").content == raw


@pytest.mark.parametrize(
    "path", ["/api/v1/assess", "/api/v1/whatif", "/api/v1/explain", "/api/v1/compare", "/api/v1/units", "visits"]
)
def test_an_api_body_that_is_not_utf8_is_a_422_with_the_command_line_message(client, path: str, tmp_path: Path) -> None:
    unit = client.post("/api/v1/units", json={"name": "Riverside"}).json()["id"]
    path = f"/api/v1/units/{unit}/visits" if path == "visits" else path
    raw = b'{"organization": {"name": "' + LATIN1 + b'"}}'
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == f"request body: {cli_message(tmp_path, raw)}"
    assert [u["name"] for u in client.get("/api/v1/units").json()] == ["Riverside"]
    assert client.get(f"/api/v1/units/{unit}").json()["visits"] == []


CONTROL_NAMES = ["Unit\x1b]0;pwn\x07\x1b[2J", "two\nlines", "tab\there", "nul\x00", "line\u2028separator"]


@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_a_unit_name_with_a_control_character_is_refused_by_the_api_and_the_page_form(client, name: str) -> None:
    api = client.post("/api/v1/units", json={"name": name})
    assert api.status_code == 422
    assert api.json()["field"] == "name"
    assert "contains the control character" in api.json()["error"]
    page = post_form(client, "/units", {"name": name})
    assert page.status_code == 400
    assert "contains the control character" in page.text
    assert client.get("/api/v1/units").json() == []


def test_a_printable_unit_name_is_still_accepted(client) -> None:
    for name in ["Café Ωmega", "Unit 7 (day hospital)"]:
        assert client.post("/api/v1/units", json={"name": name}).status_code == 201
    assert post_form(client, "/units", {"name": "Rivière"}).status_code == 303
    assert sorted(u["name"] for u in client.get("/api/v1/units").json()) == sorted(
        ["Café Ωmega", "Unit 7 (day hospital)", "Rivière"]
    )


def _read_terminal(master: int, until: str | None, deadline: float) -> str:
    """What a program wrote to its terminal, up to the first match of the pattern ``until`` (to its end when
    None)."""
    import select

    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the program has ended and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        if until is not None and re.search(until, seen.decode("utf-8", "replace")):
            break
    return seen.decode("utf-8", "replace")


def test_delete_unit_never_prints_the_control_characters_of_a_name_stored_before_they_were_refused(
    database: str, tmp_path: Path
) -> None:
    """On a real terminal (a pseudo-terminal started by subprocess, which forks and execs in C: safe in the
    pytest-xdist worker's threads, where os.forkpty warns of deadlocks)."""
    import subprocess
    import sys

    from sqlalchemy import insert

    from mbt_advisor.web.storage.db import open_database
    from mbt_advisor.web.storage.models import Unit

    hostile = "Unit\x1b]0;pwn\x07\x1b[2J"
    engine, sessions = open_database(database)
    with sessions.begin() as session:  # as an older release, a restore or a move could have stored it
        unit = session.execute(insert(Unit).values(name=hostile).returning(Unit.id)).scalar_one()
    command = [sys.executable, "-m", "mbt_advisor", "db", "delete-unit", str(unit), "--database", database]
    master, terminal = os.openpty()
    child = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, cwd=tmp_path, start_new_session=True
    )
    os.close(terminal)
    deadline = time.monotonic() + 60
    try:
        prompt = _read_terminal(master, r"type the unit's name[^)]*\)", deadline)
        assert "\x1b" not in prompt and "\x07" not in prompt
        assert "Unit\\x1b]0;pwn\\x07\\x1b[2J" in prompt  # what to type, escaped
        os.write(master, b"Unit\\x1b]0;pwn\\x07\\x1b[2J\n")
        rest = _read_terminal(master, None, deadline)
        assert child.wait(timeout=60) == 0, prompt + rest
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
    assert "\x1b" not in rest
    with sessions() as session:
        assert session.get(Unit, unit) is None
    engine.dispose()


def raw_form_post(client, url: str, body: bytes, content_type: str):  # type: ignore[no-untyped-def]
    """A form body as a client other than a browser may send it, bytes as given (a browser percent-encodes)."""
    from .conftest import csrf

    return client.post(
        url,
        content=body,
        headers={"content-type": content_type, "x-csrf-token": csrf(client)},
        follow_redirects=False,
    )


def pasted_profile_bodies(riverside_text: str) -> dict[str, tuple[bytes, str]]:
    """The visit form with its profile pasted (the text box, not a file), the name holding a Latin-1 byte, in the
    three forms a client may send: percent-encoded, raw in a urlencoded body, and a multipart text field."""
    from urllib.parse import quote_from_bytes

    raw = latin1_profile(riverside_text)
    boundary = "b0undary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="profile_text"\r\n\r\n'.encode()
        + raw
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {
        "percent-encoded": (b"profile_text=" + quote_from_bytes(raw).encode(), "application/x-www-form-urlencoded"),
        "raw urlencoded": (b"profile_text=" + raw.replace(b" ", b"+"), "application/x-www-form-urlencoded"),
        "multipart text field": (multipart, f"multipart/form-data; boundary={boundary}"),
    }


@pytest.mark.parametrize("form", ["percent-encoded", "raw urlencoded", "multipart text field"])
def test_a_pasted_profile_that_is_not_utf8_is_refused_never_stored_altered(
    client, riverside_text: str, form: str
) -> None:
    body, content_type = pasted_profile_bodies(riverside_text)[form]
    unit = add_unit_from_example(client, "riverside")
    before = client.get(f"/api/v1/units/{unit}").json()["visits"]
    response = raw_form_post(client, f"/units/{unit}/visits", body, content_type)
    assert response.status_code == 400, response.text
    assert "UTF-8" in response.text
    assert client.get(f"/api/v1/units/{unit}").json()["visits"] == before  # no visit with U+FFFD or Latin-1 text


@pytest.mark.parametrize("form", ["percent-encoded", "multipart text field"])
def test_a_pasted_profile_in_utf8_is_stored_as_sent(client, riverside_text: str, form: str) -> None:
    text = riverside_text.replace('name: "Riverside MBT day programme"', 'name: "Café unit"')
    body, content_type = pasted_profile_bodies(text.replace("Café", "CAFE"))[form]
    body = body.replace(b"CAFE", "Café".encode("latin-1")).replace(b"Caf\xe9", "Café".encode())
    body = body.replace(b"Caf%E9", b"Caf%C3%A9")
    unit = add_unit_from_example(client, "riverside")
    response = raw_form_post(client, f"/units/{unit}/visits", body, content_type)
    assert response.status_code == 303, response.text
    visit = response.headers["location"].rsplit("/", 1)[1]
    assert "Café unit" in client.get(f"/api/v1/units/{unit}/visits/{visit}/profile").content.decode()


def test_a_multipart_form_in_another_charset_is_refused(client) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nCaf\xe9\r\n--b--\r\n'
    response = raw_form_post(client, "/units", body, "multipart/form-data; charset=latin-1; boundary=b")
    assert response.status_code == 400
    assert "UTF-8" in response.text
    assert client.get("/api/v1/units").json() == []
