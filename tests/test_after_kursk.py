"""After Kursk (sim/core/actors/north_korea/after_kursk.py): once Kursk is retaken,
North Korea's forces go home, stay in support roles or are committed inside Ukraine proper,
and each choice changes the troops, the casualties, Russia's rewards and Seoul's and NATO's
reactions as documented; the choice is drawn from utilities the commitment story shapes,
and an ``nk_after_kursk`` inject forces it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.actors.north_korea.after_kursk import role_probabilities
from sim.core.engine import run_batch, run_to_horizon, start
from sim.core.paramtable import Params
from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds

SEEDS = 12


@pytest.fixture
def quiet(baseline: Scenario) -> Scenario:
    """The baseline without waves, draw-downs, Seoul's weapons or the US pause, and no lag:
    the role begins the week Kursk is retaken, and nothing else moves the troops after it."""
    return baseline.model_copy(update={"inject": []}).with_overrides({
        "north_korea.max_waves": 0, "north_korea.drawdown_prestige": 0.0,
        "north_korea.after_kursk_lag_weeks": 0, "south_korea.crisis_weeks": 60})


def forced(sc: Scenario, role: str) -> dict[str, np.ndarray]:
    """The series of SEEDS runs with the role ordered at week 0, and the role's week."""
    res = run_batch([sc.with_injects([{"week": 0, "move": "nk_after_kursk", "role": role}])]
                    * SEEDS, np.arange(SEEDS))
    out = {name: np.stack([res.series_of(i)[name] for i in range(SEEDS)])
           for name in res.series_of(0)}
    out["role_week"] = res.outcomes["nk_after_kursk_week"]
    out["role"] = res.outcomes["nk_after_kursk"]
    out["retaken"] = res.outcomes["retaken_week"]
    return out


def per_week_after(series: np.ndarray, start_week: np.ndarray, weeks: int = 10) -> np.ndarray:
    """The mean weekly growth of a cumulative series over ``weeks`` after each run's week."""
    return np.array([(row[int(w) + weeks] - row[int(w)]) / weeks
                     for row, w in zip(series, start_week, strict=True)])


def test_a_forced_role_begins_the_week_kursk_is_retaken(quiet: Scenario) -> None:
    for role in ("home", "support", "ukraine"):
        runs = forced(quiet, role)
        assert not np.isnan(runs["retaken"]).any()
        np.testing.assert_array_equal(runs["role_week"], runs["retaken"])
        assert (runs["role"] == role).all()


def test_home_brings_the_force_back_and_stops_the_pay_and_the_losses(quiet: Scenario
                                                                     ) -> None:
    runs = forced(quiet, "home")
    weeks = quiet.north_korea.home_weeks
    for r in range(SEEDS):
        w = int(runs["role_week"][r])
        assert runs["nk_troops_in_russia"][r, w + weeks] == 0
        assert (np.diff(runs["nk_troops_in_russia"][r, w:]) <= 0).all()
        # No per-soldier pay after the choice (Russia's week runs before it): flat from w + 1.
        assert runs["reward_finance_musd"][r, -1] == runs["reward_finance_musd"][r, w]
        assert runs["casualties_north_korea"][r, -1] == runs["casualties_north_korea"][r, w]


def test_ukraine_proper_costs_more_lives_pays_more_and_moves_seoul_and_nato(
        quiet: Scenario) -> None:
    support, ukraine = forced(quiet, "support"), forced(quiet, "ukraine")
    w_s, w_u = support["role_week"], ukraine["role_week"]
    nk = quiet.north_korea
    # Losses a week: about the role's rate times the troops (Poisson counts).
    troops = np.array([row[int(w)] for row, w in zip(support["nk_troops_in_russia"], w_s,
                                                     strict=True)])
    lost_s = per_week_after(support["casualties_north_korea"], w_s)
    lost_u = per_week_after(ukraine["casualties_north_korea"], w_u)
    assert lost_s.mean() == pytest.approx(nk.support_loss_rate * troops.mean(), rel=0.5)
    assert (lost_u > 3 * lost_s).all()
    # Russia pays the premium for Ukraine proper, a share for support roles.
    assert (per_week_after(ukraine["reward_finance_musd"], w_u)
            > per_week_after(support["reward_finance_musd"], w_s)).all()
    # Only the commitment inside Ukraine proper shows troops there, brings NATO's direct
    # response (rung 3) and raises the threat Seoul perceives.
    assert (support["nk_troops_in_ukraine"] == 0).all()
    assert all((row[int(w):] > 0).any() for row, w in zip(ukraine["nk_troops_in_ukraine"],
                                                           w_u, strict=True))
    assert (ukraine["nato_rung"][:, -1] == 3).all() and (support["nato_rung"] <= 2).all()
    soon = [int(w) + 4 for w in w_u]  # the same week in both: the role weeks are equal
    assert (ukraine["rok_perception"][range(SEEDS), soon]
            > support["rok_perception"][range(SEEDS), soon]).all()
    assert (ukraine["nk_experience"][:, -1] > support["nk_experience"][:, -1]).all()


def test_the_choice_waits_for_the_retaking_and_its_lag(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.after_kursk_lag_weeks": 3})
    retaken = outcomes_over_seeds(sc, "retaken_week", range(10))
    week = outcomes_over_seeds(sc, "nk_after_kursk_week", range(10))
    np.testing.assert_array_equal(week, retaken + 3)
    held = sc.with_overrides({"russia.troops_kursk": 2000, "north_korea.troops_to_kursk": 0,
                              "north_korea.max_waves": 0})
    res = run_batch([held] * 3, np.arange(3))
    assert list(res.outcomes["nk_after_kursk"]) == ["none"] * 3  # Kursk never retaken
    assert np.isnan(res.outcomes["nk_after_kursk_week"]).all()


def test_the_choice_weighs_pay_losses_and_china(baseline: Scenario) -> None:
    """The choice's probabilities on one and the same state (200 runs after Kursk), as the
    story and the parameters change: the bargain ignores losses, a premium draws to
    Ukraine proper, China's full pressure rules it out."""
    sc = baseline.with_overrides({"north_korea.loss_aversion": 20.0})
    s = run_to_horizon(start(Params.from_scenarios([sc] * 200), np.arange(200), 30, False))
    nk = s.p.north_korea
    prestige = role_probabilities(s)
    np.testing.assert_allclose(prestige.sum(axis=1), 1.0)
    nk.commitment[:] = "bargain"
    assert (role_probabilities(s)[:, 2] > prestige[:, 2]).all()
    nk.commitment[:] = "prestige"
    nk.ukraine_pay_premium[:] = 3.0
    assert (role_probabilities(s)[:, 2] > prestige[:, 2]).all()
    nk.ukraine_pay_premium[:] = sc.north_korea.ukraine_pay_premium
    s.china.restraint[:] = 1.0
    s.p.china.restraint_effect[:] = 1.0
    assert (role_probabilities(s)[:, 2] == 0).all()
