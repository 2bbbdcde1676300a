"""Similar cases respect context: setting and population count, and a context difference is named first."""

from __future__ import annotations

from typing import Any

from mbt_advisor.assessment.advisor import Advisor

GAPS = {
    "management_support": "partial",
    "institutional_support": "lacking",
    "organizational_fences": True,
    "clinical_leadership": "contested",
    "on_site_supervision": False,
    "mbt_experience": "none",
    "staff_recruitment": "assigned",
}


def _unit(setting: str, population: str) -> dict[str, Any]:
    org = {"name": "Unit", "setting": setting, "population": population, "phase": "running"}
    return {"organization": org, "facts": dict(GAPS)}


def _similarity(result: Any, case: str) -> float:
    return next((s.similarity for s in result.similar_cases if s.case == case), 0.0)


def test_the_same_gaps_in_another_setting_are_less_alike(advisor: Advisor) -> None:
    inpatient = advisor.evaluate(_unit("inpatient", "adolescents"))
    day_hospital = advisor.evaluate(_unit("day_hospital", "adults"))
    assert _similarity(inpatient, "MBT-A") > _similarity(day_hospital, "MBT-A")


def test_a_difference_in_context_is_named_first(advisor: Advisor) -> None:
    result = advisor.evaluate(_unit("day_hospital", "adults"))
    mbta = next(s for s in result.similar_cases if s.case == "MBT-A")
    assert mbta.differences[0].startswith("organization.setting: day_hospital here, inpatient there")
