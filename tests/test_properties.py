"""Properties over thousands of generated profiles (hypothesis): determinism, round trips, monotonicity,
unknown-versus-bad, citations that resolve; and sharing one Advisor between threads, and long runs."""

from __future__ import annotations

import json
import os
import random
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbt_advisor import Advisor, Assessment, profile_from_data
from mbt_advisor.advisor import default_advisor
from mbt_advisor.generate import random_profile
from mbt_advisor.profile import sample_values
from mbt_advisor.scoring import RISK_ORDER

EXAMPLES = int(os.environ.get("MBT_PROPERTY_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
profiles = st.randoms(use_true_random=False).map(random_profile)


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


def known_pairs(data: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{s}.{k}", v) for s in ("ratings", "facts") for k, v in (data.get(s) or {}).items()]


def rank(risk: str) -> int | None:
    return RISK_ORDER.get(risk)


@SETTINGS
@given(profiles, st.randoms(use_true_random=False))
def test_same_answers_in_any_key_order_give_the_same_bytes(data: dict[str, Any], rng: random.Random) -> None:
    def shuffled(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffled(v) for k, v in items}
        return value

    advisor = default_advisor()
    first = advisor.evaluate(profile_from_data(data)).model_dump_json()
    assert advisor.evaluate(profile_from_data(shuffled(data))).model_dump_json() == first


@SETTINGS
@given(profiles)
def test_json_output_round_trips_through_the_model(data: dict[str, Any]) -> None:
    assessment = default_advisor().evaluate(profile_from_data(data))
    again = Assessment.model_validate_json(assessment.model_dump_json())
    assert again == assessment
    assert json.loads(again.model_dump_json()) == assessment.model_dump(mode="json")


@SETTINGS
@given(profiles)
def test_every_recommendation_cites_cases_that_resolve(data: dict[str, Any]) -> None:
    advisor = default_advisor()
    result = advisor.evaluate(profile_from_data(data))
    assert [r.priority for r in result.recommendations] == list(range(1, len(result.recommendations) + 1))
    for rec in result.recommendations:
        assert rec.citations and 0 < rec.score <= 1
        for citation in rec.citations:
            assert citation.case in advisor.kb.cases and citation.source in advisor.kb.sources


@SETTINGS
@given(profiles, st.randoms(use_true_random=False))
def test_worsening_one_answer_never_lowers_the_risk_or_removes_advice(data: dict[str, Any], rng: random.Random) -> None:
    advisor = default_advisor()
    directions = advisor.kb.directions
    pairs = known_pairs(data)
    if not pairs:
        return
    name, value = rng.choice(pairs)
    now = directions.goodness(name, profile_from_data(data).value(name))
    worse = [v for v in values_of(name) if directions.goodness(name, tuple(v) if isinstance(v, list) else v) < now]
    if not worse:
        return
    before = advisor.evaluate(profile_from_data(data))
    after = advisor.evaluate(profile_from_data(with_value(data, name, rng.choice(worse))))
    if rank(before.risk.overall) is not None and rank(after.risk.overall) is not None:
        assert rank(after.risk.overall) >= rank(before.risk.overall), name
    assert {r.rule_id for r in before.recommendations} <= {r.rule_id for r in after.recommendations}, name


@SETTINGS
@given(profiles, st.randoms(use_true_random=False))
def test_improving_one_answer_never_raises_the_risk(data: dict[str, Any], rng: random.Random) -> None:
    advisor = default_advisor()
    pairs = known_pairs(data)
    if not pairs:
        return
    name, _ = rng.choice(pairs)
    steps = advisor.kb.directions.improvements(name, profile_from_data(data).value(name))
    if not steps:
        return
    before = advisor.evaluate(profile_from_data(data))
    after = advisor.evaluate(profile_from_data(with_value(data, name, rng.choice(steps))))
    if rank(before.risk.overall) is not None and rank(after.risk.overall) is not None:
        assert rank(after.risk.overall) <= rank(before.risk.overall), name
    assert {r.rule_id for r in after.recommendations} <= {r.rule_id for r in before.recommendations}, name


@SETTINGS
@given(profiles, st.randoms(use_true_random=False))
def test_an_unknown_answer_never_weighs_more_than_the_worst_answer(data: dict[str, Any], rng: random.Random) -> None:
    advisor = default_advisor()
    directions = advisor.kb.directions
    pairs = known_pairs(data)
    if not pairs:
        return
    name, _ = rng.choice(pairs)
    options = values_of(name)
    worst = min(options, key=lambda v: directions.goodness(name, tuple(v) if isinstance(v, list) else v))
    unknown = advisor.evaluate(profile_from_data(with_value(data, name, None)))
    bad = advisor.evaluate(profile_from_data(with_value(data, name, worst)))
    if rank(unknown.risk.overall) is not None and rank(bad.risk.overall) is not None:
        assert rank(unknown.risk.overall) <= rank(bad.risk.overall), name
    assert {r.rule_id for r in unknown.recommendations} <= {r.rule_id for r in bad.recommendations}, name


def test_one_advisor_shared_by_threads_gives_the_serial_results() -> None:
    advisor = Advisor()
    rng = random.Random(99)
    batch = [profile_from_data(random_profile(rng)) for _ in range(60)]
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
    from mbt_advisor.compiler import _ENGINE_CLASSES
    from mbt_advisor.examples import example_path
    from mbt_advisor.loading import load_profile

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
