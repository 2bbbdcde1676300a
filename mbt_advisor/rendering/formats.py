"""Every text mbt-advisor shows: assessments as JSON (exact, for tools), plain text (for a terminal) and
Markdown (for documents); the text of explain, whatif and compare; the listings of rules, cases and examples.

The core modules build models; this module only turns them into text. All renderers are pure functions of
their input, so the same profile gives the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from mbt_advisor.assessment.model import Assessment, LevelRisk, Recommendation, Strength
from mbt_advisor.assessment.scoring import W_COMBINATION, W_EVIDENCE, W_LEVEL, W_SOURCE
from mbt_advisor.common.prose import READING_ROLE, stage_text
from mbt_advisor.profile.values import show
from mbt_advisor.rulebase.words import QuestionBank, shown_index, table4_form, value_label

if TYPE_CHECKING:
    from mbt_advisor.questions.comparison import Comparison
    from mbt_advisor.questions.explanation import Explanation, RuleCheck
    from mbt_advisor.questions.whatif import Change, WhatIf
    from mbt_advisor.rulebase.knowledge_base import KnowledgeBase
    from mbt_advisor.rulebase.knowledge_models import Case
    from mbt_advisor.rulebase.rule_models import Rule

RISK_WORD = {"low": "LOW", "moderate": "MODERATE", "high": "HIGH", "unknown": "UNKNOWN"}


def to_json(data: Any) -> str:
    """Stable JSON: model dumps in field order, two-space indent, UTF-8 text, trailing newline.

    An assessment is written directly (:func:`assessment_json`), byte for byte what
    ``json.dumps(assessment.model_dump(mode="json"), indent=2, ensure_ascii=False)`` writes, in less time."""
    if isinstance(data, Assessment):
        return assessment_json(data)
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def assessment_json(assessment: Assessment) -> str:
    """The JSON of an assessment, written straight from its models (no serializer to build, no generator
    per value): the same bytes as the standard library's indented encoder on its ``model_dump``."""
    out: list[str] = []
    _write(assessment, "\n", out)
    out.append("\n")
    return "".join(out)


_encode_string = json.encoder.encode_basestring  # the C encoder json.dumps itself uses (ensure_ascii=False)


def _write(value: Any, newline: str, out: list[str]) -> None:
    """Append the JSON of ``value`` (models of the assessment, JSON values, dates) at the indent that
    ``newline`` (a newline and the current indent) gives."""
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (_INFINITY, -_INFINITY):
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        out.append(float.__repr__(value))
    elif isinstance(value, BaseModel):
        _write_items(((name, getattr(value, name)) for name in type(value).model_fields), newline, out)
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("only text keys are written directly")
        _write_items(value.items(), newline, out)
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        out.append("[")
        for index, item in enumerate(value):
            out.append(inner if index == 0 else "," + inner)
            _write(item, inner, out)
        out.append(newline + "]")
    elif isinstance(value, _dt.date):
        out.append(_encode_string(value.isoformat()))
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _write_items(items: Iterable[tuple[str, Any]], newline: str, out: list[str]) -> None:
    inner = newline + "  "
    start = len(out)
    for key, item in items:
        out.append(("{" if len(out) == start else ",") + inner + _encode_string(key) + ": ")
        _write(item, inner, out)
    out.append("{}" if len(out) == start else newline + "}")


_INFINITY = float("inf")


