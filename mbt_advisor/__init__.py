"""mbt-advisor: decision support for implementing Mentalization-Based Treatment (MBT).

Typical use::

    import mbt_advisor
    assessment = mbt_advisor.evaluate(mbt_advisor.example_path("merger"))  # a path, a dict, or a Profile
    for rec in assessment.recommendations:
        print(rec.priority, rec.title, [c.case for c in rec.citations])

Importing this package prints nothing, configures no logging and touches no network. The engine and the
rule base are loaded on first use and then reused. ``dir(mbt_advisor)`` lists exactly the public names.
"""

import typing as _typing

from ._version import __version__
from .errors import InputError, KnowledgeError, ProfileError

if _typing.TYPE_CHECKING:
    from .advisor import Advisor, compare, evaluate, explain, what_if
    from .assessment import Assessment
    from .examples import example_path, list_examples
    from .loading import load_profile, parse_profile, profile_from_data
    from .profile import Profile

__all__ = [
    "Advisor",
    "Assessment",
    "InputError",
    "KnowledgeError",
    "Profile",
    "ProfileError",
    "__version__",
    "compare",
    "evaluate",
    "example_path",
    "explain",
    "list_examples",
    "load_profile",
    "parse_profile",
    "profile_from_data",
    "what_if",
]

_LAZY = {
    "Advisor": "advisor",
    "evaluate": "advisor",
    "explain": "advisor",
    "what_if": "advisor",
    "compare": "advisor",
    "Assessment": "assessment",
    "example_path": "examples",
    "list_examples": "examples",
    "load_profile": "loading",
    "parse_profile": "loading",
    "profile_from_data": "loading",
    "Profile": "profile",
}


def __getattr__(name: str) -> _typing.Any:
    """Load the heavier parts (pydantic models, the experta engine) only when they are used."""
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mbt_advisor' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Only the public names (not the lazy-loading machinery)."""
    return sorted(__all__)
