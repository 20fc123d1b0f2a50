"""The numbers behind the figures, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.summary import (
    compare_table,
    describe_outcomes,
    fan_bands,
    max_rung_probabilities,
    retaken_by_week,
    rung_probabilities,
)


def test_describe_outcomes_quantiles_and_missing_share() -> None:
    runs = pd.DataFrame({"casualties_russia": np.arange(101, dtype=float),
                         "retaken_week": [np.nan] * 25 + [10.0] * 76})
    d = describe_outcomes(runs, ["casualties_russia", "retaken_week"])
    assert d.loc["casualties_russia", "median"] == 50
    assert d.loc["casualties_russia", "q05"] == pytest.approx(5)
    assert d.loc["casualties_russia", "q95"] == pytest.approx(95)
    assert d.loc["retaken_week", "missing_share"] == pytest.approx(25 / 101)
    assert d.loc["retaken_week", "median"] == 10


def test_rung_probabilities_over_time() -> None:
    ts = pd.DataFrame({"run_id": [0, 0, 1, 1, 2, 2, 3, 3], "week": [0, 1] * 4,
                       "rok_rung": [0, 1, 0, 3, 1, 4, 0, 4]})
    p = rung_probabilities(ts)
    assert p.loc[0, "none"] == pytest.approx(0.75) and p.loc[0, "statements"] == 0.25
    assert p.loc[1, "offensive_weapons"] == pytest.approx(0.5)
    assert p.loc[1, "defensive_weapons"] == pytest.approx(0.25)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_max_rung_and_retaken_by_week() -> None:
    runs = pd.DataFrame({"rok_max_rung": [1, 3, 3, 4], "retaken_week": [2, 5, np.nan, 5]})
    p = max_rung_probabilities(runs)
    assert p["P(defensive_weapons)"] == 0.75 and p["P(offensive_weapons)"] == 0.25
    r = retaken_by_week(runs, horizon=6)
    assert list(r) == [0, 0, 0.25, 0.25, 0.25, 0.75, 0.75]


def test_fan_bands() -> None:
    ts = pd.DataFrame({"run_id": np.repeat(np.arange(101), 2), "week": [0, 1] * 101,
                       "escalation_index": np.column_stack([np.zeros(101),
                                                            np.arange(101)]).ravel()})
    b = fan_bands(ts, "escalation_index")
    assert b.loc[1, "q50"] == 50 and b.loc[1, "q25"] == 25 and b.loc[1, "q95"] == 95
    assert (b.loc[0] == 0).all()


def test_compare_marks_disjoint_intervals_only() -> None:
    a = pd.DataFrame({"escalation_peak": np.linspace(10, 20, 50)})
    b = pd.DataFrame({"escalation_peak": np.linspace(30, 40, 50)})
    c = pd.DataFrame({"escalation_peak": np.linspace(15, 35, 50)})
    t = compare_table({"a": a, "b": b, "c": c}, ["escalation_peak"]).set_index("set")
    assert list(t["differs_from_a"]) == [False, True, False]
    assert t.loc["b", "median"] == pytest.approx(35)
