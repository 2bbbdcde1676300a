"""The brief's picture, drawn only where it shows something measured.

- The unit was rated on Table 4 items: those items only, the unit at its own ratings, against the two
  cohorts of the same day-hospital programme before and during a reorganization.
- Not rated, but a reorganization is reported: the cohorts' decline per level, with no point for the unit.
- Otherwise: no chart (a value derived from answers is not a rating and is not drawn on the rating axis).

Drawn with matplotlib as inline SVG, text kept as text, fixed ids and no date: the same profile gives the same
bytes.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbt_advisor.assessment.model import Assessment
from mbt_advisor.profile.model import LEVELS, Profile

if TYPE_CHECKING:
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase

COLOURS = {"PRE-REORG": "#2b8a3e", "REORG": "#c92a2a", "unit": "#1c4e80"}
COHORTS = (
    "The cohorts: one day-hospital MBT programme, its cohort treated before a reorganization (green) and its cohort "
    "treated during it (red); Table 4 gives consensus ratings of its adherence at organization, team and therapist "
    'level, from 1 (very poor) to 7 (excellent) (Bales, Timman et al. 2017); "2/3" is drawn at 2.5.'
)


def _figure(height: float) -> Any:
    """A matplotlib Figure on the SVG canvas, without pyplot: pyplot would load the backend machinery, the
    colormaps and the interactive state an SVG does not need (a measurable part of `report`'s cold start)."""
    import matplotlib

    matplotlib.rcParams.update(
        {"svg.fonttype": "none", "svg.hashsalt": "mbt-advisor", "font.size": 9, "font.family": "sans-serif"}
    )
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, height))
    FigureCanvasSVG(figure)
    return figure


def rated_items(profile: Profile, kb: KnowledgeBase) -> dict[str, float]:
    """Table 4 item id -> the unit's own rating, for the items it was rated on."""
    return {i.id: value for i in kb.rating_items.items if (value := getattr(profile.ratings, i.id, None)) is not None}


def reorganization_reported(profile: Profile) -> bool:
    return profile.facts.reorganization is True or profile.organization.phase == "reorganizing"


Row = tuple[str, str, dict[str, float], float | None]  # (level, label, cohort ratings, the unit's own rating)


def chart_rows(profile: Profile, kb: KnowledgeBase) -> tuple[list[Row], str] | None:
    """What the chart draws and its caption, or None when nothing measured would be drawn."""
    items = kb.rating_items.items
    rated = rated_items(profile, kb)
    rows: list[Row] = []
    if rated:
        rows = [(i.level, i.short, i.reference_ratings, rated[i.id]) for i in items if i.id in rated]
        caption = (
            f"The unit's own ratings on the {len(rated)} Table 4 item{'s' if len(rated) != 1 else ''} it was rated "
            f"on (blue diamonds); items it was not rated on are left out. {COHORTS}"
        )
    elif reorganization_reported(profile):
        rows = reorganization_rows(kb)
        caption = (
            "This unit reports a reorganization; it was not rated, so it is not drawn. How the documented "
            f"cohorts were rated before and during the reorganization, per level. {COHORTS}"
        )
    else:
        return None
    return rows, caption


def reorganization_rows(kb: KnowledgeBase) -> list[Row]:
    """The cohorts' mean rating per level before and during the reorganization (knowledge alone)."""
    rows: list[Row] = []
    for level in LEVELS:
        level_items = [i for i in kb.rating_items.items if i.level == level]
        means = {c: sum(i.reference_ratings[c] for i in level_items) / len(level_items) for c in ("PRE-REORG", "REORG")}
        rows.append((level, f"{level} level, mean of {len(level_items)} items", means, None))
    return rows


