"""Random but valid profiles, for property tests and benchmarks (``random_profile(random.Random(seed))``).

Every field is answered with probability ``p_known`` (otherwise left unknown), with a value drawn from what
that field allows, so the generator covers founders' half-filled profiles as well as experts' full ones.
"""

from __future__ import annotations

import random
from typing import Any

from mbt_advisor.profile.model import PROFILE_VERSION, Organization, all_fields, field_domain


def random_value(name: str, rng: random.Random) -> Any:
    kind, domain = field_domain(name)
    if kind == "rating":
        return rng.randint(2, 14) / 2
    if kind == "integer":
        return rng.randint(1, 30)
    if kind == "fraction":
        return round(rng.random(), 2)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "enum":
        return rng.choice(domain)
    if kind == "list":
        return sorted(rng.sample(list(domain), rng.randint(0, min(2, len(domain)))))
    raise ValueError(name)


def random_profile(rng: random.Random, *, p_known: float | None = None) -> dict[str, Any]:
    p = rng.choice([0.2, 0.5, 0.9]) if p_known is None else p_known
    org: dict[str, Any] = {"name": f"Generated unit {rng.randint(1, 10**6)}"}
    for key in ("setting", "population", "phase"):
        if rng.random() < 0.9:
            org[key] = rng.choice(list(field_domain(f"organization.{key}")[1]))
    data: dict[str, Any] = {"profile_version": PROFILE_VERSION, "organization": org}
    for name in all_fields():
        if rng.random() < p:
            section, _, key = name.partition(".")
            data.setdefault(section, {})[key] = random_value(name, rng)
    assert set(org) <= set(Organization.model_fields)
    return data
