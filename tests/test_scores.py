"""The proper scores (sim/batch/scores.py) against values worked by hand, against the
hand-written CRPS formula they replaced, and the naive baselines (sim/batch/baselines.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.batch.baselines import persistence, trend
from sim.batch.observations import parse_record
from sim.batch.scores import (
    brier,
    crps,
    ensemble_scores,
    interval_score,
    log_score,
    pit,
    point_scores,
    probability,
    skill,
)

ENSEMBLE = np.array([1.0, 2.0, 3.0, 4.0])


def crps_by_pairs(x: np.ndarray, y: float) -> float:
    """E|X - y| - E|X - X'| / 2 over every pair: the definition, O(n^2)."""
    return float(np.abs(x - y).mean() - np.abs(x[:, None] - x[None, :]).mean() / 2)


def test_crps_by_hand_and_by_definition() -> None:
    # mean|x - 2.5| = 1; sum over pairs |xi - xj| = 20, /(2 * 16) = 0.625
    assert crps(ENSEMBLE, 2.5) == pytest.approx(0.375)
    assert crps(ENSEMBLE, 5.0) == pytest.approx(1.875)  # mean|x - 5| = 2.5
    assert crps(np.array([3.0]), 1.0) == pytest.approx(2.0)  # one member: absolute error
    rng = np.random.default_rng(1)
    for _ in range(5):
        x, y = rng.gamma(2.0, 3.0, size=300), float(rng.gamma(2.0, 3.0))
        assert crps(x, y) == pytest.approx(crps_by_pairs(x, y), rel=1e-12)


def test_weights_act_as_repeated_members() -> None:
    """Weights 2:1 on {1, 2} score as the ensemble {1, 1, 2}: the continued particles of a
    calibration carry their weights."""
    x, w = np.array([1.0, 2.0]), np.array([2.0, 1.0])
    rep = np.array([1.0, 1.0, 2.0])
    for y in (0.0, 1.3, 5.0):
        assert crps(x, y, w) == pytest.approx(crps(rep, y))
        assert pit(x, y, w, 0.5) == pytest.approx(pit(rep, y, None, 0.5))
    assert probability(x, w, x <= 1.0) == pytest.approx(2 / 3)


def test_interval_brier_log_and_pit_by_hand() -> None:
    assert interval_score(1.75, 3.25, 2.5, 0.5) == pytest.approx(1.5)
    assert interval_score(1.15, 3.85, 5.0, 0.1) == pytest.approx(2.7 + 20 * 1.15)
    assert interval_score(1.15, 3.85, 0.15, 0.1) == pytest.approx(2.7 + 20 * 1.0)
    assert brier(0.8, 1) == pytest.approx(0.04) and brier(0.8, 0) == pytest.approx(0.64)
    assert log_score(0.8, 1, None) == pytest.approx(-math.log(0.8))
    assert log_score(0.8, 0, None) == pytest.approx(-math.log(0.2))
    # an ensemble of 10 that never saw the event: p is kept at 1/20, not 0
    assert log_score(0.0, 1, 10) == pytest.approx(math.log(20))
    assert log_score(0.0, 1, None) == math.inf  # a point forecast is not spared
    # ties: F(y-) = 1/4, F(y) = 3/4 for {1, 2, 2, 3} at 2; u spreads between them
    tied = np.array([1.0, 2.0, 2.0, 3.0])
    assert pit(tied, 2.0, None, 0.0) == pytest.approx(0.25)
    assert pit(tied, 2.0, None, 1.0) == pytest.approx(0.75)
    assert pit(tied, 9.0, None, 0.3) == pytest.approx(1.0)


def test_ensemble_and_point_scores() -> None:
    s = ensemble_scores(ENSEMBLE, 2.5, 2.0, None, 0.5)
    # weighted ('hazen') quantiles of 1..4: 25 % 1.5, 75 % 3.5; 5 % and 95 % clamp to 1, 4
    assert (s["q05"], s["q25"], s["q75"], s["q95"]) == pytest.approx((1.0, 1.5, 3.5, 4.0))
    assert s["in50"] and s["in90"] and s["crps_scaled"] == pytest.approx(0.375 / 2)
    assert s["is50"] == pytest.approx(2.0) and s["pit"] == pytest.approx(0.5)
    p = point_scores(10.0, 7.0, 3.0)
    assert p["crps"] == 3.0 and p["crps_scaled"] == 1.0
    assert p["is90"] == pytest.approx(60.0) and p["is50"] == pytest.approx(12.0)
    assert skill(np.array([1.0, 1.0]), np.array([2.0, 2.0])) == pytest.approx(0.5)
    assert math.isnan(skill(np.array([1.0]), np.array([0.0])))


def record_entries():
    base = {"quantity": "q", "source": "s", "reported": "r"}
    return parse_record({"name": "t", "observation": [
        {**base, "id": "area_w2", "series": "ukraine_area_km2", "kind": "level", "week": 2,
         "best": 700, "low": 650, "high": 750},
        {**base, "id": "area_w6", "series": "ukraine_area_km2", "kind": "level", "week": 6,
         "best": 600, "low": 550, "high": 650},
        {**base, "id": "area_w10", "series": "ukraine_area_km2", "kind": "level", "week": 10,
         "best": 450, "low": 400, "high": 500},
        {**base, "id": "area_w30", "series": "ukraine_area_km2", "kind": "level", "week": 30,
         "best": 0, "low": 0, "high": 0},
        {**base, "id": "cas_w10", "series": "casualties_north_korea", "kind": "cumulative",
         "week": 10, "best": 3000, "low": 2500, "high": 3500},
        {**base, "id": "contact", "series": "nk_troops_in_combat", "kind": "event_week",
         "best": 8, "low": 7, "high": 9},
    ]}, "hand-made").entries


def test_persistence_and_trend() -> None:
    e = {x.id: x for x in record_entries()}
    known = [e["area_w2"], e["area_w6"]]
    assert persistence(known, e["area_w10"]).value == 600
    # the line through (2, 700) and (6, 600): -25 a week, so 500 at week 10
    assert trend(known, e["area_w10"]).value == pytest.approx(500)
    assert trend(known, e["area_w30"]).value == 0.0  # floored: an area is never negative
    one = trend([e["area_w6"]], e["area_w10"])
    assert one.value is None and "fewer than two" in one.why
    none = persistence(known, e["cas_w10"])
    assert none.value is None and "casualties_north_korea" in none.why
    assert persistence(known, e["contact"]).value is None
    assert trend(known, e["contact"]).value is None
