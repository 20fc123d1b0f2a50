"""``wargame serve``: the browser view of one run (Mesa SolaraViz, see :mod:`sim.view.app`).

The scenario is validated here, before any server starts, so a bad file or ``--set``
exits 2 like every other command. The page itself runs under ``solara run`` in a child
process, which reads the scenario from environment variables. The server makes no request
of its own to the internet (Solara's version check and usage statistics are off), and it
says so when it listens beyond this machine: the page has no login.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sim.cli.common import add_scenario_args, console, err_console, resolve_scenario_path
from sim.core.scenario import Scenario, load_scenario, parse_assignments
from sim.errors import UserError
from sim.view import (
    APP,
    DEFAULT_DECIDE_EVERY,
    ENV_DECIDE_EVERY,
    ENV_OVERRIDES,
    ENV_PLAY,
    ENV_SCENARIO,
    ENV_SEED,
    PLAYABLE,
)

#: Solara, told not to reach the internet: no version check against PyPI (``solara run
#: --no-check-version``) and no usage statistics (Mixpanel).
SOLARA_OFFLINE_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
SOLARA_OFFLINE_ARGS = ["--no-check-version"]


def resolve_host(host: str) -> list[str]:
    """The addresses ``--host`` names; a name that does not resolve exits 2 with the right
    hint (it is the host, not the port, that is wrong)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"--host {host}: not an address or a name this machine can resolve "
                        f"({getattr(exc, 'strerror', None) or exc})",
                        hint="give an IP address such as 127.0.0.1 (this machine only) or "
                        "0.0.0.0 (every network interface)") from None
    return sorted({str(info[4][0]) for info in infos})


def is_loopback(addresses: list[str]) -> bool:
    """True if every address is this machine's own (127.x, ::1)."""
    try:
        return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail early, with the option named, if the address cannot be bound."""
    if not 0 < port < 65536:
        raise UserError(f"--port: expected 1-65535, got {port}")
    address = resolve_host(host)[0]
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                hint = "choose another --port" + (" (ports below 1024 need root)"
                                                  if exc.errno == errno.EACCES else "")
            else:
                hint = ("--host must be an address of this machine, e.g. 127.0.0.1 or "
                        "0.0.0.0")
            raise UserError(f"--host {host} --port {port}: cannot listen there "
                            f"({exc.strerror})", hint=hint) from None


def _play_options(args: argparse.Namespace, scenario: Scenario, path: Path) -> dict[str, str]:
    """``--play``/``--decide-every`` checked before any server starts; the page's
    environment variables for them."""
    from sim.view.game import check_playable, decision_weeks

    if args.play is None:
        if args.decide_every is not None:
            raise UserError("--decide-every: only with --play south_korea")
        return {}
    side = PLAYABLE[args.play]
    every = DEFAULT_DECIDE_EVERY if args.decide_every is None else args.decide_every
    decision_weeks(scenario.weeks, every)
    check_playable(scenario, str(path))
    return {ENV_PLAY: side, ENV_DECIDE_EVERY: str(every)}


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    path = resolve_scenario_path(args.scenario)
    overrides = parse_assignments(args.overrides)
    scenario = load_scenario(path, overrides)
    play_env = _play_options(args, scenario, path)
    if any(importlib.util.find_spec(m) is None for m in ("solara", "altair")):
        raise UserError("wargame serve needs Solara", hint="pip install -e '.[viz]'")
    if not 0 <= args.seed <= 2**63 - 1:
        raise UserError(f"--seed: expected a whole number from 0 to {2**63 - 1}, "
                        f"got {args.seed}")
    check_port_free(args.host, args.port)
    env = {**os.environ, **SOLARA_OFFLINE_ENV, ENV_SCENARIO: str(path.resolve()),
           ENV_OVERRIDES: json.dumps(overrides, default=str), ENV_SEED: str(args.seed),
           **play_env}
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", args.host,
           "--port", str(args.port), "--production", "--log-level", "warning",
           *SOLARA_OFFLINE_ARGS, "--no-open" if args.no_browser else "--open"]
    if not is_loopback(resolve_host(args.host)):
        err_console.print(f"warning: listening on {args.host}: anyone who can reach this "
                          f"machine on port {args.port} can open the page (it has no login)",
                          style="yellow")
    console.print(f"serving '{scenario.name}' at http://{args.host}:{args.port}/ "
                  "(Ctrl-C to stop)")
    proc = subprocess.Popen(cmd, env=env)
    # A SIGTERM (a service manager, a test) stops the page server too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        console.print("stopping")
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def register(sub: argparse._SubParsersAction) -> None:
    """Add serve."""
    p = sub.add_parser("serve", help="watch one run in the browser (Mesa SolaraViz)")
    add_scenario_args(p)
    p.add_argument("--seed", type=int, default=0, help="initial random seed (default 0)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--play", choices=sorted(PLAYABLE), default=None,
                   help="play a side: the page stops at each decision week for your move "
                        "(south_korea, or rok)")
    p.add_argument("--decide-every", type=int, default=None, metavar="N",
                   help=f"with --play: weeks between decisions, from week 0 (default "
                        f"{DEFAULT_DECIDE_EVERY})")
    p.set_defaults(func=cmd_serve)
