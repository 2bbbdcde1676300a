"""The bundled example profiles."""

from __future__ import annotations

from pathlib import Path

from mbt_advisor.common.errors import ProfileError, quote_list
from mbt_advisor.common.ids import find_id
from mbt_advisor.rulebase.artifact import default_knowledge_dir


def examples_dir() -> Path:
    return default_knowledge_dir() / "examples"


def list_examples() -> dict[str, str]:
    """Example name -> first comment line describing it, in name order."""
    found: dict[str, str] = {}
    for path in sorted(examples_dir().glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
        found[path.stem] = first.lstrip("# ").strip()
    return found


def example_path(name: str) -> Path:
    """The file of a bundled example profile (names as `mbt-advisor examples` lists them, any case)."""
    names = list(list_examples())
    found = find_id(
        name, names, what="bundled example named", source="--example", allowed=quote_list(names), error=ProfileError
    )
    return examples_dir() / f"{found}.yaml"
