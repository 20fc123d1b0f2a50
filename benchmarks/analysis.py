"""Benchmark `wargame plot`, `analyze` and `report` on a store with weekly series.

    python benchmarks/analysis.py --runs 2000 [--rounds 5] [--before /work/wt-analysis-before]
    python benchmarks/analysis.py --runs 200000 --rounds 1 --check

The store (a Latin hypercube of the baseline, see ``STORES``; 2,000 runs is the README's
``--samples 400 --replicates 5``) is made with ``wargame sweep`` under ``--store-dir``
(default /tmp) the first time and reused after. Each command runs as its own process,
cold (its output folders removed first), and is timed with its peak resident memory: the
sum over the process tree (main process, forkserver, workers), sampled every 50 ms;
shared pages are counted once per process, so this over-states the true peak. ``report``
is timed twice: cold (computing everything) and warm (after `plot` and `analyze` wrote
their folders for the same store, which it reuses). `analyze` and `report` are given
``--event`` (default ``defensive``): on the README's 2,000 runs the default event,
``offensive``, has too few runs for scenario discovery to run at all, and the benchmark
is of the analysis with PRIM and its held-out halves.

``--before DIR`` (repeatable) also times the code in DIR (a git worktree of an older commit with its
own ``.venv``: ``git worktree add DIR 491e433`` and ``pip install -e`` there; an editable
install shadows ``PYTHONPATH``, so each checkout runs with its own interpreter), in
interleaved rounds with this checkout, so that both see the same machine load; each
figure is the median of ``--rounds``, with the range.

``--check`` compares the streamed summaries with the same numbers computed the plain way,
by loading the columns they need from every part into pandas (fan-chart bands, rung
probabilities, outcome quantiles: exact up to float rounding), and the sampled estimators
with the same estimators on four times as many runs (forest ranking) or on every run
(PRIM), i.e. what sampling changes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent

STORES = {2000: (400, 5), 20000: (200, 100), 200000: (2000, 100)}
"""Runs -> (LHS points, replicates)."""

COMMANDS = ("plot", "analyze", "report", "report-warm")


def make_store(runs: int, store_dir: Path) -> Path:
    points, reps = STORES[runs]
    out = store_dir / f"wargame-bench-{runs}"
    if (out / "manifest.json").is_file():
        return out
    cmd = [sys.executable, "-m", "sim", "sweep", "baseline", "--design", "lhs", "--samples",
           str(points), "--replicates", str(reps), "--workers", "2", "--out", str(out),
           "--quiet"]
    print("making the store:", " ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    return out


def clear(store: Path) -> None:
    for name in ("figures", "analysis"):
        shutil.rmtree(store / name, ignore_errors=True)
    (store / "report.html").unlink(missing_ok=True)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of the process tree of
    ``cmd``. CPU time does not depend on how busy the machine is, wall time does: on this
    shared 2-core machine, CPU seconds / 2 is what the wall time tends to when it is idle
    (for work that is spread over both cores)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd="/tmp")
    root = psutil.Process(proc.pid)
    done = threading.Event()
    peak = [0.0]
    cpu: dict[int, float] = {}

    def sample() -> None:
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs))
                for p in procs:
                    t = p.cpu_times()
                    cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)
            except psutil.Error:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample)
    thread.start()
    _, err = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()}")
    return time.perf_counter() - t0, peak[0] / 2**20, sum(cpu.values())


def python_of(code: Path) -> str:
    """The interpreter of a checkout: its own venv's, else this one."""
    venv = code / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


