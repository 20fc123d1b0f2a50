"""CRPS by scoringrules against the hand-written formula it replaced: agreement and speed.

    python benchmarks/scores.py [--members 1000] [--observations 40] [--rounds 5]

The hand-written estimator (sorted sample, O(n log n)) was sim/batch/hindcast.py's before
the scores moved to scoringrules; it is kept here as the reference. Both score the same
ensembles (gamma-distributed, like counts and areas) against the same values, in
interleaved rounds (this machine's speed drifts); printed: the largest absolute difference
and each one's median time per round.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scoringrules as sr


def crps_sorted(x: np.ndarray, y: float) -> float:
    """mean|x - y| - mean|x - x'| / 2, the second term from the sorted sample."""
    x = np.sort(x)
    n = len(x)
    i = np.arange(1, n + 1)
    return float(np.abs(x - y).mean() - 2.0 * np.sum((2 * i - n - 1) * x) / (2.0 * n * n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--observations", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 300.0, size=(args.observations, args.members))
    y = rng.gamma(2.0, 300.0, size=args.observations)
    times: dict[str, list[float]] = {"hand-written": [], "scoringrules (qd)": [],
                                     "scoringrules, one call per observation": []}
    diff = 0.0
    for _ in range(args.rounds):
        t = time.perf_counter()
        hand = np.array([crps_sorted(x[i], y[i]) for i in range(len(y))])
        times["hand-written"].append(time.perf_counter() - t)
        t = time.perf_counter()
        lib = sr.crps_ensemble(y, x, estimator="qd", backend="numpy")
        times["scoringrules (qd)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        each = np.array([sr.crps_ensemble(y[i], x[i], estimator="qd", backend="numpy")
                         for i in range(len(y))])
        times["scoringrules, one call per observation"].append(time.perf_counter() - t)
        diff = max(diff, float(np.abs(hand - lib).max()), float(np.abs(hand - each).max()))
    print(f"{args.observations} observations x {args.members} members, {args.rounds} rounds; "
          f"largest difference {diff:.2g} (CRPS values ~{np.median(hand):.0f})")
    for name, ts in times.items():
        print(f"  {name:42s} {np.median(ts) * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
