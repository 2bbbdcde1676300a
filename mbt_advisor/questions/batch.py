"""Assess many profiles: JSON Lines in input order, one bad file never stops the batch.

Each input gives exactly one line: ``{"file", "ok": true, "assessment"}`` or ``{"file", "ok": false,
"error"}``. A bad file (any :class:`InputError`: unreadable, a FIFO or device, too large, invalid) gets its
error in its line; so does an unexpected failure of one file, as an "internal error" to report, so that
nothing one file holds can end the run or cut the output short.

With ``jobs > 1`` the work is spread over worker processes (started with "spawn", so nothing of the
parent's state leaks into them), each building the engine once and serializing its own results. Work is
handed out in small chunks, at most WINDOW chunks per worker in flight: results stream out in input order
and the parent holds a bounded number of them, however many profiles there are.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbt_advisor.common.errors import InputError, escape, shorten

if TYPE_CHECKING:
    from concurrent.futures import Future

SUFFIXES = {".yaml", ".yml", ".json"}
CHUNK = 16  # profiles per task: a few tens of ms of work, so the hand-over costs little
WINDOW = 4  # tasks in flight per worker: enough to keep each busy while the parent writes


def expand_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given; folders become their *.yaml, *.yml and *.json entries, sorted by name."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if is_folder(path):
            try:
                entries = sorted(path.iterdir())
            except OSError as exc:
                raise InputError(f"folder cannot be read ({exc.strerror or exc}).", source=str(path)) from None
            # every entry but a folder: a FIFO or a device named *.yaml gets its own error line, not silence
            found.extend(p for p in entries if p.suffix.lower() in SUFFIXES and not is_folder(p))
        else:
            found.append(path)
    return found


def is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder; a name the system cannot even look up (too long) is not one."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def line_for(path: Path, advisor: Any) -> tuple[str, str | None]:
    """(the JSON line for one profile, the error message or None)."""
    from mbt_advisor.profile.loading import load_profile

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
    except Exception as exc:  # noqa: BLE001 - one file must not end the batch (module docstring)
        error = f"{shorten(escape(str(path)), 200)}: internal error ({type(exc).__name__}); please report it."
        data = {"file": str(path), "ok": False, "error": error}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False), error


_worker_advisor: Any = None


def _init_worker(rules_dir: str | None, knowledge_dir: str | None) -> None:
    global _worker_advisor
    from mbt_advisor.assessment.advisor import Advisor

    _worker_advisor = Advisor(rules_dir, knowledge_dir)


def _work(paths: list[Path]) -> list[tuple[str, str | None]]:
    return [line_for(path, _worker_advisor) for path in paths]


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
            from mbt_advisor.assessment.advisor import Advisor, default_advisor

            advisor = (
                default_advisor() if rules_dir is None and knowledge_dir is None else Advisor(rules_dir, knowledge_dir)
            )
        for path in paths:
            yield line_for(path, advisor)
        return
    import multiprocessing  # only for several jobs: the process machinery costs a one-profile run
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    chunk = max(1, min(CHUNK, len(paths) // (jobs * WINDOW)))
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(rules_dir, knowledge_dir)
    ) as pool:
        # not pool.map: it submits every task at once and keeps every result until it is read
        pending: deque[Future[list[tuple[str, str | None]]]] = deque()
        for start in range(0, len(paths), chunk):
            pending.append(pool.submit(_work, paths[start : start + chunk]))
            if len(pending) >= jobs * WINDOW:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
