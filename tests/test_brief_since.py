"""The brief sees the change: with the previous visit, page one says what changed since it (its date, the index
then and now per level, the items that fell or rose by their labels, the early warning the web shows, from the
same comparison), and the chart marks the previous visit's ratings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

import mbt_advisor
from mbt_advisor import Advisor, example_path, load_profile

runner = CliRunner()


def rated(path: Path, tmp_path: Path, name: str, changes: dict[str, str]) -> Path:
    """A copy of an example with some lines replaced."""
    text = path.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def visits(tmp_path: Path) -> tuple[Path, Path]:
    """Riverside, then six months later during a reorganization (the web tests' decline)."""
    first = example_path("riverside")
    second = rated(
        first,
        tmp_path,
        "riverside-later.yaml",
        {
            "phase: running": "phase: reorganizing",
            "reorganization: false": "reorganization: true",
            "management_support: strong": "management_support: lacking",
            "team_conflict: low": "team_conflict: high",
            "on_site_supervision: true": "on_site_supervision: false",
            "assessed_on: 2026-11-20": "assessed_on: 2027-05-20",
            "org_commitment: 6": "org_commitment: 3",
            "management_continuity: 6": "management_continuity: 3",
            "leadership: 6": "leadership: 3",
            "team_cohesion: 6": "team_cohesion: 3",
        },
    )
    return first, second


def page_one(html: str) -> str:
    start = html.index('id="page-one"')
    return html[start : html.index("</section>", start)]


def test_page_one_says_what_changed_since_the_last_visit(visits: tuple[Path, Path], advisor: Advisor) -> None:
    first, second = visits
    html = mbt_advisor.brief(second, previous=first)
    one = page_one(html)
    assert "Since the last visit (2026-11-20)" in one
    comparison = mbt_advisor.compare(load_profile(first), load_profile(second), advisor=advisor)
    overall = comparison.risk[0]
    assert f"{overall.old_index:.0f} &rarr; {overall.new_index:.0f}" in one
    assert "Commitment and support to implement MBT" in one  # a Table 4 item that fell, by its label
    assert "org_commitment" not in one
    for warning in comparison.warnings:  # the same early warning as the web's visit page, from one definition
        assert warning.split(" (")[0].replace("'", "&#39;")[:60] in one


def test_without_a_previous_visit_there_is_no_such_section() -> None:
    assert "Since the last visit" not in mbt_advisor.brief(example_path("riverside"))


def test_the_chart_marks_the_previous_visits_ratings(visits: tuple[Path, Path]) -> None:
    first, second = visits
    with_previous = mbt_advisor.brief(second, previous=first)
    alone = mbt_advisor.brief(second)
    assert "at the last visit" in with_previous and "at the last visit" not in alone
    assert len(re.findall(r"<path", with_previous)) > len(re.findall(r"<path", alone))


def test_many_changes_are_listed_with_and_n_more(tmp_path: Path) -> None:
    reorg = example_path("merger")
    html = mbt_advisor.brief(reorg, previous=example_path("riverside"))
    assert re.search(r"and \d+ more", page_one(html))


def test_report_previous_on_the_command_line_html_and_markdown(visits: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = visits
    for fmt, marker in (("html", "Since the last visit (2026-11-20)"), ("markdown", "## Since the last visit")):
        out = tmp_path / f"brief.{fmt}"
        result = runner.invoke(
            app, ["report", str(second), "--previous", str(first), "--format", fmt, "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert marker in out.read_text(encoding="utf-8")


def test_a_bad_previous_profile_is_one_line_exit_2_and_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "old.yaml"
    bad.write_text("organization:\n  name: X\nfacts:\n  team_sise: 3\n", encoding="utf-8")
    out = tmp_path / "brief.html"
    result = runner.invoke(app, ["report", "--example", "merger", "--previous", str(bad), "--output", str(out)])
    assert result.exit_code == 2
    assert not out.exists()
    assert "old.yaml" in result.stderr and "team_sise" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    missing = runner.invoke(
        app, ["report", "--example", "merger", "--previous", str(tmp_path / "none.yaml"), "-o", str(out)]
    )
    assert missing.exit_code == 2 and not out.exists()
