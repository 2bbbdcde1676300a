"""Hostile and broken input: one clear error, exit 2, no traceback, fast, bounded, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mbt_advisor import Advisor, KnowledgeError, ProfileError, load_profile

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text())


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
        start = time.perf_counter()
        with pytest.raises(ProfileError) as caught:
            load_profile(path)
        assert time.perf_counter() - start < 1.0, path
        error = caught.value
        assert error.field == field, (path.name, str(error))
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
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "mbt_advisor", "evaluate", str(path), "--format", "json", "--output", str(target)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=30,
        )
        elapsed = time.perf_counter() - start
        assert run.returncode == 2, (path.name, run.stderr)
        assert run.stdout == ""
        assert "Traceback" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert words[0] in run.stderr
        assert elapsed < 5, f"{path.name} took {elapsed:.1f} s including interpreter start"
    assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")) == []


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
    rationale: "A rationale long enough to pass validation."
    actions: ["x"]
    citations: [{{case: A, source: bales2017-barriers, detail: "Table 1"}}]
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

    from mbt_advisor.examples import example_path

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
        (["wizard", "--output", str(tmp_path / "w.yaml")], "Unit\n" + "-\n" * 60),
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
