"""``wargame sweep``: a design over a scenario's uncertain parameters, in batch."""

from __future__ import annotations

import argparse
import shlex
import sys

from sim.batch.designs import METHODS
from sim.batch.executors import (
    EXECUTORS,
    Execution,
    default_workers,
    start_forkserver,
    useful_workers,
)
from sim.batch.specs import specs_for
from sim.cli.common import (
    check_count,
    check_seed,
    check_weeks,
    console,
    err_console,
    resolve_scenario_path,
    with_cli_injects,
)
from sim.core.scenario import load_scenario, parse_assignments, read_scenario_text
from sim.errors import UserError
from sim.outdir import user_path


def cmd_sweep(args: argparse.Namespace) -> int:
    if args.executor == "process" and args.workers > 1:
        start_forkserver()  # its imports overlap ours
    from sim.batch.provenance import ScenarioFile
    from sim.batch.sweep import SweepInterrupted, SweepSpec, default_out, run_sweep

    # Every check before anything is written (run_sweep checks the design's size, the
    # scheduler and the store before it creates the folder).
    path = resolve_scenario_path(args.scenario)
    overrides = parse_assignments(args.overrides)
    scenario = load_scenario(path, overrides)
    file_injects = tuple(scenario.inject)
    scenario = with_cli_injects(scenario, args.injects, str(path))
    if args.design == "posterior":
        if args.posterior is None or args.param:
            raise UserError("--design posterior: give --posterior DIR (a calibration folder) "
                            "and no --param")
        from sim.batch.posterior import posterior_specs

        specs = posterior_specs(user_path(args.posterior, "--posterior"))
    elif args.posterior is not None:
        raise UserError("--posterior: only with --design posterior")
    else:
        specs = specs_for(scenario, args.param, str(path))
    for name, value, most in (("--replicates", args.replicates, None),
                              ("--chunk-size", args.chunk_size, 100_000),
                              ("--batch-rows", args.batch_rows, 1_000_000),
                              ("--batch-size", args.batch_size, 100_000)):
        check_count(name, value, most)
    check_seed(args.seed)
    check_weeks(args.weeks)
    swept = {s.name for s in specs}
    fixed = sorted(swept & set(overrides))
    if fixed:
        raise UserError(f"--set {fixed[0]}: that parameter is swept; a sweep cannot also fix "
                        "it", hint="drop the --set, or sweep it with --param over the range "
                        "you want")
    if args.weeks is not None and "weeks" in swept:
        raise UserError("--weeks: the horizon 'weeks' is swept; a sweep cannot also fix it",
                        hint="drop --weeks, or stop sweeping weeks")
    if args.scheduler and args.executor != "dask":
        raise UserError(f"--scheduler needs --executor dask (got --executor {args.executor})")
    if args.second_order and args.design != "sobol":
        raise UserError(f"--second-order applies to --design sobol only (got {args.design})")
    workers = useful_workers(args.workers, args.executor, args.scheduler)
    if args.executor != "serial" and workers < args.workers:
        err_console.print(f"note: --workers {args.workers}: using {workers}, the cores this "
                          "machine has (more would only compete for them)")
    policies = {}
    if args.policies is not None:
        from sim.cli.moves import resolve_policies

        policies = resolve_policies(scenario, args.policies, str(path))
        for name, policy in policies.items():
            clash = sorted(swept & set(policy.set))
            if clash:
                raise UserError(f"policy '{name}' sets {clash[0]}, which is swept as an "
                                "uncertainty", hint="a parameter is either a lever (policies "
                                "set it) or an uncertainty ([sweep], --param), not both")
    samples = args.samples if args.design != "grid" else None
    adaptive: dict = {}
    if args.target_se is not None:
        adaptive = _adaptive(args)
    elif args.max_replicates is not None or args.se_outcome:
        raise UserError("--max-replicates and --se-outcome go with --target-se")
    spec = SweepSpec(scenario, specs, args.design, samples,
                     adaptive.get("most", args.replicates), args.seed, args.weeks,
                     calc_second_order=args.second_order, policies=policies,
                     file_injects=file_injects, target_se=adaptive.get("target"),
                     se_outcomes=adaptive.get("outcomes", ()),
                     first_replicates=args.replicates, timeseries=args.timeseries)
    out = user_path(args.out, "--out") if args.out else default_out(scenario.name, args.design)
    progress = not args.quiet and sys.stderr.isatty()
    command = "wargame " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    try:
        res = run_sweep(
            spec, out, source=ScenarioFile(str(path), read_scenario_text(path), overrides),
            execution=Execution(args.executor, workers, args.scheduler, args.chunk_size,
                                args.batch_size, args.batch_rows or 5000, progress),
            resume=args.resume, command=command)
    except SweepInterrupted as exc:
        res, reason = exc.args
        err_console.print(
            f"{reason}: {res.done} of {res.total} runs are stored in {out}/. "
            f"Resume with:\n  {command} --resume"
        )
        return 130 if reason == "interrupted" else 1
    ran = res.total - res.skipped
    speed = (f" in {res.seconds:.1f} s ({ran / res.seconds:.1f} runs/s)"
             if ran and res.seconds > 0 else "")
    times = f" x {len(policies)} policies" if policies else ""
    reps = res.manifest.get("adaptive", {}).get("replicates", spec.replicates)
    console.print(
        f"{res.manifest['n_points']} points x {reps} replicates{times} = "
        f"{res.total} runs; ran {ran} ({res.skipped} already stored){speed}"
    )
    console.print(f"results in {out}/ (runs/, points.parquet, manifest.json"
                  + (", timeseries/)" if args.timeseries else ")"))
    adaptive = res.manifest.get("adaptive")
    if adaptive:
        verdict = "target met" if adaptive["met"] else "target NOT met at --max-replicates"
        console.print(f"--target-se {args.target_se}: {verdict} with {adaptive['replicates']} "
                      f"replicates a point; {adaptive['summary']} (the outcome that decided)")
    if res.failed:
        err_console.print(
            f"{res.failed} runs failed: see the 'error' column, e.g. "
            f"pd.read_parquet('{out}/runs').query(\"status == 'failed'\")"
        )
        return 1
    return 0


