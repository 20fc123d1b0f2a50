"""The ``wargame`` command line (also ``python -m sim``).

Subcommands are registered by small modules (``COMMAND_MODULES``), each exposing
``register(subparsers)``; this module holds the entry point, the shared argument helpers
and the error policy: a :class:`~sim.errors.UserError` prints one clear message and exits
with code 2, never a traceback. The CLI computes no physics: it parses, calls, prints.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.errors import UserError
from sim.scenario import (
    Scenario,
    get_dotted,
    load_scenario,
    parameter_info,
    parameter_names,
    parse_assignments,
)

#: Modules that add subcommands, in help order.
COMMAND_MODULES: tuple[str, ...] = ("sim.cli", "sim.cli_sweep", "sim.cli_analysis", "sim.cli_serve")

# Wide when piped (rich would wrap tables at 80 columns); the terminal's width when a TTY.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

REPO_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


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


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line with its ``--set`` overrides."""
    return load_scenario(resolve_scenario_path(args.scenario), parse_assignments(args.overrides))


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
    from sim.outcomes import OUTCOMES

    table = Table(title=title, show_lines=False)
    table.add_column("outcome")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name, value in outcomes.items():
        unit = OUTCOMES.get(name, ("", ""))[0]
        table.add_row(name, format_value(value), unit)
    return table


# ---------------------------------------------------------------- run / list / validate / describe
def cmd_run(args: argparse.Namespace) -> int:
    from sim.rundir import write_run_dir
    from sim.runner import run_scenario

    stored = None
    if args.from_sweep:
        from sim.sweep import rerun_from_sweep, stored_row

        if args.run_id is None:
            raise UserError("--from-sweep needs --run-id N")
        scenario, seed, weeks, _ = rerun_from_sweep(Path(args.from_sweep), args.run_id)
        weeks = args.weeks if args.weeks is not None else weeks
        stored = stored_row(Path(args.from_sweep), args.run_id)
        default_out = Path("results") / f"{scenario.name}-run{args.run_id}"
    elif args.scenario is None:
        raise UserError("wargame run: give a SCENARIO file, or --from-sweep DIR --run-id N")
    else:
        scenario = scenario_from_args(args)
        seed, weeks = args.seed, args.weeks
        default_out = Path("results") / f"{scenario.name}-{seed}"
    if weeks is not None and weeks < 1:
        raise UserError(f"--weeks: expected a whole number >= 1, got {weeks}")
    out = Path(args.out) if args.out else default_out
    result = run_scenario(scenario, seed, weeks=weeks)
    console.print(outcome_table(result.outcomes, f"{scenario.name}, seed {seed}"))
    if result.events:
        console.print("[bold]events[/bold]")
        for week, text in result.events:
            console.print(f"  week {week:>3}: {text}")
    if stored is not None:
        diff = [k for k, v in result.outcomes.items() if not _same(v, stored.get(k))]
        console.print("reproduces the stored row exactly" if not diff
                      else f"[red]differs from the stored row in: {', '.join(diff)}[/red]")
    files = write_run_dir(out, scenario, result)
    console.print(f"wrote {len(files)} files to {out}/: " + ", ".join(f.name for f in files))
    return 0


def _same(a: Any, b: Any) -> bool:
    """Equal, treating NaN as equal to NaN/None (a week that never happened)."""
    nan_a = a is None or (isinstance(a, float) and math.isnan(a))
    nan_b = b is None or (isinstance(b, float) and math.isnan(b))
    return (nan_a and nan_b) or a == b


def cmd_list(args: argparse.Namespace) -> int:
    table = Table(title="bundled scenarios")
    table.add_column("name")
    table.add_column("file")
    table.add_column("description")
    found = False
    for d in scenario_dirs():
        for path in sorted(d.glob("*.toml")):
            found = True
            try:
                sc = load_scenario(path)
                table.add_row(sc.name, str(path), sc.description.strip())
            except UserError as exc:
                table.add_row(path.stem, str(path), f"[red]invalid: {exc.message}[/red]")
    if not found:
        raise UserError("no scenarios/ folder with .toml files here or in the checkout")
    console.print(table)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    sc = scenario_from_args(args)
    console.print(f"{args.scenario}: valid ({sc.name}, {len(sc.sweep)} swept parameters)")
    return 0


def parameters_markdown(sc: Scenario) -> str:
    """The parameter table as Markdown (docs/parameters.md is generated from this)."""
    lines = [
        f"# Parameters of `{sc.name}`",
        "",
        "Generated by `wargame describe --markdown`; do not edit by hand. *kind*: `article` "
        "(the seed article), `reported` (a figure in shared/sources.md), `calibrated` (tuned "
        "to reproduce a reported figure, tested), `assumption` (the modeller's; sweep it).",
        "",
        "| parameter | default | unit | range | kind | source | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in parameter_names():
        info = parameter_info(name)
        lo = info.get("ge", info.get("gt"))
        rng = (f"{lo:g} to {info['le']:g}" if lo is not None and "le" in info
               else ", ".join(info.get("choices", [])))
        cells = [f"`{name}`", format_value(get_dotted(sc, name)), info.get("unit", ""), rng,
                 info.get("kind", ""), info.get("source", ""), info.get("doc") or ""]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def cmd_describe(args: argparse.Namespace) -> int:
    if args.scenario:
        sc = scenario_from_args(args)
    else:
        sc = Scenario().with_overrides(parse_assignments(args.overrides), origin="--set")
    if args.markdown:
        sys.stdout.write(parameters_markdown(sc))
        return 0
    table = Table(title=f"parameters of {sc.name}")
    for col in ("parameter", "value", "unit", "range", "source"):
        table.add_column(col, overflow="fold")
    for name in parameter_names():
        info = parameter_info(name)
        value = get_dotted(sc, name)
        lo = info.get("ge", info.get("gt"))
        rng = (f"{lo:g}..{info['le']:g}" if lo is not None and "le" in info
               else ", ".join(info.get("choices", [])))
        mark = "" if value == info["default"] else " *"
        table.add_row(name, f"{format_value(value)}{mark}", info.get("unit", ""), rng,
                      escape(f"[{info.get('kind', '')}] {info.get('source', '')}"))
    console.print(table)
    console.print("* differs from the default")
    if sc.sweep:
        console.print("[bold]swept in this scenario[/bold]")
        for name, r in sc.sweep.items():
            span = r.values if r.values is not None else f"{r.low:g}..{r.high:g}"
            console.print(f"  {name}: {span}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add run, list, validate and describe."""
    p = sub.add_parser("run", help="run a scenario once and write its results")
    add_scenario_args(p, optional=True)  # optional with --from-sweep
    p.add_argument("--from-sweep", default=None, metavar="DIR",
                   help="re-run one run of a stored sweep (with --run-id)")
    p.add_argument("--run-id", type=int, default=None, help="the run to re-run")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--weeks", type=int, default=None, help="override the horizon in weeks")
    p.add_argument("--out", default=None, help="output folder (default results/<name>-<seed>)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("list", help="list the bundled scenarios")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check a scenario file (exit 0 if valid, 2 if not)")
    add_scenario_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("describe", help="the resolved parameters with units and sources")
    p.add_argument("scenario", nargs="?", help="scenario file (default: built-in defaults)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table instead")
    p.set_defaults(func=cmd_describe)


# ---------------------------------------------------------------- entry point
class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line plus usage."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wargame",
        description="Agent-based wargame of the North Korea-Russia-Ukraine-South Korea "
        "escalation (Kursk, late October 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch, and turn user errors into exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, markup=True,
                          soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
