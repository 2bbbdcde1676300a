"""Where a profile meets the operating system and the terminal (issue 15, classes 2-5): special files,
errors on paths, the rules for writing an output file, and standard output. Files that cannot be committed
(FIFOs, device nodes, read-only folders, unreadable files, a full disk) are made here."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mbt_advisor.cli import io
from mbt_advisor.cli.main import app
from typer.testing import CliRunner

from mbt_advisor import ProfileError, load_profile

RUNNER = CliRunner()
NOBODY = 65534
PROFILE = "organization: {name: Test unit, setting: day_hospital}\nfacts: {clinical_leadership: contested}\n"


def cli(*args: str):  # type: ignore[no-untyped-def]
    return RUNNER.invoke(app, list(args))


def assert_one_error_line(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    """Exit status 2, nothing on stdout, one printable line on stderr holding ``words`` (in process)."""
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mbt-advisor: error: ") and lines[0].isprintable(), lines
    for word in words:
        assert word in lines[0], (word, lines[0])


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if io.TEMP_MARK in p.name or p.name.endswith(".tmp"))


def mbt(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The real command line in a new process (for what CliRunner cannot show: fds, signals, encodings)."""
    options: dict[str, object] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "timeout": 60}
    options.update(kwargs)
    options.setdefault(
        "cwd", tempfile.gettempdir()
    )  # outside the checkout, whose folders would shadow an installed copy
    return subprocess.run([sys.executable, "-m", "mbt_advisor", *args], **options)  # type: ignore[call-overload]