def terminal_width() -> int:
    """The terminal's width (COLUMNS or the terminal itself), 80 columns when unknown."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def to_text(
    a: Assessment, *, limit: int | None = None, width: int | None = None, kb: QuestionBank | None = None
) -> str:
    """Plain text for a terminal, wrapped to ``width`` (the terminal's, 80 when unknown); answers in the
    question bank's words when ``kb`` (the knowledge base, or an Advisor's ``tables``) is given."""
    width = width or terminal_width()

    def _wrap(text: str, indent: str, subsequent: str | None = None) -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=subsequent or indent) or [
            indent
        ]

    org = a.organization
    lines = _wrap(f"mbt-advisor assessment: {org.name}", "", "  ")
    context = "; ".join(
        value_label(kb, f"organization.{name}", value)
        for name, value in (("setting", org.setting), ("population", org.population), ("phase", org.phase))
        if value
    )
    if context:
        lines.extend(_wrap(context, "  "))
    if org.assessed_on or org.assessor:
        lines.extend(_wrap(assessed_line(org.assessed_on, org.assessor), "  "))
    lines.append("")
    if a.readiness is not None:
        lines.append("Readiness before the first patients")
        lines.extend(_wrap(a.readiness.headline, "  "))
        for status, title in (("open", "Still open"), ("unknown", "Not yet known")):
            items = [p for p in a.readiness.preconditions if p.status == status]
            if items:
                lines.append(f"  {title}:")
            for p in items:
                lines.extend(_wrap(f"{p.text} ({_precondition_why(p)})", "  - ", "    "))
        if any(p.decisive for p in a.readiness.preconditions):
            lines.extend(_wrap(SLIDE_NOTE, "  "))
        lines.append("")
    lead = "Risk if you started as things stand" if a.readiness is not None else "Overall risk"
    lines.extend(_wrap(f"{lead}: {_risk_headline(a)}", "", "  "))
    for detail in a.risk.details:
        lines.append(f"  {detail.level:<13} {_level_cells(detail)}")
        lines.extend(_wrap("; ".join(detail.drivers), " " * 16))
    lines.extend(_wrap(a.risk.explanation, "  "))
    lines.append("")
    recs = a.recommendations if limit is None else a.recommendations[:limit]
    lines.append(f"Recommendations ({len(a.recommendations)}, most urgent first)")
    if not recs:
        lines.append("  None: no rule found a gap in what the profile says.")
    for rec in recs:
        lines.append("")
        lines.extend(_wrap(f"{rec.priority:>3}. {rec.title}", "", "     "))
        lines.extend(_wrap(f"[{_meta(rec)}]", "     "))
        lines.append("     Evidence (what the sources report):" + ("" if _has_evidence(rec) else f" {NO_EVIDENCE}"))
        for line in _evidence_lines(rec):
            lines.extend(_wrap(line, "     - ", "       "))
        if rec.our_reading:
            lines.extend(_wrap(f"Our reading: {rec.our_reading}", "     "))
        lines.append(f"     {ADVICE_HEADING.format(when=TIMING[rec.timing]).capitalize()}:")
        for action in rec.actions:
            lines.extend(_wrap(action, "     - ", "       "))
    if limit is not None and len(a.recommendations) > limit:
        lines.append(f"\n  ... {len(a.recommendations) - limit} more (use --format json or markdown for all)")
    lines.append("")
    lines.extend(_strength_text(a, _wrap))
    lines.append("")
    lines.append("Most similar documented cases")
    if not a.similar_cases:
        lines.append("  None close enough to compare.")
    for case in a.similar_cases:
        lines.extend(_wrap(f"{case.case:<10} similarity {case.similarity:.2f}  {case.name}", "  ", " " * 13))
        lines.extend(_wrap(f"outcome: {case.outcome}", "             "))
    lines.append("")
    lines.append(f"Still unknown ({len(a.missing_information)})")
    if not a.missing_information:
        lines.append("  Nothing the rules need is missing.")
    for item in a.missing_information[:10]:
        needed = f" (needed by {len(item.needed_by)} rule{'s' if len(item.needed_by) != 1 else ''})"
        lines.extend(_wrap(f"{item.question}{needed if item.needed_by else ''}", "  - ", "    "))
    if len(a.missing_information) > 10:
        lines.append(f"  ... {len(a.missing_information) - 10} more")
    return "\n".join(lines) + "\n"


def summary_text(a: Assessment, *, width: int | None = None, actions: int = 3, after_full_text: bool = False) -> str:
    """The headline and the most urgent actions, for the last lines a terminal shows (or `--summary`)."""
    width = width or terminal_width()
    levels = ", ".join(f"{d.level} {d.risk}" for d in a.risk.details)
    lines: list[str] = []
    if a.readiness is not None:
        ready = a.readiness
        lead = f"In short: {ready.open} of {ready.total} preconditions still open before the first patients; "
        lead += f"risk if you started now {_risk_headline(a)}"
    else:
        lead = f"In short: overall risk {_risk_headline(a)}"
    lines += textwrap.wrap(f"{lead} ({levels}).", width=width, subsequent_indent="  ")
    top = a.recommendations[:actions]
    if top:
        lines.append(f"The {len(top)} most urgent action{'s' if len(top) != 1 else ''}:")
    for rec in top:
        cases = ", ".join(rec.grounding_cases())
        rests = f"cases {cases}" if cases else rec.evidence_label
        lines += textwrap.wrap(
            f"{rec.priority}. {rec.title} ({rests})", width=width, initial_indent="  ", subsequent_indent="     "
        )
    if not top:
        lines.append("No rule found a gap in what the profile says.")
    if a.missing_information:
        count = len(a.missing_information)
        where = "listed above under Still unknown" if after_full_text else "evaluate without --summary lists them"
        lines.append(f"{count} question{'s are' if count != 1 else ' is'} still open ({where}).")
    return "\n".join(lines) + "\n"


def assessed_line(day: Any, assessor: str | None) -> str:
    """'assessed 2026-11-20 by K. Jansen', 'assessed by K. Jansen (date not given)', 'assessed 2026-11-20'."""
    if day and assessor:
        return f"assessed {day} by {assessor}"
    return f"assessed by {assessor} (date not given)" if assessor else f"assessed {day}"


def _meta(rec: Any) -> str:
    """'organization level, support; severity high; rests on: named for two or more documented cases' (the
    grade's words are knowledge/evidence.yaml's)."""
    return f"{rec.level} level, {rec.theme}; severity {rec.severity}; rests on: {rec.evidence_label}"


def _precondition_why(p: Any) -> str:
    """Why a readiness precondition counts: its count on the determinant slide, or its cases."""
    if p.decisive:
        return f"counted {p.times_named} on the determinant slide for '{p.slide_item}'"
    return "cases " + ", ".join(p.cases)


SLIDE_NOTE = (
    "The determinant slide is the talk's list of determinants of success or failure (it does not say of which "
    "cases), with a number beside each; the slide does not say what the number counts."
)


TIMING = {"before_start": "before you start", "now": "now"}
ADVICE_HEADING = "what we advise, {when} (our advice, not the sources')"
# roles whose locator does not already say what the statement is: said after it, in a reader's words
_NOTED_ROLES = ("outcome", "proposal", "context", "effect_sizes", "schools")


def _role_note(role: str, label: str) -> str:
    return f" ({label})" if role in _NOTED_ROLES else ""


# said where a recommendation or strength cites no statement of a source as evidence (only our readings of cases)
NO_EVIDENCE = "none: this rests on our reading alone."


def _has_evidence(item: Recommendation | Strength) -> bool:
    return bool(item.shown_citations() or item.source_statements)


def _evidence_lines(item: Recommendation | Strength) -> list[str]:
    """What the sources report, one statement a line ('C, Table 1: ...'), each role said where its locator
    does not say it; never our reading of a case."""
    cited = [f"{c.case}, {c.locator}: {c.statement}{_role_note(c.role, c.role_label)}" for c in item.shown_citations()]
    return cited + [f"{x.locator}: {x.statement}{_role_note(x.role, x.role_label)}" for x in item.source_statements]


def _evidence_markdown(item: Recommendation | Strength) -> list[str]:
    e = md_escape
    lines = ["", "**Evidence** (what the sources report)", ""]
    lines += [] if _has_evidence(item) else [e(NO_EVIDENCE)]
    lines += [
        f"- **{c.case}**, {e(c.locator)}: {e(c.statement)}{e(_role_note(c.role, c.role_label))}"
        for c in item.shown_citations()
    ]
    return lines + [
        f"- {e(x.locator)}: {e(x.statement)}{e(_role_note(x.role, x.role_label))}" for x in item.source_statements
    ]


def _strength_text(a: Assessment, wrap: Callable[..., list[str]]) -> list[str]:
    """'What to protect': each strength with its evidence, our reading and what protects it."""
    lines = [f"What to protect ({len(a.strengths)} strength{'s' if len(a.strengths) != 1 else ''} in place)"]
    if not a.strengths:
        lines.append("  None found in what the profile says.")
    for item in a.strengths:
        lines.append("")
        lines.extend(wrap(f"+ {item.title}", "  ", "    "))
        lines.append("    Evidence (what the sources report):" + ("" if _has_evidence(item) else f" {NO_EVIDENCE}"))
        for line in _evidence_lines(item):
            lines.extend(wrap(line, "    - ", "      "))
        lines.extend(wrap(f"Our reading: {item.our_reading}", "    "))
        lines.append("    What protects it (our advice):")
        for line in item.protect:
            lines.extend(wrap(line, "    - ", "      "))
    return lines


def _strength_markdown(a: Assessment) -> list[str]:
    e = md_escape
    lines = ["## What to protect", ""]
    if not a.strengths:
        return [*lines, "No strength found in what the profile says.", ""]
    for item in a.strengths:
        lines += [f"### {e(item.title)}", *_evidence_markdown(item)]
        lines += ["", f"> *Our reading:* {e(item.our_reading)}", "", "**What protects it** (our advice)", ""]
        lines += [f"- {e(x)}" for x in item.protect]
        lines.append("")
    return lines


def _risk_headline(a: Assessment, *, upper: bool = True) -> str:
    """The risk headline with the label in capitals for a terminal (e.g. "MODERATE (index 38 of 100), ...")."""
    word, _, rest = a.risk.headline.partition(" ")
    return f"{RISK_WORD[word] if upper else word} {rest}".rstrip()


def _level_cells(detail: LevelRisk) -> str:
    index = "  -" if detail.index is None else f"{detail.index:>3.0f}"
    return f"{RISK_WORD[detail.risk]:<9} index {index}   answered {detail.known_fields} of {detail.total_fields}"


def md_escape(text: str) -> str:
    """Escape text for Markdown so profile content cannot inject markup or HTML, and nothing more: ordinary
    punctuation (parentheses, colons, dashes, full stops) stays as written."""
    out = []
    for ch in " ".join(str(text).splitlines()):
        out.append("\\" + ch if ch in "\\`*_[]<>|" else ch)
    escaped = "".join(out)
    if escaped[:1] in ("#", "+", "-", "="):  # would start a heading or a list
        return "\\" + escaped
    number = re.match(r"\d+(?=[.)]\s)", escaped)
    return escaped if number is None else f"{number.group()}\\{escaped[number.end() :]}"


def to_markdown(a: Assessment, *, kb: QuestionBank | None = None) -> str:
    """Markdown for documents; answers in the question bank's words when ``kb`` is given; rule ids, scores and
    the knowledge digest only in the folded technical details at the end."""
    org = a.organization
    e = md_escape
    lines = [f"# MBT implementation assessment: {e(org.name)}", ""]
    lines.append("| | |")
    lines.append("|---|---|")
    for label, name, value in (
        ("Setting", "setting", org.setting),
        ("Population", "population", org.population),
        ("Phase", "phase", org.phase),
        ("Assessed on", "assessed_on", org.assessed_on),
        ("Assessor", "assessor", org.assessor),
    ):
        words = value_label(kb, f"organization.{name}", value or None)  # an omitted answer reads "not known"
        lines.append(f"| {label} | {e(words)} |")
    if a.readiness is not None:
        lines += ["", "## Readiness before the first patients", "", e(a.readiness.headline), ""]
        lines.append(
            "| Precondition | Status | Counted 5 or more on the determinant slide (decisive, by our reading) | Cases |"
        )
        lines.append("|---|---|---|---|")
        for p in a.readiness.preconditions:
            decisive = f"yes, counted {p.times_named} for '{p.slide_item}'" if p.decisive else "no"
            status = p.status.replace("_", " ")
            lines.append(f"| {e(p.text)} | {status} | {decisive} | {', '.join(p.cases)} |")
        if any(p.decisive for p in a.readiness.preconditions):
            lines += ["", e(SLIDE_NOTE)]
    title = "Risk if you started as things stand" if a.readiness is not None else "Risk"
    lines += ["", f"## {title}: {e(_risk_headline(a, upper=False))}", ""]
    lines.append("| Level | Risk | Index | Answered | What drives it |")
    lines.append("|---|---|---|---|---|")
    for d in a.risk.details:
        index = "unknown" if d.index is None else f"{d.index:.0f}"
        lines.append(
            f"| {d.level} | {d.risk} | {index} | {d.known_fields} of {d.total_fields} | {e('; '.join(d.drivers))} |"
        )
    lines += ["", e(a.risk.explanation), "", "## Recommendations", ""]
    if not a.recommendations:
        lines.append("No rule found a gap in what the profile says.")
    for rec in a.recommendations:
        lines.append(f"### {rec.priority}. {e(rec.title)}")
        lines.append("")
        lines.append(f"*{e(_meta(rec))}*")
        lines += _evidence_markdown(rec)
        if rec.our_reading:
            lines += ["", f"> *Our reading:* {e(rec.our_reading)}"]
        lines += ["", f"**{ADVICE_HEADING.format(when=TIMING[rec.timing]).capitalize()}**", ""]
        lines += [f"- {e(x)}" for x in rec.actions]
        if rec.questions:
            lines += ["", "**Questions for a site visit**", ""]
            lines += [f"- {e(x)}" for x in rec.questions]
        lines += ["", "**Cases**", ""]
        lines += [f"- **{c.case}**: {e(c.detail)}. Outcome: {e(c.outcome)}" for c in rec.shown_citations()]
        lines.append("")
    lines += _strength_markdown(a)
    lines += ["## Most similar documented cases", ""]
    if not a.similar_cases:
        lines.append("None close enough to compare.")
    for case in a.similar_cases:
        lines.append(f"- **{case.case}**, {e(case.name)}: similarity {case.similarity:.2f}; outcome {e(case.outcome)}")
    lines += ["", "## Still unknown", ""]
    if not a.missing_information:
        lines.append("Nothing the rules need is missing.")
    for item in a.missing_information:
        lines.append(f"- {e(item.question)}")
    lines += ["", "<details><summary>Technical details</summary>", ""]
    lines += ["| # | Rule | Score |", "|---|---|---|"]
    lines += [f"| {rec.priority} | `{rec.rule_id}` | {rec.score:.3f} |" for rec in a.recommendations]
    lines += ["", f"Knowledge digest `{a.rule_base}`.", "", "</details>"]
    return "\n".join(lines) + "\n"


# -- explain, whatif, compare -----------------------------------------------------------------------------


def explanation_text(e: Explanation) -> str:
    """How each recommendation was reached: a sentence of the answers it rests on, in words, with its cases;
    then, under "Technical details", the engine's trace (rules, steps, matched facts) and each score."""
    lines = [
        f"How mbt-advisor reached its advice for {e.organization} (overall risk {e.risk}{_index_note(e.risk_index)})",
        "",
    ]
    if e.rule:
        lines += rule_check_text(e.rule).splitlines() + [""]
    if not e.recommendations:
        lines.append("No rule fired.")
    for t in e.recommendations:
        lines.append(f"{t.priority}. {t.title}")
        lines += textwrap.wrap(t.because, width=terminal_width(), initial_indent="   ", subsequent_indent="   ")
        lines.append("   Cases: " + "; ".join(f"{c.case} ({c.detail})" for c in t.citations if c.role != READING_ROLE))
        lines.append("")
    if e.recommendations:
        lines += ["Technical details (the engine's trace, for the tool's maintainers)", ""]
    for t in e.recommendations:
        c = t.score_components
        lines.append(f"{t.priority}. [{t.rule_id}]")
        lines.append(
            f"   score {t.score:.3f} = severity {c.severity} x ({W_SOURCE:.2f} x source support {c.source_support} "
            f"+ {W_LEVEL:.2f} x level {c.level_weight} + {W_EVIDENCE:.2f} x evidence {c.evidence_weight} "
            f"+ {W_COMBINATION:.2f} x combination {c.compounding:g})"
        )
        for step in t.chain:
            matched = ", ".join(
                f"{m.field} = {show(m.value)}" if not m.field.startswith("concern:") else m.field for m in step.matched
            )
            concl = f" -> concludes {', '.join(step.concludes)}" if step.concludes else ""
            lines.append(
                f"   step {step.order}: {step.rule_id} (alternative {step.branch + 1}) matched {matched}{concl}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def rule_check_text(check: RuleCheck) -> str:
    """The answer to `explain --rule ID`: fired or not, condition by condition, and what would make it fire."""
    lines = [f"Rule {check.rule_id} ({check.title}): {check.summary}."]
    for index, alternative in enumerate(check.alternatives, 1):
        if len(check.alternatives) > 1:
            lines.append(f"  alternative {index}:")
        for c in alternative:
            value = f" (value: {show(c.value)})" if c.value is not None else ""
            note = f" - {c.note}" if c.note else ""
            lines.append(f"    [{c.status:^7}] {c.condition}{value}{note}")
    if check.to_fire:
        which = f" (alternative {check.closest})" if len(check.alternatives) > 1 else ""
        lines.append(f"It would fire{which} if:")
        for c in check.to_fire:
            if c.status == "unknown":
                lines.append(f"  - {c.condition} (not answered yet)")
            elif c.condition.startswith("concern "):
                lines.append(f"  - {c.condition} ({c.note})")
            else:
                lines.append(f"  - {c.condition} (now {show(c.value)})")
    return "\n".join(lines) + "\n"


def _index_note(index: float | None) -> str:
    return "" if index is None else f", index {index:.0f} of 100"


def _change_lines(
    changes: list[Change], risk: str | None, index: float | None, levels: dict[Any, Any] | None
) -> list[str]:
    out = [f"  - {_change_words(c)}{'' if c.actionable else '  (context)'}" for c in changes]
    if levels:
        out.append(f"  => overall {risk}{_index_note(index)}; " + ", ".join(f"{k} {v}" for k, v in levels.items()))
    return out


def _change_words(c: Change) -> str:
    """'Support of higher management: Partial -> Strong: visible, lasting support'."""
    label = c.label or c.field
    return f"{label[:1].upper()}{label[1:]}: {c.from_words or show(c.from_)} -> {c.to_words or show(c.to)}"


def whatif_text(w: WhatIf) -> str:
    lines = [f"What would lower the risk for {w.organization}? (now: {w.risk_before}{_index_note(w.index_before)})", ""]
    if w.changes:
        lines.append(f"Smallest plan ({len(w.changes)} change(s)):")
        lines += _change_lines(w.changes, w.risk_after, w.index_after, w.levels_after)
    for index, alt in enumerate(w.alternatives, 1):
        lines += ["", f"Alternative {index} ({len(alt.changes)} change(s)):"]
        lines += _change_lines(alt.changes, alt.risk_after, alt.index_after, alt.levels_after)
    if w.to_low:
        lines += ["", f"To reach low risk ({len(w.to_low.changes)} change(s)):"]
        lines += _change_lines(w.to_low.changes, w.to_low.risk_after, w.to_low.index_after, w.to_low.levels_after)
    if w.index_before is not None:
        now = f"{w.index_before:.0f}"
        if w.sensitivity:
            lines += ["", f"Single changes that lower the index (now {now}), most first:"]
            for single in w.sensitivity:
                after = "" if single.index_after is None else f"index {now} -> {single.index_after:.0f}"
                lines.append(f"  - {_change_words(single)}  ({after}, {single.risk_after} risk)")
        else:
            lines += ["", f"No single change of an answer lowers the index (now {now})."]
    if w.held_fixed:
        held = w.held_fixed_words or w.held_fixed
        lines += ["", "Held fixed as context (--include-context changes them too): " + "; ".join(held)]
    if w.history:
        lines += ["", "Not changed, as they describe the past: " + "; ".join(w.history_words or w.history)]
    if w.changes:
        lines += ["", w.note]
    else:
        lines[2:2] = [w.note]
    return "\n".join(lines) + "\n"


def comparison_text(c: Comparison) -> str:
    dates = f"assessed {c.old_assessed_on or 'on an unknown date'} -> {c.new_assessed_on or 'on an unknown date'}"
    lines = [f"Comparison: {c.old} -> {c.new}", f"  {dates}"]
    if c.units_note:
        lines.append(f"  Note: {c.units_note}")
    lines += ["", c.summary, ""]
    titles = {rec.rule_id: rec.title for rec in c.recommendations}
    lines.append(f"  {'':<13} {'before':<16} {'after':<16} change")
    for r in c.risk:
        known = r.old_index is not None and r.new_index is not None
        change = f"{shown_index(r.new_index) - shown_index(r.old_index):+d} " if known else ""  # type: ignore[arg-type]
        lines.append(
            f"  {r.scope:<13} {_risk_cell(r.old, r.old_index):<16} {_risk_cell(r.new, r.new_index):<16} "
            f"{change}{r.direction}"
        )
        if r.scope != "overall":
            lines += [f"  {'':<13} + {titles.get(rule_id, rule_id)}" for rule_id in r.rules_appeared]
            lines += [f"  {'':<13} - {titles.get(rule_id, rule_id)}" for rule_id in r.rules_resolved]
    for warning in c.warnings:
        lines += ["", f"! Early warning: {warning}"]
    for level, changes in c.answers.items():
        if changes:
            lines += ["", f"Answers changed at the {level} level:"]
            lines += [f"  {_answer_change(x)}  ({x.direction})" for x in changes]
    groups = [
        ("appeared", "New recommendations"),
        ("disappeared", "Resolved (no longer recommended)"),
        ("moved", "Moved in priority"),
    ]
    for status, title in groups:
        items = [rec for rec in c.recommendations if rec.status == status]
        if items:
            lines += ["", f"{title}:"]
            for rec in items:
                where = {
                    "appeared": f"now {rec.new_priority}",
                    "disappeared": f"was {rec.old_priority}",
                    "moved": f"{rec.old_priority} -> {rec.new_priority}",
                }[status]
                lines.append(f"  {rec.title} ({where})")
    return "\n".join(lines) + "\n"


def _answer_change(x: Any) -> str:
    """'Clinical leadership: Clear: one recognized lead -> Contested: disputes over who leads'."""
    label = x.label or x.field
    return f"{label[:1].upper()}{label[1:]}: {x.old_words or show(x.old)} -> {x.new_words or show(x.new)}"


def _risk_cell(risk: str, index: float | None) -> str:
    return RISK_WORD[risk] if index is None else f"{RISK_WORD[risk]} {index:.0f}"


# -- the knowledge: rules, cases, examples ----------------------------------------------------------------


def rule_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One row per rule, sorted by id: what `rules list` shows."""
    return [
        {
            "id": r.id,
            "title": r.title,
            "theme": r.theme,
            "level": r.level,
            "severity": r.severity,
            "evidence": r.evidence,
            "cases": sorted({c.case for c in r.citations}),
        }
        for r in sorted(kb.rules, key=lambda r: r.id)
    ]


def rules_table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'id':<46} {'level':<13} {'severity':<8} {'evidence':<17} title"]
    lines += [f"{r['id']:<46} {r['level']:<13} {r['severity']:<8} {r['evidence']:<17} {r['title']}" for r in rows]
    return "\n".join(lines) + "\n"


def _any_stage(text: str | BaseModel) -> str:
    """A rule's text as a unit of unknown stage reads it (a staged text: both, each introduced)."""
    return stage_text(text if isinstance(text, str) else text.model_dump(), None)


def rule_text(rule: Rule, origin: tuple[str, int]) -> str:
    source, line = origin
    out = [
        f"{rule.id}: {rule.title}",
        f"  theme {rule.theme}, level {rule.level}, severity {rule.severity}, evidence {rule.evidence}",
        f"  defined in {Path(source).name}, line {line}",
        "  when all of:",
    ]
    out += [f"    - {c.describe()}" for c in rule.when]
    if rule.concludes:
        out.append(f"  concludes: {', '.join(rule.concludes)}")
    out += ["  evidence:"] + [
        f"    - [{c.role}] {c.case}, {' '.join(c.line().split())}" for c in rule.citations if c.role != READING_ROLE
    ]
    out += [f"    - [{s.role}] {' '.join(s.line().split())}" for s in rule.source_statements]
    read = [c for c in rule.citations if c.role == READING_ROLE]
    if read:
        out += ["  our reading of cases (not evidence):"] + [
            f"    - {c.case}, {' '.join(c.line().split())}" for c in read
        ]
    if rule.because:
        out += ["  concludes by our reading:"] + [f"    - {k}: because {v}" for k, v in rule.because.items()]
    if rule.reading:
        out.append(f"  our reading: {' '.join(rule.reading.split())}")
    out += ["  actions:"] + [f"    - {_any_stage(a)}" for a in rule.actions]
    if rule.questions:
        out += ["  questions:"] + [f"    - {_any_stage(q)}" for q in rule.questions]
    out += ["  citations:"] + [f"    - {c.case} ({c.source}): {c.detail}" for c in rule.citations]
    return "\n".join(out) + "\n"


def case_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "name": c.name, "kind": c.kind, "source": c.source, "outcome": c.outcome_text()}
        for c in kb.cases.values()
    ]


