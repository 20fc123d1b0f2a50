"""Simulation-based calibration of ``wargame calibrate``: does a 90 % posterior interval hold
the truth 90 % of the time, on records where the truth is known? (issue 19)

    python benchmarks/coverage.py [--cases 100] [--population 200] [--generations 6]
        [--until DATE] [--workers 2] [--out results/coverage] [--resume]

Draws ``--cases`` parameter points (categories included) from the baseline's prior, runs
each once, builds a synthetic record from the run with the real record's pattern
(:mod:`sim.batch.sbc`), calibrates on it with the stated budget, and checks the posterior
against the truth. Every case's calibration is a folder of its own under ``--out``, so an
interrupted check resumes (``--resume``) where it stopped, with the same numbers. Writes
``--out/summary/`` (summary.json, checks.csv, sbc.png) and prints the coverage of the 50 %
and 90 % intervals with their standard errors, the budget and the time taken.

Heavy: not part of the test suite (the parts are tested in tests/test_sbc.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.batch.abc.run import run_calibration  # noqa: E402
from sim.batch.abc.spec import CalibrationSpec, StopRules  # noqa: E402
from sim.batch.evaluate import evaluate  # noqa: E402
from sim.batch.executors import Execution, start_forkserver  # noqa: E402
from sim.batch.observations import horizon, load_record, week_of  # noqa: E402
from sim.batch.posterior import MANIFEST, POSTERIOR, read_manifest  # noqa: E402
from sim.batch.priors import Prior  # noqa: E402
from sim.batch.provenance import ScenarioFile  # noqa: E402
from sim.batch.sbc import (  # noqa: E402
    RANK_BINS,
    check_case,
    summarise,
    synthetic_entries,
    synthetic_record,
)
from sim.batch.specs import specs_for  # noqa: E402
from sim.core.scenario import load_scenario  # noqa: E402
from sim.core.seeds import derive_seed, draw_seed  # noqa: E402
from sim.outdir import check_location, replace_dir  # noqa: E402

SBC_POINT = 3_000_000
"""Seed key of the truths' draws and runs."""


def truths(prior: Prior, scenario, entries, weeks: int, n: int, seed: int, ex
           ) -> tuple[list[dict], np.ndarray]:
    """The first ``n`` prior draws that make a valid scenario, and their runs' values."""
    x = prior.rvs(2 * n, np.random.default_rng(draw_seed(seed, SBC_POINT)))
    points = prior.decode(x)
    seeds = [derive_seed(seed, SBC_POINT, i) for i in range(len(points))]
    ev = evaluate(scenario, points, seeds, weeks, entries, executor=ex)
    ok = np.flatnonzero(ev.ok)[:n]
    if len(ok) < n:
        raise SystemExit(f"only {len(ok)} of {2 * n} prior draws make a valid scenario")
    return [points[i] for i in ok], ev.values[ok]