def run_commands(store: Path, code: Path, event: str) -> dict[str, tuple[float, float, float]]:
    """One cold run of each command, then the warm report, with the code in ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code))
    base = [python_of(code), "-m", "sim"]
    options = {"plot": [], "analyze": ["--event", event], "report": ["--event", event]}
    out = {}
    for command in ("plot", "analyze", "report"):
        clear(store)
        out[command] = timed([*base, command, str(store), *options[command]], env)
    clear(store)
    for command in ("plot", "analyze"):
        subprocess.run([*base, command, str(store), *options[command]], env=env, check=True,
                       cwd="/tmp", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out["report-warm"] = timed([*base, "report", str(store), *options["report"]], env)
    return out


def check(store: Path) -> None:
    """Streamed and sampled numbers against the plain way (see the module docstring)."""
    import numpy as np
    import pandas as pd

    from sim.analysis.discovery import (
        PRIM_SAMPLE,
        box_stats,
        discover,
        event_mask,
        find_rule,
        params_frame,
    )
    from sim.analysis.results import committed_parts, load_results
    from sim.analysis.sensitivity import FOREST_SAMPLE, forest_inputs, forest_ranking
    from sim.analysis.summary import (
        FAN_SERIES,
        QUANTILES,
        describe_outcomes,
        fan_bands,
        rung_probabilities,
    )
    from sim.core.outcomes import NUMERIC

    rs = load_results(store)
    runs_parts, ts_parts = committed_parts(store)
    print(f"\ncheck on {rs.n_runs:,} runs")

    t0 = time.perf_counter()
    ts = pd.concat([pd.read_parquet(p, columns=["run_id", "week", "rok_rung", *FAN_SERIES])
                    for p in ts_parts], ignore_index=True)
    runs = pd.concat([pd.read_parquet(p) for p in runs_parts], ignore_index=True)
    runs = runs[runs["status"] == "ok"]
    print(f"  loading everything needed into pandas: {time.perf_counter() - t0:.1f} s, "
          f"{(ts.memory_usage().sum() + runs.memory_usage().sum()) / 2**20:,.0f} MB")
    worst = 0.0
    for series in FAN_SERIES:
        expected = ts.groupby("week")[series].quantile(list(QUANTILES)).unstack().to_numpy()
        got = fan_bands(rs, series).to_numpy()
        worst = max(worst, float(np.max(np.abs(got - expected) / np.maximum(1, abs(expected)))))
    print(f"  fan-chart bands (4 series x 53 weeks x 5 quantiles): largest relative "
          f"difference {worst:.1e}")
    expected = pd.crosstab(ts["week"], ts["rok_rung"].astype(int), normalize="index")
    got = rung_probabilities(rs)
    diff = max(float(np.max(np.abs(got.iloc[:, k] - expected[k]))) for k in expected.columns)
    print(f"  rung probabilities by week: largest difference {diff:.1e}")
    d = describe_outcomes(rs)
    worst = 0.0
    for name in NUMERIC:
        v = pd.to_numeric(runs[name]).dropna()
        for col, q in (("q05", 0.05), ("median", 0.5), ("q95", 0.95)):
            if len(v):
                worst = max(worst, abs(d.loc[name, col] - v.quantile(q)) / max(1, abs(
                    v.quantile(q))))
    print(f"  outcome quantiles ({len(NUMERIC)} outcomes x 3): largest relative difference "
          f"{worst:.1e}")
    del ts

    outcome = "escalation_peak"
    for label, n in (("sampled (as analyze)", 2 * FOREST_SAMPLE),
                     ("four times as many", 8 * FOREST_SAMPLE)):
        t0 = time.perf_counter()
        frame = rs.frame([*rs.param_names, outcome], sample=n, seed=1)
        problem, x, y, _ = forest_inputs(rs, outcome, frame)
        table = forest_ranking(problem, x, y)
        print(f"  forest ranking of {outcome}, {label}: {len(frame):,} runs, "
              f"{time.perf_counter() - t0:.1f} s, held-out R² "
              f"{table['surrogate_r2'].iloc[0]:.3f}")
        for name, row in table.head(5).iterrows():
            print(f"    {name:34s} {row['importance']:.4f} ± {row['spread']:.4f}")

    t0 = time.perf_counter()
    sampled = discover(rs, "offensive")
    t_sampled = time.perf_counter() - t0
    if isinstance(sampled, str):
        print(f"  PRIM: {sampled}")
        return
    t0 = time.perf_counter()
    everything = rs.frame([*rs.param_names, "rok_max_rung"])
    y, label = event_mask(everything, "offensive")
    x = params_frame(everything, rs.params)
    full = box_stats(x, y, label, find_rule("PRIM", x, y, label, resamples=0)[0].limits)
    t_full = time.perf_counter() - t0
    for name, box, secs in ((f"on a sample of {PRIM_SAMPLE:,}, with its check on 10 halves",
                             sampled.box, t_sampled),
                            (f"on all {rs.n_runs:,} runs, unchecked", full, t_full)):
        print(f"  PRIM {name} ({secs:.1f} s), measured on all runs: density "
              f"{box.density:.3f}, coverage {box.coverage:.3f}, mass {box.mass:.3f}")
        print(f"    {'; '.join(f'{p} {c}' for p, c in box.restrictions)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, choices=sorted(STORES), default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--event", default="defensive",
                        help="the event `analyze` and `report` explain (default defensive)")
    parser.add_argument("--before", type=Path, action="append", default=[],
                        help="a checkout of the code to compare with (interleaved; "
                        "repeatable, each labelled by its folder's name)")
    parser.add_argument("--store-dir", type=Path, default=Path("/tmp"))
    parser.add_argument("--check", action="store_true",
                        help="compare streamed and sampled numbers with the plain way")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()

    store = make_store(args.runs, args.store_dir)
    versions = {**{d.resolve().name: d.resolve() for d in args.before}, "after": ROOT}
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {
        v: {c: [] for c in COMMANDS} for v in versions}
    if not args.no_timing:
        for r in range(args.rounds):
            for v, code in versions.items():
                print(f"round {r + 1} {v}: load average {os.getloadavg()[0]:.1f}", flush=True)
                for c, figure in run_commands(store, code, args.event).items():
                    results[v][c].append(figure)
                    print(f"round {r + 1} {v:22s} {c:12s} {figure[0]:6.2f} s "
                          f"{figure[1]:7.0f} MB {figure[2]:6.2f} CPU s", flush=True)
        print(f"\n{args.runs:,} runs with weekly series: wall time median of {args.rounds} "
              "[range], CPU seconds of the process tree (median), peak RSS of the process "
              "tree (largest)")
        print(f"{'command':12s} " + " ".join(f"{v:>40s}" for v in versions))
        for c in COMMANDS:
            cells = []
            for v in versions:
                times = [t for t, _, _ in results[v][c]]
                mem = max(m for _, m, _ in results[v][c])
                cpu = statistics.median(u for _, _, u in results[v][c])
                cells.append(f"{statistics.median(times):6.2f} s [{min(times):5.2f}-"
                             f"{max(times):5.2f}] {cpu:5.1f} CPU {mem:5.0f} MB")
            print(f"{c:12s} " + " ".join(f"{x:>40s}" for x in cells))
    if args.check:
        check(store)


if __name__ == "__main__":
    main()
