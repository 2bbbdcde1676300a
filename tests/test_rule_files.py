"""A broken rule or knowledge file is an error with its file, line and a did-you-mean: never a rule that
silently never fires."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbt_advisor import Advisor, KnowledgeError
from mbt_advisor.rulebase.lint import lint


def break_file(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


BREAKS = [
    (
        "leadership.yaml",
        "{field: facts.clinical_leadership, in: [contested, absent]}",
        "{field: facts.clinical_leadrship, in: [contested, absent]}",
        "Did you mean 'facts.clinical_leadership'",
    ),
    (
        "leadership.yaml",
        "{field: facts.clinical_leadership, in: [contested, absent]}",
        "{field: facts.clinical_leadership, in: [contestd, absent]}",
        "Did you mean 'contested'",
    ),
    (
        "leadership.yaml",
        "{field: ratings.leadership, lte: 3.5}",
        "{field: ratings.leadership, lesser: 3.5}",
        "unknown key 'lesser'",
    ),
    ("leadership.yaml", "    severity: high\n", "    severity: hihg\n", "Did you mean 'high'"),
    ("leadership.yaml", "    reading: >-", "    readin: >-", "Did you mean 'reading'"),
    (
        "leadership.yaml",
        '{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "upsetting',
        '{role: determinant, case: AA, source: bales2017-barriers, locator: "Table 1", detail: "upsetting',
        "unknown case 'AA'",
    ),
    (
        "leadership.yaml",
        '{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "upsetting',
        '{role: determinant, case: A, source: bales2017-barrier, locator: "Table 1", detail: "upsetting',
        "Did you mean 'bales2017-barriers'",
    ),
    (
        "support.yaml",
        "      - {concern: weak_leadership}\n",
        "      - {concern: weak_leadershp}\n",
        "Did you mean 'weak_leadership'",
    ),
    ("support.yaml", "  - id: support.institution-wide", "  - id: support.management-backing", "ids must be unique"),
    (
        "support.yaml",
        "  - id: support.institution-wide",
        "  - id: culture.institution-wide",
        "must start with its theme",
    ),
    ("support.yaml", "    theme: support\n", "    theme: support\n    theme: culture\n", "appears twice"),
    ("leadership.yaml", "    table4_item: leadership\n", "    table4_item: leadershp\n", "Did you mean 'leadership'"),
    (
        "support.yaml",
        '      - {role: determinant, case: F, source: bales2017-barriers, locator: "Table 1", detail: "strong support',
        '      - {role: determinant, case: FF, source: bales2017-barriers, locator: "Table 1", detail: "strong support',
        "rule 'support.management-backing' cites unknown case 'FF'. Did you mean 'F'?",
    ),
    (
        "support.yaml",
        '      - {role: determinant, case: F, source: bales2017-barriers, locator: "Table 1", detail: "strong support',
        '      - {role: determinant, case: F, source: bales2017-barrier, locator: "Table 1", detail: "strong support',
        "rule 'support.management-backing' cites unknown source 'bales2017-barrier'. Did you mean 'bales2017-barriers'?",
    ),
    (
        "support.yaml",
        '      - {role: determinant_slide, source: talk-lessons, locator: "Determinants of success/failure slide, column X", detail: '
        '"Commitment and support within the organization: 8"}',
        '      - {role: determinant_slide, source: talk-lesson, locator: "Determinants of success/failure slide, column X", detail: '
        '"Commitment and support within the organization: 8"}',
        "rule 'support.institution-wide' cites unknown source 'talk-lesson'. Did you mean 'talk-lessons'?",
    ),
    (
        "support.yaml",
        "    determinant: organizational_support\n",
        "    determinant: organisational_support\n",
        "rule 'support.management-backing' names unknown determinant 'organisational_support'. Did you mean "
        "'organizational_support'?",
    ),
]


@pytest.mark.parametrize("name,old,new,words", BREAKS)
def test_broken_rule_file_names_file_line_and_fix(rules_copy: Path, name: str, old: str, new: str, words: str) -> None:
    path = break_file(rules_copy, name, old, new)
    with pytest.raises(KnowledgeError) as caught:
        Advisor(rules_dir=rules_copy)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert ", line " in message
    assert words in message


def test_linter_reports_the_same_error_and_fails(rules_copy: Path) -> None:
    break_file(rules_copy, "leadership.yaml", "ratings.leadership, lte", "ratings.leadershipp, lte")
    findings = lint(rules_copy)
    assert [f.severity for f in findings] == ["error"]
    assert findings[0].line is not None and "leadershipp" in findings[0].message


def test_linter_finds_rules_that_can_never_fire(rules_copy: Path) -> None:
    break_file(
        rules_copy,
        "structure.yaml",
        "          - {field: facts.team_size, gt: 12}\n",
        "          - {field: facts.team_size, gt: 12}\n    when_extra: 1\n",
    )
    assert lint(rules_copy)[0].severity == "error"  # unknown key first
    break_file(rules_copy, "structure.yaml", "    when_extra: 1\n", "")
    break_file(
        rules_copy,
        "structure.yaml",
        "      - {field: facts.crisis_protocol, equals: false}\n",
        "      - {field: facts.crisis_protocol, equals: false}\n      - {field: facts.crisis_protocol, equals: true}\n",
    )
    codes = {(f.code, f.rule) for f in lint(rules_copy)}
    assert ("never-fires", "structure.crisis-protocol") in codes


def test_linter_finds_unused_concerns_and_duplicates(rules_copy: Path) -> None:
    text = (rules_copy / "structure.yaml").read_text()
    start = text.index("  - id: structure.crisis-protocol")
    end = text.index("  - id: structure.consistency-and-continuity")
    copy = (
        text[start:end]
        .replace("structure.crisis-protocol", "structure.crisis-protocol-again")
        .replace("concludes: [structure_gap]", "concludes: [structure_gap, orphan_concern]")
    )
    (rules_copy / "extra.yaml").write_text("rules:\n" + copy)
    codes = {f.code for f in lint(rules_copy)}
    assert {"unused-concern", "duplicate"} <= codes


def test_bundled_rule_base_is_clean() -> None:
    findings = lint()
    assert [f for f in findings if f.severity != "note"] == []


def test_broken_case_file(knowledge_copy: Path) -> None:
    break_file(
        knowledge_copy / "cases", "A.yaml", "    clinical_leadership: contested", "    clinical_leadership: fighting"
    )
    with pytest.raises(KnowledgeError, match="A.yaml.*clinical_leadership.*'fighting'"):
        Advisor(knowledge_dir=knowledge_copy)
