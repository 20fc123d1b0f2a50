"""`wargame serve` in a real headless Chromium: the page loads, Step advances the week, the
map and the charts render, the event log fills, and the server stops cleanly; with
``--play rok`` a person plays South Korea through three decision weeks and saves the game.

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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sim.core.model import EscalationModel
from sim.core.scenario import load_scenario
from sim.view import adapter as view
from sim.view.game import PLAYER_NOTE
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


@contextmanager
def serving(tmp_path: Path, *options: str) -> Iterator[str]:
    """`wargame serve` on a free loopback port, in its own process group; stopped after."""
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", str(ROOT / "scenarios" / "baseline.toml"),
         "--port", str(port), "--no-browser", *options],
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path) as url:
        yield url


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A page in headless Chromium that records JavaScript errors in ``page.js_errors``."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400},
                                    accept_downloads=True)
            page.js_errors = []
            page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
            yield page
        finally:
            browser.close()


def test_page_steps_and_renders(server: str, tmp_path: Path) -> None:
    with chromium_page() as page:
        page.goto(server, timeout=60_000)
        page.get_by_text("Week 0 of 52").wait_for(timeout=60_000)
        step = page.get_by_role("button", name="Step")
        for week in range(1, 5):
            step.click()
            page.get_by_text(f"Week {week} of 52").wait_for(timeout=30_000)
        # North Korean troops enter combat in week 1 of the baseline: the log says so.
        page.get_by_text("North Korean units enter combat in Kursk").wait_for(
            timeout=30_000)
        # The map and the five charts are drawn as images that actually decoded.
        page.wait_for_function(
            "document.querySelectorAll('img').length >= 6 && "
            "[...document.querySelectorAll('img')].every(i => i.naturalWidth > 0)",
            timeout=30_000,
        )
        assert page.get_by_text("Event log").count() >= 1
        assert not page.js_errors, page.js_errors
        shot = tmp_path / "view.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000


def test_play_south_korea_for_three_decision_weeks(tmp_path: Path) -> None:
    """A person plays Seoul: the page stops at weeks 0, 4 and 8 with the rule's advice; the
    player approves defensive weapons with more diplomacy, holds, then approves offensive
    weapons; the saved game replays to the same week the page shows."""
    with serving(tmp_path, "--play", "rok", "--decide-every", "4", "--seed", "3") as url, \
            chromium_page() as page:
        page.goto(url, timeout=60_000)
        panel = page.locator(".v-card", has_text="South Korea decides")

        def decide(week: int, effort: str, rung: str | None = None, effort_steps: int = 0
                   ) -> None:
            panel.get_by_text(f"South Korea decides: week {week} (").wait_for(timeout=60_000)
            assert panel.get_by_text("The model's rule: threat perception").count() == 1
            if rung:
                panel.get_by_role("button", name=rung, exact=True).click()
            for _ in range(effort_steps):  # the slider moves by 0.05 a key press
                panel.get_by_role("slider").press("ArrowRight")
            # The server has the picks before the move is made.
            panel.get_by_text(f"Your move: {'approve ' + rung if rung else 'hold at'}") \
                .and_(panel.get_by_text(f"effort {effort}.")).wait_for(timeout=30_000)
            panel.get_by_role("button", name=f"Decide and play to week {week + 4}").click()
            page.get_by_text(f"Week {week + 4} of 52 (").wait_for(timeout=30_000)

        decide(0, "0.80", "defensive weapons", effort_steps=6)
        decide(4, "0.80")
        decide(8, "0.80", "offensive weapons")
        panel.get_by_text("South Korea decides: week 12 (").wait_for(timeout=30_000)
        for move in ("inject: Seoul approves rung 3; set south_korea.diplomacy_effort=0.8 "
                     "(player)", "inject: Seoul approves rung 4 (player)",
                     "South Korea approves offensive weapons for Ukraine"):
            page.get_by_text(move).first.wait_for(timeout=30_000)
        with page.expect_download(timeout=30_000) as download:
            page.get_by_text("Save game").click()
        saved = tmp_path / "saved.toml"
        download.value.save_as(saved)
        status = page.get_by_text("Week 12 of 52 (").inner_text()
        assert not page.js_errors, page.js_errors
    # The saved game is a scenario whose run, with the game's seed, is the game played.
    scenario = load_scenario(saved)
    played = [i for i in scenario.inject if i.note == PLAYER_NOTE]
    assert [(i.week, i.rung, i.set) for i in played] == [
        (0, 3, {"south_korea.diplomacy_effort": 0.8}), (8, 4, {})]
    replay = EscalationModel(scenario, rng=3)
    for _ in range(12):
        replay.step()
    assert status == view.status_line(replay)
