"""`wargame serve` is safe to start: it warns when the page is reachable beyond this
machine, asks Solara for no network traffic of its own, blames the host (not the port) for
a bad --host, and shows late start dates without crashing. The page server itself is
replaced by a stand-in here; tests/test_browser.py drives the real one."""

from __future__ import annotations

import signal
import socket

import pytest

from sim.cli import main, serve
from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from sim.view import adapter
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def started(monkeypatch) -> list[tuple[list[str], dict[str, str]]]:
    """What `wargame serve` would start, instead of starting it."""
    pytest.importorskip("solara")
    calls: list[tuple[list[str], dict[str, str]]] = []

    class PageServer:
        def __init__(self, cmd, env):
            calls.append((cmd, env))

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", PageServer)
    handler = signal.getsignal(signal.SIGTERM)
    yield calls
    signal.signal(signal.SIGTERM, handler)


def test_the_page_app_exists() -> None:
    assert serve.APP.is_file()


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("localhost", False),
                                              ("0.0.0.0", True)])
def test_warns_beyond_loopback_and_keeps_solara_offline(started, capsys, host, warned):
    assert main(["serve", BASELINE, "--host", host, "--port", str(free_port()),
                 "--no-browser"]) == 0
    err = capsys.readouterr().err
    assert ("warning: listening on" in err) is warned
    (cmd, env), = started
    assert "--no-check-version" in cmd
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


@pytest.mark.parametrize(("host", "hint"), [
    ("no-such-host.invalid", "give an IP address such as 127.0.0.1"),
    ("192.0.2.1", "must be an address of this machine"),
])
def test_a_bad_host_is_blamed_on_the_host(started, capsys, host, hint) -> None:
    assert main(["serve", BASELINE, "--host", host, "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert f"--host {host}" in err and hint in err and "choose another --port" not in err
    assert not started


def test_a_port_in_use_is_blamed_on_the_port(started, capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", BASELINE, "--port", str(port)]) == 2
    assert "choose another --port" in capsys.readouterr().err


def test_late_start_dates_do_not_crash_the_view() -> None:
    sc = Scenario().with_overrides({"start_date": "9999-12-20", "weeks": 6})
    model = EscalationModel(sc, rng=1)
    for _ in range(6):
        model.step()
    assert "after 9999" in adapter.status_line(model)
    assert all("week" in line for line in adapter.event_log(model))
    early = EscalationModel(Scenario(), rng=1)
    assert "(28 Oct 2024)" in adapter.status_line(early)
