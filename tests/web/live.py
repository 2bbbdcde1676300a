"""A real server on loopback (`mbt-advisor serve --port 0` in a subprocess, or the application in a thread) and
Debian's chromium driven by Playwright (never a downloaded browser); the server and the flags are
tests/live_server.py's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from live_server import CHROMIUM, CHROMIUM_FLAGS, serving, wait_until_up


@contextmanager
def running_server(database: Path | str, *options: str) -> Iterator[str]:
    """Start `mbt-advisor serve` on a free loopback port; yields its address and stops it afterwards."""
    with serving(database, *options) as urls:
        yield urls[0]


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
        wait_until_up(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def chromium_page(**context: Any) -> Iterator[Any]:
    """A Playwright page in Debian's chromium; skipped when chromium is missing, except under CI."""
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail("chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser tests run under CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_context(accept_downloads=True, **context).new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            browser.close()
