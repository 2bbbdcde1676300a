"""The bundled rule base compiled at build time (mbt_advisor/compiled_*.json): current, faithful to
the checked files, used only while it matches them, and never a reason to skip checking a user's folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mbt_advisor.assessment.advisor import Advisor
from mbt_advisor.common.errors import KnowledgeError
from mbt_advisor.compiled import build
from mbt_advisor.profile.loading import load_profile
from mbt_advisor.rendering.formats import to_json, to_markdown, to_text
from mbt_advisor.rulebase import artifact
from mbt_advisor.rulebase.examples import example_path, list_examples
from mbt_advisor.rulebase.knowledge_base import default_knowledge_dir, default_rules_dir, load_knowledge_files


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, Any]]:
    return build.build()


def _committed(part: str) -> str:
    return artifact.artifact_path(part).read_text(encoding="utf-8")


@pytest.mark.parametrize("part", artifact.PARTS)
def test_the_compiled_artifact_is_current(built: dict[str, dict[str, Any]], part: str) -> None:
    expected = built[part]
    if part == "knowledge":  # drawn by the installed matplotlib, maybe another release: see the next test
        expected = {**expected, "charts": json.loads(_committed(part))["charts"]}
    assert _committed(part) == build.render(expected), (
        f"mbt_advisor/compiled_{part}.json is stale (rules/ or knowledge/ changed): run `{artifact.REGENERATE}`"
    )


def test_the_compiled_chart_is_used_only_as_this_matplotlib_and_this_code_draw_it(built: dict[str, Any]) -> None:
    from mbt_advisor.rendering.chart import _compiled_reorganization_chart, drawn_by
    from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

    committed = json.loads(_committed("knowledge"))["charts"]
    used = _compiled_reorganization_chart(load_knowledge_base())
    if {k: committed[k] for k in ("matplotlib", "code")} == drawn_by():
        fresh = built["knowledge"]["charts"]
        assert committed == fresh, f"the compiled chart is stale: run `{artifact.REGENERATE}`"
        assert used == fresh["reorganization"]
    else:  # another matplotlib release or changed drawing code: the brief draws the chart itself
        assert used is None


@pytest.mark.parametrize("part", artifact.PARTS)
def test_the_artifact_is_plain_json_written_deterministically(built: dict[str, dict[str, Any]], part: str) -> None:
    text = build.render(built[part])
    assert build.render(json.loads(text)) == text
    assert json.loads(text)["digest"] == artifact.bundled_digest()


def _same(a: Any, b: Any, where: str = "") -> None:
    """Equal, with the same types all the way down (a tuple is not a list, 3.0 is not 3) and the same fields set."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, BaseModel):
        assert a.model_fields_set == b.model_fields_set, where
        for name in type(a).model_fields:
            _same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{index}]")
    else:
        assert a == b, where


def test_the_knowledge_base_from_the_artifact_is_the_one_the_files_give() -> None:
    from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

    from_files = load_knowledge_files(default_rules_dir(), default_knowledge_dir())
    from_artifact = load_knowledge_base()
    assert from_artifact is not from_files
    for part in (
        "rules",
        "sources",
        "cases",
        "case_profiles",
        "determinants",
        "rating_items",
        "lessons",
        "questions",
        "digest",
        "readiness",
        "coverage_exceptions",
        "rule_origin",
    ):
        _same(getattr(from_artifact, part), getattr(from_files, part), part)
    _same(from_artifact.directions.spec, from_files.directions.spec, "directions")


def test_the_default_advisor_evaluates_from_the_artifact_without_the_knowledge_files() -> None:
    code = (
        "import sys, mbt_advisor\n"
        "from mbt_advisor.rulebase.examples import example_path\n"
        "from mbt_advisor.rendering.formats import to_json\n"
        "to_json(mbt_advisor.evaluate(example_path('merger')))\n"
        "from mbt_advisor.rulebase.artifact import _read_artifact\n"
        "print(_read_artifact.cache_info().currsize)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('mbt_advisor.'))))\n"
    )
    parts, *loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert parts == "1"  # the tables only: the knowledge part is not even read
    for module in ("knowledge_base", "knowledge_models", "rule_models", "field_checks", "directions", "readiness"):
        assert f"mbt_advisor.rulebase.{module}" not in loaded


