"""Properties over thousands of generated profiles (hypothesis): determinism, round trips, monotonicity,
unknown-versus-bad, citations that resolve; and sharing one Advisor between threads, and long runs."""

from __future__ import annotations

import json
import os
import random
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import profiles

from mbt_advisor import Advisor, Assessment, profile_from_data
from mbt_advisor.assessment.advisor import default_advisor
from mbt_advisor.assessment.model import Risk
from mbt_advisor.assessment.scoring import RISK_ORDER
from mbt_advisor.profile.generate import random_profile
from mbt_advisor.profile.model import LEVELS, sample_values

QUICK = int(os.environ.get("MBT_PROPERTY_EXAMPLES", "50"))  # the default tier stays under a minute
THOROUGH = int(os.environ.get("MBT_PROPERTY_EXAMPLES_SLOW", "1000"))  # pytest -m slow: the same properties, 20x


def property_test(*strategies: st.SearchStrategy[Any]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A property in both tiers: QUICK examples in the default run, and (as ``<name>_thoroughly``, marked
    slow) THOROUGH examples in ``pytest -m slow``."""

    def register(body: Callable[..., None]) -> Callable[..., None]:
        def tier(examples: int) -> Callable[..., None]:
            return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])(
                given(*strategies)(body)
            )

        thorough = pytest.mark.slow(tier(THOROUGH))
        thorough.__name__ = f"{body.__name__}_thoroughly"
        sys.modules[body.__module__].__dict__[thorough.__name__] = thorough
        return tier(QUICK)

    return register


def values_of(name: str) -> list[Any]:
    return [list(v) if isinstance(v, tuple) else v for v in sample_values(name)]


def with_value(data: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(data, default=str))
    section, _, key = name.partition(".")
    if value is None:
        copy.get(section, {}).pop(key, None)
    else:
        copy.setdefault(section, {})[key] = value
    return copy


def known_names(data: dict[str, Any]) -> list[str]:
    return [f"{s}.{k}" for s in ("ratings", "facts") for k in (data.get(s) or {})]


def rank(risk: str) -> int | None:
    return RISK_ORDER.get(risk)


def goodness(name: str, value: Any) -> float:
    found = default_advisor().kb.directions.goodness(name, tuple(value) if isinstance(value, list) else value)
    assert found is not None
    return found


@property_test(profiles(), st.data())
def test_same_answers_in_any_key_order_give_the_same_bytes(data: dict[str, Any], draw: st.DataObject) -> None:
    def shuffled(value: Any) -> Any:
        if isinstance(value, dict):
            keys = draw.draw(st.permutations(sorted(value)))
            return {k: shuffled(value[k]) for k in keys}
        return value

    advisor = default_advisor()
    first = advisor.evaluate(profile_from_data(data)).model_dump_json()
    assert advisor.evaluate(profile_from_data(shuffled(data))).model_dump_json() == first


@property_test(profiles())
def test_json_output_round_trips_through_the_model(data: dict[str, Any]) -> None:
    assessment = default_advisor().evaluate(profile_from_data(data))
    again = Assessment.model_validate_json(assessment.model_dump_json())
    assert again == assessment
    assert json.loads(again.model_dump_json()) == assessment.model_dump(mode="json")


@property_test(profiles())
def test_every_recommendation_cites_cases_that_resolve(data: dict[str, Any]) -> None:
    advisor = default_advisor()
    result = advisor.evaluate(profile_from_data(data))
    assert [r.priority for r in result.recommendations] == list(range(1, len(result.recommendations) + 1))
    for rec in result.recommendations:
        assert rec.citations and 0 < rec.score <= 1
        for citation in rec.citations:
            assert citation.case in advisor.kb.cases and citation.source in advisor.kb.sources


def index_never_lower(lower: Risk, higher: Risk) -> bool:
    """``higher``'s risk index is at least ``lower``'s, overall and at every level known in both."""
    pairs = [(lower.index, higher.index)] + [(lower.level_index[lv], higher.level_index[lv]) for lv in LEVELS]
    return all(a is None or b is None or b >= a for a, b in pairs)


@property_test(profiles(), st.data())
def test_worsening_one_answer_never_lowers_the_risk_or_removes_advice(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    advisor = default_advisor()
    assume(known_names(data))
    name = draw.draw(st.sampled_from(known_names(data)), label="field")
    now = goodness(name, profile_from_data(data).value(name))
    worse = [v for v in values_of(name) if goodness(name, v) < now]
    assume(worse)
    value = draw.draw(st.sampled_from(worse), label="worse answer")
    before = advisor.evaluate(profile_from_data(data))
    after = advisor.evaluate(profile_from_data(with_value(data, name, value)))
    if rank(before.risk.overall) is not None and rank(after.risk.overall) is not None:
        assert rank(after.risk.overall) >= rank(before.risk.overall), name
    assert index_never_lower(before.risk, after.risk), name
    assert {r.rule_id for r in before.recommendations} <= {r.rule_id for r in after.recommendations}, name


@property_test(profiles(), st.data())
def test_improving_one_answer_never_raises_the_risk(data: dict[str, Any], draw: st.DataObject) -> None:
    advisor = default_advisor()
    assume(known_names(data))
    name = draw.draw(st.sampled_from(known_names(data)), label="field")
    steps = advisor.kb.directions.improvements(name, profile_from_data(data).value(name))
    assume(steps)
    value = draw.draw(st.sampled_from(steps), label="better answer")
    before = advisor.evaluate(profile_from_data(data))
    after = advisor.evaluate(profile_from_data(with_value(data, name, value)))
    if rank(before.risk.overall) is not None and rank(after.risk.overall) is not None:
        assert rank(after.risk.overall) <= rank(before.risk.overall), name
    assert index_never_lower(after.risk, before.risk), name
    assert {r.rule_id for r in after.recommendations} <= {r.rule_id for r in before.recommendations}, name


@property_test(profiles(), st.data())
def test_an_unknown_answer_never_weighs_more_than_the_worst_answer(data: dict[str, Any], draw: st.DataObject) -> None:
    advisor = default_advisor()
    assume(known_names(data))
    name = draw.draw(st.sampled_from(known_names(data)), label="field")
    worst = min(values_of(name), key=lambda v: goodness(name, v))
    unknown = advisor.evaluate(profile_from_data(with_value(data, name, None)))
    bad = advisor.evaluate(profile_from_data(with_value(data, name, worst)))
    if rank(unknown.risk.overall) is not None and rank(bad.risk.overall) is not None:
        assert rank(unknown.risk.overall) <= rank(bad.risk.overall), name
    # unknown is never scored as the worst answer: not higher overall, nor at any level judged both ways
    assert index_never_lower(unknown.risk, bad.risk), name
    assert {r.rule_id for r in unknown.recommendations} <= {r.rule_id for r in bad.recommendations}, name


def test_one_advisor_shared_by_threads_gives_the_serial_results() -> None:
    advisor = Advisor()
    rng = random.Random(99)
    batch = [profile_from_data(random_profile(rng)) for _ in range(30)]
    serial = [advisor.evaluate(p).model_dump_json() for p in batch]
    results: dict[int, list[str]] = {}

    def work(worker: int) -> None:
        order = list(range(len(batch)))
        random.Random(worker).shuffle(order)
        out = [""] * len(batch)
        for index in order:
            out[index] = advisor.evaluate(batch[index]).model_dump_json()
        results[worker] = out

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[w] == serial for w in range(8))


def rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc to read the resident size")
@pytest.mark.slow
def test_memory_stays_flat_over_10000_evaluations_and_repeated_advisors() -> None:
    from mbt_advisor.engine.compiler import _ENGINE_CLASSES
    from mbt_advisor.profile.loading import load_profile
    from mbt_advisor.rulebase.examples import example_path

    advisor = default_advisor()
    profiles = [load_profile(example_path(n)) for n in ("riverside", "school")]
    for index in range(500):
        advisor.evaluate(profiles[index % 2])
    start = rss_kib()
    for index in range(10_000):
        advisor.evaluate(profiles[index % 2])
    middle = rss_kib()
    for _ in range(20):
        Advisor().evaluate(profiles[0])
    end = rss_kib()
    assert middle - start < 4 * 1024, f"grew {middle - start} KiB over 10,000 evaluations"
    assert end - middle < 16 * 1024, f"grew {end - middle} KiB over 20 new Advisors"
    assert len(_ENGINE_CLASSES) <= 8