def assert_one_line(run: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert run.returncode == code, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "unit.yaml"
    path.write_text(PROFILE)
    return path


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can enter (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="mbt-harden-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def without_root_powers(tmp: Path) -> list[str]:
    """A command prefix under which file permissions apply, and ``tmp`` handed to an unprivileged owner.

    As a normal user nothing is needed. As root (containers, CI) the process keeps its uid but loses the
    capabilities that override file permissions (``setpriv --bounding-set``); where setpriv is missing the
    test is skipped, saying so."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    for path in [tmp, *tmp.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


# --- class 2: special files and unbounded input --------------------------------------------------------


def special_inputs(folder: Path) -> dict[str, Path]:
    fifo = folder / "no-writer.yaml"
    os.mkfifo(fifo)
    sock_path = folder / "socket.yaml"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))  # closed at once: the socket file stays
    sock.close()
    link = folder / "link-to-zero.yaml"
    link.symlink_to("/dev/zero")
    return {"fifo": fifo, "zero": Path("/dev/zero"), "urandom": Path("/dev/urandom"), "socket": sock_path, "link": link}


def _hung(signum: int, frame: object) -> None:
    raise AssertionError("still reading after 20 s: an endless file was read instead of refused")


def test_special_files_are_refused_at_once_and_never_read(tmp_path: Path) -> None:
    # a guard against a hang (reading /dev/zero never ends), not a timing: nothing is measured
    previous = signal.signal(signal.SIGALRM, _hung)
    try:
        for kind, path in special_inputs(tmp_path).items():
            signal.alarm(20)
            with pytest.raises(ProfileError) as caught:
                load_profile(path)
            signal.alarm(0)
            assert "regular file" in str(caught.value) or "cannot be read" in str(caught.value), (kind, caught.value)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_pipe_from_process_substitution_is_refused(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        with pytest.raises(ProfileError, match="pipe or FIFO, not a regular file"):
            load_profile(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
        os.close(write_end)


def test_special_files_on_the_command_line_are_one_line(tmp_path: Path) -> None:
    for path in special_inputs(tmp_path).values():
        assert_one_error_line(cli("evaluate", str(path)), str(path))


def test_a_file_growing_past_the_limit_is_read_with_a_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size on disk is not trusted: reading stops one byte after the limit, whatever stat said."""
    from mbt_advisor.common import yamlio

    path = tmp_path / "grows.yaml"
    path.write_text("organization: {name: x}\n")
    real_read = os.read
    served = []

    def endless(fd: int, n: int) -> bytes:
        real_read(fd, n)
        served.append(n)
        return b"#" * n

    monkeypatch.setattr(yamlio.os, "read", endless)
    with pytest.raises(ProfileError, match="larger than the limit"):
        load_profile(path)
    assert sum(served) == yamlio.MAX_BYTES + 1


def test_a_batch_with_a_fifo_and_a_device_does_not_hang(tmp_path: Path, profile: Path) -> None:
    fifo = special_inputs(tmp_path)["fifo"]
    out = tmp_path / "out.jsonl"
    result = cli("evaluate", str(profile), str(fifo), "/dev/zero", "--output", str(out))
    assert result.exit_code == 2
    lines = out.read_text().splitlines()
    assert [line.count('"ok":true') for line in lines] == [1, 0, 0]
    assert "pipe or FIFO" in lines[1] and "device" in lines[2]


def test_a_folder_batch_reports_a_fifo_named_like_a_profile(tmp_path: Path, profile: Path) -> None:
    folder = tmp_path / "units"
    folder.mkdir()
    shutil.copy(profile, folder / "a.yaml")
    os.mkfifo(folder / "b.yaml")
    result = cli("evaluate", str(folder))
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2 and '"ok":false' in result.stdout.splitlines()[1]


@pytest.mark.slow
def test_a_batch_over_worker_processes_with_a_fifo_does_not_hang(tmp_path: Path, profile: Path) -> None:
    fifo = special_inputs(tmp_path)["fifo"]
    run = mbt("evaluate", str(profile), str(fifo), str(profile), "--jobs", "2", timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert [line.count('"ok":true') for line in run.stdout.splitlines()] == [1, 0, 1]


# --- class 3: operating-system errors on paths ---------------------------------------------------------


def test_a_name_longer_than_the_system_allows_is_one_line(tmp_path: Path, profile: Path) -> None:
    long_name = "x" * 5000 + ".yaml"
    with pytest.raises(ProfileError, match="File name too long"):
        load_profile(tmp_path / long_name)
    assert_one_error_line(cli("evaluate", str(tmp_path / long_name)), "File name too long")
    batch = cli("evaluate", str(tmp_path / long_name), str(profile))
    assert batch.exit_code == 2 and batch.stderr.count("File name too long") == 1
    assert [line.count('"ok":true') for line in batch.stdout.splitlines()] == [0, 1]
    assert_one_error_line(cli("report", str(profile), "-o", str(tmp_path / ("y" * 300 + ".html"))), "too long")
    assert leftovers(tmp_path) == []


def test_a_nul_in_a_path_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match="NUL"):
        load_profile("unit\0.yaml")


def test_a_missing_output_folder_is_one_line(tmp_path: Path, profile: Path) -> None:
    assert_one_error_line(cli("report", str(profile), "-o", str(tmp_path / "no" / "b.html")), "does not exist")


@pytest.mark.slow
def test_an_unreadable_input_is_one_line(shared_dir: Path) -> None:
    secret = shared_dir / "secret.yaml"
    secret.write_text(PROFILE)
    secret.chmod(0o600)
    prefix = without_root_powers(shared_dir)
    run = subprocess.run(
        [*prefix, sys.executable, "-m", "mbt_advisor", "evaluate", str(secret)], capture_output=True, text=True
    )
    assert_one_line(run, 2, "Permission denied")


@pytest.mark.slow
def test_a_read_only_output_folder_is_one_line_and_leaves_nothing(shared_dir: Path) -> None:
    source = shared_dir / "unit.yaml"
    source.write_text(PROFILE)
    locked = shared_dir / "locked"
    locked.mkdir()
    (locked / "b.md").write_text("old brief")
    prefix = without_root_powers(shared_dir)
    locked.chmod(0o555)
    command = [*prefix, sys.executable, "-m", "mbt_advisor", "report", str(source), "-f", "markdown", "--force"]
    run = subprocess.run([*command, "-o", str(locked / "b.md")], capture_output=True, text=True)
    assert_one_line(run, 2, "cannot be written", "Permission denied")
    assert (locked / "b.md").read_text() == "old brief" and leftovers(locked) == []


# --- class 4: writing where it must not ---------------------------------------------------------------


def test_the_input_is_never_the_output(tmp_path: Path, profile: Path) -> None:
    (tmp_path / "hard.yaml").hardlink_to(profile)
    (tmp_path / "soft.yaml").symlink_to(profile)
    for name in ("unit.yaml", "hard.yaml", "soft.yaml"):
        for command in (["report", str(profile), "--force"], ["evaluate", str(profile)]):
            assert_one_error_line(cli(*command, "-o", str(tmp_path / name)), "is the input")
    assert profile.read_text() == PROFILE
    batch = cli("evaluate", str(profile), str(profile), "-o", str(tmp_path / "hard.yaml"))
    assert_one_error_line(batch, "is the input")
    assert profile.read_text() == PROFILE and leftovers(tmp_path) == []


def test_special_files_and_folders_are_never_replaced(tmp_path: Path, profile: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target, words in [
        (str(fifo), "not a regular file"),
        ("/dev/null", "not a regular file"),
        (str(folder), "is a folder"),
        (f"{folder}/", "names a folder"),
        (f"{tmp_path}/not-yet/", "names a folder"),
    ]:
        assert_one_error_line(cli("report", str(profile), "--force", "-o", target), words)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not (tmp_path / "not-yet").exists() and leftovers(tmp_path) == []


def test_a_symlink_is_written_through(tmp_path: Path, profile: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real.name)
    assert cli("report", str(profile), "-f", "markdown", "--force", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("# ")


def test_an_existing_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path, profile: Path) -> None:
    for mode in (0o644, 0o600, 0o664):
        target = tmp_path / f"brief-{mode:o}.md"
        target.write_text("old")
        target.chmod(mode)
        assert cli("report", str(profile), "-f", "markdown", "--force", "-o", str(target)).exit_code == 0
        assert stat.S_IMODE(target.stat().st_mode) == mode
    old = os.umask(0o027)
    try:
        assert cli("report", str(profile), "-f", "markdown", "-o", str(tmp_path / "new.md")).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o640


def test_the_file_and_its_folder_are_synced_before_and_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(io.os, "fsync", lambda fd: (events.append("dir" if _is_dir(fd) else "file"), real_fsync(fd)))
    monkeypatch.setattr(io.os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b)))
    io.write_atomic(tmp_path / "out.txt", "text")
    assert events == ["file", "rename", "dir"]


def _is_dir(fd: int) -> bool:
    return stat.S_ISDIR(os.fstat(fd).st_mode)


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(io.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        io.write_atomic(target, "new")
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_a_temporary_left_by_a_killed_run_is_removed_by_the_next(tmp_path: Path, profile: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".b.md{io.TEMP_MARK}{dead.pid}-0000.tmp"
    alive = tmp_path / f".b.md{io.TEMP_MARK}{os.getpid()}-0000.tmp"  # a run still writing: left alone
    stale.write_text("half")
    alive.write_text("half")
    assert cli("report", str(profile), "-f", "markdown", "-o", str(tmp_path / "b.md")).exit_code == 0
    assert not stale.exists() and alive.exists()


@pytest.mark.slow
def test_sigterm_while_writing_removes_the_temporary(tmp_path: Path) -> None:
    """A real process, terminated while its output is being written (the write is slowed down)."""
    code = (
        "import os, sys, time\n"
        "from mbt_advisor.cli import io, entry\n"
        "real = os.write\n"
        "def slow(fd, data):\n"
        "    sys.stderr.write('writing\\n'); sys.stderr.flush(); time.sleep(30); return real(fd, data)\n"
        "io.os.write = slow\n"
        "import signal; signal.signal(signal.SIGTERM, entry._terminate)\n"
        f"io.write_atomic(__import__('pathlib').Path({str(tmp_path / 'out.txt')!r}), 'new')\n"
    )
    (tmp_path / "out.txt").write_text("old")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None and proc.stderr.readline() == "writing\n"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err
    assert (tmp_path / "out.txt").read_text() == "old" and leftovers(tmp_path) == []


def test_a_full_disk_is_one_line_and_keeps_the_old_file(tmp_path: Path, profile: Path) -> None:
    """A real full file system where the machine allows mounting a small tmpfs (root); else skipped."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {made.stderr.decode().strip()}")
    try:
        (mount / "brief.html").write_text("old brief")
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            with pytest.raises(OSError) as full:
                while True:
                    os.write(filler, b"\0" * 4096)
        finally:
            os.close(filler)
        assert full.value.errno == errno.ENOSPC
        result = cli("report", str(profile), "--force", "-o", str(mount / "brief.html"))
        assert_one_error_line(result, "No space left on device")
        assert (mount / "brief.html").read_text() == "old brief" and leftovers(mount) == []
    finally:
        subprocess.run(["umount", str(mount)], check=True)


# --- class 5: standard output and the terminal --------------------------------------------------------


def test_a_full_stdout_is_one_line(profile: Path) -> None:
    with open("/dev/full", "w") as full:
        run = mbt("evaluate", str(profile), stdout=full)
    assert_one_line(run, 2, "No space left on device")


@pytest.mark.slow
def test_a_closed_stdout_is_one_line(profile: Path) -> None:
    run = mbt("evaluate", str(profile), stdout=None, preexec_fn=lambda: os.close(1))
    assert_one_line(run, 2, "standard output is closed")


@pytest.mark.slow
def test_a_reader_that_stops_early_ends_the_run_quietly(profile: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mbt_advisor", "evaluate", *[str(profile)] * 50],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == io.EXIT_BROKEN_PIPE and err == ""


@pytest.mark.slow
def test_a_latin1_terminal_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    import json

    path = tmp_path / "emoji.yaml"
    path.write_text("organization: {name: Unit 😀 Zoë}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    run = mbt("evaluate", str(path), "--format", "json", env=env, text=False)
    assert run.returncode == 0 and b"Traceback" not in run.stderr
    assert json.loads(run.stdout.decode("latin-1"))["organization"]["name"] == "Unit 😀 Zoë"
    text = mbt("evaluate", str(path), env=env, encoding="latin-1")
    assert text.returncode == 0 and "Unit \\ud83d\\ude00 Zoë" in text.stdout


@pytest.mark.slow
def test_sigint_in_the_first_moments_exits_130_without_a_traceback(profile: Path) -> None:
    """Interrupt at growing delays, from while Python imports the command line to the end of the run. A
    signal that lands in the interpreter's own start-up, before any code of ours runs, ends the process by
    the signal itself (-2, which a shell shows as 130): documented in docs/guarantees.md, and on a loaded
    machine 0.3 s can still be that early, so it is allowed here but must come with no output at all."""
    for delay in (0.3, 0.5, 0.8):
        proc = subprocess.Popen(
            [sys.executable, "-m", "mbt_advisor", "evaluate", str(profile)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err and len(err.splitlines()) <= 1, err
        assert proc.returncode in (0, 130) or (proc.returncode == -signal.SIGINT and err == ""), (
            delay,
            proc.returncode,
            err,
        )


@pytest.mark.slow
def test_sigint_while_a_command_runs_is_exit_130_and_the_wizard_says_how_to_go_on(tmp_path: Path) -> None:
    """Deterministic: the wizard waits for its first answer (so our code is running), then Ctrl-C: no
    traceback, exit 130, the profile not written, and the wizard's own two lines (progress kept, how to resume)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mbt_advisor", "wizard", "--output", str(tmp_path / "unit.yaml")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the wizard's first line: the command line is loaded and waiting
    assert first.strip(), first
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    lines = err.splitlines()
    assert "Traceback" not in err and len(lines) == 2, err
    assert lines[0].startswith("Interrupted after 0 of ") and "answers are saved in" in lines[0]
    assert lines[1].startswith("Continue with") and "--resume" in lines[1]
    assert not (tmp_path / "unit.yaml").exists()


@pytest.mark.slow
def test_report_prints_no_matplotlib_warnings_when_home_cannot_be_written(tmp_path: Path, profile: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env.update(XDG_CONFIG_HOME="/dev/null/config", XDG_CACHE_HOME="/dev/null/cache")
    run = mbt("report", str(profile), "-o", str(tmp_path / "b.html"), env=env)
    assert run.returncode == 0 and run.stderr == f"wrote {tmp_path / 'b.html'}\n"


def test_importing_the_library_sets_no_matplotlib_folder_and_no_blas_threads() -> None:
    code = (
        "import os, mbt_advisor; mbt_advisor.evaluate; "
        "print(os.environ.get('MPLCONFIGDIR'), os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "OPENBLAS_NUM_THREADS")}
    env.update(XDG_CONFIG_HOME="/dev/null/config")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.stdout == "None None\n"


def test_the_command_line_asks_openblas_for_one_thread_unless_the_user_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mbt_advisor.cli import entry

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    entry._one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    entry._one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def test_a_fifo_or_device_among_rule_files_is_one_knowledge_error(rules_copy: Path, profile: Path) -> None:
    from mbt_advisor import Advisor, KnowledgeError

    os.mkfifo(rules_copy / "waiting.yaml")
    start = time.perf_counter()
    with pytest.raises(KnowledgeError, match="pipe or FIFO"):
        Advisor(rules_dir=rules_copy)
    assert time.perf_counter() - start < 5
    (rules_copy / "waiting.yaml").unlink()
    (rules_copy / "zero.yaml").symlink_to("/dev/zero")
    assert_one_error_line(cli("evaluate", str(profile), "--rules", str(rules_copy)), "zero.yaml", "device")


def test_folders_and_outputs_with_names_too_long_are_one_line(tmp_path: Path, profile: Path) -> None:
    long_name = str(tmp_path / ("d" * 5000))
    assert_one_error_line(cli("evaluate", str(profile), "--rules", long_name))
    assert_one_error_line(cli("evaluate", str(profile), "--knowledge", long_name))
    answers = tmp_path / "answers.yaml"
    answers.write_text("organization.name: x\n")
    assert_one_error_line(cli("wizard", "--answers", str(answers), "-o", long_name), "File name too long")
    assert_one_error_line(cli("wizard", "--answers", str(answers), "-o", f"{profile}/x"), "Not a directory")
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_the_wizard_with_a_closed_stdout_is_one_line(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("organization.name: x\n")
    run = mbt("wizard", "--answers", str(answers), "-o", str(tmp_path / "p.yaml"), preexec_fn=lambda: os.close(1))
    assert_one_line(run, 2, "standard output is closed")


def test_arguments_are_never_echoed_raw_to_the_terminal(profile: Path) -> None:
    """Class 6 on the command line: an escape sequence in a command, an option value or an id is escaped."""
    for args in (
        ["\x1b[31mred"],
        ["evaluate", str(profile), "--format", "\x1b]0;title\x07"],
        ["rules", "show", "a\x1b[2Jb"],
        ["cases", "show", "\x1b[1m"],
        ["evaluate", "--example", "\x9b1m"],
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stderr.rstrip("\n").isprintable(), result.stderr
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\x9b" not in result.stderr