def brief_chart(
    profile: Profile, assessment: Assessment, kb: KnowledgeBase, *, previous: Profile | None = None
) -> tuple[str, str] | None:
    """(SVG text, caption) or None when nothing measured would be drawn.

    The one chart that depends on the knowledge alone (a unit not rated that reports a reorganization) is
    drawn with matplotlib when the bundled rule base is compiled (``mbt_advisor.compiled``), and taken from
    there when this very matplotlib and this very drawing code made it: a brief then needs no plotting
    library at all. Any other chart is drawn here."""
    del assessment  # the chart draws ratings only; the risk is shown in words on page one
    found = chart_rows(profile, kb)
    if found is None:
        return None
    rows, caption = found
    unit_drawn = any(unit is not None for *_, unit in rows)
    before: dict[str, float] = {}
    if unit_drawn and previous is not None:
        then = rated_items(previous, kb)
        shorts = {i.id: i.short for i in kb.rating_items.items}
        before = {shorts[item]: value for item, value in then.items()}
        if before:
            date = previous.organization.assessed_on
            caption += (
                f" Hollow diamonds: the unit's ratings at the last visit{f' ({date})' if date else ''}, on the "
                "items it was rated on both times."
            )
    if not unit_drawn:
        drawn = _compiled_reorganization_chart(kb)
        if drawn is not None:
            return drawn, caption
    return _draw(rows, unit_drawn=unit_drawn, previous=before), caption


def drawn_by() -> dict[str, str | None]:
    """What a drawing depends on besides its data: the matplotlib release and this module's code."""
    from importlib import metadata

    try:
        version: str | None = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        version = None
    return {"matplotlib": version, "code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]}


def compiled_charts(kb: KnowledgeBase) -> dict[str, Any]:
    """The charts drawn when the rule base is compiled: the reorganization chart, with what drew it."""
    return {**drawn_by(), "reorganization": _draw(reorganization_rows(kb), unit_drawn=False)}


def _compiled_reorganization_chart(kb: KnowledgeBase) -> str | None:
    from mbt_advisor.rulebase.artifact import artifact_for

    data = artifact_for(kb.digest, "knowledge")
    charts = data.get("charts") if data is not None else None
    if not charts or {k: charts.get(k) for k in ("matplotlib", "code")} != drawn_by():
        return None
    svg: str = charts["reorganization"]
    return svg


def _draw(rows: list[Row], *, unit_drawn: bool, previous: dict[str, float] | None = None) -> str:
    """The chart; ``previous`` (item label -> rating at the last visit) adds hollow diamonds."""
    previous = previous or {}
    lines: list[tuple[str, Any, Any]] = []  # (label, cohort ratings or None for a level heading, unit)
    before: list[float | None] = []
    for level in LEVELS:
        level_rows = [r for r in rows if r[0] == level]
        if level_rows and unit_drawn:
            lines.append((level.upper() + " LEVEL", None, None))
            before.append(None)
        lines += [(label[:58], reference, unit) for _, label, reference, unit in level_rows]
        before += [previous.get(label) for _, label, _, _ in level_rows]
    fig = _figure(0.22 * len(lines) + 0.8)
    ax = fig.add_subplot()
    for position, (_, reference, unit) in enumerate(lines):
        if reference is None:
            continue
        ax.plot([reference["REORG"], reference["PRE-REORG"]], [position, position], color="#dddddd", lw=3, zorder=1)
        ax.scatter([reference["PRE-REORG"]], [position], color=COLOURS["PRE-REORG"], s=22, zorder=2)
        ax.scatter([reference["REORG"]], [position], color=COLOURS["REORG"], s=22, zorder=2)
        if before[position] is not None:
            hollow = {"facecolors": "none", "edgecolors": COLOURS["unit"]}
            ax.scatter([before[position]], [position], marker="D", s=32, zorder=3, **hollow)
        if unit is not None:
            ax.scatter([unit], [position], color=COLOURS["unit"], marker="D", s=32, zorder=4)
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
        Line2D([], [], marker="o", ls="", color=COLOURS["PRE-REORG"], label="cohort before the reorganization"),
        Line2D([], [], marker="o", ls="", color=COLOURS["REORG"], label="cohort during the reorganization"),
    ]
    if unit_drawn:
        handles.append(Line2D([], [], marker="D", ls="", color=COLOURS["unit"], label="this unit's rating"))
    if any(value is not None for value in before):
        handles.append(
            Line2D([], [], marker="D", ls="", markerfacecolor="none", color=COLOURS["unit"], label="at the last visit")
        )
    ax.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.45, 1.0), ncol=len(handles), frameon=False, fontsize=8
    )
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "mbt-advisor"}, bbox_inches="tight")
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inline into HTML
