"""Hindcast scores on a hand-made four-member ensemble equal the coverage, interval scores
and CRPS computed by hand (the scores themselves: tests/test_scores.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.batch.hindcast import aggregate, score_values
from sim.batch.observations import parse_record

ENSEMBLE = np.array([1.0, 2.0, 3.0, 4.0])


def entries():
    base = {"quantity": "q", "series": "ukraine_area_km2", "kind": "level", "week": 3,
            "source": "s", "reported": "r"}
    return parse_record({"name": "t", "observation": [
        {**base, "id": "inside", "best": 2.5, "low": 2.0, "high": 3.0},
        {**base, "id": "outside", "best": 5.0, "low": 4.5, "high": 6.5},
        {**base, "id": "event", "series": "nato_rung", "kind": "event_week", "threshold": 2,
         "week": None, "best": 3, "low": 3, "high": 3},
    ]}, "hand-made").entries


def test_scores_of_an_ensemble_by_hand() -> None:
    """Columns: the 'inside' and 'outside' observations see the ensemble 1..4; the event
    happened in weeks 2, 3 and 3 of three runs and never (by week 4) in the fourth, which
    counts as week 5."""
    values = np.column_stack([ENSEMBLE, ENSEMBLE, [2.0, 3.0, 3.0, np.nan]])
    s = score_values(entries(), values, weeks=4).set_index("id")
    # weighted ('hazen') quantiles of 1..4: 5 % 1 (clamped), 25 % 1.5, 75 % 3.5, 95 % 4
    assert s.loc["inside", ["q05", "q25", "q75", "q95"]].tolist() == \
        pytest.approx([1.0, 1.5, 3.5, 4.0])
    assert s.loc["inside", "in50"] and s.loc["inside", "in90"]
    assert not s.loc["outside", "in50"] and not s.loc["outside", "in90"]
    assert s.loc["inside", "is50"] == pytest.approx(2.0)
    assert s.loc["outside", "is90"] == pytest.approx(3.0 + 20 * 1.0)
    assert s.loc["inside", "crps"] == pytest.approx(0.375)
    assert s.loc["outside", "crps_scaled"] == pytest.approx(1.875 / 2.0)  # range width 2
    # event weeks 2, 3, 3, 5 against 3: mean|x - 3| = 0.75; ordered pairs sum 18 -> 18/32
    assert s.loc["event", "crps"] == pytest.approx(0.75 - 18 / 32)
    assert s.loc["event", "q25"] == pytest.approx(2.5) and s.loc["event", "in50"]
    agg = aggregate(s)
    assert agg["coverage50"] == pytest.approx(2 / 3)
    assert agg["coverage90"] == pytest.approx(2 / 3)
    assert agg["crps_scaled"] == pytest.approx((0.375 + 0.9375 + (0.75 - 18 / 32)) / 3)


def test_hindcast_bad_input_exits_2(tmp_path, capsys) -> None:
    import tomli_w

    from sim.cli import main
    from tests.conftest import ROOT

    record = tmp_path / "record.toml"
    record.write_text(tomli_w.dumps({"name": "r", "observation": [
        {"id": "area", "quantity": "area", "series": "ukraine_area_km2", "kind": "level",
         "week": 4, "best": 700, "low": 560, "high": 800, "source": "s", "reported": "r"}]}))
    baseline = str(ROOT / "scenarios" / "baseline.toml")
    (tmp_path / "empty").mkdir()
    for args, fragment in (
        ([str(tmp_path / "empty"), "--record", str(record), "--from", "2"],
         "not a calibration folder"),
        ([baseline, "--record", str(record), "--from", "2024-01-01"], "before week 0"),
        ([baseline, "--record", str(record), "--from", "2024-12-31"],
         "no observation after week 9"),
        ([baseline, "--record", str(tmp_path / "nope.toml"), "--from", "2"],
         "no such record file"),
        ([baseline, "--record", str(record), "--from", "2", "--runs", "3"], "--runs"),
    ):
        assert main(["hindcast", *args]) == 2
        assert fragment in capsys.readouterr().err, fragment
