"""Everything the sources say is covered by a rule (or has a recorded reason), and docs/coverage.md is the
generated table, not a hand-kept one."""

from __future__ import annotations

from pathlib import Path

from mbt_advisor import Advisor
from mbt_advisor.rulebase.coverage_doc import render_coverage, uncovered_without_reason
from mbt_advisor.rulebase.lint import coverage_targets

DOC = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


def test_every_determinant_table4_item_and_lesson_is_covered(advisor: Advisor) -> None:
    assert uncovered_without_reason(advisor.kb) == []


def test_every_case_determinant_table4_item_and_lesson_is_a_target(advisor: Advisor) -> None:
    targets = coverage_targets(advisor.kb)
    assert sum(1 for t in targets if t.startswith("table4.")) == 21
    assert sum(len(c.determinants) for c in advisor.kb.cases.values()) + 21 + len(advisor.kb.lessons.lessons) == len(
        targets
    )


def test_coverage_doc_is_generated_from_the_rule_base(advisor: Advisor) -> None:
    assert DOC.read_text() == render_coverage(advisor.kb), (
        "docs/coverage.md is stale: run `mbt-advisor rules coverage --output docs/coverage.md`"
    )


def test_an_uncovered_target_is_detected(advisor: Advisor) -> None:
    from dataclasses import replace

    rules = [r.model_copy(update={"covers": tuple(c for c in r.covers if c != "G.crisis")}) for r in advisor.kb.rules]
    assert uncovered_without_reason(replace(advisor.kb, rules=rules)) == ["G.crisis"]
