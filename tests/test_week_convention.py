"""One week convention everywhere (issue 20): week w is the w-th week after 28 October 2024,
what happens in it is dated w, and the weekly series at week w is the state at the end of
week w. So an outcome's week joins the series at that very row, for injects, policies and
played games alike, and the event log dates the event the same week."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.engine import run_batch
from sim.core.model import EscalationModel
from sim.core.policies import apply_policy
from sim.core.scenario import Scenario
from sim.view.game import Game


def first_row(series: np.ndarray, threshold: float = 1.0) -> float:
    """The first week the series reaches ``threshold`` (NaN if never)."""
    hit = np.flatnonzero(series >= threshold)
    return float(hit[0]) if hit.size else math.nan


def test_a_run_plays_weeks_0_to_its_horizon(baseline: Scenario) -> None:
    model = EscalationModel(baseline, rng=0, weeks=10)
    assert model.week == 0 and model.series()["week"].size == 0  # nothing played yet
    model.run()
    assert model.week == 11
    np.testing.assert_array_equal(model.series()["week"], np.arange(11))
    res = run_batch([baseline], [0], weeks=10)
    assert res.series_block(0).shape[0] == 11


def test_an_inject_shows_in_the_series_at_its_week_and_the_outcome_says_so(
        baseline: Scenario) -> None:
    sc = baseline.with_injects([{"week": 8, "move": "rok_approve", "rung": 4}])
    model = EscalationModel(sc, rng=1).run()
    rung = model.series()["rok_rung"]
    assert rung[7] < 4 and rung[8] == 4
    assert model.outcomes()["week_rung_4"] == 8 == first_row(rung, 4)
    assert (8, "inject: Seoul approves rung 4") in model.events
    assert (8, "South Korea approves offensive weapons for Ukraine") in model.events


def test_a_policy_joins_the_same_way(baseline: Scenario) -> None:
    sc = apply_policy(baseline, baseline.policies["arm-week-8"], "test")
    res = run_batch([sc] * 5, np.arange(5))
    for i in range(5):
        rung = res.series_of(i)["rok_rung"]
        assert res.outcomes["week_rung_4"][i] == 8 == first_row(rung, 4)


def test_a_played_game_joins_the_same_way(baseline: Scenario) -> None:
    game = Game.new(baseline, seed=2, decide_every=4)
    while not game.over:
        game.decide(3 if game.week == 4 else game.rung, game.effort)
        game.play_on()
    rung = game.model.series()["rok_rung"]
    assert game.model.outcomes()["week_rung_3"] == 4 == first_row(rung, 3)
    assert (4, "South Korea approves defensive weapons for Ukraine") in game.model.events


def test_arrival_week_1_is_first_contact_in_week_1(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.arrival_week": 1})
    model = EscalationModel(sc, rng=3).run()
    s = model.series()
    assert first_row(s["nk_in_contact"]) == 1.0
    assert (1, "North Korean units enter combat in Kursk") in model.events


@pytest.mark.parametrize(("outcome", "series", "threshold"), [
    ("retaken_week", "ukraine_area_km2", None),
    ("nk_admission_week", "nk_admitted", 1.0),
    ("nk_after_kursk_week", "nk_role", 1.0),
    ("supply_cut_week", "ukraine_supply_cut", 1.0),
])
def test_every_week_outcome_is_the_row_where_its_series_turns(
        baseline: Scenario, outcome: str, series: str, threshold: float | None) -> None:
    sc = baseline.with_overrides({"ukraine.salient": "collapse"})
    res = run_batch([sc] * 20, np.arange(20))
    happened = 0
    for i in range(20):
        s = res.series_of(i)[series]
        row = first_row(-s, 0.0) if threshold is None else first_row(s, threshold)
        want = res.outcomes[outcome][i]
        assert (math.isnan(row) and math.isnan(want)) or row == want, (i, row, want)
        happened += not math.isnan(want)
    assert happened >= 10  # the join was tested on events that happened
