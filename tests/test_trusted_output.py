"""An assessment is built without validating it again (``assessment.trusted``) and its JSON is written
directly (``render.assessment_json``). Both must give, byte for byte, what validating every model and the
standard library's encoder give: over every bundled example and generated profiles, in JSON, text and
Markdown."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import profiles

from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.assessment.model import Assessment, LevelRisk, trusted
from mbt_advisor.profile.generate import random_profile
from mbt_advisor.profile.loading import load_profile, profile_from_data
from mbt_advisor.rendering.formats import assessment_json, to_json, to_markdown, to_text
from mbt_advisor.rulebase.examples import example_path, list_examples


def _same_as_validated(advisor: Advisor, profile: Any) -> None:
    built = advisor.evaluate(profile)
    validated = Assessment.model_validate(built.model_dump())  # every model checked, as before
    standard = json.dumps(validated.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    assert assessment_json(built) == standard
    assert to_json(built) == standard
    assert to_text(built, width=80, kb=advisor.tables) == to_text(validated, width=80, kb=advisor.kb)
    assert to_markdown(built) == to_markdown(validated)
    assert built == validated


@pytest.mark.parametrize("name", list(list_examples()))
def test_every_example_is_the_same_as_when_validated(advisor: Advisor, name: str) -> None:
    _same_as_validated(advisor, load_profile(example_path(name)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=profiles())
def test_generated_profiles_are_the_same_as_when_validated(advisor: Advisor, data: dict[str, Any]) -> None:
    _same_as_validated(advisor, profile_from_data(data))


@pytest.mark.slow
def test_three_hundred_generated_profiles_are_the_same_as_when_validated(advisor: Advisor) -> None:
    rng = random.Random(19)
    for _ in range(300):
        _same_as_validated(advisor, profile_from_data(random_profile(rng)))


def test_a_whole_number_in_a_float_field_is_a_float_as_validation_makes_it() -> None:
    level = trusted(
        LevelRisk,
        level="team",
        risk="low",
        index=0,
        load=0,
        rules=(),
        drivers=[],
        mean_rating=None,
        rated_items=0,
        known_fields=0,
        total_fields=0,
        coverage=None,
    )
    assert level.load == 0.0 and isinstance(level.load, float) and isinstance(level.index, float)
    assert level.rules == [] and level.model_dump() == LevelRisk.model_validate(level.model_dump()).model_dump()


def test_direct_json_refuses_what_json_refuses(advisor: Advisor) -> None:
    built = advisor.evaluate(example_path("merger"))
    broken = built.model_copy(update={"concerns": [float("nan")]})
    with pytest.raises(ValueError):
        assessment_json(broken)


def test_every_example_gives_the_same_bytes_under_any_hash_seed(advisor: Advisor, tmp_path: Path) -> None:
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib\n"
        "from mbt_advisor.assessment.advisor import default_advisor\n"
        "from mbt_advisor.rulebase.examples import example_path, list_examples\n"
        "from mbt_advisor.rendering.formats import to_json, to_markdown, to_text\n"
        "advisor = default_advisor()\n"
        "for name in list_examples():\n"
        "    a = advisor.evaluate(example_path(name))\n"
        "    text = to_json(a) + to_text(a, width=80, kb=advisor.tables) + to_markdown(a)\n"
        "    print(name, hashlib.sha256(text.encode()).hexdigest())\n"
    )
    seen = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=tmp_path
        )
        seen.add(run.stdout)
    here = ""
    for name in list_examples():
        a = advisor.evaluate(example_path(name))
        text = to_json(a) + to_text(a, width=80, kb=advisor.tables) + to_markdown(a)
        here += f"{name} {hashlib.sha256(text.encode()).hexdigest()}\n"
    assert seen == {here}
