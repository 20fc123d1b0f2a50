"""``wargame calibrate`` (ABC-SMC against the record) and ``wargame hindcast`` (score an
ensemble on the observations after a date)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from sim.batch.executors import EXECUTORS, default_workers
from sim.cli.common import console, err_console, format_value, resolve_scenario_path
from sim.core.scenario import load_scenario, parse_assignments
from sim.errors import UserError
from sim.outdir import check_location, replace_dir, user_path

# pyabc (~3 s to import), pandas and matplotlib are imported inside the commands.


def _record(path: str, scenario_start: str):
    from sim.batch.observations import load_record

    record = load_record(path)
    if record.start_date != scenario_start:
        raise UserError(f"{path}: the record's week 0 is {record.start_date}, the scenario's "
                        f"start_date is {scenario_start}",
                        hint="weeks would not line up: set start_date in one of them")
    return record


def _week(text: str, start_date: str, flag: str) -> int:
    """A date (ISO) or a week number."""
    from sim.batch.observations import week_of

    if text.isdigit():
        return int(text)
    try:
        week = week_of(text, start_date)
    except ValueError:
        raise UserError(f"{flag}: expected a date such as 2025-01-31 or a week number, "
                        f"got {text!r}") from None
    if week < 0:
        raise UserError(f"{flag}: {text} is before week 0 ({start_date})")
    return week


def _positive(name: str, value: float | None, minimum: float = 1) -> None:
    if value is not None and value < minimum:
        raise UserError(f"{name}: expected a number >= {minimum:g}, got {value}")


def _entries_table(entries, title: str):
    from rich.table import Table

    t = Table(title=title)
    for c in ("id", "maps to", "kind", "week", "best", "range", "scale"):
        t.add_column(c, justify="left" if c in ("id", "maps to", "kind") else "right")
    for e in entries:
        target = f"{e.target} (outcome)" if e.on_outcome else e.target
        if e.kind == "event_week":
            target += f" >= {e.threshold:g}"
        week = f"{e.since}-{e.week}" if e.kind in ("rung", "event_week") else str(e.week)
        t.add_row(e.id, target, e.kind, week, format_value(e.best),
                  f"{format_value(e.low)}-{format_value(e.high)}", format_value(e.scale))
    return t


def scenario_and_record(args: argparse.Namespace) -> tuple[Path, dict, Any, Any]:
    """The scenario (path, ``--set`` overrides, loaded) and the record of a command that
    runs against the record (calibrate, forecast), with the worker pool's forkserver
    started first if it will be used."""
    if args.executor == "process" and args.workers > 1:
        from sim.batch.executors import start_forkserver

        start_forkserver()
    path = resolve_scenario_path(args.scenario)
    overrides = parse_assignments(args.overrides)
    scenario = load_scenario(path, overrides)
    return path, overrides, scenario, _record(args.record, scenario.start_date)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.batch.observations import check_horizon, horizon, targets_help

    if args.list_targets:
        console.print(targets_help(), highlight=False, markup=False)
        return 0
    if args.scenario is None or args.record is None:
        raise UserError("calibrate: give a SCENARIO and --record FILE",
                        hint="wargame calibrate scenarios/baseline.toml --record "
                        "observations/kursk-2024-25.toml")
    _positive("--population", args.population, 10)
    _positive("--generations", args.generations)
    _positive("--predictive-runs", args.predictive_runs, 10)
    _positive("--max-simulations", args.max_simulations)
    if not 0 < args.alpha < 1:
        raise UserError(f"--alpha: expected a share in (0, 1), got {args.alpha}")
    if not 0 <= args.min_acceptance < 1:
        raise UserError(f"--min-acceptance: expected a share in [0, 1), got "
                        f"{args.min_acceptance}")
    if args.min_epsilon is not None and args.min_epsilon < 0:
        raise UserError(f"--min-epsilon: expected a number >= 0, got {args.min_epsilon}")
    path, overrides, scenario, record = scenario_and_record(args)
    from sim.batch.priors import Prior
    from sim.batch.specs import specs_for

    until = _week(args.until, record.start_date, "--until") if args.until else None
    entries = record.select(until_week=until)
    if not entries:
        raise UserError(f"{args.record}: no observation up to week {until}")
    weeks = horizon(entries)
    check_horizon(entries, weeks, args.record)
    prior = Prior(tuple(specs_for(scenario, [], str(path))))
    if args.check:
        console.print(_entries_table(entries, f"{record.name}: {len(entries)} observations, "
                                     f"runs to week {weeks}"))
        console.print(f"prior: {', '.join(prior.names)} (the [sweep] ranges of {path})")
        return 0

    from sim.batch.abc.run import run_calibration
    from sim.batch.abc.spec import CalibrationInterrupted, CalibrationSpec, StopRules
    from sim.batch.executors import Execution
    from sim.batch.provenance import ScenarioFile

    spec = CalibrationSpec(scenario, prior, record, entries, weeks, until, args.population,
                           alpha=args.alpha, distance=args.distance, seed=args.seed)
    rules = StopRules(
        generations=args.generations or (100 if args.min_epsilon is not None else 10),
        min_epsilon=args.min_epsilon or 0.0, max_simulations=args.max_simulations,
        min_acceptance=args.min_acceptance)
    out = check_location(user_path(args.out, "--out") if args.out
                         else Path("results") / f"{scenario.name}-calibration")
    command = "wargame " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    quiet = args.quiet

    def report(g) -> None:
        if not quiet:
            eps = "inf" if g.epsilon == float("inf") else f"{g.epsilon:.4g}"
            err_console.print(
                f"generation {g.t}: epsilon {eps}, accepted {g.accepted} of "
                f"{g.simulations:,} runs ({g.acceptance_rate:.1%}), ESS {g.ess:.0f}, "
                f"{g.seconds:.1f} s", highlight=False)

    try:
        res = run_calibration(
            spec, out, rules, source=ScenarioFile(str(path), path.read_text(), overrides),
            record_text=Path(args.record).read_text(),
            execution=Execution(args.executor, args.workers, args.scheduler),
            resume=args.resume, command=command, predictive_runs=args.predictive_runs,
            on_generation=report)
    except CalibrationInterrupted:
        err_console.print(f"interrupted: the finished rounds are kept in {out}/. "
                          f"Resume with:\n  {command} --resume")
        return 130
    from sim.analysis.calibration import print_summary

    if not args.no_figures:
        from sim.analysis.calibration_plots import write_calibration_figures

        write_calibration_figures(out)
    console.print(f"stopped: {res.stop_reason}; {len(res.generations)} generations, "
                  f"{res.simulations:,} simulations in {res.seconds:.1f} s")
    print_summary(out, console)
    name = res.manifest.get("calibrated_scenario")
    console.print(f"results in {out}/ (posterior.parquet, {name}, manifest.json"
                  + (", figures/)" if not args.no_figures else ")"))
    return 0


def cmd_hindcast(args: argparse.Namespace) -> int:
    _positive("--runs", args.runs, 10)
    src = Path(args.source)
    from sim.batch.hindcast import calibration_source, run_hindcast, scenario_source

    if src.is_dir():
        source = calibration_source(src)
    else:
        path = resolve_scenario_path(args.source)
        source = scenario_source(load_scenario(path), str(path))
    record = _record(args.record, source.scenario.start_date)
    from_week = _week(args.from_date, record.start_date, "--from")
    from sim.batch.executors import Execution

    res = run_hindcast(source, record, from_week, args.runs, args.seed,
                       Execution(args.executor, args.workers, args.scheduler))
    from sim.analysis.calibration import hindcast_tables

    for note in res.notes:
        err_console.print(f"note: {note}")
    for label, n in res.dropped.items():
        if n:
            err_console.print(f"{label}: {n} of {args.runs} parameter points do not make a "
                              "valid scenario (left out)")
    for table in hindcast_tables(res):
        console.print(table)
    out = user_path(args.out, "--out") if args.out else (
        src / f"hindcast-from-week-{from_week}" if source.kind == "calibration"
        else Path("results") / f"{source.name}-hindcast-from-week-{from_week}")
    inputs = [src] if source.kind == "calibration" else []
    replace_dir(out, lambda tmp: _write_hindcast(tmp, res, args), "hindcast",
                inputs=[p for p in inputs if out.resolve() != p.resolve()])
    console.print(f"scores in {out}/ (scores.csv, summary.json)")
    return 0


def _write_hindcast(out: Path, res, args: argparse.Namespace) -> None:
    from sim.batch.store import atomic_write_bytes

    atomic_write_bytes(out / "scores.csv", res.table().to_csv(index=False).encode())
    summary = {"source": args.source, "record": args.record, "from": args.from_date,
               "from_week": res.from_week, "weeks": res.weeks, "runs": args.runs,
               "seed": args.seed, "summary": res.summary, "skill": res.skill,
               "invalid_points": res.dropped, "notes": res.notes}
    atomic_write_bytes(out / "summary.json",
                       (json.dumps(summary, indent=2, default=str) + "\n").encode())


def _executor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", choices=EXECUTORS, default="process",
                   help="serial, process (local pool, default) or dask")
    p.add_argument("--workers", type=int, default=default_workers(),
                   help="worker processes (default: the number of cores)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:8786); default a LocalCluster")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate", help="fit the [sweep] parameters to the record (ABC-SMC), resumable",
        description="Calibrate a scenario's uncertain parameters against a record of "
        "observations by ABC-SMC: the priors are the scenario's [sweep] ranges; a run "
        "matches an observation when its value lies in the observation's range.",
    )
    p.add_argument("scenario", nargs="?", help="scenario file (or a bundled scenario's name)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="fix a parameter for the whole calibration (repeatable)")
    p.add_argument("--record", help="observation file (TOML), e.g. observations/kursk-2024-25.toml")
    p.add_argument("--until", default=None, metavar="DATE",
                   help="use the observations up to this date (ISO) or week number")
    p.add_argument("--population", type=int, default=500,
                   help="particles per generation (default 500)")
    stop = p.add_mutually_exclusive_group()
    stop.add_argument("--generations", type=int, default=None,
                      help="stop after this many generations (default 10)")
    stop.add_argument("--min-epsilon", type=float, default=None,
                      help="stop once epsilon is at most this")
    p.add_argument("--max-simulations", type=int, default=2_000_000,
                   help="stop when this many runs have been simulated (default 2,000,000)")
    p.add_argument("--min-acceptance", type=float, default=0.005,
                   help="stop when a generation accepts fewer than this share (default 0.005)")
    p.add_argument("--alpha", type=float, default=0.5,
                   help="epsilon = this quantile of the last generation's distances "
                   "(default 0.5)")
    p.add_argument("--distance", choices=("range", "adaptive"), default="range",
                   help="range: excess outside each range in range units (default); "
                   "adaptive: reweighted each generation (pyabc's rmsd scale)")
    p.add_argument("--predictive-runs", type=int, default=500,
                   help="runs of the prior and posterior predictive ensembles (default 500)")
    _executor_args(p)
    p.add_argument("--out", default=None, help="output folder (default "
                   "results/<scenario>-calibration)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted calibration in --out (stop rules may change)")
    p.add_argument("--check", action="store_true",
                   help="validate the record against the model and list the observations used; "
                   "run nothing")
    p.add_argument("--list-targets", action="store_true",
                   help="list the series and outcomes an observation can map onto")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--quiet", action="store_true", help="no per-generation lines")
    p.set_defaults(func=cmd_calibrate)

    h = sub.add_parser(
        "hindcast", help="score an ensemble on the observations after a date",
        description="Run the ensemble of a calibration folder (its posterior, and its prior "
        "for comparison) or of a scenario ([sweep] ranges) forward and score it on the "
        "record's observations after --from: coverage of the 50 %% and 90 %% intervals, "
        "interval scores and CRPS.",
    )
    h.add_argument("source", metavar="SCENARIO_OR_CALIBRATION",
                   help="a calibration folder, or a scenario file")
    h.add_argument("--record", required=True, help="observation file (TOML)")
    h.add_argument("--from", dest="from_date", required=True, metavar="DATE",
                   help="score the observations after this date (ISO) or week number")
    h.add_argument("--runs", type=int, default=1000, help="runs per ensemble (default 1000)")
    _executor_args(h)
    h.add_argument("--out", default=None,
                   help="folder for scores.csv and summary.json (default: inside the "
                   "calibration folder, or results/<scenario>-hindcast-from-week-N)")
    h.set_defaults(func=cmd_hindcast)
