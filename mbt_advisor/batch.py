"""Assess many profiles: JSON Lines in input order, one bad file never stops the batch.

With ``jobs > 1`` the work is spread over worker processes (started with "spawn", so nothing of the
parent's state leaks into them), each building the engine once and serializing its own results.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .errors import InputError

SUFFIXES = {".yaml", ".yml", ".json"}


def expand_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given; folders become their *.yaml, *.yml and *.json files, sorted by name."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def line_for(path: Path, advisor: Any) -> tuple[str, str | None]:
    """(the JSON line for one profile, the error message or None)."""
    from .loading import load_profile

    try:
        data: dict[str, Any] = {
            "file": str(path),
            "ok": True,
            "assessment": advisor.evaluate(load_profile(path)).model_dump(mode="json"),
        }
        error = None
    except InputError as exc:
        error = str(exc)
        data = {"file": str(path), "ok": False, "error": error}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False), error


_worker_advisor: Any = None


def _init_worker(rules_dir: str | None, knowledge_dir: str | None) -> None:
    global _worker_advisor
    from .advisor import Advisor

    _worker_advisor = Advisor(rules_dir, knowledge_dir)


def _work(path: Path) -> tuple[str, str | None]:
    return line_for(path, _worker_advisor)


def evaluate_many(
    paths: list[Path],
    *,
    jobs: int = 1,
    advisor: Any = None,
    rules_dir: str | None = None,
    knowledge_dir: str | None = None,
) -> Iterator[tuple[str, str | None]]:
    """Yield (JSON line, error or None) for each path, in input order."""
    if jobs <= 1 or len(paths) < 2:
        if advisor is None:
            from .advisor import Advisor, default_advisor

            advisor = (
                default_advisor() if rules_dir is None and knowledge_dir is None else Advisor(rules_dir, knowledge_dir)
            )
        for path in paths:
            yield line_for(path, advisor)
        return
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(paths) // (jobs * 8))
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(rules_dir, knowledge_dir)
    ) as pool:
        yield from pool.map(_work, paths, chunksize=chunk)
