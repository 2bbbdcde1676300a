"""mbt-advisor's commands. Each one parses its options, calls the library, and prints the result.

Exit status: 0 success, 1 findings (e.g. `rules check` found errors), 2 bad input or usage.
"""

import contextlib
import gc
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mbt_advisor._version import __version__

from .io import EXIT_BAD_INPUT, emit, fail, is_file, note, output_path, write_atomic, write_stdout
from .serve_cmd import register as register_serve
from .usage import typer_app
from .wizard_cmd import wizard

app = typer_app(
    name="mbt-advisor",
    help=(
        "Decision support for implementing Mentalization-Based Treatment: prioritized, case-cited "
        "recommendations for an organization profile.\n\nExit status: 0 ok, 1 findings, 2 bad input or usage."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer_app(help="The rule base: list, show and check rules.", no_args_is_help=True)
cases_app = typer_app(help="The documented cases and cohorts.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(cases_app, name="cases")


class AssessmentFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class DataFormat(StrEnum):
    text = "text"
    json = "json"


RulesDir = Annotated[
    Path | None,
    typer.Option("--rules", readable=False, help="Use the rule files in this folder instead of the bundled ones."),
]
KnowledgeDir = Annotated[
    Path | None,
    typer.Option("--knowledge", readable=False, help="Use this knowledge folder instead of the bundled one."),
]


def _version(value: bool) -> None:
    if value:
        write_stdout(f"mbt-advisor {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """mbt-advisor: evidence-based advice for MBT implementation."""


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Pause the cyclic garbage collector while a command loads its modules and the rule base, then freeze
    what was loaded (it lives as long as the process) and collect as usual. Loading creates tens of thousands
    of long-lived objects (models, the engine's network), which would otherwise be traversed again and
    again by collections that can find nothing to free among them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _knowledge(rules: Path | None, knowledge: Path | None):  # type: ignore[no-untyped-def]
    """The checked rules and knowledge, without compiling an engine (for commands that only read them)."""
    with _loading():
        from mbt_advisor.rulebase.knowledge_base import load_knowledge_base

        return load_knowledge_base(rules, knowledge)


def _advisor(rules: Path | None, knowledge: Path | None):  # type: ignore[no-untyped-def]
    with _loading():
        from mbt_advisor.assessment.advisor import Advisor, default_advisor

        if rules is None and knowledge is None:
            return default_advisor()
        return Advisor(rules, knowledge)


@app.command()
def evaluate(
    profiles: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Profile file(s) (YAML, or JSON by .json suffix), or folders of them.",
            show_default=False,
            readable=False,
        ),
    ] = None,
    format: Annotated[
        AssessmentFormat | None,
        typer.Option(
            "--format", "-f", help="Output format: text (default), markdown or json; several profiles give JSON Lines."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", parser=output_path, metavar="FILE", help="Write to this file instead of stdout."
        ),
    ] = None,
    example: Annotated[str | None, typer.Option("--example", help="Evaluate a bundled example (`examples`).")] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Only the headline and the three most urgent actions (on a terminal they also end the full text).",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=256,
            help=(
                "Worker processes for several profiles. More jobs help only with hundreds of profiles and idle "
                "cores (each worker first spends about a second loading the rule base); on a busy machine "
                "or for a few files one job is fastest."
            ),
        ),
    ] = 1,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """Assess an organization profile: risk per level, prioritized recommendations citing the cases,
    similar cases and what is still unknown.

    Several files or a folder give JSON Lines, one assessment per profile in input order, each with its file
    name ({"file", "ok", "assessment"} or {"file", "ok": false, "error"}); a bad file is reported on stderr
    and in its line without stopping the batch, and the exit status is 2 if any failed.

    Examples:

      mbt-advisor evaluate profile.yaml

      mbt-advisor evaluate --example merger --format json --output merger.json

      mbt-advisor evaluate --example merger --summary

      mbt-advisor evaluate units/ --jobs 2 > assessments.jsonl
    """
    with _loading():
        from mbt_advisor.rendering.formats import summary_text, to_json, to_markdown, to_text

    paths = list(profiles or [])
    if (not paths) == (example is None):
        fail("give either PROFILE file(s) or --example NAME (see `mbt-advisor examples`).")
    from mbt_advisor.questions.batch import is_folder

    if len(paths) > 1 or (paths and is_folder(paths[0])):
        _evaluate_batch(paths, format, output, jobs, rules, knowledge)
        return
    if example is not None:
        from mbt_advisor.rulebase.examples import example_path

        paths = [example_path(example)]
    advisor = _advisor(rules, knowledge)
    assessment = advisor.evaluate(_load(paths[0]))
    if summary:
        if format not in (None, AssessmentFormat.text):
            fail("--summary is plain text: leave out --format (or use --format text).")
        text = summary_text(assessment)
    elif format is AssessmentFormat.json:
        text = to_json(assessment)
    elif format is AssessmentFormat.markdown:
        text = to_markdown(assessment, kb=advisor.tables)
    else:
        text = to_text(assessment, kb=advisor.tables)
        if output is None and stdout_is_terminal():  # the headline where the screen shows it: at the end
            text += "\n" + summary_text(assessment, after_full_text=True)
    emit(text, output, inputs=paths)


def stdout_is_terminal() -> bool:
    """Whether the text goes to a person's terminal (not a pipe or a file): then it ends with the summary."""
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (ValueError, OSError):
        return False


def _evaluate_batch(
    paths: list[Path],
    format: AssessmentFormat | None,
    output: Path | None,
    jobs: int,
    rules: Path | None,
    knowledge: Path | None,
) -> None:
    from mbt_advisor.questions.batch import evaluate_many, expand_inputs

    if format not in (None, AssessmentFormat.json):
        fail("several profiles give JSON Lines: use --format json (or leave --format out).")
    files = expand_inputs(paths)  # an unreadable folder raises InputError, reported by the command group
    if not files:
        fail(f"no profiles (*.yaml, *.yml, *.json) found in {', '.join(map(str, paths))}.")
    lines = evaluate_many(  # a broken rule base raises InputError, reported by the command group
        files,
        jobs=jobs,
        advisor=None if jobs > 1 else _advisor(rules, knowledge),
        rules_dir=str(rules) if rules else None,
        knowledge_dir=str(knowledge) if knowledge else None,
    )
    failed = 0
    collected: list[str] = []
    for line, error in lines:
        if error is not None:
            failed += 1
            sys.stderr.write(f"mbt-advisor: error: {error}\n")
        if output is None:
            write_stdout(line + "\n", flush=False)
        else:
            collected.append(line)
    if output is not None:
        emit("".join(line + "\n" for line in collected), output, inputs=files)
    write_stdout("")
    if failed:
        sys.stderr.write(f"mbt-advisor: {failed} of {len(files)} profile(s) could not be assessed.\n")
        raise typer.Exit(EXIT_BAD_INPUT)


def _emit_result(result: Any, format: DataFormat, as_text: Any) -> None:
    """Exact JSON for tools, or the command's text rendering for people, on stdout."""
    from mbt_advisor.rendering.formats import to_json

    emit(to_json(result) if format is DataFormat.json else as_text(result), None)


def _load(path: Path):  # type: ignore[no-untyped-def]
    from mbt_advisor.profile.loading import load_profile

    return load_profile(path)


Example = Annotated[
    str | None, typer.Option("--example", help="Use a bundled example instead of a file (`mbt-advisor examples`).")
]


def _profile_or_example(path: Path | None, example: str | None):  # type: ignore[no-untyped-def]
    """The profile from a file or a bundled example: exactly one of the two (raises InputError if bad)."""
    if (path is None) == (example is None):
        fail("give either a PROFILE file or --example NAME (see `mbt-advisor examples`).")
    if example is not None:
        from mbt_advisor.rulebase.examples import example_path

        path = example_path(example)
    assert path is not None
    return _load(path)


@app.command()
def explain(
    profile: Annotated[Path | None, typer.Argument(help="Profile file.", show_default=False, readable=False)] = None,
    example: Example = None,
    rule: Annotated[
        str | None, typer.Option("--rule", help="Answer for this rule only: did it fire, and if not, what would.")
    ] = None,
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """HOW: for each recommendation, the chain of rule firings and matched answers that led to it, its score
    and citations. With --rule ID, that rule's answer only: whether it fired, each condition with the
    profile's value, and what would make it fire (JSON keeps the whole trace and adds "rule").

    Examples:

      mbt-advisor explain profile.yaml

      mbt-advisor explain profile.yaml --rule support.isolated-team
    """
    from mbt_advisor.questions.explanation import explain as explain_profile
    from mbt_advisor.rendering.formats import explanation_text, rule_check_text

    result = explain_profile(_profile_or_example(profile, example), rule, advisor=_advisor(rules, knowledge))
    if result.rule is not None and format is DataFormat.text:
        emit(f"For {result.organization}:\n" + rule_check_text(result.rule), None)
        return
    _emit_result(result, format, explanation_text)


@app.command()
def whatif(
    profile: Annotated[Path | None, typer.Argument(help="Profile file.", show_default=False, readable=False)] = None,
    example: Example = None,
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    include_context: Annotated[
        bool, typer.Option("--include-context", help="Also change context answers (e.g. an announced reorganization).")
    ] = False,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """The smallest sets of changes that lower the overall risk, with the risk each reaches (checked by
    evaluating the changed profile), alternatives, and the single changes that help most.

    Example:

      mbt-advisor whatif profile.yaml --format json
    """
    from mbt_advisor.questions.whatif import what_if
    from mbt_advisor.rendering.formats import whatif_text

    result = what_if(
        _profile_or_example(profile, example), include_context=include_context, advisor=_advisor(rules, knowledge)
    )
    _emit_result(result, format, whatif_text)


@app.command()
def compare(
    old: Annotated[Path | None, typer.Argument(help="The earlier profile.", show_default=False, readable=False)] = None,
    new: Annotated[Path | None, typer.Argument(help="The later profile.", show_default=False, readable=False)] = None,
    example: Annotated[
        list[str] | None,
        typer.Option("--example", help="A bundled example as the earlier profile; given twice, as both."),
    ] = None,
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """What changed between two profiles of the same unit: answers by level, recommendations that appeared,
    disappeared or moved, the risk, and an early warning when the change looks like the documented decline
    during a reorganization.

    Example:

      mbt-advisor compare visit-2025.yaml visit-2026.yaml

      mbt-advisor compare --example adolescent-startup later.yaml
    """
    from mbt_advisor.questions.comparison import compare as compare_profiles
    from mbt_advisor.rendering.formats import comparison_text

    names, files = list(example or []), [p for p in (old, new) if p is not None]
    if len(names) + len(files) != 2:
        fail("give two profiles to compare: OLD NEW files, --example NAME and NEW, or --example twice.")
    from mbt_advisor.rulebase.examples import example_path

    first, second = [example_path(n) for n in names] + files
    result = compare_profiles(_load(first), _load(second), advisor=_advisor(rules, knowledge))
    _emit_result(result, format, comparison_text)


app.command()(wizard)
register_serve(app)  # serve, db backup|restore|path (cli/serve_cmd.py)


class BriefFormat(StrEnum):
    html = "html"
    markdown = "markdown"
    pdf = "pdf"


@app.command()
def report(
    profile: Annotated[Path | None, typer.Argument(help="Profile file.", show_default=False, readable=False)] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", parser=output_path, metavar="FILE", help="The file to write (required)."),
    ] = None,
    format: Annotated[
        BriefFormat,
        typer.Option(
            "--format", "-f", help="html, markdown, or pdf (needs the extra: pip install 'mbt-advisor[pdf]')."
        ),
    ] = BriefFormat.html,
    example: Example = None,
    technical: Annotated[
        bool, typer.Option("--technical", help="Add an appendix with rule ids, scores and matched answers.")
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            readable=False,
            metavar="OLD",
            help="The unit's previous visit (a profile): page one says what changed since it.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """Write a consultant's site-visit brief. Page one: the unit, the headline risk per level, the five most
    urgent actions with their cases, the eight questions to ask, what is still unknown. Then the
    recommendations by level with numbered references, similar cases, the references once, and an interview
    guide with room for answers. HTML is one self-contained file (no scripts, no remote resources) that
    prints to A4. It will not overwrite a file without --force.

    Examples:

      mbt-advisor report profile.yaml --output brief.html

      mbt-advisor report --example merger --format markdown --output brief.md

      mbt-advisor report visit-2.yaml --previous visit-1.yaml --output brief.html

      mbt-advisor report --example merger --format pdf --output brief.pdf
    """
    with _loading():
        from mbt_advisor.rendering.brief import render_brief

    if output is None:
        fail("give the file to write with --output FILE (e.g. --output brief.html).")
    if is_file(output) and not force:
        fail(f"{output}: already exists; use --force to overwrite it.")
    current = _profile_or_example(profile, example)
    before = _load(previous) if previous is not None else None
    markup = "markdown" if format is BriefFormat.markdown else "html"
    text = render_brief(current, _advisor(rules, knowledge), markup, technical=technical, previous=before)
    inputs = [p for p in (profile, previous) if p is not None]
    if format is BriefFormat.pdf:
        from mbt_advisor.rendering.brief import brief_pdf

        write_atomic(output, brief_pdf(text), inputs=inputs)  # a missing extra is one line, exit 2
        note(f"wrote {output}")
        return
    emit(text, output, inputs=inputs)


@app.command()
def examples(
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
) -> None:
    """List the bundled example profiles, where each file is, and how to start from a copy. Any command that
    reads a profile (evaluate, report, explain, whatif, compare) takes `--example NAME` instead of a file.

    Example:

      mbt-advisor examples --format json
    """
    from mbt_advisor.rendering.formats import examples_table
    from mbt_advisor.rulebase.examples import example_path, list_examples

    found = list_examples()
    rows = [{"name": k, "description": v, "path": str(example_path(k))} for k, v in found.items()]
    _emit_result(rows, format, examples_table)


@app.command()
def schema(
    assessment: Annotated[
        bool, typer.Option("--assessment", help="The schema of the assessment (output, contract v1.1) instead")
    ] = False,
) -> None:
    """Print the JSON Schema of the organization profile (for editors and other tools), or of the assessment.

    Example:

      mbt-advisor schema > mbt-profile.schema.json
      mbt-advisor schema --assessment > mbt-assessment.schema.json
    """
    from mbt_advisor.assessment.model import Assessment
    from mbt_advisor.profile.model import Profile
    from mbt_advisor.rendering.formats import to_json

    data = Assessment.model_json_schema() if assessment else Profile.model_json_schema()
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "mbt-advisor assessment (contract v1.1)" if assessment else "mbt-advisor organization profile (v1)"
    emit(to_json(data), None)


@rules_app.command("list")
def rules_list(
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """List every rule with its theme, level, severity and evidence grade.

    Example:

      mbt-advisor rules list --format json
    """
    from mbt_advisor.rendering.formats import rule_rows, rules_table

    _emit_result(rule_rows(_knowledge(rules, knowledge)), format, rules_table)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule id, e.g. leadership.contested-lead")],
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """Show one rule: its conditions, conclusions, advice and citations.

    Example:

      mbt-advisor rules show leadership.contested-lead
    """
    from mbt_advisor.common.ids import find_id
    from mbt_advisor.rendering.formats import rule_text, to_json

    kb = _knowledge(rules, knowledge)
    rule_id = find_id(rule_id, kb.rules_by_id, what="rule", source="ID", hint="See `mbt-advisor rules list`.")
    rule = kb.rule(rule_id)
    if format is DataFormat.json:
        data = rule.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["defined_in"] = {"file": Path(kb.rule_origin[rule_id][0]).name, "line": kb.rule_origin[rule_id][1]}
        emit(to_json(data), None)
        return
    emit(rule_text(rule, kb.rule_origin[rule_id]), None)


@rules_app.command("check")
def rules_check(
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """Lint the rule base: schema errors with file and line, unknown fields, cases and sources, unused
    concerns, rules that can never fire, redundant rules; coverage gaps as notes. Exit 1 on errors.

    Example:

      mbt-advisor rules check --rules my-rules/
    """
    from mbt_advisor.rendering.formats import to_json
    from mbt_advisor.rulebase.knowledge_base import default_knowledge_dir, default_rules_dir
    from mbt_advisor.rulebase.lint import lint

    # the files themselves, never the compiled artifact: a check added since it was compiled must run
    findings = lint(rules or default_rules_dir(), knowledge or default_knowledge_dir())
    errors = [f for f in findings if f.severity == "error"]
    if format is DataFormat.json:
        emit(to_json({"ok": not errors, "findings": [f.as_dict() for f in findings]}), None)
    else:
        lines = [f.describe() for f in findings]
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "note")}
        lines.append(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['note']} note(s)")
        emit("\n".join(lines) + "\n", None)
    if errors:
        raise typer.Exit(1)


@rules_app.command("coverage")
def rules_coverage(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", parser=output_path, metavar="FILE", help="Write to this file.")
    ] = None,
    format: Annotated[DataFormat, typer.Option("--format", "-f", help="text (a Markdown table) or json.")] = (
        DataFormat.text
    ),
    rules: RulesDir = None,
    knowledge: KnowledgeDir = None,
) -> None:
    """Print the coverage table: each case determinant, Table 4 item and lesson, and the rules covering it.

    Example:

      mbt-advisor rules coverage --output docs/coverage.md
    """
    from mbt_advisor.rendering.formats import to_json
    from mbt_advisor.rulebase.coverage_doc import coverage_rows, render_coverage

    kb = _knowledge(rules, knowledge)
    emit(to_json(coverage_rows(kb)) if format is DataFormat.json else render_coverage(kb), output)


@cases_app.command("list")
def cases_list(
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    knowledge: KnowledgeDir = None,
) -> None:
    """List the documented cases and cohorts with their published outcomes.

    Example:

      mbt-advisor cases list
    """
    from mbt_advisor.rendering.formats import case_rows, cases_table

    _emit_result(case_rows(_knowledge(None, knowledge)), format, cases_table)


@cases_app.command("show")
def cases_show(
    case_id: Annotated[
        str, typer.Argument(metavar="ID", help="Case or cohort (any case): A-G, MBT-A, PRE-REORG, REORG")
    ],
    format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
    knowledge: KnowledgeDir = None,
) -> None:
    """Show one case: outcome labels, determinants, expert ratings, effect sizes and its encoded profile
    (for the cohorts, the 21 Table 4 ratings), in text as in JSON.

    Example:

      mbt-advisor cases show REORG --format json
    """
    from mbt_advisor.common.ids import find_id
    from mbt_advisor.rendering.formats import case_text, to_json

    kb = _knowledge(None, knowledge)
    case = kb.cases[find_id(case_id, kb.cases, what="case", source="ID", hint=f"Known: {', '.join(kb.cases)}.")]
    if format is DataFormat.json:
        data = case.model_dump(mode="json")
        data["reference"] = kb.sources[case.source].reference()
        emit(to_json(data), None)
        return
    emit(case_text(case, kb), None)


__all__ = ["app", "EXIT_BAD_INPUT"]
