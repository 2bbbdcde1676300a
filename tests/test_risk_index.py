"""The risk index discriminates: a careful start < a hurried start < a merger in crisis; a planning unit reads
as readiness; the headline says which levels it rests on; the output schema names what is new."""

from __future__ import annotations

import json
from typing import Any

from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.rendering.formats import to_markdown, to_text
from mbt_advisor.rulebase.examples import example_path


def _unit(phase: str, **facts: Any) -> dict[str, Any]:
    org = {"name": "Unit", "setting": "day_hospital", "population": "adults", "phase": phase}
    return {"organization": org, "facts": facts}


CAREFUL = _unit(
    "planning",
    decision_process="participatory",
    management_support="strong",
    institutional_support="broad",
    clinical_leadership="clear",
    team_conflict="low",
    implementation_pace="gradual",
    implementation_plan="comprehensive",
    staff_recruitment="selected",
    team_size=10,
)
HURRIED = _unit(
    "starting",
    decision_process="top_down",
    management_support="partial",
    implementation_pace="hurried",
    implementation_plan="none",
    staff_recruitment="assigned",
    mbt_experience="none",
    on_site_supervision=False,
    crisis_protocol=False,
)
MERGER = _unit(
    "reorganizing",
    decision_process="top_down",
    management_support="lacking",
    reorganization=True,
    management_team_split=True,
    clinical_leadership="contested",
    team_conflict="high",
    team_splits=["disciplines", "on_off_model"],
    staff_recruitment="assigned",
    training_differences=True,
    on_site_supervision=False,
    implementation_pace="hurried",
)


def test_unfamiliar_units_are_ordered_careful_then_hurried_then_merger(advisor: Advisor) -> None:
    careful, hurried, merger = (advisor.evaluate(p).risk for p in (CAREFUL, HURRIED, MERGER))
    assert careful.index is not None and hurried.index is not None and merger.index is not None
    assert careful.index < hurried.index < merger.index
    assert careful.overall == "low" and merger.overall == "high"


def test_bundled_examples_are_ordered_the_same_way(advisor: Advisor) -> None:
    indices = [advisor.evaluate(example_path(n)).risk.index for n in ("riverside", "adolescent-startup", "merger")]
    assert indices == sorted(indices) and len(set(indices)) == 3


def test_a_planning_unit_reads_as_readiness_and_is_told_before_you_start(advisor: Advisor) -> None:
    result = advisor.evaluate(example_path("adolescent-startup"))
    assert result.readiness is not None and result.readiness.open >= 1
    assert result.readiness.headline.startswith("Before the first patients:")
    assert set(result.readiness.decisive_open) <= {p.field for p in result.readiness.preconditions}
    assert {r.timing for r in result.recommendations} == {"before_start"}
    text = to_text(result, width=100)
    assert text.index("Readiness before the first patients") < text.index("Risk if you started")
    assert "What we advise, before you start (our advice, not the sources'):" in text and "advise, now" not in text
    assert "## Readiness before the first patients" in to_markdown(result)


def test_a_running_unit_has_no_readiness_reading_and_is_told_now(advisor: Advisor) -> None:
    result = advisor.evaluate(example_path("merger"))
    assert result.readiness is None and {r.timing for r in result.recommendations} == {"now"}
    assert "What we advise, now (our advice, not the sources'):" in to_text(result, width=100)


def test_an_overall_from_one_level_says_so(advisor: Advisor) -> None:
    result = advisor.evaluate(_unit("running", clinical_leadership="contested", team_conflict="high"))
    assert result.risk.level_index["organization"] is None and result.risk.level_index["therapist"] is None
    assert "from the team level only; organization and therapist unknown" in result.risk.headline


def test_coverage_is_the_share_of_the_questions_that_matter(advisor: Advisor) -> None:
    for detail in advisor.evaluate(example_path("adolescent-startup")).risk.details:
        assert detail.total_fields > 0
        assert detail.coverage == round(detail.known_fields / detail.total_fields, 2)


def test_the_assessment_schema_names_the_index_and_readiness() -> None:
    out = CliRunner().invoke(app, ["schema", "--assessment"])
    assert out.exit_code == 0, out.output
    schema = json.loads(out.stdout)
    assert {"index", "level_index", "coverage", "headline"} <= set(schema["$defs"]["Risk"]["properties"])
    assert "readiness" in schema["properties"] and "timing" in schema["$defs"]["Recommendation"]["properties"]
