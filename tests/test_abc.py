"""The parts of `wargame calibrate` (sim/batch/abc/), each on its own: the range distance and
its adaptive variant, the quantile epsilon, pyabc's kernels, the stop rules; and a part of
one's own plugs into the generation loop without a change to it. The whole calibration is
tested end to end in tests/test_calibrate.py."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch.abc.distance import AdaptiveRangeDistance, RangeDistance
from sim.batch.abc.epsilon import Epsilon, QuantileEpsilon
from sim.batch.abc.folder import CalibrationDir
from sim.batch.abc.smc import Calibration, Components
from sim.batch.abc.spec import CalibrationSpec, GenerationInfo, StopRules
from sim.batch.abc.transition import PyabcKernels
from sim.batch.executors import SerialExecutor
from sim.batch.observations import parse_record
from sim.batch.priors import Prior
from sim.batch.specs import ParamSpec
from sim.core.scenario import Scenario


def entry(id_: str, series: str, kind: str, low: float, high: float, weight: float = 1.0
          ) -> dict:
    return {"id": id_, "quantity": id_, "series": series, "kind": kind, "week": 2,
            "best": (low + high) / 2, "low": low, "high": high, "weight": weight,
            "source": "test", "reported": "-"}


RECORD = parse_record({"name": "test", "observation": [
    entry("a", "ukraine_area_km2", "level", 600, 700),
    entry("b", "casualties_russia", "cumulative", 800, 900, weight=2.0)]}, "test record")
PRIOR = Prior((ParamSpec("russia.troops_kursk", "int", 20000, 50000),
               ParamSpec("north_korea.arrival_week", "int", 1, 5),
               ParamSpec("combat.law", "category", values=("square", "linear"))))


def test_the_range_distance_is_zero_inside_every_range_and_weighs_misses() -> None:
    d = RangeDistance(RECORD.entries, weeks=2)
    v = np.array([[650.0, 850.0],     # inside both
                  [800.0, 850.0],     # a: one range width above
                  [650.0, 1000.0],    # b: one range width above, weight 2
                  [np.nan, 850.0]])   # a run with a value missing
    got = d(v)
    assert got[0] == 0.0
    assert got[1] == pytest.approx(1.0) and got[2] == pytest.approx(math.sqrt(2.0))
    assert math.isinf(got[3])
    d.update(v[:3])
    assert list(d.weights) == [1.0, 2.0]  # nothing to adapt: the record's weights


def test_the_adaptive_distance_reweighs_by_how_far_the_runs_miss() -> None:
    d = AdaptiveRangeDistance(RECORD.entries, weeks=2)
    far_on_a = np.array([[900.0, 850.0], [1000.0, 920.0], [950.0, 910.0]])
    d.update(far_on_a)
    # a is missed by much more than b: it weighs less, relative to the record's weights
    assert d.weights[0] / 1.0 < d.weights[1] / 2.0
    assert d(far_on_a).shape == (3,)


def test_the_quantile_epsilon_is_the_weighted_quantile() -> None:
    distances = np.array([0.1, 0.2, 0.3, 0.4])
    assert QuantileEpsilon(0.5)(1, distances, np.full(4, 0.25)) == pytest.approx(0.25)
    # nearly all the weight on the largest distance pulls the median up to it
    assert QuantileEpsilon(0.5)(1, distances, np.array([0.01, 0.01, 0.01, 0.97])) > 0.39


def test_pyabc_kernels_propose_reproducibly_inside_the_prior() -> None:
    rng = np.random.default_rng(0)
    x = PRIOR.rvs(50, rng)
    kernel = PyabcKernels(PRIOR)
    kernel.fit(x, np.full(50, 1 / 50))
    state = np.random.get_state()[1].copy()
    a, b = kernel.propose(200, seed=7), kernel.propose(200, seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global state kept
    assert PRIOR.inside(a).all() and (kernel.pdf(a) > 0).all()
    assert not np.array_equal(a, kernel.propose(200, seed=8))


def test_stop_rules_say_why() -> None:
    def gen(t: int, eps: float, rate: float = 0.5) -> GenerationInfo:
        return GenerationInfo(t, eps, 10, 20, 0, 0, rate, 10.0, 0.1)

    rules = StopRules(generations=3, min_epsilon=0.05, max_simulations=100)
    assert rules.reason([], 0) == ""
    assert rules.reason([gen(0, math.inf), gen(1, 0.5)], 40) == ""
    assert rules.reason([gen(0, math.inf), gen(1, 0.01)], 40).startswith("epsilon 0.01")
    assert rules.reason([gen(0, math.inf), gen(1, 0.5)], 100) == "simulation budget spent"
    assert rules.reason([gen(t, 1.0) for t in range(3)], 60) == "3 generations done"


class HalfEpsilon(Epsilon):
    """A schedule of one's own: half the last population's largest distance."""

    def __call__(self, t: int, distances: np.ndarray, weights: np.ndarray) -> float:
        return float(distances.max() / 2)


def test_a_part_of_ones_own_plugs_into_the_loop(tmp_path: Path) -> None:
    scenario = Scenario().with_overrides({"weeks": 4})
    spec = CalibrationSpec(scenario, PRIOR, RECORD, RECORD.entries, weeks=2, until_week=None,
                           population=20, seed=1)
    parts = Components(RangeDistance(spec.entries, spec.weeks), HalfEpsilon(),
                       lambda: PyabcKernels(PRIOR))
    folder = CalibrationDir(tmp_path)
    cal = Calibration(spec, folder, SerialExecutor(), StopRules(generations=2),
                      components=parts)
    done, reason = cal.run([], {})
    assert reason == "2 generations done"
    first = pd.read_parquet(folder.population_path(0))
    assert done[1].epsilon == pytest.approx(first["distance"].max() / 2)
    second = pd.read_parquet(folder.population_path(1))
    assert (second["distance"] <= done[1].epsilon).all()
    assert second["weight"].sum() == pytest.approx(1.0)
