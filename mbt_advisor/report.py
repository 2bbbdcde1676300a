"""The consultant's site-visit brief, as one self-contained HTML page or as Markdown.

Everything the brief says comes from the assessment and the knowledge base; the templates
(mbt_advisor/templates) only lay it out. HTML is autoescaped, so profile text such as an organization named
``<script>`` is shown as text; Markdown escapes its markup characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ._version import __version__
from .advisor import Advisor
from .assessment import Assessment
from .profile import LEVELS, Profile
from .render import md_escape


@dataclass
class VisitQuestion:
    level: str
    text: str
    kind: str  # "gap" (asks about a known gap) | "missing" (fills in missing information)
    source: str


def _templates_dir() -> Path:
    return Path(str(resources.files("mbt_advisor") / "templates"))


def brief_context(profile: Profile, advisor: Advisor, assessment: Assessment | None = None) -> dict[str, Any]:
    from .chart import ratings_chart

    kb = advisor.kb
    a = assessment or advisor.evaluate(profile)
    questions: list[VisitQuestion] = []
    seen: set[str] = set()
    for rec in a.recommendations:
        for text in rec.questions:
            if text not in seen:
                seen.add(text)
                questions.append(VisitQuestion(rec.level, text, "gap", rec.title))
    for item in a.missing_information:
        level = item.level or "organization"
        questions.append(VisitQuestion(level, item.question, "missing", item.field))
    grouped = {level: [q for q in questions if q.level == level] for level in LEVELS}
    cited_cases = sorted({c.case for r in a.recommendations for c in r.citations} | {s.case for s in a.similar_cases})
    cited_sources = sorted(
        {c.source for r in a.recommendations for c in r.citations} | {kb.cases[c].source for c in cited_cases}
    )
    svg, caption = ratings_chart(profile, a, kb)
    return {
        "a": a,
        "org": a.organization,
        "cases": {cid: kb.cases[cid] for cid in cited_cases},
        "sources": [kb.sources[s] for s in cited_sources],
        "questions": grouped,
        "chart_svg": svg,
        "chart_caption": caption,
        "version": __version__,
        "levels": LEVELS,
    }


def _environment(markdown: bool) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(_templates_dir()),
        undefined=StrictUndefined,
        autoescape=False if markdown else select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    return env


def render_brief(profile: Profile, advisor: Advisor, fmt: str = "html") -> str:
    from markupsafe import Markup

    context = brief_context(profile, advisor)
    if fmt == "html":
        context["chart_svg"] = Markup(context["chart_svg"])  # produced by matplotlib, not by the profile
        return str(_environment(False).get_template("brief.html.j2").render(**context))
    return str(_environment(True).get_template("brief.md.j2").render(**context))
