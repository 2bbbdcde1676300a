"""How evidence and our reading are joined into one text: the one place for it, used by the rule models (a
rule's rationale) and by the assessment (a recommendation whose concern rests on a reading); and how a text
that depends on the unit's stage reads at a stage. Plain functions, no models: the lean evaluation path
imports this without the rule language."""

from __future__ import annotations

from collections.abc import Mapping

READING_ROLE = "reading"  # a case statement we read as bearing on a rule: never shown as its evidence
# The roles whose case grounds an evidence grade (knowledge/evidence.yaml: a determinant counts towards
# `cases_named`, a rating meets `programme_ratings`): the cases a recommendation is tagged with on page one.
# Outcomes, context, proposals and effect sizes name a case without grounding the advice in it. Checked
# against evidence.yaml by tests/test_third_read.py.
GROUNDING_ROLES = ("determinant", "rating")

# A rule's action or question may depend on the unit's stage: one text for a unit that has not started, one
# for a unit that has. A unit whose stage is unknown reads both, each introduced by these words.
STAGES = ("before_start", "started")
STAGE_INTRO = {"before_start": "If the programme has not started yet:", "started": "If it has started:"}


def evidence_line(citations: list[tuple[str, str]], statements: list[str]) -> str:
    """The evidence in one line, from (case, 'locator: statement') pairs and 'locator: statement' lines."""
    parts = [f"{case}, {line}" for case, line in citations] + statements
    return " ".join(" ".join(p.split()).rstrip(".") + "." for p in parts)


def compose_rationale(evidence: str, reading: str | None) -> str:
    """'Evidence: ...' then 'Our reading: ...', each under its visible label."""
    return f"Evidence: {evidence}" + (f" Our reading: {reading}" if reading else "")


def because_text(phrases: list[str]) -> str:
    """'Because we read X as Y.' (and '; and because ...' for more than one reading)."""
    return "Because " + "; and because ".join(phrases) + "." if phrases else ""


def stage_text(text: str | Mapping[str, str], stage: str | None) -> str:
    """A rule's text as a unit at ``stage`` reads it: a plain text as it is; a staged one (``before_start``
    and ``started``) for the stage, or, when the stage is unknown (None), both, each introduced."""
    if isinstance(text, str):
        return text
    if stage is not None:
        return text[stage]
    return " ".join(f"{STAGE_INTRO[name]} {text[name]}" for name in STAGES)
