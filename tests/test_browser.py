"""`wargame serve` in a real headless Chromium: the page loads, Step advances the week, the
map and the charts render, the event log fills, and the server stops cleanly.

Uses Debian's chromium driven by Playwright (Playwright's own browser download is not
available here). Skipped, saying why, only when chromium or playwright is absent; `.ci/run`
installs both.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Skipped before any server starts when there is no browser to drive.
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason=f"{CHROMIUM} not installed (apt-get install chromium)")]
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`wargame serve` on a free loopback port, in its own process group; stopped after."""
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", str(ROOT / "scenarios" / "baseline.toml"),
         "--port", str(port), "--no-browser"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not start:\n" + (tmp_path / "server.log").read_text())
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    # Nothing keeps listening after the stop.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_page_steps_and_renders(server: str, tmp_path: Path) -> None:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            js_errors: list[str] = []
            page.on("pageerror", lambda exc: js_errors.append(str(exc)))
            page.goto(server, timeout=60_000)
            page.get_by_text("Week 0 of 52").wait_for(timeout=60_000)
            step = page.get_by_role("button", name="Step")
            for week in range(1, 5):
                step.click()
                page.get_by_text(f"Week {week} of 52").wait_for(timeout=30_000)
            # North Korean troops arrive in week 3 of the baseline: the log says so.
            page.get_by_text("North Korean units enter combat in Kursk").wait_for(
                timeout=30_000)
            # The map and the five charts are drawn as images that actually decoded.
            page.wait_for_function(
                "document.querySelectorAll('img').length >= 6 && "
                "[...document.querySelectorAll('img')].every(i => i.naturalWidth > 0)",
                timeout=30_000,
            )
            assert page.get_by_text("Event log").count() >= 1
            assert not js_errors, js_errors
            shot = tmp_path / "view.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
