"""CPU time of one Mesa run, one batched run and the CLI's imports, here and in another
checkout, in interleaved rounds.

    python benchmarks/cpu_before_after.py --before DIR [--rounds 12]

Why CPU time: on a shared machine wall time moves by 2x within minutes, which hides a
difference of a few per cent; ``time.process_time()`` counts only this process's own work
(still not immune to a busy machine's caches). Each round times each checkout in a fresh
process: the median of 20 baseline Mesa runs, one batch of 200 baseline runs with their
series (per run), and ``import sim.cli`` with numpy, pydantic and rich imported first (so
that only the project's own modules count).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_TIMING = """
import sys, time
sys.path.insert(0, ".")
import numpy, pydantic, rich.console
t = time.process_time(); import sim.cli; imported = time.process_time() - t
from sim.core.engine import run_batch
from sim.core.model import EscalationModel
from sim.core.scenario import load_scenario
sc = load_scenario("scenarios/baseline.toml")
EscalationModel(sc, rng=0).run()
times = []
for seed in range(20):
    t = time.process_time()
    EscalationModel(sc, rng=seed).run().outcomes()
    times.append(time.process_time() - t)
run_batch([sc] * 200, list(range(200)))
t = time.process_time()
run_batch([sc] * 200, list(range(200, 400)))
print(statistics.median(times), (time.process_time() - t) / 200, imported)
""".replace("import sys, time", "import statistics, sys, time")


def measure(folder: Path) -> list[float]:
    out = subprocess.run([sys.executable, "-c", _TIMING], cwd=folder, capture_output=True,
                         text=True, check=True)
    return [float(x) for x in out.stdout.split()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", type=Path, required=True, help="the other checkout")
    ap.add_argument("--rounds", type=int, default=12)
    args = ap.parse_args()
    now, then = [], []
    for r in range(args.rounds):
        now.append(measure(ROOT))
        then.append(measure(args.before))
        print(f"round {r + 1}: " + ", ".join(f"{a * 1000:.2f} / {b * 1000:.2f} ms"
                                             for a, b in zip(now[-1], then[-1], strict=True)))
    for i, what in enumerate(("Mesa run", "batched run", "import sim.cli")):
        ratios = [a[i] / b[i] for a, b in zip(now, then, strict=True)]
        print(f"{what}: this {statistics.median(a[i] for a in now) * 1000:.2f} ms, before "
              f"{statistics.median(b[i] for b in then) * 1000:.2f} ms, ratio median "
              f"{statistics.median(ratios):.3f} ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
