"""The shared-server load run (issue 18): several signed-in users, founders and consultants of different units,
on two `mbt-advisor serve` processes over one PostgreSQL database. Each user alternates between the two
processes with one session and checks every answer against what that user may see: their units listed (and
no other), their unit and visit shown, another unit's unit, visit and profile a 404, a founder's new unit a
403; consultants create units and everyone stores visits through one process and reads them through the
other. An error is an answer that differs from that (a leak is an error that showed another unit's name or
id). It measures; it asserts nothing.

    python bench/web_load.py --shared                      # 8 users, 20 s, a throwaway PostgreSQL cluster
    python bench/web_load.py --shared --postgresql URL     # a server of yours (a role that may create databases)
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]  # bench_common.py, and tests/live_server.py (starting servers)
from bench_common import percentile, update_performance_doc  # noqa: E402
from live_server import serving  # noqa: E402

UNITS = 8
PASSWORD = "load run password"


def unit_name(k: int) -> str:
    return f"Unit {k:02d} of the load run"


@dataclass
class User:
    name: str
    role: str
    units: set[int]  # the unit ids this user may see (consultants add the units they create)
    visits: dict[int, int]  # unit id -> one visit of it
    cookie: str = ""
    latencies: list[float] = field(default_factory=list)
    kinds: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    leaks: int = 0
    per_server: list[int] = field(default_factory=lambda: [0, 0])


def seed(url: str, users: int) -> tuple[list[User], dict[int, str], dict[int, int]]:
    """Units with a visit each, and the accounts: even users found one unit, odd users consult two."""
    from mbt_advisor.assessment.advisor import default_advisor
    from mbt_advisor.rulebase.examples import example_path
    from mbt_advisor.web.access import accounts
    from mbt_advisor.web.storage import store
    from mbt_advisor.web.storage.db import open_database

    advisor = default_advisor()
    text = example_path("riverside").read_text(encoding="utf-8")
    engine, sessions = open_database(url)
    names: dict[int, str] = {}
    visits: dict[int, int] = {}
    made: list[User] = []
    with sessions.begin() as session:
        ids = []
        for k in range(UNITS):
            unit = store.create_unit(session, unit_name(k))
            visit = store.add_visit(session, unit, text.replace("Riverside MBT day programme", unit_name(k)), advisor)
            names[unit.id], visits[unit.id] = unit.name, visit.id
            ids.append(unit.id)
        for k in range(users):
            role = "founder" if k % 2 == 0 else "consultant"
            mine = (ids[k % UNITS],) if role == "founder" else (ids[k % UNITS], ids[(k + 1) % UNITS])
            accounts.add_user(session, f"user{k}", role, PASSWORD, mine)
            made.append(User(f"user{k}", role, set(mine), {u: visits[u] for u in mine}))
    engine.dispose()
    return made, names, visits


@contextmanager
def servers(url: str, count: int) -> Iterator[list[tuple[str, int]]]:
    """``count`` `mbt-advisor serve` processes over ``url``, each on a free loopback port: (host, port) each."""
    with serving(url, count=count, wait=120) as urls:
        yield [(str(a.hostname), int(a.port or 0)) for a in map(urllib.parse.urlsplit, urls)]


def sign_in(address: tuple[str, int], user: User) -> None:
    conn = http.client.HTTPConnection(*address, timeout=60)
    conn.request("GET", "/signin")
    response = conn.getresponse()
    response.read()
    csrf = re.search(r"mbt_csrf=([^;]+)", response.getheader("set-cookie") or "")
    assert csrf, "no CSRF cookie"
    body = urllib.parse.urlencode({"csrf_token": csrf.group(1), "name": user.name, "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"mbt_csrf={csrf.group(1)}"}
    conn.request("POST", "/signin", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    session = re.search(r"mbt_session=([^;]+)", response.getheader("set-cookie") or "")
    if response.status != 303 or not session:
        raise SystemExit(f"{user.name} could not sign in ({response.status})")
    user.cookie = f"mbt_session={session.group(1)}"
    conn.close()


Check = Callable[[int, bytes], str | None]  # (status, body) -> what is wrong, or None


def plan(user: User, names: dict[int, str], visits: dict[int, int], text: str, cycle: int) -> list[tuple[str, ...]]:
    """One cycle of a user's requests: (kind, method, path, body)."""
    own = sorted(user.units)[cycle % len(user.units)]
    others = [u for u in names if u not in user.units]
    other = others[cycle % len(others)]
    seeded_own = next(u for u in sorted(user.visits))
    steps = [
        ("list", "GET", "/api/v1/units", ""),
        ("unit", "GET", f"/api/v1/units/{own}", ""),
        ("visit", "GET", f"/api/v1/units/{seeded_own}/visits/{user.visits[seeded_own]}", ""),
        ("other unit", "GET", f"/api/v1/units/{other}", ""),
        ("other visit", "GET", f"/api/v1/units/{other}/visits/{visits[other]}", ""),
        ("other profile", "GET", f"/api/v1/units/{other}/visits/{visits[other]}/profile", ""),
        ("add visit", "POST", f"/api/v1/units/{seeded_own}/visits", json.dumps({"profile_yaml": text})),
    ]
    if cycle % 4 == 0:
        steps.append(("create unit", "POST", "/api/v1/units", json.dumps({"name": f"{user.name} {cycle}"})))
    return steps


