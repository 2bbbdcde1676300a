"""What-if lists only what helps: each single change lowers the overall index, they are ranked by how much, each
says the index it gives, and a change that leaves the index where it is (as shown) is never listed."""

from __future__ import annotations

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, example_path, load_profile, what_if

EXAMPLES = ["merger", "adolescent-startup", "school", "riverside"]


def shown(index: float) -> int:
    return int(f"{index:.0f}")


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_single_change_lowers_the_shown_index_ranked_by_how_much(advisor: Advisor, name: str) -> None:
    result = what_if(load_profile(example_path(name)), advisor=advisor)
    before = result.index_before
    assert before is not None
    for single in result.sensitivity:
        assert single.index_after is not None
        assert shown(single.index_after) < shown(before), single
    drops = [before - s.index_after for s in result.sensitivity if s.index_after is not None]
    assert drops == sorted(drops, reverse=True)


def test_a_change_that_leaves_the_index_as_it_is_is_not_listed(advisor: Advisor) -> None:
    """merger: supervision on the unit removes two rules but the index stays at 96 (it was listed before)."""
    profile = load_profile(example_path("merger"))
    result = what_if(profile, advisor=advisor)
    listed = {s.field for s in result.sensitivity}
    assert "facts.on_site_supervision" not in listed
    assert "facts.management_support" in listed  # 96 -> 91, the largest single drop
    assert result.sensitivity[0].field == "facts.management_support"


def test_a_unit_at_low_risk_with_nothing_to_lower_lists_nothing(advisor: Advisor) -> None:
    result = what_if(load_profile(example_path("riverside")), advisor=advisor)
    assert all(shown(s.index_after) < shown(result.index_before) for s in result.sensitivity)


def test_the_text_gives_each_single_change_with_the_index_it_gives() -> None:
    out = CliRunner().invoke(app, ["whatif", "--example", "merger"], env={"COLUMNS": "120"}).stdout
    section = out.split("Single changes that lower the index", 1)[1]
    assert "support of higher management: partial -> strong" in section.lower()
    assert "index 95 -> 87" in section
    assert "MBT-experienced supervisor" not in section
