"""The bundled example profiles."""

from __future__ import annotations

from pathlib import Path

from .errors import ProfileError, did_you_mean, quote_list
from .knowledge_base import default_knowledge_dir


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
    names = list(list_examples())
    if name not in names:
        raise ProfileError(
            f"no bundled example named '{name}'.{did_you_mean(name, names)}",
            source="--example",
            allowed=quote_list(names),
        )
    return examples_dir() / f"{name}.yaml"
