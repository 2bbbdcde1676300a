"""A real server on loopback (`mbt-advisor serve --port 0` in a subprocess) and Debian's chromium driven by
Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def running_server(database: Path | str, *options: str) -> Iterator[str]:
    """Start `mbt-advisor serve` on a free loopback port; yields its address and stops it afterwards."""
    with running_servers(database, 1, *options) as urls:
        yield urls[0]


@contextmanager
def running_servers(database: Path | str, count: int, *options: str) -> Iterator[list[str]]:
    """Start ``count`` `mbt-advisor serve` processes over one database at once (each on its own free loopback
    port, run outside the checkout); yields their addresses once all answer, and stops them afterwards."""
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
        urls = [_address(process) for process in processes]
        for url in urls:
            _wait_until_up(url)
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


def _address(process: subprocess.Popen[str]) -> str:
    """The address a starting server prints (``serving http://127.0.0.1:PORT/``)."""
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if match := re.search(r"serving (http://127\.0\.0\.1:\d+/)", line):
            return match.group(1)
    raise AssertionError(f"the server did not start: {''.join(lines)}")


@contextmanager
def thread_server(app: Any) -> Iterator[str]:
    """The same application under uvicorn in a thread of this process, on a free loopback port (fast to start)."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    try:
        _wait_until_up(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_until_up(url: str) -> None:
    import urllib.error
    import urllib.request

    for _ in range(100):
        try:
            with urllib.request.urlopen(url + "api/v1/openapi.json", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (401: a server with accounts)
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} does not answer")


@contextmanager
def chromium_page(**context: Any) -> Iterator[Any]:
    """A Playwright page in Debian's chromium; skipped when chromium is missing, except under CI."""
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail("chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser tests run under CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(accept_downloads=True, **context).new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            browser.close()
