"""The site-visit brief: page one first, the evidence after, in plain words; and how it prints in a real
(headless) browser. The browser tests are slow (`pytest -m slow`) except one smoke test."""

from __future__ import annotations

import os
import re
import subprocess
import typing
from html.parser import HTMLParser
from pathlib import Path

import pytest
from live_server import CHROMIUM, CHROMIUM_FLAGS
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, load_profile, profile_from_data
from mbt_advisor.profile.model import Profile
from mbt_advisor.rendering.brief import render_brief
from mbt_advisor.rendering.chart import chart_rows
from mbt_advisor.rulebase.examples import example_path, list_examples

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> & Co"
EXAMPLES = sorted(list_examples())


@pytest.fixture(scope="module")
def merger_html(advisor: Advisor) -> str:
    return render_brief(load_profile(example_path("merger")), advisor, "html")


class _Text(HTMLParser):
    """The text a reader sees, without the technical appendix, styles, the chart's drawing and the title."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping: str | None = None  # the tag whose content is being skipped
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping is None and (tag in ("style", "svg", "title") or ("id", "technical") in attrs):
            self.skipping = tag
        if tag == self.skipping:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self.skipping:
            self.depth -= 1
            if self.depth == 0:
                self.skipping = None

    def handle_data(self, data: str) -> None:
        if self.skipping is None:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return visible_text(html[start : html.index("</section>", start)])


def identifiers(advisor: Advisor) -> set[str]:
    """Every field id, enum value, rule id and concern id a reader must never see (those that are not also
    plain English words: 'partial' or 'high' are both an enum value and a word)."""
    from mbt_advisor.profile.model import Facts, Organization, Ratings

    kb = advisor.kb
    found: set[str] = {rule.id for rule in kb.rules}
    found |= {c for rule in kb.rules for c in rule.model_dump().get("concludes", [])}
    for section_name, model in (("organization", Organization), ("facts", Facts), ("ratings", Ratings)):
        for name, info in model.model_fields.items():
            found.add(f"{section_name}.{name}")
            found.add(name)
            for arg in typing.get_args(info.annotation):
                found |= {str(v) for v in typing.get_args(arg) if isinstance(v, str)}
                found |= {str(v) for a in typing.get_args(arg) for v in typing.get_args(a) if isinstance(v, str)}
    found |= {grade.id for grade in kb.evidence.grades} | set(kb.evidence.roles)
    found |= {str(c.value) for q in kb.questions.values() for c in q.choices}
    return {x for x in found if re.search(r"[._]|-(?!REORG)", x) and x not in {"MBT-A", "PRE-REORG"}}


# --- page one is the brief ---------------------------------------------------------------------------


def test_page_one_holds_the_unit_the_headline_five_actions_eight_questions_and_the_unknowns(
    merger_html: str, advisor: Advisor
) -> None:
    assessment = advisor.evaluate(example_path("merger"))
    one = section(merger_html, "page-one")
    assert "Harbour Clinic personality disorders unit" in one
    for words in ("Day hospital (partial hospitalization)", "Adults", "Reorganizing", "2026-10-02"):
        assert words in one
    risk = assessment.risk
    assert f"Risk: high (index {round(risk.index or 0)} of 100)" in one
    for level in ("organization", "team", "therapist"):  # each level's reading and index, on page one
        index = risk.level_index[level]
        assert f"{level.capitalize()} {risk.levels[level]} {round(index or 0)} " in one
    top = re.findall(r'<ol class="top">(.*?)</ol>', merger_html, re.S)[0]
    assert top.count("<li>") == 5
    for rec in assessment.recommendations[:5]:
        assert rec.title in top
    assert "unit C [1]" in one  # the cases each action rests on, with their reference numbers
    ask = re.findall(r'<ol class="ask">(.*?)</ol>', merger_html, re.S)[0]
    assert ask.count("<li>") == 8
    assert "Still unknown" in one and "No expert ratings of the 21 Table 4 items were given." in one


def test_a_unit_that_has_not_started_reads_as_readiness_and_its_actions_come_before_the_first_patients(
    advisor: Advisor,
) -> None:
    assessment = advisor.evaluate(example_path("adolescent-startup"))
    assert assessment.readiness is not None
    html = render_brief(load_profile(example_path("adolescent-startup")), advisor, "html")
    one = section(html, "page-one")
    assert one.index("Readiness before the first patients") < one.index("Risk as the unit stands")
    assert " ".join(assessment.readiness.headline.split()) in one
    assert "most urgent actions, before the first patients" in one
    assert "Before the first patients; " in section(html, "recommendations")
    merger = render_brief(load_profile(example_path("merger")), advisor, "html")
    assert "Readiness" not in merger and "Now; structure; severity high" in merger


def test_a_unit_with_no_gap_says_so_on_page_one(advisor: Advisor) -> None:
    assert not advisor.evaluate(example_path("riverside")).recommendations
    one = section(render_brief(load_profile(example_path("riverside")), advisor, "html"), "page-one")
    assert "Most urgent actions No rule found a gap in what the profile says." in one
    assert "The 0 " not in one


def test_the_brief_states_the_version_and_knowledge_digest(merger_html: str, advisor: Advisor) -> None:
    from mbt_advisor import __version__

    digest = advisor.evaluate(example_path("merger")).rule_base
    assert f"mbt-advisor {__version__}" in section(merger_html, "page-one")
    assert digest not in section(merger_html, "page-one")  # a knowledge digest is for the technical details
    folded = merger_html.split('<details class="technical-details">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Technical details</summary>" in folded and digest in folded


# --- the detail: compact, each reference once ---------------------------------------------------------


def test_recommendations_are_grouped_by_level_with_short_numbered_citations(merger_html: str) -> None:
    recs = merger_html[merger_html.index('<section id="recommendations"') :]
    levels = [recs.index(f'id="level-{level}"') for level in ("organization", "team", "therapist")]
    assert levels == sorted(levels)
    cites = re.findall(r'<span class="ref citation">([^<]+)</span>', merger_html)
    case = r"(unit [A-G]|MBT-A unit|(PRE-)?REORG cohort)"
    assert cites and all(re.fullmatch(r"\[\d\] [^,\[\]]+(, [^,\[\]]+)?", c) for c in cites)
    assert any(re.fullmatch(rf"\[\d\] [^,]+, {case}", c) for c in cites)
    assert "[1] Table 1, unit C" in cites


def test_each_card_keeps_the_evidence_and_our_reading_apart(merger_html: str, advisor: Advisor) -> None:
    assessment = advisor.evaluate(example_path("merger"))
    cards = re.findall(r'<article class="card" id="rec-(\d+)">(.*?)</article>', merger_html, re.S)
    assert len(cards) == len(assessment.recommendations)
    for number, card in cards:
        rec = assessment.recommendations[int(number) - 1]
        evidence = re.findall(r'<ul class="evidence"[^>]*>(.*?)</ul>', card, re.S)[0]
        assert evidence.count("<li>") == len(rec.shown_citations()) + len(rec.source_statements)
        for citation in rec.shown_citations():
            assert visible_text(citation.statement.rstrip(". ")) in visible_text(evidence)
        if rec.our_reading:
            reading = re.findall(r'<p class="reading">(.*?)</p>', card, re.S)[0]
            assert visible_text(reading) == visible_text(f"Our reading: {rec.our_reading}")
            assert visible_text(rec.our_reading) not in visible_text(evidence)
    markdown = render_brief(load_profile(example_path("merger")), advisor, "markdown")
    readings = sum(1 for r in assessment.recommendations if r.our_reading) + len(assessment.strengths)
    assert markdown.count("*Our reading:*") == readings


def test_each_full_reference_appears_once(advisor: Advisor) -> None:
    for name in EXAMPLES:
        html = render_brief(load_profile(example_path(name)), advisor, "html")
        for source in advisor.kb.sources.values():
            assert html.count(source.reference()) <= 1, (name, source.id)
        assert html.count("doi:10.1002/pmh.1381") <= 1
    merger = render_brief(load_profile(example_path("merger")), advisor, "markdown")
    assert merger.count("doi:10.1002/pmh.1368") == 1


def test_the_interview_guide_has_every_question_by_level_with_room_to_answer(
    merger_html: str, advisor: Advisor
) -> None:
    assessment = advisor.evaluate(example_path("merger"))
    guide = merger_html[merger_html.index('<section id="interview-guide"') :]
    for rec in assessment.recommendations:
        for question in rec.questions:
            assert question.replace("'", "&#39;") in guide
    for item in assessment.missing_information:
        assert item.question.replace("'", "&#39;") in guide
    assert guide.count('class="answer"') == guide.count("<li>")


def test_technical_details_only_behind_the_flag(advisor: Advisor, merger_html: str) -> None:
    rule_id = advisor.evaluate(example_path("merger")).recommendations[0].rule_id
    assert rule_id not in merger_html and "score_components" not in merger_html
    technical = render_brief(load_profile(example_path("merger")), advisor, "html", technical=True)
    assert 'id="technical"' in technical and rule_id in technical


# --- plain language --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_field_id_enum_value_or_rule_id_in_the_main_text(name: str, advisor: Advisor) -> None:
    ids = identifiers(advisor)
    assert {"facts.team_buy_in", "day_hospital", "on_off_model", "several_cases"} <= ids
    html = render_brief(load_profile(example_path(name)), advisor, "html")
    words = set(re.findall(r"[\w.\-]+", visible_text(html)))
    words |= {w.rstrip(".") for w in words}
    assert not words & ids, sorted(words & ids)
    markdown = render_brief(load_profile(example_path(name)), advisor, "markdown")
    main = markdown.split("## Technical appendix")[0].replace("\\_", "_")
    assert not set(re.findall(r"[\w.\-]+", main)) & ids


def test_markdown_follows_the_same_structure_without_escaped_punctuation(advisor: Advisor) -> None:
    markdown = render_brief(load_profile(example_path("merger")), advisor, "markdown")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert [h.split(" ", 1)[1] for h in headings] == [
        "The 5 most urgent actions",
        "What to protect",
        "8 questions to ask on the visit",
        "Still unknown",
        "The documented cohorts' ratings before and during the reorganization",
        "Recommendations by level, most urgent first",
        "Strengths to protect",
        "Most similar documented cases",
        "References",
        "Interview guide",
    ]
    assert not re.search(r"\\[().:,!'\-]", markdown)
    assert not re.search(r"^#+ .*\n(?!\n)", markdown, re.M), "a blank line after every heading"
    assert "**[1] Table 1, unit C**" in markdown


def test_evaluate_text_is_wrapped_to_the_terminal_and_in_the_question_banks_words() -> None:
    runner = CliRunner()
    default = runner.invoke(app, ["evaluate", "--example", "merger"], env={"COLUMNS": ""}).stdout
    assert max(map(len, default.splitlines())) <= 80
    assert "Day hospital (partial hospitalization)" in default and "day_hospital" not in default
    assert "facts.team_buy_in" not in default
    narrow = runner.invoke(app, ["evaluate", "--example", "merger"], env={"COLUMNS": "60"}).stdout
    assert max(map(len, narrow.splitlines())) <= 60
    markdown = runner.invoke(app, ["evaluate", "--example", "merger", "--format", "markdown"]).stdout
    assert "Table 1: " in markdown and not re.search(r"\\[().:,!'\-]", markdown)


# --- an honest chart ---------------------------------------------------------------------------------


def test_no_point_on_the_rating_axis_without_ratings(advisor: Advisor) -> None:
    merger = load_profile(example_path("merger"))  # reorganizing, not rated: the cohorts only
    rows, caption = chart_rows(merger, advisor.kb) or ([], "")
    assert rows and all(unit is None for *_, unit in rows)
    assert "not rated" in caption and "before a reorganization" in caption
    html = render_brief(merger, advisor, "html")
    assert "this unit&#39;s rating" not in html and "this unit's rating" not in html
    planning = load_profile(example_path("adolescent-startup"))  # not rated, no reorganization: no chart
    assert chart_rows(planning, advisor.kb) is None
    assert "<svg" not in render_brief(planning, advisor, "html")


def test_a_rated_unit_is_drawn_at_its_own_ratings_on_the_items_it_was_rated_on(advisor: Advisor) -> None:
    riverside = load_profile(example_path("riverside"))
    rows, caption = chart_rows(riverside, advisor.kb) or ([], "")
    rated = {k: v for k, v in riverside.ratings.model_dump().items() if v is not None}
    assert [unit for *_, unit in rows] == [rated[i.id] for i in advisor.kb.rating_items.items if i.id in rated]
    partial = profile_from_data({"organization": {"name": "x"}, "ratings": {"org_commitment": 3, "team_cohesion": 6}})
    rows, caption = chart_rows(partial, advisor.kb) or ([], "")
    assert [(label, unit) for _, label, _, unit in rows] == [
        (i.short, v)
        for i in advisor.kb.rating_items.items
        for k, v in (("org_commitment", 3), ("team_cohesion", 6))
        if i.id == k
    ]
    assert "2 Table 4 items" in caption and "cohorts" in caption


# --- safety, determinism -----------------------------------------------------------------------------


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


# --- the consultant's workflow -----------------------------------------------------------------------


def test_report_writes_from_an_example_and_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "brief.md"
    result = runner.invoke(app, ["report", "--example", "school", "--format", "markdown", "--output", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("# Site-visit brief: Westbrook secondary school")
    target.write_text("my notes")
    again = runner.invoke(app, ["report", "--example", "school", "--output", str(target)])
    assert again.exit_code == 2 and "--force" in again.stderr and target.read_text() == "my notes"
    forced = runner.invoke(app, ["report", "--example", "school", "--output", str(target), "--force"])
    assert forced.exit_code == 0 and target.read_text().startswith("<!DOCTYPE html>")


def test_report_requires_an_output_file_and_one_profile() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["report", str(example_path("school"))]).exit_code == 2
    both = runner.invoke(app, ["report", str(example_path("school")), "--example", "school", "-o", "x.html"])
    assert both.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "--example", "school"],
        ["whatif", "--example", "school"],
        ["compare", "--example", "adolescent-startup", "--example", "merger"],
        ["compare", "--example", "adolescent-startup", str(example_path("merger"))],
    ],
)
def test_explain_whatif_and_compare_take_an_example(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout


def test_examples_says_where_each_file_is_and_how_to_copy_one() -> None:
    out = CliRunner().invoke(app, ["examples"]).stdout
    for name in EXAMPLES:
        assert str(example_path(name)) in out
    assert "cp " in out and "my-unit.yaml" in out and "--example NAME" in out


# --- in a real browser -------------------------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail("chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser tests run under CI")
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def printed_pages(tmp_path: Path, profile: Profile, advisor: Advisor) -> list[str]:
    """Print the brief to PDF in Chromium; the text of each A4 page."""
    from pypdf import PdfReader

    html, pdf = tmp_path / "brief.html", tmp_path / "brief.pdf"
    html.write_text(render_brief(profile, advisor, "html"), encoding="utf-8")
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
    reader = PdfReader(pdf)
    for page in reader.pages:
        assert [round(float(x)) for x in page.mediabox[2:]] == [595, 842], "A4 is 595 x 842 points"
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_merger_brief_prints_to_at_most_8_a4_pages_with_the_brief_on_page_one(
    tmp_path: Path, advisor: Advisor
) -> None:
    pages = printed_pages(tmp_path, load_profile(example_path("merger")), advisor)
    assert len(pages) <= 8, f"{len(pages)} pages"
    one = pages[0]
    for words in (
        "Harbour Clinic personality disorders unit",
        "The 5 most urgent actions",
        "8 questions to ask on the visit",
        "Still unknown",
    ):
        assert words in one
    assert "Act now: the reorganization meets a team already under strain" in one
    assert "left in the last twelve months?" in one  # the eighth question (PDF text has ligatures)
    assert "What to protect" in one
    assert pages[1].startswith("The documented cohorts' ratings before and during the reorganization"), (
        "the detail starts on page 2"
    )
    assert sum(p.count("doi:10.1002/pmh.1368") for p in pages) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_keeps_the_brief_on_page_one_and_the_guide_on_its_own_pages(
    name: str, tmp_path: Path, advisor: Advisor
) -> None:
    pages = printed_pages(tmp_path, load_profile(example_path(name)), advisor)
    assert "most urgent actions" in pages[0] or "No rule found a gap" in pages[0]
    assert "questions to ask on the visit" in pages[0] and "Still unknown" in pages[0]
    assert "Recommendations by level" not in pages[0]
    guide = [i for i, p in enumerate(pages) if p.startswith("Interview guide")]
    assert guide, "the interview guide starts at the top of a page, to print on its own"
    assert all("References" not in p for p in pages[guide[0] :])


@pytest.fixture
def hostile_brief(tmp_path: Path, advisor: Advisor) -> Path:
    data = {
        "organization": {"name": HOSTILE, "setting": "day_hospital", "phase": "starting"},
        "facts": {"management_support": "lacking", "clinical_leadership": "contested", "team_size": 15},
        "ratings": {"org_commitment": 2, "team_cohesion": 3},
    }
    path = tmp_path / "brief.html"
    path.write_text(render_brief(profile_from_data(data), advisor, "html"), encoding="utf-8")
    return path


@pytest.mark.slow
def test_browser_shows_the_name_as_text_and_the_chart(tmp_path: Path, hostile_brief: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", hostile_brief.as_uri()).stdout
    assert "<title>Site-visit brief: &lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "pwned</title>" not in dom.replace("&lt;/script&gt;</title>", "")
    assert "onerror" not in dom.replace("onerror=alert(1)&gt;", "")
    assert 'class="ref citation">[1] Table 1, unit A<' in dom
    assert "<svg" in dom and "this unit's rating" in dom and "ORGANIZATION LEVEL" in dom


@pytest.mark.slow
def test_browser_screenshot_shows_content(tmp_path: Path, hostile_brief: Path) -> None:
    png = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={png}", "--window-size=1000,1400", hostile_brief.as_uri())
    assert png.stat().st_size > 20_000, "a blank page would compress to almost nothing"


@pytest.mark.slow
def test_brief_and_plans_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    import sys

    outputs: dict[str, set[bytes]] = {"report": set(), "whatif": set()}
    for seed in ("0", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        target = tmp_path / f"brief-{seed}.html"
        subprocess.run(
            [sys.executable, "-m", "mbt_advisor", "report", "--example", "merger", "--output", str(target)],
            check=True,
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        outputs["report"].add(target.read_bytes())
        plan = subprocess.run(
            [sys.executable, "-m", "mbt_advisor", "whatif", "--example", "adolescent-startup", "--format", "json"],
            check=True,
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        outputs["whatif"].add(plan.stdout)
    assert all(len(found) == 1 for found in outputs.values())
