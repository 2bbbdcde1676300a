"""Hypothesis strategies for profiles, built from the profile model itself (so a new field is generated
without touching this file). Every field is optional, so a failing example shrinks towards the fewest
answers and the simplest values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from mbt_advisor.profile.model import CONTEXT_FIELDS, all_fields, field_domain


def values(name: str) -> st.SearchStrategy[Any]:
    """Every value a profile field may hold, as written in a profile file (ratings may be 3 or 3.5)."""
    kind, domain = field_domain(name)
    if kind == "rating":
        return st.integers(1, 7) | st.integers(2, 14).map(lambda half: half / 2)
    if kind == "integer":
        return st.integers(1, 40)
    if kind == "fraction":
        return st.floats(0, 1, allow_nan=False)
    if kind == "bool":
        return st.booleans()
    if kind == "list":
        return st.lists(st.sampled_from(domain), unique=True).map(sorted)
    if kind == "enum":
        return st.sampled_from(domain)
    raise ValueError(f"no strategy for {name} ({kind})")


def section(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name.partition(".")[2]: values(name) for name in names})


def profiles(fields: list[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Profile data (as loaded from YAML) answering any subset of ``fields`` (default: every field)."""
    chosen = all_fields() if fields is None else fields
    organization = st.fixed_dictionaries(
        {"name": st.just("Generated unit")},
        optional={key: values(f"organization.{key}") for key in CONTEXT_FIELDS},
    )
    return st.fixed_dictionaries(
        {
            "organization": organization,
            "ratings": section([n for n in chosen if n.startswith("ratings.")]),
            "facts": section([n for n in chosen if n.startswith("facts.")]),
        }
    )
