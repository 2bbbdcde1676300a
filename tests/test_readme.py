"""The README's Python runs as written: every ```python block is executed, in order, in a clean folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import mbt_advisor

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_the_readme_has_python_to_run() -> None:
    assert python_blocks()


def test_every_python_block_of_the_readme_runs_as_written(tmp_path: Path) -> None:
    """In a subprocess from an empty folder: no file the snippet does not make itself."""
    for block in python_blocks():
        out = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=tmp_path)
        assert out.returncode == 0, f"{block}\n{out.stderr}"
        assert out.stderr == ""


def test_dir_shows_only_the_public_names() -> None:
    names = dir(mbt_advisor)
    assert names == sorted(mbt_advisor.__all__)
    assert not {"Any", "TYPE_CHECKING", "annotations", "_typing"} & set(names)
    for name in names:
        assert getattr(mbt_advisor, name) is not None


def test_example_path_is_public_and_forgiving_about_case() -> None:
    path = mbt_advisor.example_path("Merger")
    assert path.is_file() and path.name == "merger.yaml"
    assert set(mbt_advisor.list_examples()) >= {"merger", "riverside"}
