"""Hostile and broken input: one clear error, exit 2, no traceback, fast, bounded, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import Advisor, KnowledgeError, ProfileError, load_profile

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text())
RUNNER = CliRunner()


def assert_one_error_line(result: Any, *words: str, code: int = 2) -> None:
    """Exit status ``code``, nothing on stdout, one printable line on stderr holding ``words``."""
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mbt-advisor: error: "), result.stderr
    assert lines[0].isprintable(), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])


def leftovers(folder: Path) -> list[str]:
    """Temporary files of an output that a run left behind (there must be none)."""
    return sorted(p.name for p in folder.iterdir() if ".mbt-advisor-" in p.name or p.name.endswith(".tmp"))


def generated_corpus(folder: Path) -> dict[Path, tuple[str | None, list[str]]]:
    """Bad files that are better made than committed."""
    cases: dict[Path, tuple[str | None, list[str]]] = {}
    junk = folder / "junk.yaml"
    junk.write_bytes(bytes(range(256)) * 8)
    cases[junk] = (None, ["not UTF-8"])
    latin = folder / "latin1.yaml"
    latin.write_bytes("organization: {name: Zoë}\n".encode("latin-1"))
    cases[latin] = (None, ["not UTF-8", "offset"])
    nul = folder / "nul.yaml"
    nul.write_text("organization: {name: x}\n\x00\x01\n")
    cases[nul] = (None, ["not valid YAML"])
    huge = folder / "huge.yaml"
    huge.write_text("organization: {name: x}\n# " + "x" * 2_000_000 + "\n")
    cases[huge] = (None, ["limit", "bytes"])
    deep = folder / "deep.yaml"
    deep.write_text("organization: {name: x}\nfacts: " + "[" * 200 + "]" * 200 + "\n")
    cases[deep] = ("facts", ["nested deeper than 32"])
    long_key = folder / "long-key.json"  # class 8: a 900 KB key is named shortened, not echoed whole
    long_key.write_text('{"organization": {"name": "x"}, "facts": {"' + "k" * 900_000 + '": 1}}')
    cases[long_key] = ("facts." + "k" * 900_000, ["unknown key 'kkkk", "…"])
    deep_json = folder / "deep.json"
    deep_json.write_text('{"organization": {"name": "x"}, "facts": ' + "[" * 5000 + "]" * 5000 + "}")
    cases[deep_json] = (None, ["nested deeper than 32"])
    return cases


def all_cases(tmp_path: Path) -> dict[Path, tuple[str | None, list[str]]]:
    cases = {CORPUS / name: (spec["field"], spec["words"]) for name, spec in EXPECTED.items()}
    cases.update(generated_corpus(tmp_path))
    cases[tmp_path / "missing.yaml"] = (None, ["file not found"])
    cases[tmp_path] = (None, ["is a directory"])
    return cases


def test_the_corpus_is_complete() -> None:
    listed = set(EXPECTED) | {"expected.yaml"}
    assert {p.name for p in CORPUS.iterdir()} == listed, "every corpus file needs an expectation, and back"


def test_api_raises_one_profile_error_with_the_field(tmp_path: Path) -> None:
    for path, (field, words) in all_cases(tmp_path).items():
        with pytest.raises(ProfileError) as caught:
            load_profile(path)
        error = caught.value
        assert error.field == field, (path.name, str(error))
        assert str(error).isprintable() and len(str(error)) < 2000, (path.name, str(error))
        assert str(error).startswith(str(path)), str(error)
        for word in words:
            assert word in str(error), (path.name, str(error))
    assert not Path("/tmp/pwned-by-mbt").exists()


@pytest.mark.slow
def test_cli_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("precious")
    for path, (_, words) in all_cases(tmp_path).items():
        if path.is_dir():
            continue  # on the command line a folder is a batch of profiles (tests/test_batch.py)
        run = subprocess.run(
            [sys.executable, "-m", "mbt_advisor", "evaluate", str(path), "--format", "json", "--output", str(target)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=30,
        )
        assert run.returncode == 2, (path.name, run.stderr)
        assert run.stdout == ""
        assert "Traceback" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert words[0] in run.stderr
    assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")) == []


@pytest.mark.parametrize("name", ["malformed.yaml", "unknown-key-ratings.yaml", "python-tag.yaml"])
def test_a_real_process_exits_2_with_one_line_and_writes_nothing(tmp_path: Path, name: str) -> None:
    """A few of the corpus through a real interpreter (all of it: the slow tier, above)."""
    target = tmp_path / "out.json"
    target.write_text("precious")
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", str(CORPUS / name), "--format", "json", "-o", str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert (run.returncode, run.stdout) == (2, ""), run.stderr
    assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr
    assert EXPECTED[name]["words"][0] in run.stderr
    assert target.read_text() == "precious"


def test_cli_in_process_exits_2_with_one_printable_line_and_writes_nothing(tmp_path: Path) -> None:
    """The whole corpus through the command line, in this process (through real processes: the slow tier)."""
    target = tmp_path / "out.json"
    target.write_text("precious")
    for path, (_, words) in all_cases(tmp_path).items():
        if path.is_dir():
            continue
        result = RUNNER.invoke(app, ["evaluate", str(path), "--format", "json", "--output", str(target)])
        assert_one_error_line(result, words[0])
    assert target.read_text() == "precious"
    assert leftovers(tmp_path) == []


def test_alias_bomb_is_rejected_before_it_grows() -> None:
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(ProfileError, match="aliases"):
        load_profile(CORPUS / "billion-laughs.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 2**20


# --- rule and knowledge files are input too ----------------------------------------------------------

HOSTILE_RULES = {
    "alias.yaml": ("rules: &r [1]\nmore: *r\n", "aliases"),
    "tag.yaml": ("rules: !!python/object/apply:os.system ['touch /tmp/pwned-by-mbt']\n", "not allowed"),
    "list.yaml": ("- 1\n- 2\n", "mapping"),
    "deep.yaml": ("rules: " + "[" * 100 + "]" * 100 + "\n", "nested deeper"),
    "empty-rules.yaml": ("rules: []\n", "at least 1"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_RULES))
def test_hostile_rule_files_are_knowledge_errors(rules_copy: Path, name: str) -> None:
    text, words = HOSTILE_RULES[name]
    (rules_copy / name).write_text(text)
    with pytest.raises(KnowledgeError) as caught:
        Advisor(rules_dir=rules_copy)
    assert words in str(caught.value) and name in str(caught.value)
    assert not Path("/tmp/pwned-by-mbt").exists()


def test_a_rule_with_too_many_alternatives_is_refused(rules_copy: Path) -> None:
    many = "\n".join(
        f"          - {{field: ratings.{item}, lte: 2}}"
        for item in ("leadership", "team_cohesion", "team_size", "consistency", "coherency")
    )
    rule = f"""rules:
  - id: structure.explosive
    title: "Too many alternatives"
    theme: structure
    level: team
    severity: low
    evidence: one_case
    when:
      - any:
{many}
      - any:
{many}
    reading: "Our reading, long enough to pass validation."
    actions: ["x"]
    citations: [{{role: determinant, case: A, source: bales2017-barriers, locator: "Table 1", detail: "lack of role differentiation"}}]
