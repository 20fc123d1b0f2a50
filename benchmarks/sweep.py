"""Benchmark sweeps: the same Latin-hypercube design of the baseline, four ways.

    python benchmarks/sweep.py [--points 400 --replicates 5] [--repeat 2]
                               [--memory-runs 2000 20000] [--no-memory]

1. the in-process loop with no storage (the limit for one core);
2. ``wargame sweep`` with 1 worker;
3. ``wargame sweep`` with all cores;
4. ``mesa.batch_run`` on the same model, runs and processes, collecting the same outcomes.

Then the peak memory (resident set of the whole process tree, sampled) of ``wargame
sweep`` for the two run counts of ``--memory-runs`` (with weekly series stored), which
must stay flat because results stream to disk. Sweeps 2 and 3 store no time series
(``--no-timeseries``) so that all four collect the same outcomes.
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

from sim.batch.designs import specs_for
from sim.batch.executors import default_workers
from sim.batch.runner import derive_seed, run_scenario
from sim.batch.sweep import SweepSpec, plan_points
from sim.core.model import EscalationModel
from sim.core.scenario import load_scenario

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
    base = load_scenario(BASELINE)
    t0 = time.perf_counter()
    for pid, point in enumerate(points):
        sc = base.with_overrides(point)
        for rep in range(replicates):
            run_scenario(sc, derive_seed(0, pid, rep)).outcomes  # noqa: B018
    return time.perf_counter() - t0


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
    ap.add_argument("--points", type=int, default=400)
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--memory-runs", type=int, nargs=2, default=[2000, 20000])
    ap.add_argument("--memory-weeks", type=int, default=10,
                    help="horizon for the memory runs (short, to keep the benchmark short)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of the four ways, interleaved; the best time of each is "
                    "kept (the usual cure for a noisy machine)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    args = ap.parse_args()
    workers = default_workers()
    pts = design(args.points)
    n = len(pts) * args.replicates
    print(f"{n} runs of the baseline (LHS, {args.points} points x {args.replicates} "
          f"replicates); {workers} cores; mesa {mesa.__version__}")

    ways = {
        "1. in-process loop, no storage:  ": lambda: in_process(pts, args.replicates),
        "2. wargame sweep, 1 worker:      ": lambda: wargame_sweep(
            args.points, args.replicates, 1, ["--no-timeseries"])[0],
        f"3. wargame sweep, {workers} workers:     ": lambda: wargame_sweep(
            args.points, args.replicates, workers, ["--no-timeseries"])[0],
        f"4. mesa.batch_run, {workers} processes:  ": lambda: batch_run(
            pts, args.replicates, workers),
    }
    # Rounds of all four ways, interleaved, best time of each kept: a slow spell of this
    # noisy machine then hits every way alike instead of one.
    times: dict[str, list[float]] = {k: [] for k in ways}
    for r in range(args.repeat):
        if args.repeat > 1:
            print(f"round {r + 1} of {args.repeat}")
        for label, fn in ways.items():
            times[label].append(fn())
            print(f"{label} {n / times[label][-1]:7.1f} runs/s  ({times[label][-1]:.1f} s)",
                  flush=True)
    t1, t2, t3, t4 = (min(v) for v in times.values())
    if args.repeat > 1:
        print(f"\nbest of {args.repeat} rounds:")
        for label, v in times.items():
            print(f"{label} {n / min(v):7.1f} runs/s  ({min(v):.1f} s)")
    print(f"\nsweep overhead vs the in-process limit (2 vs 1): {t2 / t1 - 1:+.1%}")
    print(f"parallel speed-up (3 vs 2):                      {t2 / t3:.2f}x")
    print(f"throughput vs mesa.batch_run (3 vs 4):           {t4 / t3:.2f}x")

    if args.no_memory:
        return
    small, large = args.memory_runs
    print(f"\npeak memory of the sweep process tree ({args.memory_weeks}-week runs, "
          f"time series stored, {workers} workers):")
    mems = []
    for runs in (small, large):
        reps = 10
        sec, mb = wargame_sweep(runs // reps, reps, workers, [], weeks=args.memory_weeks)
        mems.append(mb)
        print(f"  {runs:>6} runs: {mb:7.0f} MB  ({sec:.0f} s)")
    print(f"  ratio {large} / {small}: {mems[1] / mems[0]:.2f}x")


if __name__ == "__main__":
    main()
