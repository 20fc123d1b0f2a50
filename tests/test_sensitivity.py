"""Sobol indices on a function whose indices are known, and the model-free ranking on a
function whose drivers are known."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from sim.analysis.sensitivity import forest_ranking, sobol_indices

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_sobol_on_ishigami_matches_the_analytic_indices() -> None:
    x = sobol_sample.sample(PROBLEM, 1024, calc_second_order=False, seed=1)
    table = sobol_indices(PROBLEM, Ishigami.evaluate(x), calc_second_order=False, seed=1)
    np.testing.assert_allclose(table["S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(table["ST"], [0.558, 0.442, 0.244], atol=0.05)
    assert (table["S1_conf"] > 0).all()


def test_forest_ranking_puts_the_driver_first_and_noise_last() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((600, 3))
    y = 5 * x[:, 1] + np.sin(3 * x[:, 0]) * 0.5 + rng.normal(0, 0.05, 600)
    problem = {"num_vars": 3, "names": ["a", "b", "noise"], "bounds": [[0, 1]] * 3}
    table = forest_ranking(problem, x, y)
    assert list(table.index) == ["b", "a", "noise"]
    assert table.loc["noise", "importance"] < 0.05 * table.loc["b", "importance"]
    assert table["surrogate_oob_r2"].iloc[0] == pytest.approx(1.0, abs=0.1)
