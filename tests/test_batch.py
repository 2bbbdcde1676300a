"""Batch assessment: JSON Lines in input order, bad files reported without stopping, same result with jobs."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import yaml

from mbt_advisor.profile.generate import random_profile
from mbt_advisor.rulebase.examples import example_path


def make_folder(tmp_path: Path, count: int = 6) -> Path:
    folder = tmp_path / "units"
    folder.mkdir()
    rng = random.Random(7)
    for index in range(count):
        (folder / f"unit-{index:02d}.yaml").write_text(yaml.safe_dump(random_profile(rng)))
    (folder / "unit-03.yaml").write_text("organization: {name: broken}\nratings: {leadership: 9}\n")
    (folder / "notes.txt").write_text("not a profile")
    return folder


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", *args], capture_output=True, text=True, cwd=cwd
    )


def test_folder_gives_one_line_per_profile_in_order_and_reports_the_bad_one(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    result = run(str(folder), cwd=tmp_path)
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(line["file"]).name for line in lines] == [f"unit-{i:02d}.yaml" for i in range(6)]
    bad = lines[3]
    assert bad["ok"] is False and "ratings.leadership" in bad["error"]
    assert all(line["ok"] and line["assessment"]["risk"]["overall"] for i, line in enumerate(lines) if i != 3)
    assert "unit-03.yaml" in result.stderr and "1 of 6" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_jobs_give_the_same_bytes_as_one(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    one = run(str(folder), "--jobs", "1", cwd=tmp_path)
    two = run(str(folder), "--jobs", "2", cwd=tmp_path)
    assert one.stdout == two.stdout and one.returncode == two.returncode == 2


def test_batch_lines_match_single_evaluations(tmp_path: Path) -> None:
    files = [example_path("merger"), example_path("school")]
    result = run(*map(str, files), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    for path, line in zip(files, result.stdout.splitlines(), strict=True):
        single = json.loads(run(str(path), "--format", "json", cwd=tmp_path).stdout)
        assert json.loads(line) == {"file": str(path), "ok": True, "assessment": single}


def test_batch_output_file_and_format_rules(tmp_path: Path) -> None:
    files = [str(example_path("merger")), str(example_path("school"))]
    target = tmp_path / "all.jsonl"
    assert run(*files, "--output", str(target), cwd=tmp_path).returncode == 0
    assert len(target.read_text().splitlines()) == 2
    refused = run(*files, "--format", "text", cwd=tmp_path)
    assert refused.returncode == 2 and "JSON Lines" in refused.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(str(empty), cwd=tmp_path).returncode == 2


def test_jobs_stream_in_input_order_with_a_bounded_number_of_tasks_in_flight(tmp_path: Path, monkeypatch) -> None:
    from concurrent.futures import Future

    from mbt_advisor.questions import batch

    submitted: list[list[Path]] = []

    class InlinePool:  # runs each task when submitted, and records how far ahead of the reader it got
        def __init__(self, *, initializer, initargs, **_: object) -> None:
            initializer(*initargs)

        def __enter__(self) -> InlinePool:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def submit(self, fn, chunk):  # type: ignore[no-untyped-def]
            submitted.append(chunk)
            future: Future[object] = Future()
            future.set_result(fn(chunk))
            return future

    import concurrent.futures  # batch imports the pool only when it runs several jobs

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", InlinePool)
    paths = [tmp_path / f"missing-{index:04d}.yaml" for index in range(1000)]
    lines = batch.evaluate_many(paths, jobs=2)
    first = json.loads(next(lines)[0])
    assert first["file"] == str(paths[0]) and first["ok"] is False
    assert sum(len(chunk) for chunk in submitted) <= 2 * batch.WINDOW * batch.CHUNK  # not all 1000 at once
    rest = [json.loads(line)["file"] for line, _ in lines]
    assert rest == [str(path) for path in paths[1:]]
