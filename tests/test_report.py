"""The site-visit brief: content, safety, determinism, and how it looks in a real (headless) browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, load_profile, profile_from_data
from mbt_advisor.examples import example_path
from mbt_advisor.report import render_brief

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> & Co"


@pytest.fixture(scope="module")
def merger_html(advisor: Advisor) -> str:
    return render_brief(load_profile(example_path("merger")), advisor, "html")


def test_brief_holds_every_part_a_consultant_needs(merger_html: str, advisor: Advisor) -> None:
    assessment = advisor.evaluate(example_path("merger"))
    for section in ("risk", "recommendations", "questions", "similar", "references"):
        assert f'id="{section}"' in merger_html
    for rec in assessment.recommendations:
        assert f'id="rec-{rec.rule_id}"' in merger_html
    assert "tag-gap" in merger_html and ">missing<" in merger_html
    assert "doi:10.1002/pmh.1381" in merger_html
    assert merger_html.count("<svg") == 1


def test_brief_is_self_contained(merger_html: str) -> None:
    assert "<script" not in merger_html
    assert not re.search(r'(src|href)="(https?:)?//', merger_html)
    assert "@import" not in merger_html and "url(http" not in merger_html


def test_profile_text_is_escaped_in_html_and_markdown(advisor: Advisor) -> None:
    profile = profile_from_data({"organization": {"name": HOSTILE, "assessor": "<b>x</b>"}})
    html = render_brief(profile, advisor, "html")
    assert "<script>document" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "<b>x</b>" not in html
    markdown = render_brief(profile, advisor, "markdown")
    assert "<script>" not in markdown and "\\<script\\>" in markdown


def test_same_profile_same_bytes(advisor: Advisor) -> None:
    profile = load_profile(example_path("riverside"))
    assert render_brief(profile, advisor, "html") == render_brief(profile, advisor, "html")


def test_report_cli_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    result = CliRunner().invoke(
        app, ["report", str(example_path("school")), "--format", "markdown", "--output", str(target)]
    )
    assert result.exit_code == 0 and result.stdout == ""
    text = target.read_text()
    assert text.startswith("# Site-visit brief: Westbrook secondary school")
    assert "[gap]" in text and "[missing]" in text


def test_report_requires_an_output_file() -> None:
    assert CliRunner().invoke(app, ["report", str(example_path("school"))]).exit_code == 2


# --- in a real browser -------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
    "--no-first-run",
    "--disable-default-apps",
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail("chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser tests run under CI")
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def hostile_brief(tmp_path: Path, advisor: Advisor) -> Path:
    data = {
        "organization": {"name": HOSTILE, "setting": "day_hospital", "phase": "starting"},
        "facts": {"management_support": "lacking", "clinical_leadership": "contested", "team_size": 15},
    }
    path = tmp_path / "brief.html"
    path.write_text(render_brief(profile_from_data(data), advisor, "html"), encoding="utf-8")
    return path


def test_browser_shows_recommendations_citations_chart_and_the_name_as_text(
    tmp_path: Path, hostile_brief: Path
) -> None:
    run = chromium(tmp_path, "--dump-dom", hostile_brief.as_uri())
    dom = run.stdout
    assert "<title>Site-visit brief: &lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "pwned</title>" not in dom.replace("&lt;/script&gt;</title>", "")
    assert "onerror" not in dom.replace("onerror=alert(1)&gt;", "")
    assert 'id="rec-support.compounded-support-and-leadership"' in dom
    assert 'class="citation">A<' in dom
    assert "<svg" in dom and "ORGANIZATION LEVEL" in dom


def test_browser_prints_paged_a4(tmp_path: Path, hostile_brief: Path) -> None:
    pdf = tmp_path / "brief.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", hostile_brief.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2, "the brief should break into several A4 pages"
    boxes = {
        tuple(round(float(x)) for x in box.split())
        for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+ [\d.]+)\s*\]", data)
    }
    assert boxes == {(595, 842)}, f"A4 is 595 x 842 points, got {boxes}"


def test_browser_screenshot_shows_content(tmp_path: Path, hostile_brief: Path) -> None:
    png = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={png}", "--window-size=1000,1400", hostile_brief.as_uri())
    assert png.stat().st_size > 20_000, "a blank page would compress to almost nothing"


def test_brief_and_plans_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    import sys

    outputs: dict[str, set[bytes]] = {"report": set(), "whatif": set()}
    for seed in ("0", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        target = tmp_path / f"brief-{seed}.html"
        subprocess.run(
            [sys.executable, "-m", "mbt_advisor", "report", str(example_path("merger")), "--output", str(target)],
            check=True,
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        outputs["report"].add(target.read_bytes())
        plan = subprocess.run(
            [
                sys.executable,
                "-m",
                "mbt_advisor",
                "whatif",
                str(example_path("adolescent-startup")),
                "--format",
                "json",
            ],
            check=True,
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        outputs["whatif"].add(plan.stdout)
    assert all(len(found) == 1 for found in outputs.values())