def cases_table(rows: list[dict[str, Any]]) -> str:
    return "".join(f"{r['id']:<10} {r['name']}\n           outcome: {r['outcome']}\n" for r in rows)


def case_text(case: Case, kb: KnowledgeBase) -> str:
    out = [
        f"{case.id}: {case.name}",
        f"  programme: {case.programme}",
        f"  source: {kb.sources[case.source].reference()}",
        f"  summary (from {case.summary_locator}): {' '.join(case.summary.split())}",
        *([f"  our reading: {' '.join(case.reading.split())}"] if case.reading else []),
        "  outcome:",
    ]
    out += [f"    - {o.label} ({o.source}, {o.table}){': ' + o.text if o.text else ''}" for o in case.outcome_labels]
    if case.determinants:
        out.append("  determinants:")
        out += [
            f"    - {d.text}{'' if d.source == case.source else f' ({d.source}, {d.table})'}"
            f" [our classification: {d.direction}, {d.level} level]"
            for d in case.determinants
        ]
    if case.expert_ratings:
        out.append("  expert ratings (Table 2, 0-5):")
        out += [f"    {k:<13} {v.mean} ({v.low}-{v.high})" for k, v in case.expert_ratings.items()]
    for e in case.effect_sizes:
        out.append(
            f"  effect sizes at {e.months} months ({e.measure}; published abstract, beyond the talk): "
            f"{e.low:.2f}-{e.high:.2f}"
        )
    out += _encoded_profile(case, kb)
    out += [f"  note: {' '.join(n.split())}" for n in case.notes]
    return "\n".join(out) + "\n"