def check(user: User, kind: str, path: str, status: int, body: bytes, names: dict[int, str]) -> str | None:
    foreign = [name for unit, name in names.items() if unit not in user.units]
    leaked = [name for name in foreign if name.encode() in body]
    if leaked:
        user.leaks += 1
        return f"{kind} {path}: shows {leaked[0]!r}"
    if kind.startswith("other"):
        return None if status == 404 else f"{kind} {path}: {status}, expected 404"
    if kind == "create unit":
        if user.role == "founder":
            return None if status == 403 else f"{kind}: {status}, expected 403 for a founder"
        if status != 201:
            return f"{kind}: {status}"
        user.units.add(json.loads(body)["id"])  # created through one process: listed through the other next
        return None
    if status != (201 if kind == "add visit" else 200):
        return f"{kind} {path}: {status}"
    data = json.loads(body)
    if kind == "list":
        listed = {u["id"] for u in data}
        if listed != user.units:
            user.leaks += bool(listed - user.units)
            return f"list: {sorted(listed)}, expected {sorted(user.units)}"
    elif kind == "unit" and data["id"] not in user.units:
        return f"unit {path}: unit {data['id']}"
    elif kind in {"visit", "add visit"} and data["assessment"]["risk"]["overall"] != "low":
        return f"{kind} {path}: risk {data['assessment']['risk']['overall']}"
    return None


def run_user(
    user: User,
    addresses: list[tuple[str, int]],
    names: dict[int, str],
    visits: dict[int, int],
    text: str,
    stop: float,
    barrier: threading.Barrier,
) -> None:
    conns = [http.client.HTTPConnection(*address, timeout=60) for address in addresses]
    barrier.wait()
    cycle, n = 0, 0
    while time.perf_counter() < stop:
        for kind, method, path, body in plan(user, names, visits, text, cycle):
            server = n % len(conns)  # alternate: every request goes to the other process than the one before
            headers = {"Cookie": user.cookie}
            if body:
                headers["Content-Type"] = "application/json"
            start = time.perf_counter()
            try:
                conns[server].request(method, path, body=body or None, headers=headers)
                response = conns[server].getresponse()
                status, data = response.status, response.read()
                problem = check(user, kind, path, status, data, names)
            except (OSError, http.client.HTTPException) as exc:
                conns[server].close()
                conns[server] = http.client.HTTPConnection(*addresses[server], timeout=60)
                problem = f"{kind} {path}: {type(exc).__name__}"
            elapsed = time.perf_counter() - start
            user.latencies.append(elapsed)
            user.kinds.setdefault(kind, []).append(elapsed)
            user.per_server[server] += 1
            if problem:
                user.errors.append(problem)
            n += 1
        cycle += 1
    for conn in conns:
        conn.close()


def ms(values: list[float], q: float) -> float:
    return round(percentile(values, q) * 1000, 2)


