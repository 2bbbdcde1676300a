"""Assessments as JSON (exact, for tools), plain text (for a terminal) and Markdown (for documents).

All three are pure functions of the assessment, so the same profile gives the same bytes.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from .assessment import Assessment

RISK_WORD = {"low": "LOW", "moderate": "MODERATE", "high": "HIGH", "unknown": "UNKNOWN"}


def to_json(data: Any) -> str:
    """Stable JSON: model dumps in field order, two-space indent, UTF-8 text, trailing newline."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _wrap(text: str, indent: str, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [indent]


def to_text(a: Assessment, *, limit: int | None = None) -> str:
    org = a.organization
    lines = [f"mbt-advisor assessment: {org.name}"]
    context = ", ".join(x for x in (org.setting, org.population, org.phase) if x)
    if context:
        lines.append(f"  {context}")
    if org.assessed_on or org.assessor:
        lines.append(f"  assessed {org.assessed_on or ''}{' by ' + org.assessor if org.assessor else ''}".rstrip())
    lines.append("")
    lines.append(f"Overall risk: {RISK_WORD[a.risk.overall]}")
    for detail in a.risk.details:
        lines.append(f"  {detail.level:<13} {RISK_WORD[detail.risk]:<9} {'; '.join(detail.drivers)}")
    lines.extend(_wrap(a.risk.explanation, "  "))
    lines.append("")
    recs = a.recommendations if limit is None else a.recommendations[:limit]
    lines.append(f"Recommendations ({len(a.recommendations)}, most urgent first)")
    if not recs:
        lines.append("  None: no rule found a gap in what the profile says.")
    for rec in recs:
        lines.append("")
        lines.append(f"{rec.priority:>3}. {rec.title}")
        lines.append(
            f"     [{rec.level} / {rec.theme}]  score {rec.score:.3f}  severity {rec.severity}  "
            f"evidence {rec.evidence.replace('_', ' ')}  rule {rec.rule_id}"
        )
        lines.extend(_wrap(rec.rationale, "     "))
        for action in rec.actions:
            lines.extend(textwrap.wrap(action, width=100, initial_indent="     - ", subsequent_indent="       "))
        cites = "; ".join(f"{c.case} ({c.detail})" for c in rec.citations)
        lines.extend(_wrap(f"Cases: {cites}", "     "))
    if limit is not None and len(a.recommendations) > limit:
        lines.append(f"\n  ... {len(a.recommendations) - limit} more (use --format json or markdown for all)")
    lines.append("")
    lines.append("Most similar documented cases")
    if not a.similar_cases:
        lines.append("  None close enough to compare.")
    for case in a.similar_cases:
        lines.append(f"  {case.case:<10} similarity {case.similarity:.2f}  {case.name}")
        lines.extend(_wrap(f"outcome: {case.outcome}", "             "))
    lines.append("")
    lines.append(f"Still unknown ({len(a.missing_information)})")
    if not a.missing_information:
        lines.append("  Nothing the rules need is missing.")
    for item in a.missing_information[:10]:
        needed = f" (needed by {len(item.needed_by)} rule{'s' if len(item.needed_by) != 1 else ''})"
        lines.extend(
            textwrap.wrap(
                f"{item.field}: {item.question}{needed if item.needed_by else ''}",
                width=100,
                initial_indent="  - ",
                subsequent_indent="    ",
            )
        )
    if len(a.missing_information) > 10:
        lines.append(f"  ... {len(a.missing_information) - 10} more")
    return "\n".join(lines) + "\n"


def md_escape(text: str) -> str:
    """Escape text for Markdown so profile content cannot inject markup or HTML."""
    out = []
    for ch in str(text):
        if ch in "\\`*_{}[]()#+!|<>~":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def to_markdown(a: Assessment) -> str:
    org = a.organization
    e = md_escape
    lines = [f"# MBT implementation assessment: {e(org.name)}", ""]
    lines.append("| | |")
    lines.append("|---|---|")
    for label, value in (
        ("Setting", org.setting),
        ("Population", org.population),
        ("Phase", org.phase),
        ("Assessed on", org.assessed_on),
        ("Assessor", org.assessor),
    ):
        lines.append(f"| {label} | {e(value) if value else 'unknown'} |")
    lines += ["", f"## Risk: {a.risk.overall}", ""]
    lines.append("| Level | Risk | What drives it |")
    lines.append("|---|---|---|")
    for d in a.risk.details:
        lines.append(f"| {d.level} | {d.risk} | {e('; '.join(d.drivers))} |")
    lines += ["", e(a.risk.explanation), "", "## Recommendations", ""]
    if not a.recommendations:
        lines.append("No rule found a gap in what the profile says.")
    for rec in a.recommendations:
        lines.append(f"### {rec.priority}. {e(rec.title)}")
        lines.append("")
        lines.append(
            f"*{rec.level} level, {rec.theme}; score {rec.score:.3f}, severity {rec.severity}, "
            f"evidence: {rec.evidence.replace('_', ' ')}; rule `{rec.rule_id}`*"
        )
        lines += ["", e(rec.rationale), "", "**Actions**", ""]
        lines += [f"- {e(x)}" for x in rec.actions]
        if rec.questions:
            lines += ["", "**Questions for a site visit**", ""]
            lines += [f"- {e(x)}" for x in rec.questions]
        lines += ["", "**Cases**", ""]
        lines += [f"- **{c.case}** ({e(c.source)}): {e(c.detail)}. Outcome: {e(c.outcome)}" for c in rec.citations]
        lines.append("")
    lines += ["## Most similar documented cases", ""]
    if not a.similar_cases:
        lines.append("None close enough to compare.")
    for case in a.similar_cases:
        lines.append(f"- **{case.case}**, {e(case.name)}: similarity {case.similarity:.2f}; outcome {e(case.outcome)}")
    lines += ["", "## Still unknown", ""]
    if not a.missing_information:
        lines.append("Nothing the rules need is missing.")
    for item in a.missing_information:
        lines.append(f"- `{item.field}`: {e(item.question)}")
    return "\n".join(lines) + "\n"