def _source_form(value: object) -> str:
    """A Table 4 half as the source prints it ('2/3'), beside the decimal the rules read; nothing otherwise."""
    if not isinstance(value, int | float) or float(value).is_integer():
        return ""
    return f"  (Table 4: {table4_form(float(value))})"


def _encoded_profile(case: Case, kb: KnowledgeBase) -> list[str]:
    """The case's profile as the rules read it: its Table 4 ratings by item, its facts, and what each rests on."""
    out = ["  encoded profile:"]
    ratings = case.profile.get("ratings") or {}
    if ratings:
        out.append(f"    ratings (Table 4, 1-7; {len(ratings)} items):")
        labels = {item.id: item.short for item in kb.rating_items.items}
        out += [
            f"      {key:<26} {show(value):>4}  {labels.get(key, '')}{_source_form(value)}".rstrip()
            for key, value in ratings.items()
        ]
    facts = case.profile.get("facts") or {}
    if facts:
        out.append("    facts:")
        out += [f"      {key:<26} {show(value)}" for key, value in facts.items()]
    if case.encoding:
        out.append("    rests on:")
        out += [f"      {key}: {' '.join(text.split())}" for key, text in case.encoding.items()]
    if case.not_encoded:
        out.append("    not encoded (no profile field holds it):")
        out += [f"      - {' '.join(text.split())}" for text in case.not_encoded]
    return out


def examples_table(rows: list[dict[str, str]]) -> str:
    """Each example with its file, and how to use one directly or start from a copy."""
    lines: list[str] = []
    for row in rows:
        lines += [f"{row['name']}: {row['description']}", f"  {row['path']}", ""]
    first = rows[0]["path"] if rows else "EXAMPLE.yaml"
    lines += [
        "Use one directly:   mbt-advisor evaluate --example NAME   (also report, explain, whatif, compare)",
        f"Start from a copy:  cp {first} my-unit.yaml",
        "                    then edit my-unit.yaml and run: mbt-advisor evaluate my-unit.yaml",
    ]
    return "\n".join(lines) + "\n"
