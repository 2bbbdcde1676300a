"""The tests test the working tree: after the README's `pip install -e '.[test]'` every module and data
folder is imported from this checkout, and `python -m mbt_advisor` runs from it. An installed copy in
site-packages would test yesterday's files, so these fail, unless CI installs the package on purpose
(MBT_ADVISOR_TESTS_INSTALLED=1) to test what a user gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("MBT_ADVISOR_TESTS_INSTALLED") == "1",
    reason="CI's install step tests the non-editable install (pip install .) on purpose",
)


def test_the_package_under_test_is_this_checkout() -> None:
    import mbt_advisor.cli
    import mbt_advisor.knowledge
    import mbt_advisor.rules

    import mbt_advisor

    for module, folder in [
        (mbt_advisor, "mbt_advisor"),
        (mbt_advisor.cli, "cli"),
        (mbt_advisor.rules, "rules"),
        (mbt_advisor.knowledge, "knowledge"),
    ]:
        assert module.__file__ is not None
        where = Path(module.__file__).resolve().parent
        assert where == REPO / folder, (
            f"{module.__name__} comes from {where}, not from this checkout: run pip install -e '.[test]'"
        )


def test_the_bundled_rules_are_read_from_this_checkout() -> None:
    from mbt_advisor.rulebase.knowledge_base import default_knowledge_dir, default_rules_dir

    assert default_rules_dir().resolve() == REPO / "rules"
    assert default_knowledge_dir().resolve() == REPO / "knowledge"


def test_python_dash_m_runs_from_the_checkout() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", "--example", "riverside", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    assert '"rule_base"' in run.stdout
