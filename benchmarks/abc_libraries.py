"""Which ABC-SMC library, measured on the baseline with the batch engine.

    python benchmarks/abc_libraries.py [--population 300] [--generations 4]
                                       [--only ours,pyabc,pyabc2,elfi]

The same problem for all: the baseline's ten [sweep] parameters as uniform priors
(``combat.law`` a category), a record of eight observations of series the model has today
(its own runs at the defaults, 13 weeks, with ranges of +-15-30 %), the range-excess
distance of ``wargame calibrate``, and the median epsilon schedule (alpha = 0.5), for the
same number of generations and particles. Printed: wall time, simulations, runs/s.

1. ``ours``: ``wargame calibrate``'s loop (pyabc's kernels; whole rounds of candidates in
   one call of the batch engine), 1 process;
2. ``pyabc``: pyabc's own ``ABCSMC`` with its ``SingleCoreSampler``: it calls the model
   once per particle, so each call is a batch of one run of the engine;
3. ``pyabc2``: the same with ``MulticoreEvalParallelSampler`` on all cores;
4. ``elfi``: ELFI 0.8's ``SMC`` with a vectorised simulator (a whole ``batch_size`` of
   parameters per call of the batch engine). ELFI pins matplotlib<3.9, which breaks the
   project's browser view, so it is never installed in the project's venv: run this part
   from a throwaway venv (``python3.12 -m venv /tmp/elfi && /tmp/elfi/bin/pip install
   elfi==0.8.8 -e .``).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.batch.observations import excess, parse_record
from sim.batch.priors import Prior
from sim.batch.specs import specs_for
from sim.core.engine import run_batch
from sim.core.scenario import load_scenario
from sim.core.series import SERIES_INDEX

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
WEEKS = 13


def problem():
    """The scenario, its prior and a record built from its own runs at the defaults."""
    sc = load_scenario(BASELINE)
    prior = Prior(tuple(specs_for(sc, [], str(BASELINE))))
    res = run_batch([sc] * 40, np.arange(40), weeks=WEEKS)
    s = np.stack([res.series_block(i) for i in range(40)])
    obs = []
    for name, week, rel in (("ukraine_area_km2", 4, 0.15), ("ukraine_area_km2", 11, 0.15),
                            ("casualties_north_korea", 7, 0.2),
                            ("casualties_north_korea", 11, 0.2), ("nk_prisoners", 10, 0.3),
                            ("nk_troops_in_russia", 4, 0.05)):
        v = float(np.median(s[:, week, SERIES_INDEX[name]]))
        obs.append({"id": f"{name}_{week}", "quantity": name, "series": name, "week": week,
                    "kind": "level", "best": v, "low": v * (1 - rel), "high": v * (1 + rel),
                    "source": "the model at its defaults", "reported": "-"})
    obs.append({"id": "rok_rung", "quantity": "highest rung", "series": "rok_rung",
                "kind": "rung", "week": 13, "best": 2, "low": 2, "high": 2,
                "source": "-", "reported": "-"})
    obs.append({"id": "nato_support", "quantity": "support raised", "series": "nato_rung",
                "kind": "event_week", "threshold": 2, "best": 4, "low": 3, "high": 5,
                "source": "-", "reported": "-"})
    record = parse_record({"name": "benchmark", "observation": obs}, "benchmark record")
    return sc, prior, record


def ours(sc, prior, record, n: int, gens: int) -> tuple[float, int]:
    import pyabc  # noqa: F401  (imported before the clock starts, as for the others)

    from sim.batch.abc.run import run_calibration
    from sim.batch.abc.spec import CalibrationSpec, StopRules
    from sim.batch.executors import Execution
    from sim.batch.provenance import ScenarioFile

    out = Path(tempfile.mkdtemp()) / "cal"
    spec = CalibrationSpec(sc, prior, record, record.entries, WEEKS, None, n)
    t0 = time.perf_counter()
    res = run_calibration(spec, out, StopRules(generations=gens),
                          source=ScenarioFile(str(BASELINE), BASELINE.read_text()),
                          record_text="", execution=Execution("serial"), predictive_runs=10)
    seconds = time.perf_counter() - t0
    shutil.rmtree(out.parent)
    return seconds, res.simulations


def _simulate_one(sc, prior, record, x: np.ndarray, seed: int) -> np.ndarray:
    from sim.batch.evaluate import evaluate_chunk

    _, ev = evaluate_chunk(0, sc.model_copy(update={"sweep": {}}).model_dump_json(),
                           prior.decode(x[None, :]), [seed], WEEKS, record.entries)
    return ev.values[0]


def pyabc_stock(sc, prior, record, n: int, gens: int, cores: int) -> tuple[float, int]:
    import pyabc

    names = prior.names
    rvs = {}
    for s in prior.specs:
        lo, hi = prior.latent_bounds(s)
        rvs[s.name] = (pyabc.RV("rv_discrete", values=(np.arange(len(s.values)),
                                                      np.full(len(s.values), 1 / len(s.values))))
                       if s.values is not None else pyabc.RV("uniform", lo, hi - lo))
    counter = iter(range(10**9))

    def model(p):
        x = np.array([p[k] for k in names], dtype=float)
        v = _simulate_one(sc, prior, record, x, next(counter))
        return {"v": v}

    def distance(a, b):
        e = excess(record.entries, a["v"][None, :], WEEKS)[0]
        d = float(np.sqrt((e ** 2).sum()))
        return d if np.isfinite(d) else np.inf

    cont = [s.name for s in prior.specs if s.values is None]
    mapping = {tuple(cont): pyabc.MultivariateNormalTransition()}
    for s in prior.specs:
        if s.values is not None:
            mapping[(s.name,)] = pyabc.DiscreteJumpTransition(
                domain=np.arange(len(s.values), dtype=float))
    sampler = (pyabc.sampler.SingleCoreSampler() if cores == 1
               else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=cores))
    abc = pyabc.ABCSMC(model, pyabc.Distribution(**rvs), distance, population_size=n,
                       transitions=pyabc.AggregatedTransition(mapping),
                       eps=pyabc.QuantileEpsilon(alpha=0.5), sampler=sampler)
    db = Path(tempfile.mkdtemp()) / "abc.db"
    abc.new(f"sqlite:///{db}", {"v": np.zeros(len(record.entries))})
    t0 = time.perf_counter()
    history = abc.run(max_nr_populations=gens)
    seconds = time.perf_counter() - t0
    sims = int(history.get_all_populations()["samples"].sum())
    shutil.rmtree(db.parent)
    return seconds, sims


def elfi_smc(sc, prior, record, n: int, gens: int) -> tuple[float, int]:
    import elfi

    from sim.batch.evaluate import evaluate_chunk

    scenario_json = sc.model_copy(update={"sweep": {}}).model_dump_json()
    m = elfi.ElfiModel()
    # ELFI's SMC needs prior densities (a category becomes a continuous index rounded in
    # the simulator) and its Gaussian proposal's covariance must stay positive definite,
    # which with raw units (troops ~1e4 next to rates ~1e-2) it did not in round 3: every
    # parameter is given to ELFI on [0, 1] and mapped onto its range in the simulator.
    nodes = [elfi.Prior("uniform", 0, 1, model=m, name=s.name) for s in prior.specs]
    bounds = np.array([prior.latent_bounds(s) for s in prior.specs])
    bounds[[s.values is not None for s in prior.specs]] += [-0.5, 0.5]
    count = [0]

    def simulator(*cols, batch_size=1, random_state=None):
        u = np.column_stack([np.broadcast_to(np.asarray(c, dtype=float), (batch_size,))
                             for c in cols])
        x = bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
        seeds = random_state.randint(0, 2**31 - 1, size=batch_size).tolist()
        _, ev = evaluate_chunk(0, scenario_json, prior.decode(x), seeds, WEEKS, record.entries)
        count[0] += batch_size
        return ev.values

    sim = elfi.Simulator(simulator, *nodes, observed=np.zeros((1, len(record.entries))),
                         model=m, name="sim")

    def discrepancy(simulated, observed):
        e = excess(record.entries, simulated, WEEKS)
        d = np.sqrt((e ** 2).sum(axis=1))
        return np.where(np.isfinite(d), d, 1e12)

    d = elfi.Discrepancy(discrepancy, sim, model=m, name="d")
    smc = elfi.SMC(d, batch_size=500, seed=0)
    t0 = time.perf_counter()
    smc.sample(n, quantiles=[1.0] + [0.5] * (gens - 1))
    return time.perf_counter() - t0, count[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--only", default="ours,pyabc,pyabc2,elfi")
    args = ap.parse_args()
    sc, prior, record = problem()
    n, g = args.population, args.generations
    print(f"baseline, {len(prior.names)} parameters, {len(record.entries)} observations, "
          f"{WEEKS} weeks; population {n}, {g} generations, median epsilon schedule")
    print(f"{'method':<44} {'seconds':>8} {'simulations':>12} {'runs/s':>8}")
    todo = args.only.split(",")
    runs = {
        "ours": ("wargame calibrate (pyabc kernels, batched), 1 process",
                 lambda: ours(sc, prior, record, n, g)),
        "pyabc": ("pyabc ABCSMC, SingleCoreSampler",
                  lambda: pyabc_stock(sc, prior, record, n, g, 1)),
        "pyabc2": ("pyabc ABCSMC, MulticoreEvalParallel (2)",
                   lambda: pyabc_stock(sc, prior, record, n, g, 2)),
        "elfi": ("ELFI 0.8 SMC, batch_size 500, 1 process",
                 lambda: elfi_smc(sc, prior, record, n, g)),
    }
    for key in todo:
        label, fn = runs[key]
        try:
            seconds, sims = fn()
        except ImportError as exc:
            print(f"{label:<44} not installed here ({exc.name}): see the docstring")
            continue
        print(f"{label:<44} {seconds:8.1f} {sims:12,d} {sims / seconds:8.0f}", flush=True)


if __name__ == "__main__":
    main()