def draw_figure(summary: dict, target: Path) -> None:
    """Rank histograms per continuous parameter (with the 99 % band of a uniform one) and
    the coverage of both intervals per parameter against nominal."""
    import matplotlib.pyplot as plt
    from scipy.stats import binom

    from sim.analysis.style import save_figure, wrap_title

    params = [p for p in summary["parameters"] if "rank_counts" in p]
    cols = 5
    rows = -(-len(params) // cols) + 1
    fig = plt.figure(figsize=(2.6 * cols, 2.0 * rows + 0.6), layout="constrained")
    grid = fig.add_gridspec(rows, cols)
    n = summary["cases"]
    lo, hi = binom.ppf([0.005, 0.995], n, 1 / RANK_BINS)
    for k, p in enumerate(params):
        ax = fig.add_subplot(grid[1 + k // cols, k % cols])
        ax.bar(np.arange(RANK_BINS), p["rank_counts"], width=1.0, color="#0072B2",
               alpha=0.7, edgecolor="white")
        ax.axhspan(lo, hi, color="k", alpha=0.1, lw=0)
        ax.axhline(n / RANK_BINS, color="k", lw=0.7)
        ax.set_title(wrap_title(p["parameter"].split(".", 1)[1], 24) +
                     f"\n({p['parameter'].split('.')[0]}, p={p['uniform_p']:.2g})", fontsize=7)
        ax.set_xticks([])
        ax.tick_params(labelsize=6)
    ax = fig.add_subplot(grid[0, :])
    names = [p["parameter"] for p in summary["parameters"]]
    xs = np.arange(len(names))
    for level, colour in ((50, "#009E73"), (90, "#D55E00")):
        cov = np.array([p[f"coverage{level}"] for p in summary["parameters"]])
        se = np.array([p[f"se{level}"] for p in summary["parameters"]])
        ax.errorbar(xs, cov, yerr=1.96 * se, fmt="o", color=colour, ms=3,
                    label=f"{level} % interval (pooled {summary[f'coverage{level}']:.0%} "
                    f"± {summary[f'se{level}']:.0%})")
        ax.axhline(level / 100, color=colour, ls="--", lw=0.8)
    ax.set_xticks(xs, [s.split(".", 1)[1] for s in names], rotation=60, ha="right",
                  fontsize=6)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of cases\nholding the truth", fontsize=8)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    fig.suptitle(f"Simulation-based calibration: {n} truths drawn from the prior; coverage "
                 "per parameter (95 % intervals) and rank histograms (grey: 99 % band of a "
                 "uniform histogram)", fontsize=9)
    save_figure(fig, target / "sbc")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    ap.add_argument("--record", default=str(ROOT / "observations" / "kursk-2024-25.toml"))
    ap.add_argument("--until", default=None, help="use the record's pattern up to this date")
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "results" / "coverage"))
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    out = check_location(Path(args.out))
    settings = {k: getattr(args, k) for k in ("scenario", "record", "until", "cases",
                                             "population", "generations", "seed")}
    stamp = out / "settings.json"
    if out.exists() and any(out.iterdir()):
        if not args.resume or not stamp.is_file():
            raise SystemExit(f"{out}: not empty; add --resume to continue a check there")
        if json.loads(stamp.read_text()) != settings:
            raise SystemExit(f"{out}: holds a check with other settings")
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(settings, indent=1))
    scenario = load_scenario(Path(args.scenario))
    record = load_record(args.record)
    until = week_of(args.until, record.start_date) if args.until else None
    entries = record.select(until_week=until)
    weeks = horizon(entries)
    prior = Prior(tuple(specs_for(scenario, [], args.scenario)))
    source = ScenarioFile(args.scenario, Path(args.scenario).read_text())
    execution = Execution("process" if args.workers > 1 else "serial", args.workers)
    if args.workers > 1:
        start_forkserver()
    t0 = time.perf_counter()
    with execution.start() as ex:
        points, values = truths(prior, scenario, entries, weeks, args.cases, args.seed, ex)
    rules = StopRules(generations=args.generations)
    checks, sims, seconds = [], 0, []
    for i, (truth, row) in enumerate(zip(points, values, strict=True)):
        rec, text = synthetic_record(record, synthetic_entries(entries, row, weeks), i)
        spec = CalibrationSpec(scenario, prior, rec, rec.entries, weeks, until,
                               args.population, seed=draw_seed(args.seed, SBC_POINT, i))
        folder = out / f"case-{i:03d}"
        done = (folder / POSTERIOR).is_file() and \
            read_manifest(folder).get("status") == "complete"
        if not done:
            res = run_calibration(spec, folder, rules, source=source, record_text=text,
                                  execution=execution, resume=(folder / MANIFEST).is_file(),
                                  predictive_runs=10)
            print(f"case {i}: {len(res.generations)} generations, {res.simulations:,} runs, "
                  f"epsilon {res.generations[-1].epsilon:.3g}, ESS "
                  f"{res.generations[-1].ess:.0f}, {res.seconds:.1f} s", flush=True)
        m = read_manifest(folder)
        sims += m["simulations"]
        seconds.append(sum(g["seconds"] for g in m["generations"]))
        post = pd.read_parquet(folder / POSTERIOR)
        for r in check_case(prior, truth, post, draw_seed(args.seed, SBC_POINT, i, 1)):
            checks.append({"case": i, "ess": m["generations"][-1]["ess"], **r})
    frame = pd.DataFrame(checks)
    summary = summarise(frame, prior.specs)
    summary.update(settings=settings, weeks=weeks, observations=len(entries),
                   simulations=sims, calibration_seconds=round(sum(seconds), 1),
                   wall_seconds_this_call=round(time.perf_counter() - t0, 1),
                   median_ess=float(frame.groupby("case")["ess"].first().median()))

    def fill(tmp: Path) -> None:
        frame.to_csv(tmp / "checks.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
        draw_figure(summary, tmp)

    replace_dir(out / "summary", fill, "coverage")
    print(f"{summary['cases']} cases, {len(entries)} observations to week {weeks}; budget "
          f"{args.population} particles x <= {args.generations} generations; {sims:,} "
          f"simulations, {summary['calibration_seconds']:.0f} s of calibration")
    print(f"coverage: 50 % intervals {summary['coverage50']:.1%} ± {summary['se50']:.1%}, "
          f"90 % intervals {summary['coverage90']:.1%} ± {summary['se90']:.1%} "
          f"(median final ESS {summary['median_ess']:.0f})")
    for p in summary["parameters"]:
        extra = (f"rank uniformity p={p['uniform_p']:.2g}, 90 % width/prior "
                 f"{p['width90']:.2f}" if "uniform_p" in p else
                 f"P(truth) {p['p_truth']:.2f} vs prior {p['p_prior']:.2f}")
        print(f"  {p['parameter']:42s} 50 %: {p['coverage50']:.0%} ± {p['se50']:.0%}  "
              f"90 %: {p['coverage90']:.0%} ± {p['se90']:.0%}  {extra}")


if __name__ == "__main__":
    main()
