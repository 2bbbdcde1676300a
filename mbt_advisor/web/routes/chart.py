"""Small inline SVG line charts for the unit page (no script, no external resource, text escaped).

Series are drawn in the order given, so the caller puts the overall line last (dashed) to keep it visible
where it runs on top of a level's line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLORS = {"overall": "#222222", "organization": "#1f77b4", "team": "#ff7f0e", "therapist": "#2ca02c"}
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 70, 120, 16, 40


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    y_range: tuple[float, float],
    y_ticks: Sequence[tuple[float, str]],
) -> str:
    """An SVG with one line per series over the visits in ``labels`` (gaps where a value is None)."""
    lo, hi = y_range
    n = max(len(labels), 1)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - lo) / ((hi - lo) or 1))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for value, text in y_ticks:
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{escape(text)}</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">{escape(label)}</text>')
    for row, (name, values) in enumerate(series.items()):
        color = COLORS.get(name, "#555555")
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            dash = ' stroke-dasharray="6 4"' if name == "overall" else ""
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{color}"/>')
        ly = TOP + 14 + row * 18
        x1, x2 = W - RIGHT + 10, W - RIGHT + 28
        parts.append(f'<line x1="{x1}" x2="{x2}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
        parts.append(f'<text x="{W - RIGHT + 32}" y="{ly}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
