"""How evidence and our reading are joined into one text: the one place for it, used by the rule models (a
rule's rationale) and by the assessment (a recommendation whose concern rests on a reading). Plain functions,
no models: the lean evaluation path imports this without the rule language."""

from __future__ import annotations

READING_ROLE = "reading"  # a case statement we read as bearing on a rule: never shown as its evidence


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
