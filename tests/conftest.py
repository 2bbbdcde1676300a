"""Shared fixtures: one Advisor for the whole run (building the engine is the slow part)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from mbt_advisor.advisor import Advisor, default_advisor
from mbt_advisor.examples import example_path
from mbt_advisor.knowledge_base import default_knowledge_dir, default_rules_dir

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return default_advisor()


@pytest.fixture
def riverside_path() -> Path:
    return example_path("riverside")


@pytest.fixture
def minimal() -> dict[str, Any]:
    return copy.deepcopy({"organization": {"name": "Test unit", "setting": "day_hospital",
                                           "population": "adults", "phase": "starting"}})


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled rule folder, for tests that break a rule file on purpose."""
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target