def _adaptive(args: argparse.Namespace) -> dict:
    """--target-se and its companions, checked."""
    from sim.batch.adaptive import DEFAULT_OUTCOMES
    from sim.core.outcomes import BY_NAME

    if not 0 < args.target_se < 1:
        raise UserError(f"--target-se: expected a share of the outcome's range in (0, 1), "
                        f"got {args.target_se}")
    most = 1000 if args.max_replicates is None else args.max_replicates
    check_count("--max-replicates", most, 100_000)
    if most < args.replicates:
        raise UserError(f"--max-replicates {most} is below the first round's --replicates "
                        f"{args.replicates}")
    outcomes = tuple(args.se_outcome) or DEFAULT_OUTCOMES
    for o in outcomes:
        if o not in BY_NAME or not BY_NAME[o].numeric:
            raise UserError(f"--se-outcome: {o!r} is not a numeric outcome")
    return {"target": args.target_se, "most": most, "outcomes": outcomes}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="run a design (grid, mc, lhs, sobol) of many runs, in parallel, resumable",
        description="Sweep a scenario's uncertain parameters. Ranges come from the scenario's "
        "[sweep] table unless --param is given (then exactly the --param list is swept).",
    )
    p.add_argument("scenario", help="scenario file (or a bundled scenario's name)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="fix a parameter for the whole sweep (repeatable)")
    p.add_argument("--inject", dest="injects", action="append", default=[],
                   metavar="WEEK,MOVE,...", help="add an inject to every run, e.g. "
                   "--inject 'week=8,move=rok_approve,rung=4' (repeatable)")
    p.add_argument("--design", choices=METHODS, default="lhs",
                   help="grid (full factorial), mc (Monte Carlo), lhs (Latin hypercube), "
                   "sobol (Saltelli scheme for Sobol indices), posterior (resample a "
                   "calibration's posterior, --posterior DIR); default lhs")
    p.add_argument("--posterior", default=None, metavar="DIR",
                   help="with --design posterior: the folder `wargame calibrate` wrote")
    p.add_argument("--samples", type=int, default=64,
                   help="points for mc/lhs; base sample N for sobol (power of two; "
                   "N(D+2) points); ignored by grid (default 64)")
    p.add_argument("--second-order", action="store_true",
                   help="sobol: also sample for second-order indices (N(2D+2) points)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=LOW:HIGH[:LEVELS]",
                   help="sweep this parameter over this range (or NAME=a,b,c for categories); "
                   "repeatable; replaces the scenario's [sweep] table")
    p.add_argument("--policies", default=None, metavar="all|NAME,NAME|FILE.toml",
                   help="run every policy on the same futures (design points) with the same "
                   "seeds: 'all' of the scenario's [policies.*], a comma-separated list "
                   "(status-quo = the scenario as written), or a TOML file of "
                   "[policies.<name>] tables")
    p.add_argument("--replicates", type=int, default=10,
                   help="runs per point (default 10; with --target-se, the first round's)")
    p.add_argument("--target-se", type=float, default=None, metavar="SE",
                   help="add replicates in rounds (doubling) until every point's mean of the "
                   "key outcomes has a standard error at most SE of the outcome's range "
                   "across the sweep (e.g. 0.01), or --max-replicates is reached")
    p.add_argument("--max-replicates", type=int, default=None,
                   help="with --target-se: the most replicates per point (default 1000)")
    p.add_argument("--se-outcome", action="append", default=[],
                   help="with --target-se: an outcome whose error decides (repeatable; "
                   "default the front, North Korean casualties, escalation, Seoul's rung)")
    p.add_argument("--seed", type=int, default=0, help="base seed of the sweep (default 0)")
    p.add_argument("--weeks", type=int, default=None, help="override the horizon")
    p.add_argument("--executor", choices=EXECUTORS, default="process",
                   help="serial, process (local pool, default) or dask")
    p.add_argument("--workers", type=int, default=default_workers(),
                   help="worker processes (default: the number of cores)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:8786); default a LocalCluster")
    p.add_argument("--chunk-size", type=int, default=None,
                   help="runs per task (default: automatic, up to 1000)")
    p.add_argument("--batch-rows", type=int, default=None,
                   help="runs per Parquet part file at most (default 5000; a part is also "
                   "written when 32 MB of results wait)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="runs the engine steps together (default: sized to stay within "
                   "memory, ~800 for the baseline)")
    p.add_argument("--timeseries", action=argparse.BooleanOptionalAction, default=True,
                   help="store the weekly series of every run (default on)")
    p.add_argument("--out", default=None, help="store folder (default results/<scenario>-<design>)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)
