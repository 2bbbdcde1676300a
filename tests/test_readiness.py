"""Readiness of a unit that has not started: practice questions are neither asked nor held against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.common.errors import KnowledgeError


def _unit(phase: str, **facts: Any) -> dict[str, Any]:
    org = {"name": "Unit", "setting": "day_hospital", "population": "adults", "phase": phase}
    return {"organization": org, "facts": facts}


def test_practice_fields_are_the_ones_the_issue_names(advisor: Advisor) -> None:
    names = advisor.kb.readiness.practice_field_names()
    assert "facts.model_drift" in names and "facts.reflective_stance" in names
    assert advisor.kb.readiness.not_started("planning") and not advisor.kb.readiness.not_started("running")


def test_model_drift_counts_against_a_running_unit_but_not_a_planning_one(advisor: Advisor) -> None:
    running = advisor.evaluate(_unit("running", model_drift=True, reflective_stance="struggling"))
    planning = advisor.evaluate(_unit("planning", model_drift=True, reflective_stance="struggling"))
    fields = {m.field for r in running.recommendations for m in r.matched}
    assert {"facts.model_drift", "facts.reflective_stance"} <= fields
    assert not {m.field for r in planning.recommendations for m in r.matched} & fields


def test_practice_questions_are_not_missing_information_before_the_start(advisor: Advisor) -> None:
    planning = {m.field for m in advisor.evaluate(_unit("planning")).missing_information}
    running = {m.field for m in advisor.evaluate(_unit("running")).missing_information}
    assert "facts.model_drift" in running and "facts.model_drift" not in planning


def test_a_precondition_naming_an_unknown_case_is_a_knowledge_error(knowledge_copy: Path) -> None:
    path = knowledge_copy / "readiness.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("cases: [G]", "cases: [Q]"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="unknown case 'Q'"):
        Advisor(knowledge_dir=knowledge_copy)


@pytest.mark.parametrize(
    ("file", "change", "named"),
    [
        ("readiness.yaml", ("facts.model_drift,", "facts.model_drfit,"), "model_drfit"),  # a practice field
        # a question's condition for a unit that has not started, on a value the field does not have
        ("questions.yaml", ("facts.team_origin: [converting]}", "facts.team_origin: [convert]}"), "'convert'"),
    ],
)
def test_a_stage_definition_naming_what_does_not_exist_is_a_knowledge_error(
    knowledge_copy: Path, file: str, change: tuple[str, str], named: str
) -> None:
    path = knowledge_copy / file
    path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=named):
        Advisor(knowledge_dir=knowledge_copy)
