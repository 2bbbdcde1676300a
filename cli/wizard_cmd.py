"""`mbt-advisor wizard`: from nothing to a saved profile and a cited assessment, without losing an answer."""

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mbt_advisor.common.errors import InputError, ProfileError, did_you_mean
from mbt_advisor.wizard.answer_marks import BACK, SKIP

from .io import EXIT_FINDINGS, bad_input, fail, note, output_path, write_atomic
from .prompts import ArrowPrompter, LinePrompter, Prompter

INTRO = (
    "mbt-advisor wizard: plain questions about your MBT programme. '?' says why a question matters, "
    "'-' means don't know, '<' goes back."
)


def _interactive_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and os.environ.get("CI", "").lower() not in {"1", "true"}


def make_prompter(interactive: bool) -> Prompter:
    """Arrow-key menus on a terminal, plain lines otherwise (tests replace this to drive either one)."""
    return ArrowPrompter() if interactive else LinePrompter()


def _apply_answers_file(wizard: Any, path: Path) -> None:
    from mbt_advisor.wizard.files import read_answers
    from mbt_advisor.wizard.questionnaire import PATH_FIELD

    known = {q.field: q for q in wizard.questions}
    answers = read_answers(path, known)
    if any(name.startswith("ratings.") for name in answers):
        answers.setdefault(PATH_FIELD, "expert")
    for name in [q.field for q in wizard.questions if q.field in answers]:  # in questionnaire order
        try:
            wizard.answer(known[name], answers[name])
        except ValueError as exc:
            raise ProfileError(str(exc), source=str(path), field=name) from None
    for name in answers:
        if name not in known and name != "profile_version":
            raise ProfileError(f"unknown question '{name}'.{did_you_mean(name, known)}", source=str(path))


