"""Benchmark mbt-advisor and write bench/results.json and docs/performance.md.

Measures (it does not assert): cold commands beside two dependency floors, all interleaved in one run
(floor B: a bare interpreter importing the declared dependencies of the evaluate path, experta through
mbt_advisor's shim, PyYAML, typer and pydantic; floor C: B plus defining one trivial pydantic model), with
wall and CPU time (the CPU time of a child is less disturbed by a busy machine); the start-up phases; warm
evaluate() beside the engine floor (reset, declare one fact, run, with no rules) in the same process; batch
speed-up with two jobs beside a yardstick (two pure-CPU processes against one) and the batch parent's memory
over 10,000 profiles; what-if search time; memory over many evaluations.

Our modules are byte-compiled first (``compileall``, into the usual ``__pycache__`` folders), as ``pip
install`` does for every package, dependencies included: otherwise, with PYTHONDONTWRITEBYTECODE set (as on
the machine of the first measurements), every cold run would compile our source again while the
dependencies' came compiled, which measures the environment rather than the program.

    python bench/run.py            # full run (several minutes on a busy machine)
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
from bench_common import percentile, update_performance_doc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR_B = "from mbt_advisor.engine._experta import load_experta; load_experta(); import yaml, typer, pydantic"
FLOOR_C = FLOOR_B + "\nclass Trivial(pydantic.BaseModel):\n    x: int"
PHASES = """
import json, time
from mbt_advisor.common import yamlio  # PyYAML is part of the floor: not counted in the digest
from mbt_advisor.rulebase import artifact
t0 = time.perf_counter()
digest = artifact.bundled_digest()
t1 = time.perf_counter()
data = artifact.artifact_for(digest, "tables")
t2 = time.perf_counter()
from mbt_advisor.engine.tables import Tables
tables = Tables(data["tables"])
t3 = time.perf_counter()
from mbt_advisor.engine.compiler import CompiledRuleBase
t4 = time.perf_counter()
CompiledRuleBase(tables)
t5 = time.perf_counter()
from mbt_advisor.rulebase import knowledge_base
t6 = time.perf_counter()
knowledge_base.load_knowledge_base()
t7 = time.perf_counter()
knowledge_base.load_knowledge_files(knowledge_base.default_rules_dir(), knowledge_base.default_knowledge_dir())
t8 = time.perf_counter()
print(json.dumps({
    "digest_s": t1 - t0, "artifact_read_s": t2 - t1, "tables_s": t3 - t2, "rete_build_s": t5 - t4,
    "knowledge_models_import_s": t6 - t5, "kb_from_artifact_s": t7 - t6, "kb_from_files_s": t8 - t7,
}))
"""
YARDSTICK = "sum(i * i for i in range(3_000_000))"


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_commands(work: Path, runs: int) -> dict[str, object]:
    """Every command and both floors, interleaved in a shuffled order each round; medians of wall and CPU."""
    exe = shutil.which("mbt-advisor")
    cli = [exe] if exe else [sys.executable, "-m", "mbt_advisor"]
    brief = str(work / "brief.html")
    commands = {
        "floor_b": [sys.executable, "-c", FLOOR_B],
        "floor_c": [sys.executable, "-c", FLOOR_C],
        "version": [*cli, "--version"],
        "help": [*cli, "--help"],
        "evaluate": [*cli, "evaluate", "--example", "merger", "--format", "json"],
        "report": [*cli, "report", "--example", "merger", "--output", brief, "--force"],
        # a rated unit: its chart depends on its ratings, so it is drawn with matplotlib at run time
        "evaluate_rated": [*cli, "evaluate", "--example", "riverside", "--format", "json"],
        "report_rated": [*cli, "report", "--example", "riverside", "--output", brief, "--force"],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    rng = random.Random(19)
    for name in commands:  # one untimed run each: file-system caches warm for all alike
        timed(commands[name], work)
    for _ in range(runs):
        order = list(commands)
        rng.shuffle(order)
        for name in order:
            samples[name].append(timed(commands[name], work))
    wall = {name: statistics.median(w for w, _ in runs_) for name, runs_ in samples.items()}
    cpu = {name: statistics.median(c for _, c in runs_) for name, runs_ in samples.items()}

    def ratios(table: dict[str, float]) -> dict[str, float]:
        return {
            "evaluate_over_floor_c": round(table["evaluate"] / table["floor_c"], 2),
            "version_over_floor_b": round(table["version"] / table["floor_b"], 2),
            "help_over_floor_b": round(table["help"] / table["floor_b"], 2),
            "report_over_evaluate": round(table["report"] / table["evaluate"], 2),
            "report_rated_over_evaluate_rated": round(table["report_rated"] / table["evaluate_rated"], 2),
        }

    return {
        "runs": runs,
        "wall_s": {k: round(v, 3) for k, v in wall.items()},
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "wall_ratios": ratios(wall),
        "cpu_ratios": ratios(cpu),
    }


def start_up_phases(work: Path, runs: int) -> dict[str, float]:
    """Knowledge load, Rete build and case views, each in a fresh process (medians)."""
    found: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PHASES], check=True, capture_output=True, text=True, cwd=work)
        for key, value in json.loads(out.stdout).items():
            found.setdefault(key, []).append(value)
    return {key: round(statistics.median(values), 4) for key, values in found.items()}


def engine_floor_and_warm(reps: int) -> dict[str, float]:
    """The engine floor (reset, declare one fact, run, no rules) beside warm evaluate of merger, interleaved in
    the same process. Two readings of "one fact": a trivial one (``Fact(x=1)``), and the one fact an
    evaluation of merger declares (its profile as one ``Answers`` fact, built anew each time as evaluate()
    builds it); the target is read against the second, the floor of evaluating this profile at all."""
    from mbt_advisor.engine._experta import load_experta

    experta = load_experta()
    import mbt_advisor
    from mbt_advisor.rulebase.examples import example_path

    class Empty(experta.KnowledgeEngine):
        pass

    engine = Empty()
    advisor = mbt_advisor.Advisor()
    merger = mbt_advisor.load_profile(example_path("merger"))
    advisor.evaluate(merger)

    def trivial() -> None:
        engine.reset()
        engine.declare(experta.Fact(x=1))
        engine.run()

    def profile_fact() -> None:
        engine.reset()
        engine.declare(*advisor.compiled.facts_for(merger))
        engine.run()

    def warm() -> None:
        advisor.evaluate(merger)

    samples: dict[str, list[float]] = {"trivial": [], "profile_fact": [], "warm": []}
    steps = {"trivial": trivial, "profile_fact": profile_fact, "warm": warm}
    for _ in range(reps):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            samples[name].append(time.perf_counter() - t0)
    ms = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    return {
        "engine_floor_ms": round(ms["profile_fact"], 3),
        "engine_floor_trivial_fact_ms": round(ms["trivial"], 3),
        "warm_merger_ms": round(ms["warm"], 3),
        "warm_over_engine_floor": round(ms["warm"] / ms["profile_fact"], 2),
        "warm_over_trivial_floor": round(ms["warm"] / ms["trivial"], 2),
    }


def byte_compile() -> None:
    """Byte-compile mbt_advisor (and its command line), as an install does (see the module docstring)."""
    import compileall

    import mbt_advisor.cli

    import mbt_advisor

    for package in (mbt_advisor, mbt_advisor.cli):
        compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)


def yardstick(work: Path) -> dict[str, float]:
    """Two pure-CPU processes at once against one: the speed-up this machine offers right now."""
    cmd = [sys.executable, "-c", YARDSTICK]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=work)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, cwd=work) for _ in range(2)]
    for proc in procs:
        proc.wait()
    two = time.perf_counter() - t0
    return {"one_s": round(one, 3), "two_s": round(two, 3), "speedup": round(2 * one / two, 2)}


def batch_run(cli: list[str], folder: Path, jobs: int, out: Path, sample: bool) -> dict[str, object]:
    """One batch through the command line, stdout to a file; the parent's RSS sampled while it runs."""
    samples: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    with out.open("wb") as sink:
        proc = subprocess.Popen([*cli, "evaluate", str(folder), "--jobs", str(jobs)], stdout=sink, cwd=folder.parent)
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            if sample and status.exists():
                try:
                    rss = next(int(x.split()[1]) for x in status.read_text().splitlines() if x.startswith("VmRSS"))
                    samples.append((out.stat().st_size, rss / 1024))
                except (OSError, StopIteration):
                    pass
            time.sleep(0.25)
    elapsed = time.perf_counter() - t0
    result: dict[str, object] = {"seconds": round(elapsed, 2)}
    if samples:
        size = max(1, out.stat().st_size)
        fifths = [[rss for done, rss in samples if k * size / 5 <= done < (k + 1) * size / 5] for k in range(5)]
        result["parent_rss_mib_by_fifth_of_output"] = [round(max(f), 1) if f else None for f in fifths]
        result["parent_rss_mib_max"] = round(max(rss for _, rss in samples), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    args = parser.parse_args()
    cold_runs = 5 if args.quick else 21
    n_generated = 100 if args.quick else 300
    n_batch = 300 if args.quick else 1000
    n_memory_batch = 2000 if args.quick else 10_000
    n_memory = 2000 if args.quick else 5_000
    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "quick": args.quick,
    }
    work = Path(tempfile.mkdtemp(prefix="mbt-bench-"))
    byte_compile()
    try:
        results["cold"] = cold_commands(work, cold_runs)
        results["start_up_phases_s"] = start_up_phases(work, 3 if args.quick else 7)

        # -- in-process: engine floor, warm latency -----------------------------------------------------
        results["engine"] = engine_floor_and_warm(200 if args.quick else 1000)
        import mbt_advisor
        from mbt_advisor import what_if
        from mbt_advisor.assessment.advisor import Advisor
        from mbt_advisor.profile.generate import random_profile
        from mbt_advisor.rulebase.examples import example_path, list_examples

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
            what_if(profile, advisor=advisor)
            whatif.append(time.perf_counter() - t0)
        results["whatif_s"] = {"p50": round(percentile(whatif, 0.5), 3), "max": round(max(whatif), 3), "n": len(whatif)}

        # -- batch: speed-up beside the yardstick, then the parent's memory over many profiles ---------
        exe = shutil.which("mbt-advisor")
        cli = [exe] if exe else [sys.executable, "-m", "mbt_advisor"]
        rng = random.Random(1)
        big = work / "units"
        big.mkdir()
        for index in range(n_memory_batch):
            (big / f"u{index:05d}.yaml").write_text(yaml.safe_dump(random_profile(rng)))
        small = work / "units-small"
        small.mkdir()
        for path in sorted(big.iterdir())[:n_batch]:
            shutil.copy(path, small / path.name)
        batch: dict[str, object] = {"profiles": n_batch, "yardstick_before": yardstick(work)}
        for jobs in (1, 2):
            batch[f"jobs_{jobs}_s"] = batch_run(cli, small, jobs, work / "out.jsonl", sample=False)["seconds"]
        batch["yardstick_after"] = yardstick(work)
        batch["speedup"] = round(batch["jobs_1_s"] / batch["jobs_2_s"], 2)  # type: ignore[operator]
        batch["memory_2_jobs"] = {"profiles": n_memory_batch, **batch_run(cli, big, 2, work / "out.jsonl", True)}
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
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    if not args.no_docs:
        write_docs(results)


