"""mbt-advisor: decision support for implementing Mentalization-Based Treatment (MBT).

Typical use::

    import mbt_advisor
    assessment = mbt_advisor.evaluate(mbt_advisor.example_path("merger"))  # a path, a dict, or a Profile
    for rec in assessment.recommendations:
        print(rec.priority, rec.title, [c.case for c in rec.citations])

Importing this package prints nothing, configures no logging and touches no network. The engine and the
rule base are loaded on first use and then reused. ``dir(mbt_advisor)`` lists exactly the public names.

The package is layered; each subpackage may import only those listed before it (checked by import-linter,
``[tool.importlinter]`` in pyproject.toml; docs/architecture.md is the map):
``common`` -> ``profile`` -> ``engine`` -> ``rulebase`` -> ``assessment`` -> ``questions`` -> ``rendering``
-> ``compiled`` (build time) | ``wizard`` -> ``web`` -> ``cli`` (installed as ``mbt_advisor.cli``).
May import: every subpackage below the web, each only when a public name from it is first used.
"""

import typing as _typing

from ._version import __version__
from .common.errors import InputError, KnowledgeError, ProfileError

if _typing.TYPE_CHECKING:
    from .assessment.advisor import Advisor, evaluate
    from .assessment.model import Assessment
    from .profile.loading import load_profile, parse_profile, profile_from_data
    from .profile.model import Profile
    from .questions.comparison import compare
    from .questions.explanation import explain
    from .questions.whatif import what_if
    from .rendering.brief import brief
    from .rulebase.examples import example_path, list_examples

__all__ = [
    "Advisor",
    "Assessment",
    "InputError",
    "KnowledgeError",
    "Profile",
    "ProfileError",
    "__version__",
    "brief",
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
    "Advisor": "assessment.advisor",
    "evaluate": "assessment.advisor",
    "explain": "questions.explanation",
    "what_if": "questions.whatif",
    "brief": "rendering.brief",
    "compare": "questions.comparison",
    "Assessment": "assessment.model",
    "example_path": "rulebase.examples",
    "list_examples": "rulebase.examples",
    "load_profile": "profile.loading",
    "parse_profile": "profile.loading",
    "profile_from_data": "profile.loading",
    "Profile": "profile.model",
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
