"""The portfolio a page at a time, with a search by name, in the browser and the API; each unit's line is stored
when its visits change, so a request never compares assessments."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from mbt_advisor.web.storage import signals

from .conftest import add_unit_from_example, add_visit

pytestmark = pytest.mark.both_databases


def make_units(client, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        assert client.post("/api/v1/units", json={"name": name}).status_code == 201


def listed(page: str) -> list[str]:
    return re.findall(r'<td data-label=""><a href="/units/\d+">([^<]*)</a></td>', page)


def test_the_portfolio_shows_fifty_units_a_page_with_links_to_the_others(client) -> None:  # type: ignore[no-untyped-def]
    make_units(client, [f"Unit {n:03d}" for n in range(60)])
    first = client.get("/").text
    assert listed(first) == [f"Unit {n:03d}" for n in range(50)]
    assert "Units 1-50 of 60" in first and 'href="/?offset=50"' in first
    second = client.get("/?offset=50").text
    assert listed(second) == [f"Unit {n:03d}" for n in range(50, 60)]
    assert "Units 51-60 of 60" in second and 'href="/?offset=0"' in second
    assert client.get("/?offset=-1").status_code == 400
    assert client.get("/?offset=many").status_code == 400


def test_the_search_finds_units_by_any_part_of_the_name_in_any_case(client) -> None:  # type: ignore[no-untyped-def]
    make_units(client, ["Harbour Clinic", "Oak ward", "HARBOUR day unit", "100% MBT", "Ward_7"])
    page = client.get("/?q=harbour").text
    assert listed(page) == ["Harbour Clinic", "HARBOUR day unit"]  # by name, whatever the case
    assert "2 units whose name contains" in page and 'value="harbour"' in page
    assert listed(client.get("/?q=%25").text) == ["100% MBT"]  # a % is a character, not a pattern
    assert listed(client.get("/?q=_").text) == ["Ward_7"]
    assert "No unit's name contains" in client.get("/?q=nothing+like+it").text


def test_the_api_pages_and_searches_and_says_how_many_match(client) -> None:  # type: ignore[no-untyped-def]
    make_units(client, [f"Unit {n:03d}" for n in range(12)] + ["Harbour Clinic"])
    everything = client.get("/api/v1/units")
    assert len(everything.json()) == 13 and everything.headers["x-total-count"] == "13"
    assert "link" not in everything.headers
    page = client.get("/api/v1/units?limit=5&offset=5")
    assert [u["name"] for u in page.json()] == [f"Unit {n:03d}" for n in range(4, 9)]  # after "Harbour Clinic"
    assert page.headers["x-total-count"] == "13"
    assert page.headers["link"] == '</api/v1/units?limit=5&offset=10>; rel="next"'
    found = client.get("/api/v1/units?q=HARB")
    assert [u["name"] for u in found.json()] == ["Harbour Clinic"] and found.headers["x-total-count"] == "1"
    for bad in ("limit=0", "limit=501", "offset=-1", "limit=ten"):
        assert client.get(f"/api/v1/units?{bad}").status_code == 422, bad
    parameters = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/units"]["get"]["parameters"]
    assert {p["name"] for p in parameters} >= {"limit", "offset", "q"}


def test_a_units_line_follows_its_visits_declining_first_and_back(client, reorganized_text) -> None:  # type: ignore[no-untyped-def]
    steady = add_unit_from_example(client, "merger")
    unit = add_unit_from_example(client, "riverside")
    assert [u["id"] for u in client.get("/api/v1/units").json()][-1] == unit
    second = add_visit(client, unit, reorganized_text)
    (line, *_) = client.get("/api/v1/units").json()
    assert line["id"] == unit and line["warnings"] and line["index_change"] > 0
    assert [v["id"] for v in line["visits"]][-1] == second
    gone = client.delete(f"/api/v1/units/{unit}/visits/{second}", headers={"content-type": "application/json"})
    assert gone.status_code == 204
    lines = {u["id"]: u for u in client.get("/api/v1/units").json()}
    assert lines[unit]["warnings"] == [] and len(lines[unit]["visits"]) == 1 and steady in lines


def test_no_request_of_the_portfolio_compares_assessments(client, reorganized_text, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    unit = add_unit_from_example(client, "riverside")
    add_visit(client, unit, reorganized_text)

    def refuse(*args: object) -> None:
        raise AssertionError("the portfolio compared two visits on a request")

    monkeypatch.setattr(signals, "change_since", refuse)
    assert client.get("/").status_code == 200 and "Early warning" in client.get("/").text
    assert client.get("/api/v1/units").json()[0]["warnings"]


def test_a_unit_without_its_line_gets_one_at_start(app, advisor, riverside_text) -> None:  # type: ignore[no-untyped-def]
    from mbt_advisor.web.app import create_app
    from mbt_advisor.web.storage import store

    web = app.state.web
    with web.transaction() as session:
        unit = store.create_unit(session, "From an older version")
        store.add_visit(session, unit, riverside_text, advisor)
    with web.engine.begin() as connection:  # as a database of a version before the lines
        connection.execute(delete(signals.UnitSignal.__table__))
    again = create_app(web.url, advisor)
    try:
        with again.state.web.sessions() as session:
            page = signals.portfolio(session)
            assert [r.unit.name for r in page.rows] == ["From an older version"] and page.rows[0].latest is not None
    finally:
        again.state.web.engine.dispose()


LINES = st.lists(
    st.tuples(
        st.integers(0, 12),  # early warnings
        st.sampled_from([-1, 0, 1]),  # risk change
        st.one_of(st.none(), st.integers(-1000, 1000).map(lambda t: t / 10)),  # index change, in tenths
    ),
    min_size=2,
    max_size=30,
)


@given(LINES)
def test_the_stored_rank_orders_units_as_the_portfolio_always_did(lines) -> None:  # type: ignore[no-untyped-def]
    def declining(w: int, r: int, c: float | None) -> bool:
        return bool(w) or r > 0 or (c or 0) > 0

    as_before = sorted(lines, key=lambda x: (not declining(*x), -x[0], -x[1], -(x[2] or 0)))
    by_rank = sorted(lines, key=lambda x: signals.rank_of(*x))
    assert [(not declining(*x), -x[0], -x[1], -(x[2] or 0)) for x in by_rank] == [
        (not declining(*x), -x[0], -x[1], -(x[2] or 0)) for x in as_before
    ]


def test_an_offset_past_any_portfolio_is_refused_never_a_server_error(client) -> None:  # type: ignore[no-untyped-def]
    """Schemathesis sent ?offset=2295405524088784096132528603136: the database's integer overflowed (a 500)."""
    make_units(client, ["Unit A"])
    huge = 2**101
    assert client.get(f"/api/v1/units?offset={huge}").status_code == 422
    assert client.get(f"/api/v1/units?offset={signals.MAX_OFFSET + 1}").status_code == 422
    assert client.get(f"/?offset={huge}").status_code == 400
    last = client.get(f"/api/v1/units?offset={signals.MAX_OFFSET}")
    assert last.status_code == 200 and last.json() == []
    assert client.get(f"/?offset={signals.MAX_OFFSET}").status_code == 200
