"""The portfolio at the size of a national network: a SQLite database of 5,000 units with 25,000 visits, then
the median and p95 time of the portfolio page and of ``GET /api/v1/units`` (first page, a later page, a search)
from a real `mbt-advisor serve` over loopback. It measures; it asserts nothing.

    python bench/portfolio_scale.py              # builds it, measures, writes bench/portfolio_results.json
    python bench/portfolio_scale.py --units 500      # a smaller one
    python bench/portfolio_scale.py --database big.sqlite3 --keep   # keep (or reuse) the database

The database is built quickly rather than as a user would: a handful of profiles is assessed once each and
their stored assessments are reused (each visit keeps its own profile text and assessment, as any visit does);
units and visits are inserted in bulk, without audit rows (no request measured here reads the trail); then
every unit's portfolio line is made by the application's own code (``signals.refresh``), with the comparison
of two visits remembered per pair of profiles so that building takes minutes, not hours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]  # bench_common.py, and tests/live_server.py
from bench_common import percentile, update_performance_doc  # noqa: E402
from live_server import serving  # noqa: E402

CITIES = ("Amsterdam", "Rotterdam", "Utrecht", "Leiden", "Zwolle", "Groningen", "Maastricht", "Tilburg", "Delft", "Ede")
VISITS_APART = dt.timedelta(days=120)


def profiles() -> list[str]:
    """Distinct profile texts: the bundled examples and a running unit before and during a reorganization."""
    import mbt_advisor

    texts = [mbt_advisor.example_path(name).read_text(encoding="utf-8") for name in mbt_advisor.list_examples()]
    riverside = mbt_advisor.example_path("riverside").read_text(encoding="utf-8")
    reorganizing = riverside
    for old, new in [
        ("phase: running", "phase: reorganizing"),
        ("reorganization: false", "reorganization: true"),
        ("management_support: strong", "management_support: lacking"),
        ("team_conflict: low", "team_conflict: high"),
    ]:
        reorganizing = reorganizing.replace(old, new)
    return [*texts, reorganizing]


def build(url: str, units: int, per_unit: int) -> dict[str, float]:
    """Fill an empty database; returns how long each step took (seconds)."""
    from sqlalchemy import insert

    from mbt_advisor.assessment.advisor import default_advisor
    from mbt_advisor.rendering.formats import to_json
    from mbt_advisor.web.storage import signals
    from mbt_advisor.web.storage.db import open_database
    from mbt_advisor.web.storage.models import Unit, Visit

    took: dict[str, float] = {}
    start = time.perf_counter()
    engine, sessions = open_database(url)
    advisor = default_advisor()
    texts = profiles()
    assessed = []
    for text in texts:
        from mbt_advisor.profile.loading import parse_profile

        assessment = advisor.evaluate(parse_profile(text, "bench"))
        assessed.append((text, to_json(assessment), assessment.rule_base, assessment.risk.overall))
    took["assess the profiles"] = time.perf_counter() - start

    start = time.perf_counter()
    first_day = dt.date(2019, 1, 7)
    with engine.begin() as connection:
        connection.execute(
            insert(Unit.__table__),
            [
                {
                    "id": k,
                    "name": f"{CITIES[k % len(CITIES)]} MBT unit {k:05d}",
                    "setting": "day_hospital",
                    "population": "adults",
                    "created_at": dt.datetime(2019, 1, 1),
                }
                for k in range(1, units + 1)
            ],
        )
        batch: list[dict[str, Any]] = []
        visit_id = 0
        for k in range(1, units + 1):
            for n in range(per_unit):
                visit_id += 1
                # most units stay as they were; every seventh falls into a reorganization at its last visit
                which = (k + n) % (len(assessed) - 1)
                if k % 7 == 0 and n == per_unit - 1:
                    which = len(assessed) - 1
                text, assessment_json, digest, risk = assessed[which]
                batch.append(
                    {
                        "id": visit_id,
                        "unit_id": k,
                        "visited_on": first_day + n * VISITS_APART,
                        "assessor": "bench",
                        "profile_yaml": text,
                        "assessment_json": assessment_json,
                        "knowledge_digest": digest,
                        "risk_overall": risk,
                        "created_at": dt.datetime(2019, 1, 1),
                    }
                )
                if len(batch) == 2000:
                    connection.execute(insert(Visit.__table__), batch)
                    batch = []
        if batch:
            connection.execute(insert(Visit.__table__), batch)
    took["insert units and visits"] = time.perf_counter() - start

    start = time.perf_counter()
    original = signals.change_since

    remembered: dict[tuple[str, str], Any] = {}

    def change_since(previous: Any, latest: Any, advisor: Any) -> Any:
        key = (previous.profile_yaml if previous is not None else "", latest.profile_yaml)
        if key not in remembered:
            remembered[key] = original(previous, latest, advisor)
        return remembered[key]

    signals.change_since = change_since  # type: ignore[assignment]
    try:
        with sessions.begin() as session:
            made = signals.refresh(session, advisor)
    finally:
        signals.change_since = original  # type: ignore[assignment]
    took["portfolio lines (signals.refresh)"] = time.perf_counter() - start
    took["units with a line"] = made
    engine.dispose()
    return took


def timed_gets(url: str, path: str, count: int) -> dict[str, float]:
    """``count`` GETs of ``path`` on one kept-alive connection after two warm-up requests: median and p95 ms."""
    address = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=120)
    times: list[float] = []
    size = 0
    for n in range(count + 2):
        start = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
        if n >= 2:
            times.append(elapsed * 1000)
            size = len(body)
    connection.close()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "requests": count,
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--visits-per-unit", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per address")
    parser.add_argument("--database", type=Path, help="a SQLite file to build (or reuse, if it exists)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-docs", action="store_true", help="do not write the table into docs/performance.md")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mbt-portfolio-"))
    database = args.database or folder / "portfolio.sqlite3"
    built: dict[str, float] = {}
    if not database.exists():
        print(f"building {args.units} units with {args.visits_per_unit} visits each in {database} ...", flush=True)
        built = build(f"sqlite:///{database}", args.units, args.visits_per_unit)
        print(json.dumps(built, indent=1), flush=True)
    load = os.getloadavg()[0]
    middle = (args.units // 2 // 50) * 50
    addresses = {
        "portfolio page (first 50)": "/",
        "portfolio page (a later page)": f"/?offset={middle}",
        "portfolio page (search 'unit 0012')": "/?q=unit+0012",
        "GET /api/v1/units (first 100)": "/api/v1/units",
        "GET /api/v1/units?limit=100&offset=middle": f"/api/v1/units?limit=100&offset={middle}",
        "GET /api/v1/units?q=rotterdam&limit=100": "/api/v1/units?q=rotterdam&limit=100",
    }
    with serving(database, wait=600) as (url,):
        results = {name: timed_gets(url, path, args.requests) for name, path in addresses.items()}
    report = {
        "units": args.units,
        "visits": args.units * args.visits_per_unit,
        "database_mb": round(database.stat().st_size / 1e6, 1),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_at_start": round(load, 2),
        "built_in_s": {k: round(v, 1) for k, v in built.items()},
        "requests": results,
    }
    print(json.dumps(report, indent=1))
    (HERE / "portfolio_results.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    table = (
        f"Measured by `python bench/portfolio_scale.py` on Python {report['python']}, {report['machine']}, load "
        f"average {report['load_average_at_start']} when it started: {args.units:,} units with {report['visits']:,} "
        f"visits in one SQLite file ({report['database_mb']} MB), one `mbt-advisor serve` process, {args.requests} "
        "requests per address on one kept-alive loopback connection after two warm-up requests (raw numbers: "
        "`bench/portfolio_results.json`).\n\n| address | median ms | p95 ms | answer bytes |\n|---|---|---|---|\n"
        + "".join(f"| {name} | {r['median_ms']} | {r['p95_ms']} | {r['bytes']:,} |\n" for name, r in results.items())
    )
    print(table)
    if not args.no_docs:
        update_performance_doc("portfolio-bench", table, "## The portfolio at scale")
    if not args.keep and args.database is None:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
