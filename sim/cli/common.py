"""What every subcommand shares: the consoles, finding a scenario by path or bundled name,
the ``SCENARIO --set`` arguments, the checks of seeds, horizons and counts, and how numbers
are printed.

The consoles read no markup and no emoji codes: everything printed (error messages, file
names, scenario names and descriptions, table cells) may come from a user's file, and a
``[/x]`` or ``[bold]`` in it must print as written, never restyle the output or raise.
Styles are given explicitly (``style=``)."""

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
    parameter_info,
    parse_assignments,
)
from sim.errors import UserError
from sim.outdir import user_path

# Wide when piped (rich would wrap tables at 80 columns); the terminal's width when a TTY.
console = Console(width=None if sys.stdout.isatty() else 160, markup=False, emoji=False,
                  highlight=False)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160, markup=False,
                      emoji=False, highlight=False)

MAX_SEED = 2**63 - 1
"""Seeds are stored as 64-bit integers (Parquet, JSON readers)."""

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
    """A path as given (``~`` expanded), or a bundled scenario's bare name (``baseline``)."""
    path = user_path(name, "SCENARIO")
    if path.exists() or path.suffix or "/" in name:
        return path
    for d in scenario_dirs():
        candidate = d / f"{name}.toml"
        if candidate.is_file():
            return candidate
    return path


def check_seed(seed: int, option: str = "--seed") -> int:
    """A seed is a whole number from 0 to 2**63 - 1."""
    if not 0 <= seed <= MAX_SEED:
        raise UserError(f"{option}: expected a whole number from 0 to {MAX_SEED}, got {seed}")
    return seed


def check_weeks(weeks: int | None, option: str = "--weeks") -> int | None:
    """A horizon within the bounds the scenario schema gives ``weeks``."""
    if weeks is None:
        return None
    info = parameter_info("weeks")
    lo, hi = info.get("ge", 1), info.get("le")
    if weeks < lo or (hi is not None and weeks > hi):
        raise UserError(f"{option}: expected a whole number from {lo} to {hi} (the bounds "
                        f"of the scenario's weeks), got {weeks}")
    return weeks


def check_count(option: str, value: int | None, most: int | None = None) -> None:
    """A count option: a whole number >= 1 (and at most ``most``)."""
    if value is None:
        return
    if value < 1:
        raise UserError(f"{option}: expected a whole number >= 1, got {value}")
    if most is not None and value > most:
        raise UserError(f"{option}: expected at most {most:,}, got {value:,}")


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
    from sim.cli.moves import parse_inject

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
    """A run's outcomes as a three-column table (outcome, value, unit)."""
    from sim.core.outcomes import BY_NAME

    table = Table(title=title, show_lines=False)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name, value in outcomes.items():
        unit = BY_NAME[name].unit if name in BY_NAME else ""
        table.add_row(name, format_value(value), unit)
    return table
