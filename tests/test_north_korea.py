"""North Korea (sim/core/actors/north_korea.py): the staged commitment the record shows
(a vanguard, then the main body in sustained assaults), losses that grow with assault
exposure, rare prisoners, the pull-back after heavy losses and the return, and Kim's
prestige."""

from __future__ import annotations

import numpy as np

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds, series_over_seeds


def test_vanguard_first_then_the_main_body(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.arrival_week": 1, "north_korea.assault_week": 5,
                                  "north_korea.vanguard_share": 0.2,
                                  "north_korea.pullback_loss_share": 0.0})
    combat = series_over_seeds(sc, "nk_troops_in_combat")
    contact = series_over_seeds(sc, "nk_in_contact")
    assaulting = series_over_seeds(sc, "nk_assaulting")
    vanguard = 0.2 * sc.north_korea.troops_to_kursk
    assert (combat[:, 1] == 0).all() and (contact[:, 1] == 0).all()
    assert (combat[:, 2] <= vanguard).all() and (combat[:, 2] > 0.9 * vanguard).all()
    assert (contact[:, 2] == 1).all()
    assert (assaulting[:, 5] == 0).all() and (assaulting[:, 6] == 1).all()
    assert (combat[:, 6] > 2 * vanguard).all()


def test_assault_exposure_raises_north_korean_losses(baseline: Scenario) -> None:
    low = baseline.with_overrides({"north_korea.assault_exposure": 1.0})
    high = baseline.with_overrides({"north_korea.assault_exposure": 6.0})
    before = series_over_seeds(low, "casualties_north_korea")
    after = series_over_seeds(high, "casualties_north_korea")
    week = baseline.north_korea.assault_week
    np.testing.assert_array_equal(before[:, : week + 1], after[:, : week + 1])  # not before
    assert after[:, 11].mean() > 2 * before[:, 11].mean()


def test_prisoners_scale_with_the_capture_probability(baseline: Scenario) -> None:
    none = baseline.with_overrides({"north_korea.capture_probability": 0.0})
    many = baseline.with_overrides({"north_korea.capture_probability": 0.02})
    assert series_over_seeds(none, "nk_prisoners").max() == 0
    taken = series_over_seeds(many, "nk_prisoners")[:, -1]
    casualties = series_over_seeds(many, "casualties_north_korea")[:, -1]
    ratio = taken.sum() / casualties.sum()
    assert 0.015 < ratio < 0.025


def test_heavy_losses_pull_units_back_and_they_return(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.pullback_loss_share": 0.2,
                                  "north_korea.rest_weeks": 3, "north_korea.max_waves": 0,
                                  "weeks": 30})
    model = EscalationModel(sc, rng=2)
    resting_weeks = []
    for _ in range(30):
        model.step()
        if model.state.units.resting[0].any():
            resting_weeks.append(model.week)
            assert model.nk.in_combat == 0  # the whole contingent is off the line
    assert resting_weeks, "no pull-back"
    assert any("pulled back" in text for _, text in model.events)
    assert any("return to the line" in text for _, text in model.events)
    never = baseline.with_overrides({"north_korea.pullback_loss_share": 0.0})
    assert series_over_seeds(never, "nk_troops_resting").max() == 0


def test_pulled_back_units_rest_for_rest_weeks(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.pullback_loss_share": 0.2,
                                  "north_korea.rest_weeks": 3})
    resting = series_over_seeds(sc, "nk_troops_resting") > 0
    for row in resting:
        weeks = np.flatnonzero(row)
        assert len(weeks) >= 3
        spell = weeks[: np.argmax(np.diff(np.append(weeks, 10**6)) > 1) + 1]
        # Pulled back after the fight that ends at week w, they miss the fights of weeks
        # w, w+1, w+2 and fight again in week w+3: resting in the states of w..w+3.
        assert len(spell) == 3 + 1


def test_no_north_koreans_means_no_north_korean_losses(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.troops_to_kursk": 0, "north_korea.max_waves": 0})
    rec = EscalationModel(sc, rng=2).run().outcomes()
    assert rec["casualties_north_korea"] == 0 and rec["nk_prisoners"] == 0


def test_better_north_korean_troops_retake_kursk_faster(baseline: Scenario) -> None:
    lo = baseline.with_overrides({"north_korea.troop_quality": 0.2})
    hi = baseline.with_overrides({"north_korea.troop_quality": 1.0})
    weeks_lo = outcomes_over_seeds(lo, "retaken_week")
    weeks_hi = outcomes_over_seeds(hi, "retaken_week")
    # A run that never retakes Kursk counts as the horizon + 1.
    h = baseline.weeks + 1
    assert np.nan_to_num(weeks_hi, nan=h).mean() < np.nan_to_num(weeks_lo, nan=h).mean()


def test_more_casualty_sensitivity_lowers_prestige(baseline: Scenario) -> None:
    calm = baseline.with_overrides({"north_korea.prestige_casualty_sensitivity": 0.0})
    touchy = baseline.with_overrides({"north_korea.prestige_casualty_sensitivity": 5.0})
    seeds = range(10)
    assert (outcomes_over_seeds(touchy, "nk_prestige_min", seeds).mean()
            < outcomes_over_seeds(calm, "nk_prestige_min", seeds).mean())

