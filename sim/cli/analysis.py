"""``wargame plot``, ``compare``, ``analyze`` and ``report`` on result folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from sim.analysis.discovery import EVENTS, event_mask
from sim.batch.outdir import check_replaceable, safe_name, user_path
from sim.cli.common import console, format_value
from sim.errors import UserError

# The analysis stack (pandas, matplotlib, scikit-learn, SALib, EMA Workbench) is imported
# inside the commands: `wargame --help` and the other commands should not pay for it.


def _frame_table(frame, title: str) -> Table:
    t = Table(title=title)
    cols = [frame.index.name or ""] + [str(c) for c in frame.columns]
    for c in cols:
        t.add_column(c, justify="left" if c == cols[0] else "right")
    for idx, row in frame.iterrows():
        t.add_row(str(idx), *(format_value(v) if not isinstance(v, bool) else str(v)
                              for v in row.to_numpy()))
    return t


def check_outcomes(names: list[str]) -> None:
    """``--outcome``: numeric outcomes only (what distributions and indices are of)."""
    from sim.core.outcomes import NUMERIC
    from sim.core.params import did_you_mean

    for name in names:
        if name not in NUMERIC:
            raise UserError(f"--outcome: {name!r} is not a numeric outcome",
                            hint=did_you_mean(name, NUMERIC) or "one of " + ", ".join(NUMERIC))


def check_event(runs, event: str) -> None:
    """Evaluate ``--event`` once before any work, so a bad one exits 2 at once."""
    event_mask(runs, event)


def _failed_note(rs) -> None:
    if rs.n_failed:
        console.print(f"{rs.n_failed} failed runs are left out", style="yellow")


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.analysis.commands import KEY_OUTCOMES, plot_results
    from sim.analysis.results import load_results
    from sim.analysis.summary import describe_outcomes

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad or not formats:
        raise UserError(f"--formats: expected png, svg and/or pdf, got {args.formats!r}")
    rs = load_results(user_path(args.dir, "DIR"))
    check_replaceable(rs.root / "figures", "figures", option="")
    target = plot_results(rs, formats, args.outcome)
    _failed_note(rs)
    console.print(_frame_table(describe_outcomes(rs.runs, KEY_OUTCOMES),
                               f"{rs.name}: {len(rs.runs)} runs"))
    console.print(f"wrote {len(list(target.iterdir()))} files to {target}/")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from sim.analysis.commands import KEY_OUTCOMES, analyze_results, write_analysis
    from sim.analysis.results import load_results

    if not 0 < args.density <= 1:
        raise UserError(f"--density: expected a share in (0, 1], got {args.density}")
    outcomes = args.outcome or KEY_OUTCOMES
    check_outcomes(outcomes)
    rs = load_results(user_path(args.dir, "DIR"))
    check_event(rs.runs, args.event)
    check_replaceable(rs.root / "analysis", "analysis", option="")
    result = analyze_results(rs, outcomes, args.event, args.density)
    _failed_note(rs)
    for o, (method, table) in result.sensitivity.items():
        title = (f"Sobol indices of {o} (SALib)" if method == "sobol"
                 else f"{o}: model-free ranking (random-forest permutation importance; "
                 "not a variance share)")
        console.print(_frame_table(table, title))
    console.print("scenario discovery (PRIM)", style="bold")
    console.print(result.box.rule() if result.box else result.discovery_note)
    target = write_analysis(rs, result)
    console.print(f"wrote tables and charts to {target}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.dirs) < 2:
        raise UserError("compare: give at least two result folders")
    from sim.analysis.commands import KEY_OUTCOMES, compare_results, write_compare
    from sim.analysis.results import load_results

    check_outcomes(args.outcome)
    dirs = [user_path(d, "DIR") for d in args.dirs]
    out = user_path(args.out, "--out") if args.out is not None else Path("results") / (
        "compare-" + safe_name("-".join(d.name for d in dirs)))
    check_replaceable(out, "compare", dirs)  # before any work
    sets = [load_results(d) for d in dirs]
    outcomes = args.outcome or KEY_OUTCOMES
    table, rungs = compare_results(sets, outcomes)
    ref = table.columns[-1]
    for o in outcomes:
        sub = table[table["outcome"] == o].set_index("set").drop(columns="outcome")
        sub = sub.rename(columns={ref: "differs (5-95% disjoint)"})
        console.print(_frame_table(sub, o))
    console.print(_frame_table(rungs, "P(South Korea's highest rung >= k)"))
    write_compare(sets, outcomes, out)
    console.print(f"wrote the comparison to {out}/")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sim.analysis.report import write_report
    from sim.analysis.results import load_results

    if not 0 < args.density <= 1:
        raise UserError(f"--density: expected a share in (0, 1], got {args.density}")
    rs = load_results(user_path(args.dir, "DIR"))
    check_event(rs.runs, args.event)
    target = rs.root / "report.html"
    if target.is_symlink() or target.is_dir():
        raise UserError(f"{target}: is a folder or a symbolic link, not a report wargame "
                        "wrote; it will not replace it")
    path = write_report(rs, args.event, args.density)
    console.print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    events = ", ".join(f"{k} ({v[1]})" for k, v in EVENTS.items())
    p = sub.add_parser("plot", help="figures of a sweep's (or run's) outcome distributions")
    p.add_argument("dir", help="a result folder (from wargame sweep or wargame run)")
    p.add_argument("--outcome", default="escalation_peak",
                   help="outcome for the parameter scatter (default escalation_peak)")
    p.add_argument("--formats", default="png,svg", help="figure formats (default png,svg)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("analyze", help="sensitivity (Sobol or model-free) and scenario "
                       "discovery (PRIM) of a sweep")
    p.add_argument("dir", help="a sweep's result folder")
    p.add_argument("--outcome", action="append", default=[],
                   help="outcome to analyse (repeatable; default: the key outcomes)")
    p.add_argument("--event", default="offensive",
                   help=f"the bad outcome to explain: {events}; or OUTCOME OP VALUE, e.g. "
                   "'escalation_peak>=45' (default offensive)")
    p.add_argument("--density", type=float, default=0.75,
                   help="PRIM: least share of runs in the box with the event (default 0.75)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("compare", help="outcome distributions of several result folders")
    p.add_argument("dirs", nargs="+", help="result folders (the first is the reference)")
    p.add_argument("--outcome", action="append", default=[], help="outcome (repeatable)")
    p.add_argument("--out", default=None, help="output folder (default results/compare-...)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="one self-contained HTML page with figures and tables")
    p.add_argument("dir", help="a result folder")
    p.add_argument("--event", default="offensive", help="scenario-discovery event")
    p.add_argument("--density", type=float, default=0.75, help="PRIM density target")
    p.set_defaults(func=cmd_report)