def measure(url: str, users: int, seconds: float, label: str) -> dict[str, Any]:
    from mbt_advisor.rulebase.examples import example_path

    text = example_path("riverside").read_text(encoding="utf-8")
    accounts, names, visits = seed(url, users)
    with servers(url, 2) as addresses:
        for user in accounts:
            sign_in(addresses[0], user)  # one session each, used on both processes
        warm = time.perf_counter() + 2.0
        barrier = threading.Barrier(users)
        warmup = [
            threading.Thread(target=run_user, args=(u, addresses, names, visits, text, warm, barrier)) for u in accounts
        ]
        for t in warmup:
            t.start()
        for t in warmup:
            t.join()
        for user in accounts:  # the warm-up's requests are not counted (its writes stay)
            user.latencies, user.kinds, user.errors, user.leaks, user.per_server = [], {}, [], 0, [0, 0]
        barrier = threading.Barrier(users + 1)
        stop = time.perf_counter() + seconds + 0.0
        threads = [
            threading.Thread(target=run_user, args=(u, addresses, names, visits, text, stop, barrier)) for u in accounts
        ]
        for t in threads:
            t.start()
        barrier.wait()
        began = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    every = [x for u in accounts for x in u.latencies]
    kinds: dict[str, list[float]] = {}
    for user in accounts:
        for kind, values in user.kinds.items():
            kinds.setdefault(kind, []).extend(values)
    errors = [e for u in accounts for e in u.errors]
    return {
        "users": users,
        "roles": {role: sum(u.role == role for u in accounts) for role in ("founder", "consultant")},
        "server_processes": 2,
        "database": label,
        "seconds": seconds,
        "requests": len(every),
        "per_second": round(len(every) / elapsed, 1),
        "p50_ms": ms(every, 0.50),
        "p99_ms": ms(every, 0.99),
        "errors": len(errors),
        "leaks": sum(u.leaks for u in accounts),
        "first_errors": errors[:5],
        "requests_per_server": [sum(u.per_server[i] for u in accounts) for i in range(2)],
        "kinds": {
            kind: {"requests": len(values), "p50_ms": ms(values, 0.5), "p99_ms": ms(values, 0.99)}
            for kind, values in sorted(kinds.items())
        },
    }


@contextmanager
def postgresql_database(server_url: str | None) -> Iterator[tuple[str, str]]:
    """A new database for the run (URL, description): on ``server_url``'s server, or on a throwaway cluster
    made with Debian's binaries (fsync on, as a real server has it)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from web.postgres import Server, server_binaries, throwaway_cluster

    with ExitStack() as stack:
        if server_url:
            server, where = Server(server_url), "the given server"
        else:
            binaries = server_binaries()
            if binaries is None:
                raise SystemExit("PostgreSQL's server binaries are not installed (apt-get install postgresql)")
            server = stack.enter_context(throwaway_cluster(binaries, durable=True))
            where = f"Debian's PostgreSQL {binaries.parent.name}: a throwaway cluster, fsync on, over a unix socket"
        name = server.create()
        try:
            yield server.url(name), where
        finally:
            server.drop(name)


def render(result: dict[str, Any], command: str) -> str:
    lines = [
        f"Measured by `{command}` on Python {result['python']}, {result['machine']}, load average "
        f"{result['load_average_before']} when it started; {result['users']} signed-in users "
        f"({result['roles']['founder']} founders of one unit, {result['roles']['consultant']} consultants of two) "
        f"on two `mbt-advisor serve` processes over one database ({result['database']}), for "
        f"{result['seconds']:g} s after a 2 s warm-up; the load generator runs on the same machine (raw numbers: "
        "`bench/web_results.json`, key `shared`).",
        "",
        f"**{result['per_second']} requests/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"{result['errors']} errors ({result['leaks']} leaks) in {result['requests']} requests** "
        f"({result['requests_per_server'][0]} and {result['requests_per_server'][1]} on the two processes).",
        "",
        "| request | expected answer | requests | p50 / p99 ms |",
        "|---|---|---|---|",
    ]
    expected = {
        "list": "200, exactly the user's units",
        "unit": "200, one of the user's units",
        "visit": "200, the visit with its assessment",
        "add visit": "201, stored and assessed",
        "create unit": "201 for a consultant (then listed), 403 for a founder",
        "other unit": "404",
        "other visit": "404",
        "other profile": "404",
    }
    for kind, figures in result["kinds"].items():
        lines.append(
            f"| {kind} | {expected.get(kind, '')} | {figures['requests']} | {figures['p50_ms']} / {figures['p99_ms']} |"
        )
    return "\n".join(lines) + "\n"


def main(seconds: float, users: int, server_url: str | None, docs: bool) -> None:
    with postgresql_database(server_url) as (url, where):
        result = {
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "load_average_before": round(os.getloadavg()[0], 2),
            **measure(url, users, seconds, where),
        }
    command = f"python bench/web_load.py --shared --users {users} --seconds {seconds:g}"
    path = HERE / "web_results.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data["shared"] = result
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    table = render(result, command)
    print(table)
    if docs:
        update_performance_doc(
            "web-shared", table, "### A shared server: signed-in users on two processes over PostgreSQL"
        )
