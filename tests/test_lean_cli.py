"""The command line imports what a command needs: help, version and usage build no pydantic model."""

from __future__ import annotations

import subprocess
import sys

import pytest

# typer (0.29) itself validates a subcommand's options with pydantic TypeAdapters, so pydantic is expected
# from `rules --help` on; our own models, the engine, YAML and plotting are not.
OURS = ("experta", "yaml", "matplotlib", "jinja2", "mbt_advisor.knowledge_models", "mbt_advisor.profile")
CASES = [(["--version"], ("pydantic", *OURS)), (["--help"], ("pydantic", *OURS)), (["rules", "--help"], OURS)]


@pytest.mark.parametrize(("args", "heavy"), CASES + [(["evaluate", "--help"], OURS)])
def test_help_and_version_import_no_models_no_engine_and_no_plotting(
    args: list[str], heavy: tuple[str, ...], tmp_path
) -> None:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mbt_advisor", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time")}
    assert imported, "python -X importtime printed nothing"
    assert sorted(name for name in imported if name in heavy) == []


def test_report_imports_the_plotting_library_only_when_it_draws(tmp_path) -> None:
    code = "import sys, mbt_advisor.report; print(sorted(m for m in ('matplotlib', 'matplotlib.pyplot') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert run.stdout.strip() == "[]"
