"""``wargame branch``: what-if branches from a mid-run state (see sim.batch.branch)."""

from __future__ import annotations

import argparse
import shlex
import sys

from sim.cli.common import (
    add_scenario_args,
    check_count,
    check_seed,
    check_weeks,
    console,
    format_value,
    resolve_scenario_path,
    scenario_from_args,
)
from sim.core.scenario import parse_assignments, read_scenario_text
from sim.outdir import replace_dir, user_path

#: Outcomes whose paired differences the command prints.
PRINTED = ("ukraine_area_end_km2", "casualties_north_korea", "escalation_peak",
           "rok_max_rung", "kursk_retaken")


def cmd_branch(args: argparse.Namespace) -> int:
    import pandas as pd
    from rich.table import Table

    from sim.analysis.branch_plots import plot_branches
    from sim.analysis.policies import paired_differences, share_higher
    from sim.analysis.style import save_figure
    from sim.batch.branch import load_variants, run_branches, write_store
    from sim.batch.provenance import ScenarioFile

    check_count("--replicates", args.replicates, 100_000)
    check_seed(args.seed)
    check_weeks(args.weeks)
    path = resolve_scenario_path(args.scenario)
    scenario = scenario_from_args(args)
    if args.weeks is not None:
        scenario = scenario.with_overrides({"weeks": args.weeks}, origin="--weeks")
    variants = load_variants(user_path(args.variants, "--variants"), scenario, args.at_week)
    out = user_path(args.out, "--out") if args.out else (
        user_path(f"results/{scenario.name}-branch-w{args.at_week}", "--out"))
    result = run_branches(scenario, args.at_week, variants, args.replicates, args.seed)
    command = "wargame " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    source = ScenarioFile(str(path), read_scenario_text(path),
                          parse_assignments(args.overrides))
    write_store(result, scenario, out, source=source, command=command,
                timeseries=args.timeseries, weeks=args.weeks)
    fig = plot_branches(result.series, args.at_week,
                        f"{scenario.name}: {len(variants)} variants from week {args.at_week}, "
                        f"{args.replicates} replicates each")
    replace_dir(out / "branch", lambda tmp: save_figure(fig, tmp / "branches", ("png",)),
                "branch")
    ref = next(iter(variants))
    runs = pd.DataFrame(result.run_columns())
    table = Table(title=f"at week {scenario.weeks}: each variant minus '{ref}', replicate "
                  f"by replicate (mean, 95% interval, share of replicates higher)")
    for col in ("outcome", "variant", "mean difference", "95% interval", "higher in"):
        table.add_column(col, justify="left" if col in ("outcome", "variant") else "right")
    for outcome in PRINTED:
        diff = paired_differences(runs, outcome, ref, {outcome: "higher"})
        higher = share_higher(runs, outcome, ref)
        for name in list(variants)[1:]:
            row = diff.loc[name]
            table.add_row(outcome, name, format_value(row["mean_difference"]),
                          f"{format_value(row['ci95_low'])} to "
                          f"{format_value(row['ci95_high'])}", f"{higher[name]:.0%}")
    console.print(table)
    console.print(f"{len(variants)} variants x {args.replicates} replicates from week "
                  f"{args.at_week} in {result.seconds:.1f} s; stored in {out}/ (runs with "
                  "a 'policy' column for the variant; branch/branches.png)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add branch."""
    p = sub.add_parser(
        "branch", help="run to a week, then continue the same runs under several variants",
        description="Run REPLICATES runs of the scenario to --at-week, then continue every "
        "one of them from that state under each variant of --variants (a TOML file of "
        "[[variant]] entries with name, description, set = {...} and inject = [...]), with "
        "the same random numbers. The first variant is the reference; an empty one is the "
        "straight run.")
    add_scenario_args(p)
    p.add_argument("--at-week", type=int, required=True, help="the week the branches start")
    p.add_argument("--variants", required=True, help="TOML file of [[variant]] entries")
    p.add_argument("--replicates", type=int, default=100, help="runs (default 100)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--weeks", type=int, default=None, help="override the horizon")
    p.add_argument("--timeseries", action=argparse.BooleanOptionalAction, default=True,
                   help="store the weekly series (default on)")
    p.add_argument("--out", default=None,
                   help="store folder (default results/<scenario>-branch-w<week>)")
    p.set_defaults(func=cmd_branch)
