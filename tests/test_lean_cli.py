"""The command line imports what a command needs: help, version and usage build no pydantic model."""

from __future__ import annotations

import subprocess
import sys

import pytest

# typer (0.29) itself validates a subcommand's options with pydantic TypeAdapters, so pydantic is expected
# from `rules --help` on; our own models, the engine, YAML and plotting are not.
OURS = ("experta", "yaml", "matplotlib", "jinja2", "mbt_advisor.rulebase.knowledge_models", "mbt_advisor.profile.model")
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
    code = "import sys, mbt_advisor.rendering.brief; print(sorted(m for m in ('matplotlib', 'matplotlib.pyplot') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert run.stdout.strip() == "[]"


def test_evaluate_builds_only_the_profile_models_and_reads_no_knowledge_files(tmp_path) -> None:
    """The assessment models are defined but not built (no validator, no serializer: they are built without
    validation and written directly); the knowledge comes compiled, so neither its models nor its checks load."""
    code = (
        "import contextlib, io, sys\n"
        "from pydantic import BaseModel\n"
        "from pydantic._internal._mock_val_ser import MockValSer\n"
        "from mbt_advisor.cli.main import app\n"
        "sys.argv = ['mbt-advisor', 'evaluate', '--example', 'merger', '--format', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app()\n"
        "def walk(cls):\n"
        "    for sub in cls.__subclasses__():\n"
        "        yield sub\n"
        "        yield from walk(sub)\n"
        "built = {f'{m.__module__}.{m.__name__}' for m in walk(BaseModel) if m.__module__.startswith('mbt_advisor')\n"
        "         and not isinstance(m.__pydantic_validator__, MockValSer)}\n"
        "print(' '.join(sorted(built)))\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('mbt_advisor.'))))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    built, modules = (set(line.split()) for line in run.stdout.splitlines())
    assert built == {
        "mbt_advisor.common.strict.Strict",
        *(f"mbt_advisor.profile.model.{m}" for m in ("Profile", "Organization", "Ratings", "Facts")),
    }
    assert not modules & {
        f"mbt_advisor.rulebase.{m}" for m in ("knowledge_base", "knowledge_models", "rule_models", "field_checks")
    }


def test_loading_pauses_the_garbage_collector_and_always_resumes_it() -> None:
    import gc

    from mbt_advisor.cli.main import _loading

    assert gc.isenabled()
    try:
        with _loading():
            assert not gc.isenabled()
        assert gc.isenabled() and gc.get_freeze_count() > 0  # what was loaded is kept out of later collections
        with pytest.raises(RuntimeError), _loading():
            raise RuntimeError("a bad rule base")
        assert gc.isenabled()
        gc.disable()  # a caller that had paused it keeps it paused
        with _loading():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
