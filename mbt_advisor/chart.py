"""The brief's picture: a unit's Table 4 ratings (or levels derived from its answers) drawn against the
cohorts before and during the reorganization, grouped by level. Drawn with matplotlib as inline SVG,
with text kept as text (searchable, scalable) and fixed ids and no date, so the same profile gives the
same bytes."""

from __future__ import annotations

import io
from typing import Any

from .assessment import Assessment
from .knowledge_base import KnowledgeBase
from .profile import LEVELS, Profile

DERIVED = {"low": 6.0, "moderate": 4.0, "high": 2.5}
COLOURS = {"PRE-REORG": "#2b8a3e", "REORG": "#c92a2a", "unit": "#1c4e80"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg", force=True)
    matplotlib.rcParams.update(
        {"svg.fonttype": "none", "svg.hashsalt": "mbt-advisor", "font.size": 9, "font.family": "sans-serif"}
    )
    import matplotlib.pyplot as plt

    return plt


def ratings_chart(profile: Profile, assessment: Assessment, kb: KnowledgeBase) -> tuple[str, str]:
    """(SVG text, a one-line description of what the chart shows, for the caption and alt text)."""
    plt = _pyplot()
    items = kb.rating_items.items
    rated = {i.id: getattr(profile.ratings, i.id) for i in items if getattr(profile.ratings, i.id) is not None}
    if rated:
        rows = [(i.level, i.short, i.reference_ratings, rated.get(i.id)) for i in items]
        caption = (
            f"The unit's {len(rated)} rated Table 4 items against the cohort before (green) and during "
            "(red) the reorganization; 1 very poor, 7 excellent."
        )
    else:
        rows = []
        for level in LEVELS:
            level_items = [i for i in items if i.level == level]
            means = {
                c: sum(i.reference_ratings[c] for i in level_items) / len(level_items) for c in ("PRE-REORG", "REORG")
            }
            risk = assessment.risk.levels[level]
            rows.append((level, f"{level} level (mean of {len(level_items)} items)", means, DERIVED.get(risk)))
        caption = (
            "No ratings were given: the unit's level is derived from its answers (low risk drawn at 6, "
            "moderate at 4, high at 2.5) against the cohorts' mean Table 4 ratings per level."
        )
    lines: list[tuple[str, Any, Any]] = []  # (label, reference ratings or None for a level heading, unit)
    for level in LEVELS:
        level_rows = [r for r in rows if r[0] == level]
        if level_rows:
            lines.append((level.upper() + " LEVEL", None, None))
            lines += [(label[:58], reference, unit) for _, label, reference, unit in level_rows]
    fig, ax = plt.subplots(figsize=(7.4, 0.27 * len(lines) + 1.4))
    for position, (_, reference, unit) in enumerate(lines):
        if reference is None:
            continue
        ax.plot([reference["REORG"], reference["PRE-REORG"]], [position, position], color="#dddddd", lw=3, zorder=1)
        ax.scatter([reference["PRE-REORG"]], [position], color=COLOURS["PRE-REORG"], s=22, zorder=2)
        ax.scatter([reference["REORG"]], [position], color=COLOURS["REORG"], s=22, zorder=2)
        if unit is not None:
            ax.scatter([unit], [position], color=COLOURS["unit"], marker="D", s=32, zorder=3)
    ax.set_yticks(range(len(lines)), [label for label, _, _ in lines])
    for tick, (_, reference, _) in zip(ax.get_yticklabels(), lines, strict=True):
        if reference is None:
            tick.set_fontweight("bold")
            tick.set_color("#555555")
    ax.set_ylim(len(lines) - 0.5, -0.7)
    ax.set_xlim(0.5, 7.5)
    ax.set_xticks(range(1, 8))
    ax.grid(axis="x", color="#eeeeee")
    ax.set_xlabel("consensus rating (1 very poor - 7 excellent)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", ls="", color=COLOURS["PRE-REORG"], label="before the reorganization"),
        Line2D([], [], marker="o", ls="", color=COLOURS["REORG"], label="during the reorganization"),
        Line2D([], [], marker="D", ls="", color=COLOURS["unit"], label="this unit"),
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.35, 1.0), ncol=3, frameon=False, fontsize=8)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "mbt-advisor"}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inline into HTML
    return svg, caption
