"""What the benchmarks share: a percentile of measured values, and writing a result table into its own
marked block of docs/performance.md (bench/run.py, bench/web_load.py, bench/web_shared.py)."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE_DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def percentile(values: list[float], q: float) -> float:
    """The value at quantile ``q`` (nearest rank); NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def update_performance_doc(name: str, table: str, heading: str) -> None:
    """Put ``table`` between ``<!-- name:start -->`` and ``<!-- name:end -->`` in docs/performance.md,
    replacing what was there; without those marks, append it under ``heading`` (a Markdown heading line)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{table}{end}"
    text = PERFORMANCE_DOC.read_text(encoding="utf-8") if PERFORMANCE_DOC.exists() else ""
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + f"{heading}\n\n{block}\n"
    PERFORMANCE_DOC.write_text(text, encoding="utf-8")
