"""Written once for the tests, the screenshots (docs/make_web_screenshots.py) and the web benchmarks
(bench/web_load.py, bench/web_shared.py): `mbt-advisor serve` started in subprocesses on free loopback
ports, and the flags Debian's chromium runs with (never a downloaded browser). The scripts outside tests/ put
this folder on their path to import it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def serving(database: Path | str, *options: str, count: int = 1, wait: float = 60) -> Iterator[list[str]]:
    """Start ``count`` `mbt-advisor serve` processes over one database at once (each on its own free loopback
    port, run outside the checkout); yields their addresses (``http://127.0.0.1:PORT/``) once all answer, and
    stops them afterwards."""
    command = [sys.executable, "-m", "mbt_advisor", "serve", "--port", "0", "--database", str(database), *options]
    processes = [
        subprocess.Popen(
            command,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=tempfile.gettempdir(),
        )
        for _ in range(count)
    ]
    try:
        urls = [_address(process, wait) for process in processes]
        for url in urls:
            wait_until_up(url, wait)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _address(process: subprocess.Popen[str], wait: float) -> str:
    """The address a starting server prints (``serving http://127.0.0.1:PORT/``)."""
    assert process.stderr is not None
    deadline = time.monotonic() + wait
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if match := re.search(r"serving (http://127\.0\.0\.1:\d+/)", line):
            return match.group(1)
    raise AssertionError(f"the server did not start: {''.join(lines)}")


def wait_until_up(url: str, wait: float = 60) -> None:
    """Until the server at ``url`` answers (a 401 of a server with accounts is an answer)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "api/v1/openapi.json", timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} does not answer")
