"""What every subcommand shares: the consoles, finding a scenario by path or bundled name,
the ``SCENARIO --set`` arguments, and how numbers are printed."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.core.scenario import (
    Scenario,
    load_scenario,
    parse_assignments,
)

# Wide when piped (rich would wrap tables at 80 columns); the terminal's width when a TTY.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


# ---------------------------------------------------------------- shared helpers
def scenario_dirs() -> list[Path]:
    """Where bundled scenarios are looked for: ./scenarios, then the checkout's."""
    dirs = [Path.cwd() / "scenarios", REPO_SCENARIOS]
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def resolve_scenario_path(name: str) -> Path:
    """A path as given, or a bundled scenario's bare name (``baseline``)."""
    path = Path(name)
    if path.exists() or path.suffix or "/" in name:
        return path
    for d in scenario_dirs():
        candidate = d / f"{name}.toml"
        if candidate.is_file():
            return candidate
    return path


def add_scenario_args(p: argparse.ArgumentParser, optional: bool = False) -> None:
    """SCENARIO plus repeated ``--set dotted.name=value``."""
    p.add_argument("scenario", nargs="?" if optional else None,
                   help="scenario file (or a bundled scenario's name)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
        help="override a parameter, e.g. --set north_korea.troop_quality=0.9 (repeatable)",
    )
    p.add_argument(
        "--inject", dest="injects", action="append", default=[], metavar="WEEK,MOVE,...",
        help="add an inject, e.g. --inject 'week=8,move=rok_approve,rung=4' or "
        "'week=10,set.south_korea.diplomacy_effort=0.9' (repeatable; moves in the README)",
    )


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line with its ``--set`` overrides and
    ``--inject`` moves."""
    path = resolve_scenario_path(args.scenario)
    sc = load_scenario(path, parse_assignments(args.overrides))
    return with_cli_injects(sc, getattr(args, "injects", []), str(path))


def with_cli_injects(sc: Scenario, texts: list[str], origin: str) -> Scenario:
    """The scenario with the ``--inject`` moves added (exit 2 naming the bad one)."""
    from sim.core.injects import parse_inject

    if not texts:
        return sc
    return sc.with_injects([parse_inject(t) for t in texts], origin=f"{origin} (--inject)")


def format_value(v: Any) -> str:
    """Numbers as a reader wants them: integers plain, floats to 4 significant digits."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def outcome_table(outcomes: dict[str, Any], title: str) -> Table:
    """The outcome record as a three-column table (outcome, value, unit)."""
    from sim.core.outcomes import BY_NAME

    table = Table(title=title, show_lines=False)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name, value in outcomes.items():
        unit = BY_NAME[name].unit if name in BY_NAME else ""
        table.add_row(name, format_value(value), unit)
    return table