def _outputs(advisor: Advisor) -> list[str]:
    found = []
    for name in list_examples():
        assessment = advisor.evaluate(example_path(name))
        found += [to_json(assessment), to_text(assessment, width=80), to_markdown(assessment)]
    return found


def test_a_stale_artifact_is_not_used_and_the_files_give_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = Advisor()
    assert fresh._kb is None  # from the artifact: the knowledge base is not even loaded
    parts = {part: json.loads(_committed(part)) for part in artifact.PARTS}
    for data in parts.values():
        data["digest"] = "0" * 16  # made from other files than the bundled ones as they are now
    monkeypatch.setattr(artifact, "_read_artifact", parts.get)
    stale = Advisor()
    assert stale._kb is not None  # loaded and checked from the files
    assert _outputs(stale) == _outputs(fresh)


def test_rule_and_knowledge_folders_are_checked_in_full_and_nothing_is_written_there(
    rules_copy: Path, knowledge_copy: Path
) -> None:
    before = sorted(p.relative_to(rules_copy.parent) for p in rules_copy.parent.rglob("*"))
    advisor = Advisor(rules_copy, knowledge_copy)
    assert advisor._kb is not None and advisor.tables.digest == artifact.bundled_digest()
    assert sorted(p.relative_to(rules_copy.parent) for p in rules_copy.parent.rglob("*")) == before
    broken = sorted(rules_copy.glob("*.yaml"))[0]
    broken.write_text(broken.read_text().replace("severity: high", "severity: hihg", 1))
    with pytest.raises(KnowledgeError) as caught:
        Advisor(rules_copy, knowledge_copy)
    assert broken.name in str(caught.value) and "line" in str(caught.value)


def test_regenerating_reports_a_stale_artifact(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(build, "render", lambda data: "{}\n")
    assert build.main(["--check"]) == 1
    assert artifact.REGENERATE in capsys.readouterr().err
    assert build.main(["--bogus"]) == 2


def test_a_brief_with_the_compiled_chart_is_the_brief_with_the_chart_drawn(
    advisor: Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbt_advisor.rendering import chart
    from mbt_advisor.rendering.brief import render_brief

    merger = load_profile(example_path("merger"))  # not rated, reports a reorganization: the compiled chart
    if chart._compiled_reorganization_chart(advisor.kb) is None:
        pytest.skip("the compiled chart was drawn by another matplotlib release")
    compiled_brief = render_brief(merger, advisor, "html")
    monkeypatch.setattr(chart, "drawn_by", lambda: {"matplotlib": "another release", "code": "other"})
    assert chart._compiled_reorganization_chart(advisor.kb) is None
    assert render_brief(merger, advisor, "html") == compiled_brief


def test_the_brief_of_a_unit_not_rated_needs_no_plotting_library(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from mbt_advisor.assessment.advisor import default_advisor\n"
        "from mbt_advisor.rendering.chart import _compiled_reorganization_chart\n"
        "from mbt_advisor.rulebase.examples import example_path\n"
        "from mbt_advisor.profile.loading import load_profile\n"
        "from mbt_advisor.rendering.brief import render_brief\n"
        "advisor = default_advisor()\n"
        "usable = _compiled_reorganization_chart(advisor.kb) is not None\n"
        "html = render_brief(load_profile(example_path('merger')), advisor, 'html')\n"
        "print(usable, '<svg' in html, 'matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    usable, drawn, imported = out.stdout.split()
    assert drawn == "True"
    assert imported == ("False" if usable == "True" else "True")


def test_rules_check_reads_the_files_not_the_compiled_artifact(monkeypatch: pytest.MonkeyPatch) -> None:
    from mbt_advisor.cli.main import app
    from typer.testing import CliRunner

    def refused(*args: object) -> None:
        raise AssertionError("rules check used the compiled artifact")

    monkeypatch.setattr(artifact, "artifact_for", refused)
    result = CliRunner().invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.stdout
