"""Policy comparison on a small table computed by hand: paired differences, P(better),
regret and satisficing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.policies import (
    Criterion,
    p_better_matrix,
    paired_differences,
    regret,
    regret_summary,
    robustness,
    satisficing,
)
from sim.errors import UserError

# Three futures (point, replicate), three policies; escalation_peak: lower is better.
#            future:   (0,0) (0,1) (1,0)
PEAK = {"hold": [40.0, 50.0, 60.0],
        "arm": [55.0, 50.0, 70.0],
        "talk": [30.0, 65.0, 58.0]}
AREA = {"hold": [300.0, 100.0, 0.0], "arm": [350.0, 150.0, 50.0], "talk": [200.0, 100.0, 0.0]}


def table() -> pd.DataFrame:
    rows = []
    run = 0
    for policy in PEAK:
        for i, (point, rep) in enumerate([(0, 0), (0, 1), (1, 0)]):
            rows.append({"run_id": run, "policy": policy, "point_id": point, "replicate": rep,
                         "escalation_peak": PEAK[policy][i],
                         "ukraine_area_end_km2": AREA[policy][i]})
            run += 1
    return pd.DataFrame(rows)


def test_paired_differences_against_the_reference() -> None:
    d = paired_differences(table(), "escalation_peak", "hold")
    # arm - hold: 15, 0, 10 -> mean 25/3; better (lower) in none, tie in one.
    assert d.loc["arm", "mean_difference"] == pytest.approx(25 / 3)
    sd = np.std([15, 0, 10], ddof=1)
    assert d.loc["arm", "ci95_high"] - d.loc["arm", "ci95_low"] == pytest.approx(
        2 * 1.959963984540054 * sd / np.sqrt(3))
    assert d.loc["arm", "p_better"] == pytest.approx(0.5 / 3)
    # talk - hold: -10, +15, -2 -> better in two of three.
    assert d.loc["talk", "p_better"] == pytest.approx(2 / 3)
    assert d.loc["hold", "mean_difference"] == 0 and np.isnan(d.loc["hold", "p_better"])


def test_p_better_matrix_is_complementary() -> None:
    m = p_better_matrix(table(), "escalation_peak")
    assert m.loc["talk", "hold"] == pytest.approx(2 / 3)
    assert m.loc["hold", "talk"] == pytest.approx(1 / 3)
    for a in m.index:
        for b in m.columns:
            assert m.loc[a, b] + m.loc[b, a] == pytest.approx(1.0)


def test_regret_is_the_distance_to_the_best_policy_in_each_future() -> None:
    r = regret(table(), "escalation_peak")
    # best per future: 30, 50, 58
    np.testing.assert_allclose(r["hold"], [10, 0, 2])
    np.testing.assert_allclose(r["arm"], [25, 0, 12])
    np.testing.assert_allclose(r["talk"], [0, 15, 0])
    s = regret_summary(table(), "escalation_peak")
    assert s.loc["talk", "mean_regret"] == pytest.approx(5.0)
    assert s.loc["talk", "max_regret"] == 15 and s.loc["hold", "p_best"] == pytest.approx(1 / 3)
    # Higher is better for the area: regret is the shortfall below the best.
    ra = regret(table(), "ukraine_area_end_km2")
    np.testing.assert_allclose(ra["arm"], [0, 0, 0])
    np.testing.assert_allclose(ra["talk"], [150, 50, 50])


def test_satisficing_counts_futures_meeting_every_criterion() -> None:
    series = {(r, 26): v for r, v in enumerate([250, 90, 10, 300, 200, 40, 150, 100, 0])}

    def series_at(name: str, week: int) -> pd.Series:
        assert name == "ukraine_area_km2"
        return pd.Series({r: v for (r, w), v in series.items() if w == week})

    crit = [Criterion.parse("escalation_peak<55"), Criterion.parse("ukraine_area_km2@26>=100")]
    s = satisficing(table(), crit, series_at)
    # hold: (40, 250) yes, (50, 90) no, (60, 10) no -> 1/3
    # arm: (55, 300) no (55 is not < 55), (50, 200) yes, (70, 40) no -> 1/3
    # talk: (30, 150) yes, (65, 100) no, (58, 0) no -> 1/3
    assert s["share_satisficing"].to_dict() == pytest.approx({"hold": 1 / 3, "arm": 1 / 3,
                                                              "talk": 1 / 3})
    only_peak = satisficing(table(), [crit[0]])
    assert only_peak.loc["talk", "share_satisficing"] == pytest.approx(1 / 3)
    assert only_peak.loc["hold", "share_satisficing"] == pytest.approx(2 / 3)
    assert only_peak.loc["hold", "share_satisficing_se"] == pytest.approx(np.sqrt(2 / 9 / 3))


def test_robustness_table_and_clear_errors() -> None:
    t = robustness(table(), ["escalation_peak"], [Criterion.parse("escalation_peak<=50")])
    assert t.loc["talk", "escalation_peak: mean regret"] == pytest.approx(5.0)
    share = t["satisficing: escalation_peak<=50"]
    assert share.to_dict() == pytest.approx({"hold": 2 / 3, "arm": 1 / 3, "talk": 1 / 3})
    assert t["satisficing: escalation_peak<=50_se"].to_dict() == pytest.approx(
        np.sqrt(share * (1 - share) / 3).to_dict())
    with pytest.raises(UserError, match="which way is better"):
        regret(table(), "rok_max_rung")
    with pytest.raises(UserError, match="expected OUTCOME OP VALUE"):
        Criterion.parse("peak is low")
    with pytest.raises(UserError, match="no policy 'x'"):
        paired_differences(table(), "escalation_peak", "x")
