"""The batch engine and the Mesa model are one copy of the rules: a run's numbers depend only
on its scenario and seed, never on the batch it runs in, its neighbours, their order or the
batch size; and the Mesa model (a batch of one) gives the very same record and series."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sim.core import rng
from sim.core.engine import run_batch
from sim.core.model import EscalationModel
from sim.core.outcomes import NAMES, outcomes_of
from sim.core.scenario import Scenario, load_scenario
from sim.core.series import SERIES_NAMES
from tests.conftest import SCENARIOS

SEEDS = 200
SERIES_SAMPLE = (0, 57, 199)
SEED_LIST = [int(x) for x in np.arange(SEEDS) * 7919 + 11]
SAMPLED = {SEED_LIST[i] for i in SERIES_SAMPLE}  # seeds whose series are compared too


def same_record(a: dict, b: dict) -> list[str]:
    """Names whose values differ (NaN equals NaN)."""
    return [k for k in a if not ((isinstance(a[k], float) and math.isnan(a[k])
                                  and math.isnan(b[k])) or a[k] == b[k])]


def _mesa_runs(path: Path, seeds: list[int]) -> list[tuple[dict, dict | None]]:
    """Each seed's Mesa run: its outcome record, and its series for the sampled seeds."""
    sc = load_scenario(path)
    out = []
    for seed in seeds:
        model = EscalationModel(sc, rng=seed).run()
        out.append((model.outcomes(), model.series() if seed in SAMPLED else None))
    return out


@pytest.fixture(scope="module")
def pool():
    """Two processes share the Mesa runs (1,400 in all). From the forkserver, not a fork of
    this process: other tests leave library threads behind, which fork() could deadlock."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as ex:
        yield ex


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_mesa_model_and_batch_driver_agree_row_for_row(path, pool) -> None:
    sc = load_scenario(path)
    halves = [pool.submit(_mesa_runs, path, SEED_LIST[k::2]) for k in (0, 1)]
    batch = run_batch([sc] * SEEDS, SEED_LIST)
    runs = [None] * SEEDS
    for k, job in enumerate(halves):
        runs[k::2] = job.result()
    for i, (seed, (outcomes, mesa_series)) in enumerate(zip(SEED_LIST, runs, strict=True)):
        diff = same_record(outcomes, outcomes_of(batch.outcomes, i))
        assert not diff, (path.stem, seed, diff)
        if seed in SAMPLED:
            for name in SERIES_NAMES:
                np.testing.assert_array_equal(mesa_series[name], batch.series_of(i)[name],
                                              err_msg=f"{path.stem} seed {seed} {name}")
    assert sum(series is not None for _, series in runs) == len(SERIES_SAMPLE)


def test_a_runs_record_does_not_depend_on_its_batch() -> None:
    base = load_scenario(SCENARIOS[0])
    points = [base.with_overrides({"north_korea.troop_quality": q, "combat.law": law,
                                   "russia.troops_kursk": troops})
              for q, law, troops in [(0.5, "square", 30_000), (0.9, "linear", 20_000),
                                     (0.7, "square", 50_000), (1.0, "linear", 45_000)]]
    scenarios = [points[i % 4] for i in range(40)]
    seeds = np.arange(40) + 1000
    ref = run_batch(scenarios, seeds)
    # Alone, one run per batch.
    alone = run_batch(scenarios, seeds, batch_size=1)
    # Shuffled, in odd-sized batches, next to other runs.
    order = np.random.default_rng(3).permutation(40)
    shuffled = run_batch([scenarios[i] for i in order], seeds[order], batch_size=7)
    extra = [base.with_overrides({"north_korea.wave_size": 12_000, "north_korea.max_waves": 4})]
    crowded = run_batch(scenarios + extra * 5, np.concatenate([seeds, np.arange(5)]))
    for i in range(40):
        want = outcomes_of(ref.outcomes, i)
        assert not same_record(want, outcomes_of(alone.outcomes, i))
        moved = int(np.flatnonzero(order == i)[0])
        assert not same_record(want, outcomes_of(shuffled.outcomes, moved))
        assert not same_record(want, outcomes_of(crowded.outcomes, i))
        np.testing.assert_array_equal(ref.series_block(i), alone.series_block(i))


def test_runs_with_different_horizons_share_a_call() -> None:
    short = Scenario().with_overrides({"weeks": 10})
    long = Scenario().with_overrides({"weeks": 30})
    res = run_batch([short, long, short], [1, 2, 3])
    assert list(res.horizons) == [10, 30, 10]
    assert len(res.series_of(0)["week"]) == 11 and len(res.series_of(1)["week"]) == 31
    alone = run_batch([long], [2])
    assert not same_record(outcomes_of(res.outcomes, 1), outcomes_of(alone.outcomes, 0))


def test_outcome_record_is_typed_by_kind() -> None:
    res = run_batch([Scenario()], [5], keep_series=False)
    rec = outcomes_of(res.outcomes, 0)
    assert list(rec) == list(NAMES)
    assert isinstance(rec["casualties_north_korea"], int)
    assert isinstance(rec["rok_max_rung_name"], str)
    assert isinstance(rec["retaken_week"], float)


# ----------------------------------------------------------------- random numbers
def test_uniforms_are_uniform_and_keyed_by_site_week_and_index() -> None:
    keys = rng.run_keys(np.arange(2000))
    u = rng.uniforms(keys, rng.Site.FOG, 3, np.arange(50))
    assert u.shape == (2000, 50)
    assert u.min() > 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    # Neighbouring runs, weeks, sites and indices are uncorrelated.
    assert abs(np.corrcoef(u[:-1].ravel(), u[1:].ravel())[0, 1]) < 0.01
    v = rng.uniforms(keys, rng.Site.FOG, 4, np.arange(50))
    w = rng.uniforms(keys, rng.Site.CASUALTIES, 3, np.arange(50))
    assert abs(np.corrcoef(u.ravel(), v.ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(u.ravel(), w.ravel())[0, 1]) < 0.01
    # The same (run, site, week, index) gives the same number in any company.
    np.testing.assert_array_equal(u[7], rng.uniforms(keys[7:8], rng.Site.FOG, 3,
                                                     np.arange(50))[0])


@pytest.mark.parametrize("lam", [0.2, 1.5, 2.99, 3.0, 7.0, 40.0])
def test_poisson_counts_have_the_right_mean_and_variance(lam: float) -> None:
    u = rng.uniforms(rng.run_keys(np.arange(200)), rng.Site.CASUALTIES, 0, np.arange(500))
    k = rng.poisson(np.full(u.shape, lam), u)
    assert (k == np.floor(k)).all() and k.min() >= 0
    se = math.sqrt(lam / k.size)
    assert abs(k.mean() - lam) < 5 * se
    assert abs(k.var() / lam - 1) < 0.05


def test_poisson_exact_region_equals_scipy_quantiles() -> None:
    from scipy.stats import poisson

    u = np.linspace(0.0005, 0.9995, 2000)
    for lam in (0.3, 1.0, 2.5):
        np.testing.assert_array_equal(rng.poisson(np.full(u.shape, lam), u),
                                      poisson.ppf(u, lam))


def test_strengths_stay_whole_soldiers() -> None:
    """Sums of personnel are exact in any order only because strengths are whole numbers."""
    sc = Scenario().with_overrides({"russia.replacement_rate": 1.3,
                                    "ukraine.replacement_rate": 0.7, "weeks": 30})
    model = EscalationModel(sc, rng=4)
    for _ in range(30):
        model.step()
        s = model.state.units.strength
        assert (s == np.floor(s)).all()
