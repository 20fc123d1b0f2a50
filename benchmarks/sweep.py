"""Benchmark sweeps: the same Latin-hypercube designs of the baseline, four ways.

    python benchmarks/sweep.py [--runs 2000 20000] [--replicates 10] [--repeat 2]
                               [--memory-runs 2000 200000] [--no-memory]

For each design size of ``--runs`` (points x replicates):

1. the batch driver in process, one core, no storage (``sim.core.engine.run_batch``);
2. ``wargame sweep`` with 1 worker;
3. ``wargame sweep`` with all cores;
4. ``mesa.batch_run`` with all cores on the Mesa model (a batch of one of the same rules),
   the same runs, collecting the same outcome record.

Then the peak memory (resident set of the whole process tree, sampled) of ``wargame
sweep`` for the run counts of ``--memory-runs`` (with weekly series stored), which must
stay flat: results stream to disk and batches are sized to memory. Sweeps 2 and 3 store no
time series (``--no-timeseries``) so that all four collect the same outcomes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mesa
import psutil

from sim.batch.executors import default_workers
from sim.batch.specs import specs_for
from sim.batch.sweep import SweepSpec, plan_points
from sim.core.engine import run_batch
from sim.core.model import EscalationModel
from sim.core.scenario import load_scenario
from sim.core.seeds import derive_seed

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
_DESIGN_ENV = "WARGAME_BENCH_DESIGN"


def design(points: int) -> list[dict]:
    sc = load_scenario(BASELINE)
    spec = SweepSpec(sc, specs_for(sc, [], str(BASELINE)), "lhs", points, 1, 0, None)
    return plan_points(spec)


class BatchModel(EscalationModel):
    """The model as ``mesa.batch_run`` wants it: flat keyword parameters and ``rng=``.

    The design point comes from the file named in an environment variable (batch_run's
    spawned workers inherit it). When the run ends, the outcome record becomes the
    datacollector's last row, so batch_run collects the same outcomes as a sweep does.
    """

    _points: list[dict] | None = None

    def __init__(self, point_id: int = 0, rng: int | None = None) -> None:
        if BatchModel._points is None:
            BatchModel._points = json.loads(Path(os.environ[_DESIGN_ENV]).read_text())
        sc = load_scenario(BASELINE).with_overrides(BatchModel._points[point_id])
        super().__init__(sc, rng=rng)

    def step(self) -> None:
        super().step()
        if not self.running:
            outcomes = self.outcomes()
            dc = mesa.DataCollector(
                model_reporters={k: (lambda m, v=v: v) for k, v in outcomes.items()})
            dc.collect(self)
            self.datacollector = dc


def in_process(points: list[dict], replicates: int) -> float:
    """The batch driver alone: validate the points, run every run, keep the outcomes."""
    base = load_scenario(BASELINE)
    t0 = time.perf_counter()
    scenarios = [base.with_overrides(point) for point in points]
    runs = [(pid, rep) for pid in range(len(points)) for rep in range(replicates)]
    res = run_batch([scenarios[pid] for pid, _ in runs],
                    [derive_seed(0, pid, rep) for pid, rep in runs], keep_series=False)
    sec = time.perf_counter() - t0
    assert res.runs == len(runs)
    return sec


def wargame_sweep(points: int, replicates: int, workers: int, extra: list[str],
                  weeks: int | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, whole process tree) of one `wargame sweep`."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "sim", "sweep", str(BASELINE), "--design", "lhs",
               "--samples", str(points), "--replicates", str(replicates), "--workers",
               str(workers), "--quiet", "--out", f"{tmp}/s", *extra]
        if weeks:
            cmd += ["--weeks", str(weeks)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        root = psutil.Process(proc.pid)
        done = threading.Event()
        peak = [0.0]

        def sample() -> None:
            while not done.is_set():
                try:
                    procs = [root, *root.children(recursive=True)]
                    peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs))
                except psutil.Error:
                    pass
                time.sleep(0.05)

        thread = threading.Thread(target=sample)
        thread.start()
        code = proc.wait()
        done.set()
        thread.join()
        if code != 0:
            raise SystemExit(f"wargame sweep failed with exit code {code}")
        return time.perf_counter() - t0, peak[0] / 2**20


def batch_run(points: list[dict], replicates: int, workers: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(points, fh)
    os.environ[_DESIGN_ENV] = fh.name
    t0 = time.perf_counter()
    rows = mesa.batch_run(BatchModel, {"point_id": range(len(points))},
                          number_processes=workers, rng=list(range(replicates)),
                          data_collection_period=-1, max_steps=10_000,
                          display_progress=False)
    sec = time.perf_counter() - t0
    assert len(rows) == len(points) * replicates and "escalation_peak" in rows[0]
    return sec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, nargs="+", default=[2000, 20000],
                    help="design sizes (points x replicates)")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--memory-runs", type=int, nargs="+", default=[2000, 200000])
    ap.add_argument("--memory-weeks", type=int, default=52)
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of the four ways, interleaved; the best time of each is "
                    "kept (the usual cure for a noisy machine)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    args = ap.parse_args()
    workers = default_workers()
    print(f"{workers} cores; mesa {mesa.__version__}")
    for n_runs in args.runs:
        points = n_runs // args.replicates
        pts = design(points)
        n = len(pts) * args.replicates
        print(f"\n{n} runs of the baseline (LHS, {points} points x {args.replicates} "
              "replicates, 52 weeks)")
        ways = {
            "1. batch driver, in process, 1 core:": lambda pts=pts: in_process(
                pts, args.replicates),
            "2. wargame sweep, 1 worker:         ": lambda points=points: wargame_sweep(
                points, args.replicates, 1, ["--no-timeseries"])[0],
            f"3. wargame sweep, {workers} workers:        ": lambda points=points: wargame_sweep(
                points, args.replicates, workers, ["--no-timeseries"])[0],
            f"4. mesa.batch_run, {workers} processes:     ": lambda pts=pts: batch_run(
                pts, args.replicates, workers),
        }
        # Rounds of all four ways, interleaved, best time of each kept: a slow spell of
        # this noisy machine then hits every way alike instead of one.
        times: dict[str, list[float]] = {k: [] for k in ways}
        for r in range(args.repeat):
            if args.repeat > 1:
                print(f"round {r + 1} of {args.repeat}")
            for label, fn in ways.items():
                times[label].append(fn())
                print(f"{label} {n / times[label][-1]:8.1f} runs/s  "
                      f"({times[label][-1]:.1f} s)", flush=True)
        t1, t2, t3, t4 = (min(v) for v in times.values())
        if args.repeat > 1:
            print(f"best of {args.repeat} rounds:")
            for label, v in times.items():
                print(f"{label} {n / min(v):8.1f} runs/s  ({min(v):.1f} s)")
        print(f"batch driver, per run on one core:          {t1 / n * 1000:.2f} ms")
        print(f"wargame sweep 1 worker vs batch driver:     {t2 / t1 - 1:+.1%} overhead")
        print(f"parallel speed-up (3 vs 2):                 {t2 / t3:.2f}x")
        print(f"wargame sweep vs mesa.batch_run (3 vs 4):   {t4 / t3:.1f}x")

    if args.no_memory:
        return
    print(f"\npeak memory of the sweep process tree ({args.memory_weeks}-week runs, "
          f"time series stored, {workers} workers):")
    mems = []
    for runs in args.memory_runs:
        reps = 10
        sec, mb = wargame_sweep(runs // reps, reps, workers, [], weeks=args.memory_weeks)
        mems.append(mb)
        print(f"  {runs:>7} runs: {mb:7.0f} MB  ({sec:.0f} s, {runs / sec:.0f} runs/s)")
    print(f"  ratio {args.memory_runs[-1]} / {args.memory_runs[0]}: {mems[-1] / mems[0]:.2f}x")


if __name__ == "__main__":
    main()
