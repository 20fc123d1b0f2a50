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
    # Weeks as in the record: first contact in week 1, the main body in week 5.
    assert (combat[:, 0] == 0).all() and (contact[:, 0] == 0).all()
    assert (combat[:, 1] <= vanguard).all() and (combat[:, 1] > 0.9 * vanguard).all()
    assert (contact[:, 1] == 1).all()
    assert (assaulting[:, 4] == 0).all() and (assaulting[:, 5] == 1).all()
    assert (combat[:, 5] > 2 * vanguard).all()


def test_assault_exposure_raises_north_korean_losses(baseline: Scenario) -> None:
    low = baseline.with_overrides({"north_korea.assault_exposure": 1.0})
    high = baseline.with_overrides({"north_korea.assault_exposure": 6.0})
    before = series_over_seeds(low, "casualties_north_korea")
    after = series_over_seeds(high, "casualties_north_korea")
    week = baseline.north_korea.assault_week
    np.testing.assert_array_equal(before[:, :week], after[:, :week])  # not before
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
        # Pulled back after the fight of week w, they miss the fights of weeks w+1, w+2,
        # w+3 and fight again in week w+4: resting at the ends of weeks w..w+3.
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



# ----------------------------------------------------------------- the rival stories
def test_under_the_bargain_losses_bring_no_draw_down_while_russia_pays(baseline: Scenario
                                                                       ) -> None:
    """The same heavy losses and a prestige that collapses with them: under the prestige
    rule Pyongyang draws down, under the bargain it does not, unless Russia stops paying."""
    touchy = baseline.with_overrides({"north_korea.prestige_casualty_sensitivity": 5.0,
                                      "north_korea.drawdown_prestige": 0.4})
    bargain = touchy.with_overrides({"north_korea.commitment": "bargain"})
    unpaid = bargain.with_overrides({"north_korea.bargain_min_pay": 1.0})  # pay falls below

    def in_kursk(sc: Scenario) -> np.ndarray:
        """Draw-downs while the force fights in Kursk (to the week it is retaken)."""
        downs = series_over_seeds(sc, "nk_drawdowns", 10)
        area = series_over_seeds(sc, "ukraine_area_km2", 10)
        return np.array([d[np.argmax(a == 0) if (a == 0).any() else -1]
                         for d, a in zip(downs, area, strict=True)])

    assert (in_kursk(touchy) > 0).mean() > 0.5
    assert (in_kursk(bargain) == 0).all()
    assert (in_kursk(unpaid) > 0).all()


def test_under_sustain_waves_replace_the_losses(baseline: Scenario) -> None:
    """Each wave is the size of the losses since the last one (at most wave_size), sent at
    the first decision week after they pass sustain_loss_share of the Kursk contingent;
    nothing is drawn down."""
    p = {"north_korea.commitment": "sustain", "north_korea.sustain_loss_share": 0.2,
         "north_korea.max_waves": 3, "north_korea.wave_size": 6000,
         "china.restraint_effect": 0.0}  # no draw against China's pressure
    sc = baseline.with_overrides(p)
    nk = sc.north_korea
    cas = series_over_seeds(sc, "casualties_north_korea", 10)
    sent = series_over_seeds(sc, "nk_reinforcements_sent", 10)
    waves = series_over_seeds(sc, "nk_waves", 10)
    area = series_over_seeds(sc, "ukraine_area_km2", 10)
    decision = [w for w in range(cas.shape[1]) if w > nk.arrival_week
                and (w - nk.arrival_week) % nk.decision_interval_weeks == 0]
    assert waves[:, -1].min() >= 1
    for r in range(10):
        mark = 0.0
        for w in (w for w in decision if area[r, w] > 0):  # while the force is in Kursk
            due = cas[r, w] - mark >= 0.2 * nk.troops_to_kursk
            grew = sent[r, w] - sent[r, w - 1]
            if due and waves[r, w - 1] < 3 and waves[r, w] > waves[r, w - 1]:
                assert grew == min(round(cas[r, w] - mark), nk.wave_size), (r, w)
                mark = cas[r, w]
            elif waves[r, w] < 3:
                assert grew == 0 and not (due and waves[r, w - 1] < 3), (r, w)
    assert outcomes_over_seeds(sc, "nk_drawdowns", range(10)).max() == 0


def test_the_narrative_hides_losses_and_honours_the_fallen(baseline: Scenario) -> None:
    """Under the narrative, losses never lower Kim's prestige (prisoners would: none
    here), and the admission raises it once; under performance the losses do lower it."""
    p = {"north_korea.prestige_prisoner_sensitivity": 0.0, "north_korea.initial_prestige": 0.3,
         "north_korea.prestige_admission_gain": 0.2}
    performance = series_over_seeds(baseline.with_overrides(p), "nk_prestige", 10)
    told = baseline.with_overrides({**p, "north_korea.prestige_rule": "narrative"})
    narrative = series_over_seeds(told, "nk_prestige", 10)
    admitted = series_over_seeds(told, "nk_admitted", 10)
    assert (np.diff(performance, axis=1) < 0).any()
    assert (np.diff(narrative, axis=1) >= 0).all()
    for r in range(10):
        week = int(np.argmax(admitted[r]))
        assert admitted[r, week] == 1
        assert narrative[r, week] - narrative[r, week - 1] >= 0.2 - 1e-12


def test_pyongyang_admits_the_deployment_after_the_retaking(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.admission_lag_weeks": 2})
    retaken = outcomes_over_seeds(sc, "retaken_week", range(10))
    admitted = outcomes_over_seeds(sc, "nk_admission_week", range(10))
    assert not np.isnan(retaken).any()
    np.testing.assert_array_equal(admitted, retaken + 2)
    never = sc.with_overrides({"russia.troops_kursk": 0, "north_korea.troops_to_kursk": 0})
    assert np.isnan(outcomes_over_seeds(never, "nk_admission_week", range(3))).all()
