"""``wargame plot``, ``compare``, ``analyze`` and ``report`` on result folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from sim.analysis.defaults import EVENT, KEY_OUTCOMES, MIN_DENSITY, check_outcomes
from sim.analysis.discovery import EVENTS
from sim.cli.common import console, format_value
from sim.errors import UserError
from sim.outdir import check_replaceable, replace_dir, safe_name, user_path

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
    from sim.analysis.summary import with_uncertainty

    rs = load_results(user_path(args.dir, "DIR"))
    check_replaceable(rs.root / "figures", "figures", option="")
    with Progress("plot", FIGURE_STEPS) as progress, workers:
        target, summary = plot_results(rs, formats, args.outcome, progress, workers)
    _failed_note(rs)
    console.print(_frame_table(with_uncertainty(summary.loc[KEY_OUTCOMES].drop(
        columns="runs")), f"{rs.name}: {rs.n_runs} runs (95% CI: Monte Carlo uncertainty)"))
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
    if not result.boxes:
        console.print("scenario discovery", style="bold")
        console.print(result.discovery_note, highlight=False, soft_wrap=True)
    for method, box in result.boxes.items():
        second = ", a second view" if method != "PRIM" else ""
        console.print(f"scenario discovery ({method}{second})", style="bold")
        console.print(box.rule(), highlight=False, soft_wrap=True)
        if box.warning():
            console.print(f"  FLAGGED: {box.warning()}", style="bold red", highlight=False,
                          soft_wrap=True)


def cmd_analyze(args: argparse.Namespace) -> int:
    density = _density(args.density)
    criteria, better = _policy_args(args)
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
                                 workers=workers,
                                 methods=("PRIM", "CART") if args.cart else ("PRIM",))
        target = write_analysis(rs, result, formats, progress, workers)
    _failed_note(rs)
    print_analysis(result)
    if "policy" in rs.columns:
        from sim.analysis.policies import POLICY_OUTCOMES, compare_policies

        print_policies(compare_policies(rs, POLICY_OUTCOMES, args.reference, criteria,
                                        better))
    console.print(f"wrote tables and charts to {target}/")
    return 0


def _policy_args(args: argparse.Namespace) -> tuple[list, dict[str, str]]:
    """--satisfice and --better, checked before any work."""
    from sim.analysis.policies import Criterion

    criteria = [Criterion.parse(c) for c in args.satisfice]
    better: dict[str, str] = {}
    for item in args.better:
        name, _, way = item.partition("=")
        if way not in ("higher", "lower") or not name:
            raise UserError(f"--better {item!r}: expected OUTCOME=higher or OUTCOME=lower")
        better[name.strip()] = way
    return criteria, better


def print_policies(c) -> None:
    """The policy comparison, as tables."""
    console.print(f"[policies] {len(c.policies)} policies on the same {c.futures:,} futures "
                  f"(design point x replicate, common random numbers); reference "
                  f"'{c.reference}'")
    from sim.analysis.summary import with_uncertainty

    for o, d in c.differences.items():
        shown = with_uncertainty(d).rename(columns={
            "mean_difference": f"mean - {c.reference}",
            "p_better ± se": f"P(better than {c.reference}) ± se"})
        console.print(_frame_table(shown, f"{o}: paired differences, futures matched"))
    for o, r in c.regret_summaries.items():
        console.print(_frame_table(with_uncertainty(r), f"{o}: regret (shortfall against the "
                                   "best policy in each future; 95% CI, ± se)"))
    if c.satisficing is not None:
        console.print(_frame_table(with_uncertainty(c.satisficing), "satisficing: " + " and "
                                   .join(map(str, c.criteria))))
    console.print(_frame_table(with_uncertainty(c.table).T.rename_axis("measure"),
                               "robustness"))


def _compare_policies(args: argparse.Namespace, directory: Path) -> int:
    """compare on one store with a policy column: the policies on their shared futures."""
    criteria, better = _policy_args(args)
    from sim.analysis.policies import POLICY_OUTCOMES, compare_policies
    from sim.analysis.policy_plots import plot_robustness
    from sim.analysis.results import load_results
    from sim.analysis.style import save_figure

    outcomes = list(dict.fromkeys(args.outcome)) or POLICY_OUTCOMES
    check_outcomes(outcomes)
    out = user_path(args.out, "--out") if args.out is not None else Path("results") / (
        "compare-" + safe_name(directory.name))
    check_replaceable(out, "compare", [directory])
    rs = load_results(directory)
    if "policy" not in rs.columns:
        raise UserError(f"{directory}: compare needs two result folders, or one sweep of "
                        "policies (wargame sweep --policies, wargame branch)")
    c = compare_policies(rs, outcomes, args.reference, criteria, better)
    print_policies(c)

    def fill(tmp: Path) -> None:
        for o in outcomes:
            c.differences[o].to_csv(tmp / f"paired_{o}.csv")
            c.p_better[o].to_csv(tmp / f"p_better_{o}.csv")
            c.regret_summaries[o].to_csv(tmp / f"regret_{o}.csv")
        if c.satisficing is not None:
            c.satisficing.to_csv(tmp / "satisficing.csv")
        c.table.to_csv(tmp / "robustness.csv")
        save_figure(plot_robustness(c, rs.name), tmp / "robustness", ("png",))

    replace_dir(out, fill, "compare", [directory])
    console.print(f"wrote the policy comparison to {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.dirs) == 1:
        if args.shared_params:
            raise UserError("--shared-params compares several result folders (give two or "
                            "more)")
        return _compare_policies(args, user_path(args.dirs[0], "DIR"))
    if args.satisfice or args.better or args.reference:
        raise UserError("--satisfice, --better and --reference compare the policies of one "
                        "sweep (give one folder)")
    outcomes = list(dict.fromkeys(args.outcome)) or KEY_OUTCOMES
    check_outcomes(outcomes)
    dirs = [user_path(d, "DIR") for d in args.dirs]
    out = user_path(args.out, "--out") if args.out is not None else Path("results") / (
        "compare-" + safe_name("-".join(d.name for d in dirs)))
    check_replaceable(out, "compare", dirs)  # before any work
    from sim.analysis.compare import compare_results, write_compare
    from sim.analysis.results import load_results
    from sim.analysis.summary import with_uncertainty

    c = compare_results([load_results(d) for d in dirs], outcomes, args.shared_params)
    console.print(_frame_table(c.designs.drop(columns=["folder", "parameters"]),
                               "what each set is"))
    for name, row in c.designs.iterrows():
        console.print(f"  {name} sweeps {row['swept']}: {row['parameters'] or '-'}",
                      highlight=False, soft_wrap=True)
    for text in c.differences:
        console.print(f"warning: {text}", style="yellow", highlight=False, soft_wrap=True)
    if c.restricted:
        console.print("compared: only the runs with " + "; ".join(c.restricted),
                      highlight=False, soft_wrap=True)
    ref = c.table.columns[-1]
    for o in outcomes:
        sub = c.table[c.table["outcome"] == o].set_index("set").drop(columns="outcome")
        sub = with_uncertainty(sub.rename(columns={ref: "differs (5-95% disjoint)"}))
        console.print(_frame_table(sub, o))
    console.print(_frame_table(with_uncertainty(c.rungs),
                               "P(South Korea's highest rung >= k)"))
    write_compare(c, out)
    console.print(f"wrote the comparison to {out}/")
    return 0


def _is_calibration(root: Path) -> bool:
    """Whether ``root`` is a folder `wargame calibrate` wrote (its manifest says so)."""
    import json

    try:
        return json.loads((root / "manifest.json").read_text()).get("kind") == "calibration"
    except (OSError, ValueError, AttributeError):
        return False  # not readable as one: load_results says what is wrong


def _check_report_target(target: Path) -> None:
    if target.is_symlink() or target.is_dir():
        raise UserError(f"{target}: is a folder or a symbolic link, not a report wargame "
                        "wrote; it will not replace it")


def cmd_report(args: argparse.Namespace) -> int:
    density = _density(args.density)
    from sim.analysis.cache import report_inputs_fresh
    from sim.analysis.parallel import PRELOAD_ESTIMATORS, Workers
    from sim.analysis.results import store_digest

    root = user_path(args.dir, "DIR")
    if _is_calibration(root):
        from sim.analysis.report import write_calibration_report

        _check_report_target(root / "report.html")
        console.print(f"wrote {write_calibration_report(root)}")
        return 0
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
    _check_report_target(rs.root / "report.html")
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


def _add_policy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reference", default=None,
                   help="policy sweeps: the policy the others are compared with (default the "
                   "first)")
    p.add_argument("--satisfice", action="append", default=[], metavar="CRITERION",
                   help="policy sweeps: a threshold every future must meet, OUTCOME OP VALUE "
                   "or SERIES@WEEK OP VALUE, e.g. 'escalation_peak<50' "
                   "'ukraine_area_km2@26>=200' (repeatable: all must hold)")
    p.add_argument("--better", action="append", default=[], metavar="OUTCOME=higher|lower",
                   help="policy sweeps: which way is better for an outcome (defaults for the "
                   "escalation, casualties, area, technology and retaking)")


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
    p.add_argument("--cart", action="store_true",
                   help="also EMA Workbench's CART (a classification tree) as a second view "
                   "of scenario discovery, judged by the same rules")
    p.add_argument("--formats", default="png",
                   help="chart formats, comma-separated: png, svg, pdf (default png)")
    _add_policy_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("compare", help="outcome distributions of several result folders, "
                       "or the policies of one policy sweep (paired, regret, satisficing)")
    p.add_argument("dirs", nargs="+", help="result folders (the first is the reference), or "
                   "one store of a policy sweep or branch")
    p.add_argument("--outcome", action="append", default=[], help="outcome (repeatable)")
    p.add_argument("--out", default=None, help="output folder (default results/compare-...)")
    p.add_argument("--shared-params", action="store_true",
                   help="several folders: compare only the runs inside the parameter space "
                   "every set covers (the ranges all sweep; near the value the others fix "
                   "for a parameter only some sweep); exit 2 if too few runs remain")
    _add_policy_options(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="one self-contained HTML page with figures and tables")
    p.add_argument("dir", help="a result folder (a run, a sweep, a branch, or a calibration "
                   "from `wargame calibrate`)")
    p.add_argument("--event", default=EVENT, help="scenario-discovery event")
    p.add_argument("--density", type=float, default=MIN_DENSITY, help="PRIM density target")
    p.set_defaults(func=cmd_report)
