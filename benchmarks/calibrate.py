"""A full calibration of the baseline against the record, timed.

    python benchmarks/calibrate.py [--workers 2] [--population 500] [--generations 10]

Runs ``wargame calibrate scenarios/baseline.toml --record observations/kursk-2024-25.toml
--until 2025-01-31`` (its defaults: 500 particles, up to 10 generations, prior and
posterior predictive ensembles of 500 runs, figures) in a temporary folder and prints the
wall time, the simulations, the generations and the runs per second, from the command's
own manifest.

Until the record's mechanisms add the series ``nk_troops_in_kursk``, ``nk_in_contact``,
``nk_assaulting`` and ``nk_troops_resting``, the record does not validate against the
model; the benchmark then runs on a stand-in copy where each of those entries reads the
nearest series the model has (``nk_troops_in_russia`` and ``nk_troops_in_combat``), and
says so. The cost per simulation is the same; the number of simulations is not
representative of the calibrated model's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "observations" / "kursk-2024-25.toml"
STAND_INS = {"nk_troops_in_kursk": "nk_troops_in_russia", "nk_in_contact": "nk_troops_in_combat",
             "nk_assaulting": "nk_troops_in_combat", "nk_troops_resting": "nk_troops_in_combat"}


def record_path(tmp: Path) -> tuple[Path, bool]:
    """The record, or a stand-in copy if it names series the model does not have yet."""
    from sim.core.series import SERIES_NAMES

    text = RECORD.read_text()
    missing = [s for s in STAND_INS if s not in SERIES_NAMES and f'"{s}"' in text]
    if not missing:
        return RECORD, False
    for s in missing:
        text = text.replace(f'"{s}"', f'"{STAND_INS[s]}"')
    path = tmp / "record-stand-in.toml"
    path.write_text(text)
    return path, True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--population", type=int, default=500)
    ap.add_argument("--generations", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        record, stand_in = record_path(Path(tmp))
        out = Path(tmp) / "cal"
        cmd = [sys.executable, "-m", "sim", "calibrate", str(ROOT / "scenarios" / "baseline.toml"),
               "--record", str(record), "--until", "2025-01-31", "--population",
               str(args.population), "--generations", str(args.generations), "--workers",
               str(args.workers), "--out", str(out), "--quiet"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        m = json.loads((out / "manifest.json").read_text())
    sims = m["simulations"]
    pred = 2 * m["predictive_runs"]
    engine = sum(g["seconds"] for g in m["generations"])
    print(f"record: {'stand-in copy (see the docstring)' if stand_in else RECORD.name}")
    print(f"baseline, {args.workers} workers, population {args.population}: "
          f"{len(m['generations'])} generations ({m['stop_reason']})")
    print(f"wall time {seconds:.1f} s (the whole command: start-up, generations, "
          f"predictive ensembles, figures)")
    print(f"simulations {sims:,} in the generations (+{pred:,} predictive), "
          f"{sims / engine:.0f} runs/s inside the generations")
    for g in m["generations"]:
        eps = "inf" if g["epsilon"] is None else f"{g['epsilon']:.3g}"
        print(f"  generation {g['t']}: epsilon {eps}, {g['simulations']:,} runs, "
              f"acceptance {g['acceptance_rate']:.1%}, {g['seconds']:.1f} s")


if __name__ == "__main__":
    main()
