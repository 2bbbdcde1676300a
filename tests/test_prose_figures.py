"""`rules check` fails when a sentence quotes a figure its data does not hold, or writes a Table 4 half in
another form than the source's; each test breaks one sentence of a copy of the bundled files on purpose."""

from pathlib import Path

import pytest

from mbt_advisor.rulebase.lint import Finding, lint
from mbt_advisor.rulebase.prose_figures import figures_in


def prose_errors(rules: Path, knowledge: Path) -> list[Finding]:
    return [f for f in lint(rules, knowledge) if f.code == "prose-figure"]


def replace(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) and return the line it is on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def the_one_error(rules: Path, knowledge: Path) -> Finding:
    errors = prose_errors(rules, knowledge)
    assert len(errors) == 1, [e.describe() for e in errors]
    return errors[0]


def test_the_bundled_rules_and_knowledge_quote_only_figures_their_data_holds() -> None:
    assert [f.describe() for f in lint() if f.code == "prose-figure"] == []


def test_a_wrong_table4_rating_in_a_citation_is_an_error_at_its_line(rules_copy: Path, knowledge_copy: Path) -> None:
    line = replace(
        rules_copy / "culture.yaml", "team cohesion, 7 before vs 2 during", "team cohesion, 7 before vs 3 during"
    )
    error = the_one_error(rules_copy, knowledge_copy)
    assert Path(error.file or "").name == "culture.yaml" and error.line == line
    assert error.rule == "culture.prior-conflict"
    assert "'Team cohesion' 7 before and 3 during; Table 4 gives 7 and 2" in error.message


def test_a_table4_half_written_as_a_decimal_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(
        rules_copy / "culture.yaml",
        "team composition, 6 before vs 2/3 during",
        "team composition, 6 before vs 2.5 during",
    )
    error = the_one_error(rules_copy, knowledge_copy)
    assert "writes the Table 4 rating 2.5 as a decimal; the source writes '2/3' (or '2 to 3')" in error.message


def test_a_table4_half_written_two_to_three_is_the_source_form(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(
        rules_copy / "culture.yaml",
        "team composition, 6 before vs 2/3 during",
        "team composition, 6 before vs 2 to 3 during",
    )
    assert prose_errors(rules_copy, knowledge_copy) == []


def test_a_wrong_x_on_the_determinant_slide_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(rules_copy / "leadership.yaml", 'detail: "Leadership: 7"', 'detail: "Leadership: 8"')
    error = the_one_error(rules_copy, knowledge_copy)
    assert "gives 'Leadership' X = 8; the determinant slide gives 7" in error.message


def test_a_wrong_x_in_a_question_help_is_an_error_in_questions_yaml(rules_copy: Path, knowledge_copy: Path) -> None:
    line = replace(knowledge_copy / "questions.yaml", "Leadership counts 7", "Leadership counts 5")
    error = the_one_error(rules_copy, knowledge_copy)
    assert Path(error.file or "").name == "questions.yaml" and error.line is not None and error.line <= line
    assert "X = 5; the determinant slide gives 7" in error.message


def test_calling_x_a_number_of_cases_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(
        rules_copy / "support.yaml",
        "We do not flag partial support where",
        "Support was named in 8 cases. We do not flag partial support where",
    )
    error = the_one_error(rules_copy, knowledge_copy)
    assert "calls the determinant slide's X a number of cases" in error.message


def test_a_table2_mean_the_cited_case_does_not_hold_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(
        rules_copy / "support.yaml",
        "We do not flag partial support where",
        "The experts rated unit A's organization 4.3. We do not flag partial support where",
    )
    error = the_one_error(rules_copy, knowledge_copy)
    assert "quotes 4.3, which the data it cites does not hold" in error.message


def test_a_table2_mean_of_a_case_the_rule_cites_is_accepted(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(
        rules_copy / "support.yaml",
        "We do not flag partial support where",
        "The experts rated unit A's organizational factors 4.8 (4-5). We do not flag partial support where",
    )
    assert prose_errors(rules_copy, knowledge_copy) == []


def test_a_figure_of_a_case_the_rule_does_not_cite_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    # 2.4 is unit A's therapist mean (Table 2); support.mission-fit cites no unit A
    replace(
        rules_copy / "support.yaml",
        "We read a programme that serves the mission",
        "Therapist factors were rated 2.4. We read a programme that serves the mission",
    )
    error = the_one_error(rules_copy, knowledge_copy)
    assert error.rule == "support.mission-fit" and "quotes 2.4" in error.message


def test_an_effect_size_range_that_was_not_recorded_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(rules_copy / "structure.yaml", "effect sizes 0.03-0.71 (REORG)", "effect sizes 0.03-0.72 (REORG)")
    messages = [e.message for e in prose_errors(rules_copy, knowledge_copy)]
    assert any("quotes the range 0.03-0.72, which is no recorded effect size" in m for m in messages), messages


def test_a_wrong_figure_in_a_case_summary_is_an_error_in_the_case_file(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(knowledge_copy / "cases" / "PRE-REORG.yaml", "(MBT experience 4)", "(MBT experience 4, and 8 on one item)")
    error = the_one_error(rules_copy, knowledge_copy)
    assert Path(error.file or "").name == "PRE-REORG.yaml" and error.line is not None
    assert "quotes 8" in error.message


def test_a_lesson_quoting_a_figure_of_another_source_is_an_error(rules_copy: Path, knowledge_copy: Path) -> None:
    replace(knowledge_copy / "lessons.yaml", "The team lacked leadership.", "The team lacked leadership (4.49).")
    error = the_one_error(rules_copy, knowledge_copy)
    assert Path(error.file or "").name == "lessons.yaml" and "mbta.leadership" in error.message


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Table 4, column Cohort 1; 6/7 read as 6.5", ["6/7"]),
        ("effect sizes 0.81-1.80 at 36 months", ["0.81", "1.8", "36"]),
        ("Hutsebaut et al. 2012 (SIPP-118, BSI) rated 4.0", ["4"]),
        ("Figure 1 and Table 2; phase 1; point 3", []),
    ],
)
def test_what_counts_as_a_figure(text: str, figures: list[str]) -> None:
    assert figures_in(text) == figures
