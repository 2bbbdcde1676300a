"""`rules check` holds the prose to the sources: an evidence grade needs the cases it claims."""

from __future__ import annotations

from pathlib import Path

from mbt_advisor.rulebase.lint import lint


def codes(rules_dir: Path, knowledge_dir: Path | None = None) -> set[tuple[str, str | None]]:
    return {(f.code, f.rule) for f in lint(rules_dir, knowledge_dir) if f.severity == "error"}


def test_the_bundled_rule_base_passes_every_fidelity_check() -> None:
    assert not [f for f in lint() if f.severity == "error"]


def test_several_cases_needs_two_cited_cases(rules_copy: Path) -> None:
    path = rules_copy / "structure.yaml"
    text = path.read_text()
    start = text.index("  - id: structure.crisis-driven-start")
    path.write_text(text[:start] + text[start:].replace("evidence: our_reading", "evidence: several_cases", 1))
    assert ("evidence-grade", "structure.crisis-driven-start") in codes(rules_copy)
