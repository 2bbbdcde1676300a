"""One record per profile field (profile.py): every knowledge file that names fields or their values is
checked against it when the knowledge loads, and each mistake is a KnowledgeError with file, line and a
did-you-mean, broken here on purpose one at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbt_advisor import Advisor, KnowledgeError
from mbt_advisor.rulebase.examples import example_path


def break_file(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text()
    assert text.count(old) >= 1, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1))
    return path


KNOWLEDGE_BREAKS = [
    # rating_items.yaml against the Ratings model
    (
        "rating_items.yaml",
        "{id: leadership,",
        "{id: leadershp,",
        "unknown rating item 'leadershp'. Did you mean 'leadership'?",
    ),
    ("rating_items.yaml", "{id: continuity,", "{id: consistency,", "'consistency' is listed twice"),
    (
        "rating_items.yaml",
        'short: "Leadership supported by the team", level: team',
        'short: "Leadership supported by the team", level: therapist',
        "at the team level",
    ),
    (
        "rating_items.yaml",
        "reference_ratings: {PRE-REORG: 6, REORG: 3}",
        "reference_ratings: {PRE-REORG: 6, REORG: 9}",
        "never holds 9",
    ),
    (
        "rating_items.yaml",
        "reference_ratings: {PRE-REORG: 7, REORG: 4}",
        "reference_ratings: {PRE-REORGG: 7, REORG: 4}",
        "Did you mean 'PRE-REORG'?",
    ),
    # questions.yaml against each field's allowed values
    (
        "questions.yaml",
        "  - field: facts.clinical_leadership\n",
        "  - field: facts.clinical_leadrship\n",
        "Did you mean 'facts.clinical_leadership'?",
    ),
    ("questions.yaml", "{value: contested, label:", "{value: contestd, label:", "Did you mean 'contested'?"),
    ("questions.yaml", '      - {value: absent, label: "Absent"}\n', "", "offers no choice for 'absent'"),
    (
        "questions.yaml",
        "    help: \"Unit G lacked protocols for dealing with crisis; its outcome, 'Positive for IOP, Mixed for PH', lists many crisis-like incidents and formal complaints (Table 1; Table 2 calls G's outcome a success).\"\n    type: boolean",
        "    help: \"Unit G lacked protocols for dealing with crisis; its outcome, 'Positive for IOP, Mixed for PH', lists many crisis-like incidents and formal complaints (Table 1; Table 2 calls G's outcome a success).\"\n    type: integer",
        "ask with type 'boolean'",
    ),
    (
        "questions.yaml",
        "when: {organization.setting: [school]}",
        "when: {organization.setting: [schol]}",
        "Did you mean 'school'?",
    ),
    (
        "questions.yaml",
        "when: {organization.setting: [school]}",
        "when: {organization.settings: [school]}",
        "Did you mean 'organization.setting'?",
    ),
    # readiness.yaml against the profile and the cases
    ("readiness.yaml", "not_started_phases: [planning]", "not_started_phases: [planing]", "Did you mean 'planning'?"),
    (
        "readiness.yaml",
        "  - {field: facts.model_drift,",
        "  - {field: facts.model_drif,",
        "Did you mean 'facts.model_drift'?",
    ),
    ("readiness.yaml", "    cases: [F, C]", "    cases: [F, CC]", "Did you mean 'C'?"),
    # field_directions.yaml against the Facts and Ratings models
    ("field_directions.yaml", "  team_conflict: {", "  team_conflit: {", "Did you mean 'facts.team_conflict'?"),
    (
        "field_directions.yaml",
        "mission_fit: {good: true",
        "mission_fit: {higher_better: true",
        "'higher_better' does not fit facts.mission_fit",
    ),
    (
        "field_directions.yaml",
        "{worst_to_best: [lacking, partial, strong]}",
        "{worst_to_best: [lacking, strong]}",
        "order each of",
    ),
    (
        "field_directions.yaml",
        "context: [management_continuity,",
        "context: [management_continuty,",
        "Did you mean 'management_continuity'?",
    ),
    # a case's encoding against its own profile
    (
        "cases/A.yaml",
        "  facts.organizational_fences: ",
        "  facts.organisational_fences: ",
        "Did you mean 'facts.organizational_fences'?",
    ),
]


@pytest.mark.parametrize("name,old,new,words", KNOWLEDGE_BREAKS)
def test_a_knowledge_file_that_disagrees_with_the_profile_fails_to_load_with_its_line(
    knowledge_copy: Path, name: str, old: str, new: str, words: str
) -> None:
    path = break_file(knowledge_copy, name, old, new)
    with pytest.raises(KnowledgeError) as caught:
        Advisor(knowledge_dir=knowledge_copy)
    message = str(caught.value)
    assert message.startswith(f"{path}, line "), message
    assert words in message, message


def test_a_direction_missing_for_a_fact_is_named(knowledge_copy: Path) -> None:
    break_file(knowledge_copy, "field_directions.yaml", "  pilot_subteam: {good: true}\n", "")
    with pytest.raises(KnowledgeError, match="no direction for 'pilot_subteam'"):
        Advisor(knowledge_dir=knowledge_copy)


def test_a_misspelt_rating_item_never_reaches_an_evaluation(knowledge_copy: Path) -> None:
    # it used to load and then stop evaluate() with a bare StopIteration
    break_file(knowledge_copy, "rating_items.yaml", "{id: leadership,", "{id: leadershp,")
    with pytest.raises(KnowledgeError):
        Advisor(knowledge_dir=knowledge_copy).evaluate(example_path("merger"))


RULE_BREAKS = [
    ("{field: ratings.leadership, lte: 3.5}", "{field: ratings.leadership, in: [2, 3.2]}", "steps of 0.5"),
    ("{field: ratings.leadership, lte: 3.5}", "{field: ratings.leadership, equals: '3'}", "is a number, not '3'"),
    ("{field: ratings.leadership, lte: 3.5}", "{field: ratings.leadership, equals: 8}", "never holds 8"),
    ("{field: ratings.leadership, lte: 3.5}", "{field: ratings.leadership, equals: true}", "is a number, not True"),
]


@pytest.mark.parametrize("old,new,words", RULE_BREAKS)
def test_a_rule_comparing_a_field_with_a_value_it_never_holds_fails_to_load(
    rules_copy: Path, old: str, new: str, words: str
) -> None:
    path = break_file(rules_copy, "leadership.yaml", old, new)
    with pytest.raises(KnowledgeError) as caught:
        Advisor(rules_dir=rules_copy)
    assert str(caught.value).startswith(f"{path}, line ") and words in str(caught.value), str(caught.value)
