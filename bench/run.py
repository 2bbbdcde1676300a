"""Benchmark mbt-advisor and write bench/results.json and docs/performance.md.

Measures (it does not assert): engine build time, warm evaluate() latency on the bundled and on generated
profiles, cold `mbt-advisor evaluate` wall time beside the bare import of the declared dependencies (the
floor, measured in the same run), batch throughput with one and two jobs, what-if search time, and memory
over many evaluations.

    python bench/run.py            # full run (about a minute)
    python bench/run.py --quick    # fewer repetitions
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = (
    "import collections, collections.abc; collections.Mapping = collections.abc.Mapping; "
    "import pydantic, yaml, typer, rich, experta"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def wall(cmd: list[str], runs: int, cwd: Path) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    args = parser.parse_args()
    reps = 3 if args.quick else 9
    n_generated = 100 if args.quick else 300
    n_batch = 300 if args.quick else 1000
    n_memory = 2000 if args.quick else 10_000
    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
    }
    work = Path(tempfile.mkdtemp(prefix="mbt-bench-"))
    try:
        # -- cold start, in fresh processes ------------------------------------------------------------
        exe = shutil.which("mbt-advisor") or sys.executable
        cli = (
            [exe, "evaluate", "--example", "riverside"]
            if exe != sys.executable
            else [sys.executable, "-m", "mbt_advisor", "evaluate", "--example", "riverside"]
        )
        floor = wall([sys.executable, "-c", FLOOR], reps, work)
        cold = wall(cli, reps, work)
        results["cold_cli_s"] = round(statistics.median(cold), 3)
        results["dependency_floor_s"] = round(statistics.median(floor), 3)
        results["cold_over_floor"] = round(statistics.median(cold) / statistics.median(floor), 2)

        # -- in-process: build and warm latency --------------------------------------------------------
        t0 = time.perf_counter()
        import mbt_advisor
        from mbt_advisor.advisor import Advisor
        from mbt_advisor.compiler import CompiledRuleBase
        from mbt_advisor.examples import example_path, list_examples
        from mbt_advisor.generate import random_profile
        from mbt_advisor.knowledge_base import load_knowledge_base

        results["import_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        kb = load_knowledge_base()
        results["knowledge_load_s"] = round(time.perf_counter() - t0, 3)
        builds = []
        for _ in range(3):
            t0 = time.perf_counter()
            CompiledRuleBase(kb)
            builds.append(time.perf_counter() - t0)
        results["engine_build_s"] = round(statistics.median(builds), 3)
        advisor = Advisor()
        bundled = [mbt_advisor.load_profile(example_path(n)) for n in list_examples()]
        rng = random.Random(2026)
        generated = [mbt_advisor.profile_from_data(random_profile(rng)) for _ in range(n_generated)]
        advisor.evaluate(bundled[0])  # warm: similar-case views
        for label, profiles in (("bundled", bundled), ("generated", generated)):
            times = []
            for _ in range(max(1, 200 // len(profiles))):
                for profile in profiles:
                    t0 = time.perf_counter()
                    advisor.evaluate(profile)
                    times.append(time.perf_counter() - t0)
            results[f"warm_{label}_ms"] = {
                "p50": round(percentile(times, 0.5) * 1000, 2),
                "p90": round(percentile(times, 0.9) * 1000, 2),
                "n": len(times),
            }

        # -- what-if ---------------------------------------------------------------------------------
        whatif = []
        for profile in bundled + generated[:30]:
            t0 = time.perf_counter()
            advisor.what_if(profile)
            whatif.append(time.perf_counter() - t0)
        results["whatif_s"] = {"p50": round(percentile(whatif, 0.5), 3), "max": round(max(whatif), 3), "n": len(whatif)}

        # -- batch -------------------------------------------------------------------------------------
        folder = work / "units"
        folder.mkdir()
        rng = random.Random(1)
        for index in range(n_batch):
            (folder / f"u{index:05d}.yaml").write_text(yaml.safe_dump(random_profile(rng)))
        batch = {}
        for jobs in (1, 2):
            times = wall([*cli[:-2], str(folder), "--jobs", str(jobs)], 1, work)
            batch[f"jobs_{jobs}_s"] = round(times[0], 2)
        batch["profiles"] = n_batch
        batch["speedup"] = round(batch["jobs_1_s"] / batch["jobs_2_s"], 2)
        results["batch"] = batch

        # -- memory over many evaluations --------------------------------------------------------------
        # the same profile last at each checkpoint, so the engine state it leaves behind is the same size
        pool = bundled + generated
        checkpoints = []
        tracemalloc.start()
        for index in range(n_memory):
            advisor.evaluate(pool[index % len(pool)])
            if (index + 1) % (n_memory // 5) == 0:
                advisor.evaluate(pool[0])
                checkpoints.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        results["memory"] = {
            "evaluations": n_memory,
            "traced_at_checkpoints_kib": [round(c / 1024, 1) for c in checkpoints],
            "growth_kib": round((checkpoints[-1] - checkpoints[0]) / 1024, 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    if not args.no_docs:
        write_docs(results)


def write_docs(r: dict) -> None:
    warm_b, warm_g = r["warm_bundled_ms"], r["warm_generated_ms"]
    rows = [
        ("warm `evaluate()` p50 / p90, bundled examples", f"{warm_b['p50']} / {warm_b['p90']} ms", "p50 <= 5 ms"),
        ("warm `evaluate()` p50 / p90, generated profiles", f"{warm_g['p50']} / {warm_g['p90']} ms", "p50 <= 5 ms"),
        ("engine build (compile the rule base)", f"{r['engine_build_s']} s", ""),
        ("knowledge load (parse and validate all YAML)", f"{r['knowledge_load_s']} s", ""),
        ("cold `mbt-advisor evaluate --example riverside`", f"{r['cold_cli_s']} s", ""),
        ("dependency import floor (same run)", f"{r['dependency_floor_s']} s", ""),
        ("cold CLI / floor", f"{r['cold_over_floor']}x", "<= 1.5x"),
        (f"batch, {r['batch']['profiles']} generated profiles, 1 job", f"{r['batch']['jobs_1_s']} s", "< 10 s"),
        (
            f"batch, {r['batch']['profiles']} generated profiles, 2 jobs",
            f"{r['batch']['jobs_2_s']} s (speed-up {r['batch']['speedup']}x)",
            "close to 2x",
        ),
        ("what-if search p50 / max", f"{r['whatif_s']['p50']} / {r['whatif_s']['max']} s", "< 2 s"),
        (
            f"memory growth from the first to the last fifth of {r['memory']['evaluations']:,} evaluations",
            f"{r['memory']['growth_kib']} KiB",
            "flat",
        ),
        ("peak RSS of the benchmark process", f"{r['memory']['peak_rss_mib']} MiB", ""),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    text = (ROOT / "docs" / "performance.md").read_text() if (ROOT / "docs" / "performance.md").exists() else ""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = (
        f"{start}\nMeasured by `python bench/run.py` on Python {r['python']}, {r['machine']}, {r['cpus']} CPUs "
        f"(raw numbers: `bench/results.json`).\n\n| what | measured | target |\n|---|---|---|\n{table}\n{end}"
    )
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = "# Performance\n\n" + block + "\n"
    (ROOT / "docs" / "performance.md").write_text(text)


if __name__ == "__main__":
    main()
