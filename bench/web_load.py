"""Load benchmark of the web application: assessments per second and p50/p99 latency for 1, 4 and 16
concurrent clients against `mbt-advisor serve` on loopback, and the same through the in-process API, so the
cost of the web layer is a measured ratio. Every answer is checked against the expected bytes (an error is a
non-200 answer or different bytes). It measures; it asserts nothing.

    python bench/web_load.py     # 10 s per level; writes bench/web_results.json and docs/performance.md
    python bench/web_load.py --seconds 3 --no-docs
    python bench/web_load.py --shared   # signed-in users on two processes over PostgreSQL (bench/web_shared.py)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]  # bench_common.py, and tests/live_server.py (starting servers)
from bench_common import percentile, update_performance_doc  # noqa: E402
from live_server import serving  # noqa: E402

LEVELS = (1, 4, 16)


def bodies() -> list[tuple[bytes, bytes]]:
    """(request body, expected answer) for every bundled example."""
    import mbt_advisor
    from mbt_advisor.rendering.formats import to_json

    out = []
    for name in mbt_advisor.list_examples():
        path = mbt_advisor.example_path(name)
        body = json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str).encode()
        out.append((body, to_json(mbt_advisor.evaluate(path)).encode()))
    return out


def run_clients(n: int, seconds: float, one_call) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """n threads calling ``one_call(worker, i) -> ok`` in a loop for ``seconds``; throughput and latency."""
    latencies: list[list[float]] = [[] for _ in range(n)]
    errors = [0] * n
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(n + 1)

    def worker(k: int) -> None:
        state: dict[str, object] = {}
        barrier.wait()
        i = k
        while time.perf_counter() < stop:
            start = time.perf_counter()
            ok = one_call(state, i)
            latencies[k].append(time.perf_counter() - start)
            errors[k] += not ok
            i += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    flat = [x for lat in latencies for x in lat]
    return {
        "clients": n,
        "requests": len(flat),
        "errors": sum(errors),
        "per_second": round(len(flat) / elapsed, 1),
        "p50_ms": round(percentile(flat, 0.50) * 1000, 2),
        "p99_ms": round(percentile(flat, 0.99) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="per concurrency level")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server processes, one run each")
    parser.add_argument("--shared", action="store_true", help="the shared-server run instead (bench/web_shared.py)")
    parser.add_argument("--users", type=int, default=8, help="--shared: signed-in users, one thread each")
    parser.add_argument("--postgresql", help="--shared: a server URL (default: a throwaway cluster)")
    args = parser.parse_args()
    if args.shared:
        from web_shared import main as shared

        shared(args.seconds, args.users, args.postgresql, docs=not args.no_docs)
        return
    cases = bodies()
    from mbt_advisor.assessment.advisor import default_advisor
    from mbt_advisor.profile.loading import profile_from_data
    from mbt_advisor.rendering.formats import to_json

    advisor = default_advisor()

    def in_process(state: dict[str, object], i: int) -> bool:
        body, expected = cases[i % len(cases)]
        answer = to_json(advisor.evaluate(profile_from_data(json.loads(body), "request body"))).encode()
        return answer == expected

    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "seconds_per_level": args.seconds,
        "load_average_before": round(os.getloadavg()[0], 2),  # other work on the machine skews every figure
        "in_process": [run_clients(n, args.seconds, in_process) for n in LEVELS],
    }
    local = results["in_process"]
    assert isinstance(local, list)
    runs = []
    for workers in args.workers:
        web = measure_server(workers, args.seconds, cases)
        ratio = [round(w["per_second"] / p["per_second"], 2) for w, p in zip(web, local, strict=True)]
        runs.append({"workers": workers, "levels": web, "web_over_in_process": ratio})
    results["web"] = runs
    (HERE / "web_results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = render(results)
    print(table)
    if not args.no_docs:
        update_performance_doc("web-bench", table, "## The web application")


def measure_server(workers: int, seconds: float, cases: list[tuple[bytes, bytes]]) -> list[dict[str, float]]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(Path(tmp) / "bench.sqlite3", "--workers", str(workers), wait=120) as (url,),
    ):
        address = urllib.parse.urlsplit(url)
        host, port = address.hostname, address.port

        def over_http(state: dict[str, object], i: int) -> bool:
            body, expected = cases[i % len(cases)]
            if "conn" not in state:
                state["conn"] = http.client.HTTPConnection(host, port, timeout=30)
            conn = state["conn"]
            assert isinstance(conn, http.client.HTTPConnection)
            try:
                conn.request("POST", "/api/v1/assess", body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                return response.status == 200 and response.read() == expected
            except (OSError, http.client.HTTPException):
                conn.close()
                state.pop("conn")
                return False

        run_clients(2 * workers, 2.0, over_http)  # warm up every worker
        return [run_clients(n, seconds, over_http) for n in LEVELS]


def render(results: dict[str, object]) -> str:
    runs, local = results["web"], results["in_process"]
    assert isinstance(runs, list) and isinstance(local, list)
    lines = [
        f"Measured by `python bench/web_load.py` on Python {results['python']}, {results['machine']}, "
        f"{results['seconds_per_level']:g} s per level, load average {results['load_average_before']} when it "
        "started; the load generator (threads, one kept-alive connection each) runs on the same machine "
        "(raw numbers: `bench/web_results.json`).",
        "",
        "| clients | server processes | web: assessments/s | web: p50 / p99 ms | errors "
        "| in-process: assessments/s | in-process: p50 / p99 ms | web / in-process |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for w, p, r in zip(run["levels"], local, run["web_over_in_process"], strict=True):
            lines.append(
                f"| {w['clients']} | {run['workers']} | {w['per_second']} | {w['p50_ms']} / {w['p99_ms']} "
                f"| {w['errors']} of {w['requests']} | {p['per_second']} | {p['p50_ms']} / {p['p99_ms']} | {r} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