def _met(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def write_docs(r: dict) -> None:
    cold, engine, batch = r["cold"], r["engine"], r["batch"]
    wall, cpu, wr, cr = cold["wall_s"], cold["cpu_s"], cold["wall_ratios"], cold["cpu_ratios"]
    warm_b, warm_g, phases = r["warm_bundled_ms"], r["warm_generated_ms"], r["start_up_phases_s"]
    mem = batch["memory_2_jobs"]
    fifths = " / ".join(str(x) for x in mem.get("parent_rss_mib_by_fifth_of_output", []))

    def ratio_row(label: str, key: str, target: float) -> tuple[str, str, str]:
        return (label, f"{wr[key]}x wall, {cr[key]}x CPU", f"<= {target}x: {_met(wr[key], target)} (wall)")

    rows = [
        (
            "floor B / floor C (wall; CPU)",
            f"{wall['floor_b']} / {wall['floor_c']} s; {cpu['floor_b']} / {cpu['floor_c']} s",
            "",
        ),
        (
            "cold `evaluate --example merger --format json` (wall; CPU)",
            f"{wall['evaluate']} s; {cpu['evaluate']} s",
            "",
        ),
        ("cold `--version` / `--help` (wall)", f"{wall['version']} / {wall['help']} s", ""),
        ("cold `report --example merger` (wall; CPU)", f"{wall['report']} s; {cpu['report']} s", ""),
        (
            "cold `evaluate` / `report` of the rated example riverside (wall; CPU)",
            f"{wall['evaluate_rated']} / {wall['report_rated']} s; {cpu['evaluate_rated']} / {cpu['report_rated']} s",
            "",
        ),
        ratio_row("cold evaluate / floor C", "evaluate_over_floor_c", 1.3),
        ratio_row("cold `--version` / floor B", "version_over_floor_b", 1.0),
        ratio_row("cold `--help` / floor B", "help_over_floor_b", 1.0),
        ratio_row("cold `report` / cold evaluate, merger (chart compiled)", "report_over_evaluate", 2.0),
        ratio_row("cold `report` / cold evaluate, riverside (chart drawn)", "report_rated_over_evaluate_rated", 2.0),
        (
            "warm evaluate of merger / engine floor with merger's profile fact (same process)",
            f"{engine['warm_merger_ms']} / {engine['engine_floor_ms']} ms = {engine['warm_over_engine_floor']}x",
            f"<= 8x: {_met(engine['warm_over_engine_floor'], 8)}",
        ),
        (
            "warm evaluate of merger / engine floor with a trivial fact (same process)",
            f"{engine['warm_merger_ms']} / {engine['engine_floor_trivial_fact_ms']} ms = "
            f"{engine['warm_over_trivial_floor']}x",
            f"<= 8x: {_met(engine['warm_over_trivial_floor'], 8)}",
        ),
        ("warm `evaluate()` p50 / p90, bundled examples", f"{warm_b['p50']} / {warm_b['p90']} ms", "p50 <= 5 ms"),
        ("warm `evaluate()` p50 / p90, generated profiles", f"{warm_g['p50']} / {warm_g['p90']} ms", "p50 <= 5 ms"),
        (
            "start-up (fresh process): digest of the files / artifact read / tables / Rete build",
            " / ".join(f"{phases[k] * 1000:.1f}" for k in ("digest_s", "artifact_read_s", "tables_s", "rete_build_s"))
            + " ms",
            "",
        ),
        (
            "knowledge base for the commands that read it: models import / from the artifact / from the files",
            " / ".join(
                f"{phases[k] * 1000:.1f}"
                for k in ("knowledge_models_import_s", "kb_from_artifact_s", "kb_from_files_s")
            )
            + " ms",
            "",
        ),
        (
            f"batch, {batch['profiles']} profiles, 1 job / 2 jobs",
            f"{batch['jobs_1_s']} / {batch['jobs_2_s']} s: speed-up {batch['speedup']}x",
            f"yardstick (2 CPU processes vs 1): {batch['yardstick_before']['speedup']}x before, "
            f"{batch['yardstick_after']['speedup']}x after",
        ),
        (
            f"batch parent RSS, {mem['profiles']:,} profiles, 2 jobs, by fifth of the output",
            f"{fifths} MiB (max {mem.get('parent_rss_mib_max')})",
            "flat",
        ),
        ("what-if search p50 / max", f"{r['whatif_s']['p50']} / {r['whatif_s']['max']} s", "< 2 s"),
        (
            f"memory growth from the first to the last fifth of {r['memory']['evaluations']:,} evaluations",
            f"{r['memory']['growth_kib']} KiB",
            "flat",
        ),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    update_performance_doc(
        "bench",
        f"Measured by `python bench/run.py` on Python {r['python']}, {r['machine']}, {r['cpus']} CPUs, "
        f"load average {r['load_average_at_start'][0]} at the start and {r['load_average_at_end'][0]} at the end; "
        f"cold commands: {cold['runs']} interleaved runs each, medians (raw numbers: `bench/results.json`).\n\n"
        f"| what | measured | target |\n|---|---|---|\n{table}\n",
        "# Performance",
    )


if __name__ == "__main__":
    main()
