"""One spelling of an id (issue 23, classes 3 and 4 of the third hostile run). An id in a path or a query
written any other way than canonical digits within the column's range (``+4``, ``%204``, ``4.0``, ``0_4``,
``04``, ``٤``, ``4e0``, a number past the column...) is a 404 for every role, on every route of the route table
that takes an id, with every method the route accepts: nothing is read, nothing changes.

Before the fix the access check read the id from the raw path with a digits-only pattern while the route
converted it leniently, so ``/api/v1/units/+2`` was unchecked and answered with unit 2 to any account."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import event, select

from mbt_advisor.web.access import accounts
from mbt_advisor.web.access.canonical_ids import ID_MAX, digits_up_to, parse_id
from mbt_advisor.web.app import create_app, route_table
from mbt_advisor.web.storage import store
from mbt_advisor.web.storage.models import Base

from .conftest import BASE, LOCAL, TestClient, csrf

pytestmark = pytest.mark.both_databases
PASSWORD = "correct horse battery"
SECRET = "Secret unit of another team"
ROLES = ("ada", "cole", "fran", "nora", None)  # admin, consultant, founder, founder without a unit, no account
DATA_TABLES = ("units", "visits", "drafts", "api_tokens", "audit_events")  # what a request with an id reads


def spellings(n: int) -> list[str]:
    """Other spellings of the id ``n`` (each one that a lenient parser reads as ``n``, or a number no id has)."""
    s = str(n)
    digits = {
        "fullwidth": 0xFF10,
        "arabic-indic": 0x0660,
        "devanagari": 0x0966,
        "math bold": 0x1D7CE,
    }
    other_digits = ["".join(chr(base + int(d)) for d in s) for base in digits.values()]
    return [
        f"+{s}",
        f" {s}",
        f"\t{s}",
        f"\n{s}",
        f"{s} ",
        f"{s}\t",
        f"{s}\n",
        f"\u00a0{s}",
        f"\u2003{s}",
        f"0{s}",
        f"00{s}",
        f"+0{s}",
        f"{s}.0",
        f"{s}.",
        f"{s}.00",
        f"0_{s}",
        f"{s[0]}_{s[1:]}" if len(s) > 1 else f"{s}_",
        f"_{s}",
        f"{s}e0",
        f"{s}E0",
        f"{s}.0e0",
        f"{n * 10}e-1",
        "-0",
        "0",
        "00",
        f"-{s}",
        "1e3",
        "0x" + format(n, "x"),
        "0o" + format(n, "o"),
        "0b" + format(n, "b"),
        f"{s},0",
        f"{s}\x00",
        str(ID_MAX + 1),
        str(2**32 + n),  # wraps to n in 32 bits
        str(2**63 + n),
        str(2**64 + n),  # wraps to n in 64 bits
        "9" * 20,
        "1" * 400,
        *other_digits,
    ]


def test_the_spellings_are_all_other_than_canonical() -> None:
    for n in (1, 7, 12, 305):
        assert all(parse_id(spelling) is None for spelling in spellings(n)), n
    assert [parse_id(str(n)) for n in (1, 9, 10, ID_MAX)] == [1, 9, 10, ID_MAX]
    for largest in (1, 9, 10, 99, 100, 2023, 30500):  # the convertor's pattern: exactly 1..largest
        pattern = re.compile(digits_up_to(largest))
        assert [n for n in range(largest * 3 + 20) if pattern.fullmatch(str(n))] == list(range(1, largest + 1))


@pytest.fixture
def shared(database: str, advisor, riverside_text: str):  # type: ignore[no-untyped-def]
    """Unit 1 (ours: consultant cole, founder fran) and unit 2 (someone else's), two visits each; an admin ada,
    a founder nora without a unit; each account has a personal API token."""
    app = create_app(database, advisor)
    with app.state.web.transaction() as session:
        ours = store.create_unit(session, "Our unit")
        theirs = store.create_unit(session, SECRET)
        secret_text = riverside_text.replace("Riverside MBT day programme", SECRET)
        visits = {
            "ours": [store.add_visit(session, ours, riverside_text, advisor).id for _ in range(2)],
            "theirs": [store.add_visit(session, theirs, secret_text, advisor).id for _ in range(2)],
        }
        tokens = {}
        for name, role, units in [
            ("ada", "admin", ()),
            ("cole", "consultant", (ours.id,)),
            ("fran", "founder", (ours.id,)),
            ("nora", "founder", ()),
        ]:
            user = accounts.add_user(session, name, role, PASSWORD, units)
            accounts.create_api_token(session, user.id, f"{name}'s tool")
        session.flush()
        for row in session.scalars(select(accounts.ApiToken)):
            tokens[session.get(accounts.User, row.user_id).name] = row.id  # type: ignore[union-attr]
        ids = {"ours": ours.id, "theirs": theirs.id, "visits": visits, "tokens": tokens, "secret": secret_text}
    yield app, ids
    app.state.web.engine.dispose()


def signed_in(app, name: str | None) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=BASE, client=LOCAL)
    if name is not None:
        form = {"csrf_token": csrf(client), "name": name, "password": PASSWORD}
        assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
    return client


def async_client(app, signed: TestClient) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    """A client that calls the application in this thread's event loop, with ``signed``'s cookies: thousands of
    requests without a thread hop each (the test client's portal) take a fraction of the time."""
    transport = httpx.ASGITransport(app=app, client=LOCAL)
    return httpx.AsyncClient(transport=transport, base_url=BASE, cookies=dict(signed.cookies))


def snapshot(app) -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    """Every stored row, table by table, the audit trail's included (through a connection of its own)."""
    with app.state.web.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


@contextmanager
def data_reads(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The statements that read units, visits, questionnaires, tokens or the audit trail while the block runs
    (the access guard's own reads of sessions, accounts and memberships are not the data)."""
    engine = app.state.web.engine
    seen: list[str] = []
    tables = re.compile(r"\b(?:FROM|JOIN)\s+(?:" + "|".join(DATA_TABLES) + r")\b", re.IGNORECASE)

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if tables.search(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def requests_with_spelled_ids(app, ids: dict[str, Any], who: str | None) -> Iterator[tuple[str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """(method, url, request arguments) for every route with an id and every method it accepts, with one id at a
    time spelled otherwise (the others canonical), aimed at what a lenient parser would find: another team's unit
    and visit, our own unit and visit, the admin's token and one's own."""
    routes = [(m, p) for m, p in route_table(app) if m != "MOUNT" and re.search(r"\{(unit|visit|token)_id\}", p)]
    assert len(routes) >= 16, routes
    secret_visit = ids["visits"]["theirs"][1]
    targets = [
        {"unit_id": ids["theirs"], "visit_id": secret_visit, "token_id": ids["tokens"]["ada"]},
        {"unit_id": ids["ours"], "visit_id": ids["visits"]["ours"][1], "token_id": ids["tokens"].get(who or "", 1)},
    ]
    for method, path in routes:
        for target in targets:
            for name in re.findall(r"\{(\w+)\}", path):
                for spelled in spellings(target[name]):
                    url = path
                    for other, value in target.items():
                        url = url.replace("{" + other + "}", quote(spelled, safe="") if other == name else str(value))
                    yield method, url, body_for(method, path, ids)
    for path in ("/audit", "/api/v1/audit"):  # ids in a query: the audit trail's filters
        for name, value in (("unit", ids["theirs"]), ("before", 10**6)):
            for spelled in spellings(value):
                yield "GET", f"{path}?{name}={quote(spelled, safe='')}", {}


def body_for(method: str, path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """What a lenient route would act on: a valid profile to add, the name or date that confirms a deletion."""
    if method == "GET":
        return {}
    if path == "/api/v1/units/{unit_id}/visits":
        return {"json": {"profile_yaml": ids["secret"]}}
    if path == "/units/{unit_id}/visits":
        return {"data": {"profile_text": ids["secret"]}}
    if path == "/units/{unit_id}/delete":
        return {"data": {"confirm": SECRET}}
    if path == "/units/{unit_id}/visits/{visit_id}/delete":
        return {"data": {"confirm": "2026-11-20"}}  # riverside's assessed_on: every visit's date
    return {}


def check_spellings(app, ids: dict[str, Any], roles: tuple[str | None, ...], every: int = 1) -> int:  # type: ignore[no-untyped-def]
    """Send the spelled requests as each role (``every``: each role takes every ``every``-th request, in turn, so
    that every role meets every route and every spelling); returns how many were sent."""
    signed = {who: signed_in(app, who) for who in roles}
    tokens = {who: csrf(client) for who, client in signed.items()}
    before = snapshot(app)

    async def walk() -> int:
        sent = 0
        for position, who in enumerate(roles):
            async with async_client(app, signed[who]) as client:
                for index, (method, url, body) in enumerate(requests_with_spelled_ids(app, ids, who)):
                    if (index + position) % every:
                        continue
                    arguments = {**body, "headers": {"x-csrf-token": tokens[who]}}
                    response = await client.request(method, url, follow_redirects=False, **arguments)
                    check(who, method, url, response)
                    sent += 1
        return sent

    with data_reads(app) as reads:
        sent = asyncio.run(walk())
    assert reads == [], reads[:3]  # nothing read: no route handler ran
    after = snapshot(app)
    assert after == before, [table for table in before if before[table] != after[table]]  # nothing changed
    return sent


def check(who: str | None, method: str, url: str, response: httpx.Response) -> None:
    """A 404 for an account; without one, the sign-in page or a 401."""
    assert SECRET not in response.text, (who, method, url)
    if who is None and not url.startswith("/api/"):
        expected, location = {303}, "/signin"
    else:
        expected, location = ({401} if who is None else {404}), None
    assert response.status_code in expected, (who, method, url, response.status_code, response.text[:200])
    assert location is None or response.headers["location"] == location, (who, method, url)


def test_an_id_spelled_otherwise_is_a_404_on_every_route_for_every_role(shared) -> None:  # type: ignore[no-untyped-def]
    """Half the requests of the walk, each as one role in turn; the slow tier sends all of them as every role."""
    app, ids = shared
    sent = check_spellings(app, ids, ROLES, every=2 * len(ROLES))
    assert sent > 1000


@pytest.mark.slow
def test_an_id_spelled_otherwise_is_a_404_for_every_route_spelling_and_role(shared) -> None:  # type: ignore[no-untyped-def]
    app, ids = shared
    assert check_spellings(app, ids, ROLES) > 8000


def test_the_canonical_spelling_still_answers(shared) -> None:  # type: ignore[no-untyped-def]
    """The same walk's targets in their one spelling: ours for our founder, everything for the admin."""
    app, ids = shared
    fran, ada = signed_in(app, "fran"), signed_in(app, "ada")
    ours, theirs = ids["ours"], ids["theirs"]
    assert fran.get(f"/api/v1/units/{ours}").status_code == 200
    assert fran.get(f"/units/{ours}/visits/{ids['visits']['ours'][1]}/profile.yaml").status_code == 200
    assert fran.get(f"/api/v1/units/{theirs}").status_code == 404
    assert ada.get(f"/api/v1/units/{theirs}/visits/{ids['visits']['theirs'][1]}").status_code == 200
    assert ada.get(f"/api/v1/audit?unit={theirs}&before={ID_MAX}").json()["events"] != []
    assert ada.get("/audit?unit=&user=&action=&since=").status_code == 200  # the page's empty filters