"""
    (rules_copy / "explosive.yaml").write_text(rule)
    with pytest.raises(KnowledgeError, match="25 combinations"):
        Advisor(rules_dir=rules_copy)


def test_cli_with_a_broken_rules_folder_exits_2(rules_copy: Path, tmp_path: Path) -> None:
    (rules_copy / "support.yaml").write_text("rules:\n  - id: support.x\n    titel: typo\n")
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", "--example", "riverside", "--rules", str(rules_copy)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "support.yaml, line 3" in run.stderr and "Did you mean 'title'" in run.stderr


def test_missing_rules_folder_exits_2(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "rules", "list", "--rules", str(tmp_path / "no")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 2 and "not found" in run.stderr


# --- privacy -------------------------------------------------------------------------------------------


def test_no_socket_is_opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, advisor: Advisor) -> None:
    import socket

    from mbt_advisor.cli.main import app
    from typer.testing import CliRunner

    from mbt_advisor.rulebase.examples import example_path

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("mbt-advisor tried to open a network socket")

    monkeypatch.setattr(socket.socket, "__init__", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    runner = CliRunner()
    for args, stdin in [
        (["evaluate", str(example_path("merger")), "--format", "json"], None),
        (["report", str(example_path("merger")), "--output", str(tmp_path / "b.html")], None),
        (["whatif", str(example_path("adolescent-startup"))], None),
        (["wizard", "--output", str(tmp_path / "w.yaml")], "Unit\n" + "-\n" * 5 + "1\n" + "-\n" * 60),
    ]:
        result = runner.invoke(app, args, input=stdin)
        assert result.exit_code == 0, (args, result.output, result.exception)


def test_logs_hold_no_profile_content(caplog: pytest.LogCaptureFixture, advisor: Advisor) -> None:
    import logging

    secret = "Unit Zeta-Secret-4711"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger().setLevel(logging.DEBUG)
        advisor.evaluate(
            {"organization": {"name": secret}, "facts": {"clinical_leadership": "contested", "team_size": 4711}}
        )
    assert not any(secret in r.getMessage() or "4711" in r.getMessage() for r in caplog.records)


def test_debug_output_can_be_asked_for(tmp_path: Path) -> None:
    code = (
        "import logging; logging.basicConfig(level=logging.INFO); import mbt_advisor; "
        "mbt_advisor.evaluate({'organization': {'name': 'x'}, 'facts': {'clinical_leadership': 'absent'}})"
    )
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    loud = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MBT_ADVISOR_DEBUG": "1"},
    )
    assert "FIRE" not in quiet.stderr
    assert "FIRE" in loud.stderr and "leadership.contested-lead" in loud.stderr


# --- class 10: API arguments of the wrong kind ----------------------------------------------------------


@pytest.mark.parametrize("given", [None, b"unit.yaml", bytearray(b"x"), 3, 2.5, object(), ["organization"]])
def test_api_arguments_of_the_wrong_kind_are_profile_errors(given: object, advisor: Advisor) -> None:
    from functools import partial

    from mbt_advisor import compare, evaluate, explain, what_if

    for call in (advisor.evaluate, partial(what_if, advisor=advisor), evaluate, explain):
        with pytest.raises(ProfileError, match="not"):
            call(given)
    with pytest.raises(ProfileError):
        compare({"organization": {"name": "x"}}, given, advisor=advisor)


def test_any_mapping_is_a_profile_and_judged_like_a_dict(advisor: Advisor) -> None:
    from types import MappingProxyType

    from mbt_advisor import parse_profile, profile_from_data

    good = MappingProxyType({"organization": MappingProxyType({"name": "x"}), "facts": {"team_splits": ("other",)}})
    assert advisor.evaluate(good).organization.name == "x"
    with pytest.raises(ProfileError, match="unknown key"):
        advisor.evaluate(MappingProxyType({"organization": {"name": "x", "nme": 1}}))
    with pytest.raises(ProfileError, match="str, not a bytes"):
        parse_profile(b"organization: {name: x}")  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="top level"):
        profile_from_data(b"organization")


def test_numbers_beyond_the_machine_through_the_api(advisor: Advisor) -> None:
    for section, key, value in [
        ("ratings", "leadership", 10**309),
        ("ratings", "leadership", -(10**5000)),
        ("facts", "team_size", 10**5000),
        ("facts", "mbt_trained_fraction", 10**309),
        ("ratings", "leadership", float("1e308") * 10),
    ]:
        with pytest.raises(ProfileError) as caught:
            advisor.evaluate({"organization": {"name": "x"}, section: {key: value}})
        assert caught.value.field == f"{section}.{key}" and len(str(caught.value)) < 300


def test_a_set_is_not_a_list_of_choices(advisor: Advisor) -> None:
    """A set has no order of its own: taken as a list it would make the output depend on the hash seed."""
    with pytest.raises(ProfileError, match="written as a list"):
        advisor.evaluate({"organization": {"name": "x"}, "facts": {"team_splits": {"other", "disciplines"}}})


# --- class 9: the wizard's own files ---------------------------------------------------------------------

PROGRESS = {
    "not-a-progress-file.json": ('{"answers": {}}', None, "not a wizard progress file"),
    "version-true.json": ('{"mbt_advisor_wizard": true}', None, "not a wizard progress file"),
    "skipped-mapping.json": ('{"mbt_advisor_wizard": 1, "skipped": [{}]}', "skipped[0]", "not a question name"),
    "history-gone.json": ('{"mbt_advisor_wizard": 1, "history": ["facts.gone"]}', "history[0]", "unknown question"),
    "history-nested.json": ('{"mbt_advisor_wizard": 1, "history": [["facts.team_size"]]}', "history[0]", "not a"),
    "skipped-text.json": ('{"mbt_advisor_wizard": 1, "skipped": "facts.team_size"}', "skipped", "is text"),
    "answers-list.json": ('{"mbt_advisor_wizard": 1, "answers": [1]}', "answers", "is a list"),
    "answer-nested.json": (
        '{"mbt_advisor_wizard": 1, "answers": {"facts.team_size": [[1]]}}',
        "answers.facts.team_size",
        "wrong type",
    ),
    "answer-huge.json": (
        '{"mbt_advisor_wizard": 1, "answers": {"ratings.leadership": 1' + "0" * 309 + "}}",
        "answers.ratings.leadership",
        "from 1 to 7",
    ),
    "answer-escape.json": (
        '{"mbt_advisor_wizard": 1, "answers": {"organization.name": "x\\u001b[2J"}}',
        "answers.organization.name",
        "control character",
    ),
    "path-odd.json": ('{"mbt_advisor_wizard": 1, "answers": {"wizard.path": "x"}}', "answers.wizard.path", "Allowed"),
    "extra-entry.json": ('{"mbt_advisor_wizard": 1, "answer": {}}', None, "Did you mean 'answers'"),
}

ANSWERS = {
    "section-text.yaml": ("organization: Foo\n", "organization", "is text"),
    "section-list.yaml": ("organization: {name: x}\nfacts: [1, 2]\n", "facts", "is a list"),
    "mixed.yaml": ("organization: {name: x}\nfacts.team_size: 3\n", None, "mixes sections"),
    "top-list.yaml": ("- 1\n", None, "is a list"),
    "unknown.yaml": ("organization.name: x\nfacts.team_sise: 3\n", None, "Did you mean 'facts.team_size'"),
    "nested-answer.yaml": ("organization.name: x\nfacts.team_size: {a: 1}\n", "facts.team_size", "is a mapping"),
    "huge-rating.yaml": (
        "organization.name: x\nratings.leadership: 1" + "0" * 309 + "\n",
        "ratings.leadership",
        "1 to 7",
    ),
    "no-name.yaml": ("facts.team_size: 3\n", "organization", "required"),
}


def test_odd_progress_files_are_one_error_naming_the_file(tmp_path: Path) -> None:
    from mbt_advisor.wizard.files import read_progress

    for name, (text, field, words) in PROGRESS.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ProfileError) as caught:
            read_progress(path)
        assert caught.value.source == str(path) and caught.value.field == field, (name, str(caught.value))
        assert words in str(caught.value), (name, str(caught.value))
        result = RUNNER.invoke(app, ["wizard", "--resume", str(path), "--output", str(tmp_path / "out.yaml")])
        assert_one_error_line(result, str(path), words)
    assert not (tmp_path / "out.yaml").exists()


def test_odd_answers_files_are_one_error_naming_the_file(tmp_path: Path) -> None:
    for name, (text, field, words) in ANSWERS.items():
        path = tmp_path / name
        path.write_text(text)
        result = RUNNER.invoke(app, ["wizard", "--answers", str(path), "--output", str(tmp_path / "out.yaml")])
        assert_one_error_line(result, f"{path}: " + (f"{field}: " if field else ""), words)
    assert not (tmp_path / "out.yaml").exists()


def test_an_answers_file_in_either_form_still_works(tmp_path: Path) -> None:
    flat = tmp_path / "flat.yaml"
    flat.write_text("organization.name: x\nfacts.mission_fit: yes\nfacts.team_size: 4\n")
    sections = tmp_path / "sections.yaml"
    sections.write_text("organization: {name: x}\nfacts: {mission_fit: yes, team_size: 4}\n")
    outputs = []
    for path in (flat, sections):
        out = tmp_path / f"{path.stem}.out.yaml"
        result = RUNNER.invoke(app, ["wizard", "--answers", str(path), "--output", str(out)])
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_text().split("\n", 2)[2])
    assert outputs[0] == outputs[1] and "mission_fit: true" in outputs[0]


# --- the batch rule ------------------------------------------------------------------------------------


def test_a_batch_with_bad_files_writes_every_line_and_exits_2(tmp_path: Path) -> None:
    """The batch rule (docs/guarantees.md): one JSON line per input, ok or its error, in input order; one
    stderr line per bad file and a count; exit 2 if any failed. The output is written whole."""
    good = tmp_path / "good.yaml"
    good.write_text("organization: {name: x}\n")
    paths = [good, CORPUS / "rating-beyond-float.yaml", CORPUS / "over-long-integer.json", good]
    out = tmp_path / "out.jsonl"
    result = RUNNER.invoke(app, ["evaluate", *map(str, paths), "--output", str(out)])
    assert result.exit_code == 2 and result.stdout == ""
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["ok"] for line in lines] == [True, False, False, True]
    assert [line["file"] for line in lines] == list(map(str, paths))
    messages = result.stderr.splitlines()
    assert [m.startswith("mbt-advisor: error: ") for m in messages] == [True, True, False, False], messages
    assert messages[2:] == [f"wrote {out}", "mbt-advisor: 2 of 4 profile(s) could not be assessed."]


def test_an_unexpected_failure_of_one_file_does_not_end_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, advisor: Advisor
) -> None:
    from mbt_advisor.questions.batch import evaluate_many

    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("organization: {name: x}\n")
    bad.write_text("organization: {name: boom}\n")
    real = advisor.evaluate

    def explode(profile: Any) -> Any:
        if profile.organization.name == "boom":
            raise OverflowError("int too large to convert to float")
        return real(profile)

    monkeypatch.setattr(advisor, "evaluate", explode)
    results = list(evaluate_many([good, bad, good], advisor=advisor))
    assert [error is None for _, error in results] == [True, False, True]
    assert "internal error (OverflowError)" in (results[1][1] or "")


@pytest.mark.slow
def test_a_batch_over_workers_survives_numbers_beyond_the_machine(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("organization: {name: x}\n")
    out = tmp_path / "out.jsonl"
    run = subprocess.run(
        [sys.executable, "-m", "mbt_advisor", "evaluate", str(good), str(CORPUS / "rating-beyond-float.yaml")]
        + [str(good), "--jobs", "2", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert [json.loads(line)["ok"] for line in out.read_text().splitlines()] == [True, False, True]
