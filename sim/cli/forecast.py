"""``wargame forecast``: rolling-origin forecasts of the record, scored against the prior,
persistence and the trend (:mod:`sim.batch.forecast`, :mod:`sim.batch.forecast_scores`)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from sim.cli.calibrate import _executor_args, _positive, _week, scenario_and_record
from sim.cli.common import console, err_console
from sim.errors import UserError
from sim.outdir import check_location, replace_dir, user_path


def _origins(text: str, start_date: str) -> list[int]:
    weeks = sorted({_week(t.strip(), start_date, "--origins") for t in text.split(",")
                    if t.strip()})
    if not weeks:
        raise UserError("--origins: expected dates or week numbers separated by commas")
    return weeks


def cmd_forecast(args: argparse.Namespace) -> int:
    import tomllib

    _positive("--population", args.population, 10)
    _positive("--generations", args.generations)
    _positive("--members", args.members, 10)
    path, overrides, scenario, record = scenario_and_record(args)
    from sim.batch.executors import Execution
    from sim.batch.forecast import DEFAULT_ORIGINS, ForecastSpec, run_forecast
    from sim.batch.forecast_scores import evaluate_study
    from sim.batch.priors import Prior
    from sim.batch.provenance import ScenarioFile
    from sim.batch.specs import specs_for

    record_text = Path(args.record).read_text()
    origins = _origins(args.origins or ",".join(DEFAULT_ORIGINS), record.start_date)
    spec = ForecastSpec(scenario, Prior(tuple(specs_for(scenario, [], str(path)))), record,
                        tomllib.loads(record_text), origins, args.population,
                        args.generations, args.members, seed=args.seed)
    out = check_location(user_path(args.out, "--out") if args.out
                         else Path("results") / f"{scenario.name}-forecast")
    command = "wargame " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    say = (lambda text: None) if args.quiet else (
        lambda text: err_console.print(text, highlight=False))
    try:
        res = run_forecast(spec, out, source=ScenarioFile(str(path), path.read_text(),
                                                          overrides),
                           record_text=record_text,
                           execution=Execution(args.executor, args.workers, args.scheduler),
                           resume=args.resume, command=command, on_step=say)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: finished steps are kept in {out}/. Resume with:\n"
                          f"  {command} --resume")
        return 130
    for week, info in res.manifest["origins"].items():
        if "skipped" in info:
            err_console.print(f"origin week {week} skipped: {info['skipped']}")
    ev = evaluate_study(out)
    from sim.analysis.forecast import skill_table, write_outputs

    target = out / "evaluation"
    replace_dir(target, lambda tmp: write_outputs(tmp, out, ev, not args.no_figures),
                "forecast")
    from sim.analysis.calibration import frame_table

    console.print(frame_table(skill_table(ev).set_index("origin"),
                              f"rolling-origin forecasts of {record.name}: CRPS skill of the "
                              "posterior (> 0: better than the baseline) and coverage"))
    console.print(f"{res.seconds:.0f} s; results in {target}/ (scores.csv, events.csv, "
                  "summary.csv, table.md" + (", fan_charts.png, pit.png)" if not
                                             args.no_figures else ")"))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "forecast", help="rolling-origin forecasts of the record, scored against baselines",
        description="Calibrate at each origin on the observations known by then, continue "
        "the accepted runs to the end of the record, and score every later observation "
        "(CRPS, interval scores, coverage, PIT; Brier and log scores for events) against "
        "the prior, persistence and the trend. Resumable.")
    p.add_argument("scenario", help="scenario file (or a bundled scenario's name)")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="NAME=VALUE", help="fix a parameter for every calibration")
    p.add_argument("--record", required=True, help="observation file (TOML)")
    p.add_argument("--origins", default=None, metavar="DATES",
                   help="origins, dates or week numbers separated by commas (default the "
                   "ends of November 2024 to March 2025)")
    p.add_argument("--population", type=int, default=500,
                   help="particles per calibration, and so members per forecast (default 500)")
    p.add_argument("--generations", type=int, default=10,
                   help="generations per calibration at most (default 10)")
    p.add_argument("--members", type=int, default=1000,
                   help="runs of the prior ensemble (default 1000)")
    _executor_args(p)
    p.add_argument("--out", default=None,
                   help="output folder (default results/<scenario>-forecast)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted study")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_forecast)
