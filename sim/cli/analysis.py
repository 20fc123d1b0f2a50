"""``wargame plot``, ``compare``, ``analyze`` and ``report`` on result folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from sim.analysis.defaults import EVENT, KEY_OUTCOMES, MIN_DENSITY, check_outcomes
from sim.analysis.discovery import EVENTS
from sim.batch.outdir import check_replaceable, safe_name, user_path
from sim.cli.common import console, format_value
from sim.errors import UserError

# The analysis stack (pandas, DuckDB, matplotlib, scikit-learn, SALib, EMA Workbench) is
# imported inside the commands: `wargame --help` and the other commands should not pay for
# it. Every check of the command line runs before any work.


def _frame_table(frame, title: str) -> Table:
    t = Table(title=title)
    cols = [frame.index.name or ""] + [str(c) for c in frame.columns]
    for c in cols:
        t.add_column(c, justify="left" if c == cols[0] else "right")
    for idx, row in frame.iterrows():
        t.add_row(str(idx), *(format_value(v) if not isinstance(v, bool) else str(v)
                              for v in row.to_numpy()))
    return t


def _failed_note(rs) -> None:
    if rs.n_failed:
        console.print(f"{rs.n_failed} failed runs are left out", style="yellow")


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad or not formats:
        raise UserError(f"--formats: expected png, svg and/or pdf, got {text!r}")
    return formats


def _density(value: float) -> float:
    if not 0 < value <= 1:
        raise UserError(f"--density: expected a share in (0, 1], got {value}")
    return value


def _workers(preload: tuple[str, ...]):
    """The command's worker processes. Their forkserver is started first, so that its
    imports (matplotlib, scikit-learn) run on another core while this process opens the
    store."""
    from sim.analysis.parallel import Workers, start_server

    workers = Workers(preload=preload)
    if workers.parallel:
        start_server(preload)
    return workers


def cmd_plot(args: argparse.Namespace) -> int:
    formats = _formats(args.formats)
    check_outcomes([args.outcome])
    from sim.analysis.parallel import PRELOAD_FIGURES

    workers = _workers(PRELOAD_FIGURES)
    from sim.analysis.commands import FIGURE_STEPS, plot_results
    from sim.analysis.progress import Progress
    from sim.analysis.results import load_results

    rs = load_results(user_path(args.dir, "DIR"))
    check_replaceable(rs.root / "figures", "figures", option="")
    with Progress("plot", FIGURE_STEPS) as progress, workers:
        target, summary = plot_results(rs, formats, args.outcome, progress, workers)
    _failed_note(rs)
    console.print(_frame_table(summary.loc[KEY_OUTCOMES], f"{rs.name}: {rs.n_runs} runs"))
    console.print(f"wrote {len(list(target.iterdir()))} files to {target}/")
    return 0


def print_analysis(result) -> None:
    """Sensitivity tables (or why their numbers cannot be read) and the PRIM rule."""
    from sim.analysis.sensitivity import display_table

    for sens in result.sensitivity.values():
        shown = display_table(sens)
        if shown is not None:
            console.print(_frame_table(shown, sens.title))
        else:
            console.print(sens.title, style="bold")
        console.print(f"  {sens.note}", highlight=False, soft_wrap=True)
        if sens.warning:
            console.print(f"  {sens.warning}", style="bold red", highlight=False,
                          soft_wrap=True)
    console.print("scenario discovery (PRIM)", style="bold")
    console.print(result.box.rule() if result.box else result.discovery_note,
                  highlight=False, soft_wrap=True)


def cmd_analyze(args: argparse.Namespace) -> int:
    density = _density(args.density)
    formats = _formats(args.formats)
    outcomes = list(dict.fromkeys(args.outcome)) or KEY_OUTCOMES
    check_outcomes(outcomes)
    from sim.analysis.parallel import PRELOAD_ESTIMATORS

    workers = _workers(PRELOAD_ESTIMATORS)
    from sim.analysis.commands import ANALYSIS_STEPS_EXTRA, analyze_results, write_analysis
    from sim.analysis.discovery import check_event
    from sim.analysis.progress import Progress
    from sim.analysis.results import load_results

    rs = load_results(user_path(args.dir, "DIR"))
    if rs.kind == "sweep":
        check_event(rs, args.event)
    check_replaceable(rs.root / "analysis", "analysis", option="")
    with Progress("analyze", len(outcomes) + ANALYSIS_STEPS_EXTRA) as progress, workers:
        result = analyze_results(rs, outcomes, args.event, density, progress,
                                 workers=workers)
        target = write_analysis(rs, result, formats, progress, workers)
    _failed_note(rs)
    print_analysis(result)
    console.print(f"wrote tables and charts to {target}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.dirs) < 2:
        raise UserError("compare: give at least two result folders")
    outcomes = list(dict.fromkeys(args.outcome)) or KEY_OUTCOMES
    check_outcomes(outcomes)
    dirs = [user_path(d, "DIR") for d in args.dirs]
    out = user_path(args.out, "--out") if args.out is not None else Path("results") / (
        "compare-" + safe_name("-".join(d.name for d in dirs)))
    check_replaceable(out, "compare", dirs)  # before any work
    from sim.analysis.commands import compare_results, write_compare
    from sim.analysis.results import load_results

    sets = [load_results(d) for d in dirs]
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
    density = _density(args.density)
    from sim.analysis.cache import report_inputs_fresh
    from sim.analysis.parallel import PRELOAD_ESTIMATORS, Workers
    from sim.analysis.results import store_digest

    root = user_path(args.dir, "DIR")
    digest = store_digest(root) if root.is_dir() else None
    if digest and report_inputs_fresh(root, digest, args.event, density, KEY_OUTCOMES):
        workers = Workers(1)  # everything is reused: no worker would have work
    else:
        workers = _workers(PRELOAD_ESTIMATORS)
    from sim.analysis.commands import ANALYSIS_STEPS_EXTRA, FIGURE_STEPS
    from sim.analysis.discovery import check_event
    from sim.analysis.progress import Progress
    from sim.analysis.report import write_report
    from sim.analysis.results import load_results

    rs = load_results(root)
    if rs.kind == "sweep" and rs.params:
        check_event(rs, args.event)
    target = rs.root / "report.html"
    if target.is_symlink() or target.is_dir():
        raise UserError(f"{target}: is a folder or a symbolic link, not a report wargame "
                        "wrote; it will not replace it")
    # what the report may (re)write besides the page, as plot and analyze would
    check_replaceable(rs.root / "figures", "figures", option="")
    if rs.kind == "sweep" and rs.params:
        check_replaceable(rs.root / "analysis", "analysis", option="")
    steps = FIGURE_STEPS + len(KEY_OUTCOMES) + ANALYSIS_STEPS_EXTRA
    with Progress("report", steps) as progress, workers:
        path = write_report(rs, args.event, density, progress, workers)
    _failed_note(rs)
    console.print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    events = ", ".join(f"{k} ({v[1]})" for k, v in EVENTS.items())
    p = sub.add_parser("plot", help="figures of a sweep's (or run's) outcome distributions")
    p.add_argument("dir", help="a result folder (from wargame sweep or wargame run)")
    p.add_argument("--outcome", default="escalation_peak",
                   help="outcome for the parameter scatter (default escalation_peak)")
    p.add_argument("--formats", default="png",
                   help="figure formats, comma-separated: png, svg, pdf (default png)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("analyze", help="sensitivity (Sobol or model-free) and scenario "
                       "discovery (PRIM) of a sweep")
    p.add_argument("dir", help="a sweep's result folder")
    p.add_argument("--outcome", action="append", default=[],
                   help="outcome to analyse (repeatable; default: the key outcomes)")
    p.add_argument("--event", default=EVENT,
                   help=f"the bad outcome to explain: {events}; or OUTCOME OP VALUE, e.g. "
                   "'escalation_peak>=45' (default offensive)")
    p.add_argument("--density", type=float, default=MIN_DENSITY,
                   help="PRIM: least share of runs in the box with the event (default 0.75)")
    p.add_argument("--formats", default="png",
                   help="chart formats, comma-separated: png, svg, pdf (default png)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("compare", help="outcome distributions of several result folders")
    p.add_argument("dirs", nargs="+", help="result folders (the first is the reference)")
    p.add_argument("--outcome", action="append", default=[], help="outcome (repeatable)")
    p.add_argument("--out", default=None, help="output folder (default results/compare-...)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="one self-contained HTML page with figures and tables")
    p.add_argument("dir", help="a result folder")
    p.add_argument("--event", default=EVENT, help="scenario-discovery event")
    p.add_argument("--density", type=float, default=MIN_DENSITY, help="PRIM density target")
    p.set_defaults(func=cmd_report)
