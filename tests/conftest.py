"""Shared fixtures: one Advisor for the whole run (building the engine is the slow part)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from mbt_advisor.assessment.advisor import Advisor, default_advisor
from mbt_advisor.rulebase.examples import example_path
from mbt_advisor.rulebase.knowledge_base import default_knowledge_dir, default_rules_dir

REPO = Path(__file__).resolve().parent.parent


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """The default tier runs on every core (``-n auto`` in pyproject.toml: it stays under a minute); the slow tier
    in this one process, because its tests time signals, pseudo-terminals, browsers and servers starting at once,
    which parallel load would skew."""
    if config.getoption("markexpr") == "slow":
        return 0
    return None  # pytest-xdist counts the cores


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return default_advisor()


@pytest.fixture
def riverside_path() -> Path:
    return example_path("riverside")


@pytest.fixture
def minimal() -> dict[str, Any]:
    return copy.deepcopy(
        {"organization": {"name": "Test unit", "setting": "day_hospital", "population": "adults", "phase": "starting"}}
    )


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


# --- YAML retrodiction tests --------------------------------------------------------------------------
# Each tests/retrodiction/*.yaml file holds one or more cases: a profile (inline, or the encoded profile of
# a documented case) and what the assessment must say. A knowledge author can add one without Python.

from pydantic import BaseModel, ConfigDict  # noqa: E402


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    risk: str | None = None
    levels: dict[str, str] = {}
    rules_in_top: list[str] = []
    top: int | None = None
    absent_rules: list[str] = []
    themes: list[str] = []
    cites: list[str] = []
    most_similar: str | None = None
    similar_includes: list[str] = []
    concerns: list[str] = []
    index_at_least: float | None = None  # overall risk index (0-100)
    index_below: float | None = None


class YamlCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    case: str | None = None
    profile: dict[str, Any] | None = None
    expect: Expectation


class YamlCaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tests: list[YamlCase]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent.name == "retrodiction":
        return RetrodictionFile.from_parent(parent, path=file_path)
    return None


class RetrodictionFile(pytest.File):
    def collect(self):  # type: ignore[no-untyped-def]
        from mbt_advisor.common.yamlio import load_file

        spec = YamlCaseFile.model_validate(load_file(self.path).data)
        for case in spec.tests:
            yield RetrodictionItem.from_parent(self, name=case.name, spec=case)


class RetrodictionFailure(AssertionError):
    pass


class RetrodictionItem(pytest.Item):
    def __init__(self, *, spec: YamlCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def runtest(self) -> None:
        from mbt_advisor import profile_from_data

        advisor = default_advisor()
        spec = self.spec
        if spec.case:
            profile = advisor.kb.case_profiles[spec.case]
        else:
            assert spec.profile is not None, "give `case` or `profile`"
            profile = profile_from_data(spec.profile, source=str(self.path))
        result = advisor.evaluate(profile)
        fired = [r.rule_id for r in result.recommendations]
        problems: list[str] = []
        exp = spec.expect
        if exp.risk and result.risk.overall != exp.risk:
            problems.append(f"overall risk {result.risk.overall}, expected {exp.risk}")
        for level, risk in exp.levels.items():
            if result.risk.levels[level] != risk:  # type: ignore[index]
                problems.append(f"{level} risk {result.risk.levels[level]}, expected {risk}")  # type: ignore[index]
        index = result.risk.index
        if exp.index_at_least is not None and (index is None or index < exp.index_at_least):
            problems.append(f"risk index {index}, expected at least {exp.index_at_least:g}")
        if exp.index_below is not None and (index is None or index >= exp.index_below):
            problems.append(f"risk index {index}, expected below {exp.index_below:g}")
        window = fired[: exp.top] if exp.top else fired
        for rule_id in exp.rules_in_top:
            if rule_id not in window:
                where = f"at {fired.index(rule_id) + 1}" if rule_id in fired else "not fired"
                problems.append(f"{rule_id} expected in the top {exp.top or len(fired)} ({where})")
        for rule_id in exp.absent_rules:
            if rule_id in fired:
                problems.append(f"{rule_id} fired but should not")
        themes = {r.theme for r in result.recommendations}
        problems += [f"no recommendation on theme {t}" for t in exp.themes if t not in themes]
        cited = {c.case for r in result.recommendations for c in r.citations}
        problems += [f"case {c} is never cited" for c in exp.cites if c not in cited]
        similar = [s.case for s in result.similar_cases]
        if exp.most_similar and (not similar or similar[0] != exp.most_similar):
            problems.append(f"most similar {similar[:1]}, expected {exp.most_similar}")
        problems += [f"{c} not among similar cases {similar}" for c in exp.similar_includes if c not in similar]
        problems += [f"concern {c} not concluded" for c in exp.concerns if c not in result.concerns]
        if problems:
            raise RetrodictionFailure("; ".join(problems) + f"\n  fired: {fired}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RetrodictionFailure):
            return f"{self.path.name} :: {self.name}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"retrodiction: {self.name}"
