"""Benchmark one run in process: speed, where the time goes, and how cost grows.

    python benchmarks/single_run.py [--runs 50] [--before DIR]

Prints: steps/s and runs/s of the baseline in the Mesa model; the cost per run of the
same rules in batches of 1, 10, 100 and 1,000 runs (``sim.core.engine.run_batch``); the
top functions of a cProfile; the cost of a run as the number of unit agents doubles
(50 -> 400) and as the horizon doubles. The scaling runs use a stalemate
(``combat.breakthrough_ratio = 10``) so that fighting goes on for the whole horizon;
otherwise a run that retakes Kursk early gets cheaper per week.

``--before DIR`` also times another checkout (e.g. ``git worktree add /tmp/wargame-old
491e433``, the code before the actor registry) on its own baseline, in rounds interleaved
with this one, so that both meet the same machine load; both are timed the same way, each
in a fresh process of its own: the Mesa model (median ms per run), the batch driver (ms per
run in one batch of 200 runs with their series), and the start-up of ``wargame validate``
on the baseline (median wall time of 5 fresh processes, the interpreter's start included).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np

from sim.core.engine import run_batch
from sim.core.model import EscalationModel, Unit
from sim.core.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def time_runs(sc: Scenario, runs: int) -> tuple[float, int]:
    """Seconds per run (median of ``runs``) and units in the model."""
    EscalationModel(sc, rng=0).run()  # warm caches and imports
    times = []
    units = 0
    for seed in range(runs):
        t0 = time.perf_counter()
        m = EscalationModel(sc, rng=seed)
        m.run()
        m.outcomes()
        times.append(time.perf_counter() - t0)
        units = len(m.agents_by_type[Unit])
    return float(np.median(times)), units


_CHECKOUT_TIMING = """
import sys, time
sys.path.insert(0, ".")
try:
    from sim.core.model import EscalationModel
    from sim.core.scenario import load_scenario
except ImportError:  # the layout before the batch engine
    from sim.model import EscalationModel
    from sim.scenario import load_scenario
sc = load_scenario("scenarios/baseline.toml")
EscalationModel(sc, rng=0).run()
times = []
for seed in range(int(sys.argv[1])):
    t0 = time.perf_counter()
    m = EscalationModel(sc, rng=seed)
    m.run()
    m.outcomes()
    times.append(time.perf_counter() - t0)
times.sort()
from sim.core.engine import run_batch
run_batch([sc] * 200, list(range(200)))  # warm
t0 = time.perf_counter()
run_batch([sc] * 200, list(range(200, 400)))
print(times[len(times) // 2], (time.perf_counter() - t0) / 200)
"""


def time_checkout(folder: Path, runs: int) -> tuple[float, float, float]:
    """Seconds per baseline run of the checkout in ``folder``, in the Mesa model (median)
    and in a batch, and the median wall time of ``wargame validate``, each timed in fresh
    processes (the same protocol for this checkout and another)."""
    out = subprocess.run([sys.executable, "-c", _CHECKOUT_TIMING, str(runs)], cwd=folder,
                         capture_output=True, text=True, check=True)
    mesa_run, batch_run = (float(x) for x in out.stdout.split()[-2:])
    starts = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "validate", "scenarios/baseline.toml"],
                       cwd=folder, capture_output=True, check=True)
        starts.append(time.perf_counter() - t0)
    return mesa_run, batch_run, float(np.median(starts))


def batch_cost(sc: Scenario, size: int, total: int) -> float:
    """Seconds per run of ``sc`` in batches of ``size`` runs (``total`` runs in all)."""
    run_batch([sc] * size, list(range(size)), keep_series=False)  # warm
    t0 = time.perf_counter()
    for lo in range(0, total, size):
        run_batch([sc] * size, list(range(lo, lo + size)), keep_series=False,
                  batch_size=size)
    return (time.perf_counter() - t0) / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=50, help="runs per measurement")
    ap.add_argument("--before", type=Path, help="another checkout to time alongside")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds with --before (median of each kept)")
    args = ap.parse_args()
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    print(f"python {platform.python_version()}, mesa {mesa.__version__}, numpy "
          f"{np.__version__}, {platform.processor() or platform.machine()}")

    sec, units = time_runs(base, args.runs)
    print(f"\nbaseline ({base.weeks} weeks, {units} unit agents): {sec * 1000:.1f} ms/run "
          f"(median of {args.runs}), {1 / sec:.1f} runs/s, {base.weeks / sec:,.0f} steps/s")
    if args.before:
        print(f"\nthis checkout / {args.before} (own baseline), interleaved rounds:")
        ratios = []
        for r in range(args.rounds):
            now = time_checkout(ROOT, args.runs)
            then = time_checkout(args.before, args.runs)
            ratios.append([a / b for a, b in zip(now, then, strict=True)])
            print(f"  round {r + 1}: " + ", ".join(
                f"{what} {a * 1000:.2f} / {b * 1000:.2f} ms ({a / b:.2f})" for what, a, b
                in zip(("mesa run", "batch run", "validate"), now, then, strict=True)))
        r = np.array(ratios)
        print("  ratio this / before, median (range): " + ", ".join(
            f"{what} {np.median(r[:, i]):.2f} ({r[:, i].min():.2f}-{r[:, i].max():.2f})"
            for i, what in enumerate(("mesa run", "batch run", "validate"))))

    print("\nthe same rules in batches (sim.core.engine.run_batch, no series stored):")
    print(f"{'runs/batch':>10} {'ms/run':>8}")
    for size in (1, 10, 100, 1000):
        print(f"{size:>10} {batch_cost(base, size, max(size, 200)) * 1000:>8.3f}")

    prof = cProfile.Profile()
    prof.enable()
    for seed in range(20):
        EscalationModel(base, rng=seed).run().outcomes()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    print("\nwhere the time goes (cProfile, 20 baseline runs, by own time):")
    print("\n".join(buf.getvalue().splitlines()[4:]))

    stalemate = base.with_overrides({"combat.breakthrough_ratio": 10.0})
    personnel = (base.ukraine.troops_kursk + base.russia.troops_kursk
                 + base.north_korea.troops_to_kursk)
    print("cost as the number of units doubles (52 weeks, stalemate):")
    print(f"{'units':>8} {'ms/run':>8} {'us/unit/week':>13}")
    for target in (50, 100, 200, 400):
        sc = stalemate.with_overrides({"front.unit_size": round(personnel / target)})
        sec, units = time_runs(sc, max(10, args.runs // 3))
        print(f"{units:>8} {sec * 1000:>8.1f} {sec / units / sc.weeks * 1e6:>13.2f}")

    print("\ncost as the horizon doubles (default units, stalemate):")
    print(f"{'weeks':>8} {'ms/run':>8} {'us/week':>9}")
    for weeks in (13, 26, 52, 104, 208):
        sc = stalemate.with_overrides({"weeks": weeks})
        sec, _ = time_runs(sc, max(10, args.runs // 3))
        print(f"{weeks:>8} {sec * 1000:>8.1f} {sec / weeks * 1e6:>9.0f}")


if __name__ == "__main__":
    main()