def wizard(
    output: Annotated[
        Path, typer.Option("--output", "-o", parser=output_path, metavar="FILE", help="Where to save the profile.")
    ] = Path("profile.yaml"),
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers", readable=False, help="Take answers from this YAML/JSON file instead of asking (no prompts)."
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", readable=False, help="Continue from a progress file left by an interrupted session."),
    ] = None,
    start_from: Annotated[
        Path | None,
        typer.Option(
            "--from",
            readable=False,
            metavar="LAST",
            help="Start from the last visit's profile: each answer is offered again ('last time: ...') and kept "
            "unless changed; the new profile goes to --output (never over LAST without --force).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
) -> None:
    """Ask a founder plain questions, explain why each matters, and save a profile with its assessment.

    On a terminal, choose with the arrow keys and Enter (Space ticks where several apply); otherwise answer
    with a number or a word. Everywhere '?' says why a question matters, '-' means "don't know", '<' goes
    back. Progress is saved after every answer to OUTPUT.partial.json; continue an
    interrupted session with --resume.

    Examples:

      mbt-advisor wizard --output our-unit.yaml

      mbt-advisor wizard --answers answers.yaml --output our-unit.yaml --force

      mbt-advisor wizard --from visit-1.yaml --output visit-2.yaml
    """
    from mbt_advisor.assessment.advisor import default_advisor
    from mbt_advisor.profile.loading import load_profile
    from mbt_advisor.wizard.questionnaire import Wizard, WizardState, last_visit_answers, profile_yaml, state_json

    if sys.stdout is None:  # the wizard talks on stdout
        fail("standard output is closed; the wizard needs it (redirect it to a file or /dev/null).")

    advisor = default_advisor()
    partial = resume if resume is not None else output.with_name(output.name + ".partial.json")
    interactive = answers is None and _interactive_terminal()
    prompter = make_prompter(interactive)
    try:
        state = WizardState.from_file(resume) if resume is not None else WizardState()
        last = last_visit_answers(load_profile(start_from)) if start_from is not None else None
    except InputError as exc:
        bad_input(exc)
    if start_from is not None and not force and _same_file(start_from, output):
        fail(
            f"{output}: is the profile this visit starts from (--from); write the next visit to another file, "
            "or add --force to replace it."
        )
    if output.exists() and not force:
        if answers is not None:
            fail(f"{output}: already exists; use --force to overwrite it (nothing was written).")
        if not prompter.confirm(f"{output} exists. Overwrite it at the end?"):
            note(f"{output} was kept as it is; nothing was written. Choose another --output, or add --force.")
            raise typer.Exit(EXIT_FINDINGS)
    wiz = Wizard(advisor.kb, state, previous=last)

    def save_progress() -> None:
        write_atomic(partial, state_json(wiz.state))

    if answers is not None:
        try:
            _apply_answers_file(wiz, answers)
        except InputError as exc:
            bad_input(exc)
    else:
        try:  # from the first line on: a Ctrl-C right after it still keeps the progress and says how to go on
            prompter.say(INTRO)
            if resume is not None:
                prompter.say(resume_banner(wiz))
            _ask_all(wiz, prompter, save_progress)
        except (EOFError, KeyboardInterrupt) as exc:
            save_progress()
            done, total = wiz.progress()
            reason = "Interrupted" if isinstance(exc, KeyboardInterrupt) else "Input ended"
            note(
                f"{reason} after {done} of {total} questions; your answers are saved in {partial}.\n"
                f"Continue with: mbt-advisor wizard --resume {partial} --output {output}"
            )
            raise typer.Exit(130 if isinstance(exc, KeyboardInterrupt) else EXIT_FINDINGS) from None
    try:
        profile = wiz.profile()
    except InputError as exc:  # name the file the answers came from, not "wizard answers"
        given = answers if answers is not None else resume
        if given is not None:
            exc = ProfileError(exc.problem, source=str(given), field=exc.field, allowed=exc.allowed)
        bad_input(exc)
    inputs = [p for p in (answers, resume, None if force else start_from) if p is not None]
    write_atomic(output, profile_yaml(profile), inputs=inputs)
    if partial.exists() and partial != answers:
        partial.unlink()
    _summary(prompter, advisor.evaluate(profile), output)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def resume_banner(wiz: Any) -> str:
    """Where a resumed session stands: "17 of 35 answered, continuing at [18/35] ..."."""
    done, total = wiz.progress()
    question = wiz.next_question()
    if question is None:
        return f"Resuming: all {total} questions are answered."
    return f"Resuming: {done} of {total} answered, continuing at [{done + 1}/{total}] {question.prompt}"


def _ask_all(wiz: Any, prompter: Prompter, save_progress: Any) -> None:
    while (question := wiz.next_question()) is not None:
        raw = prompter.ask(wiz.ask(question))
        if raw == BACK:
            if wiz.back() is None:
                prompter.say("   This is the first question.")
        elif raw == SKIP:
            try:
                wiz.skip(question)
            except ValueError as exc:
                prompter.say(f"   Not accepted: {exc}.")
                continue
        else:
            try:
                wiz.answer(question, raw)
            except ValueError as exc:
                prompter.say(f"   Not accepted: {exc}")
                continue
        save_progress()


def _summary(prompter: Prompter, assessment: Any, output: Path) -> None:
    say = prompter.say
    say(f"\nSaved the profile to {output}.")
    say(
        f"Overall risk: {assessment.risk.overall} ("
        + ", ".join(f"{k} {v}" for k, v in assessment.risk.levels.items())
        + ")"
    )
    if assessment.recommendations:
        say("Most urgent:")
        for rec in assessment.recommendations[:3]:
            cases = ", ".join(rec.evidence_cases())
            say(f"  {rec.priority}. {rec.title} ({f'cases {cases}' if cases else rec.evidence_label})")
    else:
        say("No rule found a gap in your answers.")
    if assessment.missing_information:
        say(f"{len(assessment.missing_information)} question(s) are still open; they are listed by evaluate.")
    say("Next:")
    say(f"  mbt-advisor evaluate {output}")
    say(f"  mbt-advisor report {output} --format html --output brief.html")
    say(f"  mbt-advisor explain {output}")
