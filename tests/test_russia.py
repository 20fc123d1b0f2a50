"""Russia (sim/core/actors/russia.py): desperation and the reward package, technology
transfer included, which Seoul perceives; the two payment rules (desperation, contract)."""

from __future__ import annotations

import numpy as np

from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds, series_over_seeds


def test_more_technology_transfer_raises_south_korean_perception(baseline: Scenario) -> None:
    none = baseline.with_overrides({"russia.tech_transfer_rate": 0.0})
    much = baseline.with_overrides({"russia.tech_transfer_rate": 0.08})
    seeds = range(10)
    assert (outcomes_over_seeds(much, "rok_perception_end", seeds).mean()
            > outcomes_over_seeds(none, "rok_perception_end", seeds).mean())
    assert outcomes_over_seeds(none, "tech_level", seeds).max() == 0.0



def test_under_the_contract_technology_comes_in_steps_at_milestones(baseline: Scenario
                                                                    ) -> None:
    """One step of tech_milestone at first contact, at each wave and at the retaking of
    Kursk (China's pressure set to cut nothing), and nothing in between."""
    sc = baseline.with_overrides({"russia.payment": "contract", "russia.tech_milestone": 0.1,
                                  "china.restraint_effect": 0.0})
    tech = series_over_seeds(sc, "tech_level", 10)
    waves = series_over_seeds(sc, "nk_waves", 10)
    retaken = series_over_seeds(sc, "ukraine_area_km2", 10)[:, -1] == 0
    steps = np.diff(tech, axis=1, prepend=0.0)
    assert np.allclose(steps, np.round(steps / 0.1) * 0.1)  # whole milestones only
    np.testing.assert_allclose(tech[:, -1], 0.1 * (1 + waves[:, -1] + retaken))


def test_the_contract_pays_per_soldier_whatever_russias_need(baseline: Scenario) -> None:
    """Through Kursk, the price per soldier is the contract's under the contract, and
    0.5 + desperation under the desperation rule (reward_ratio: the pay for the troops in
    Russia over the first wave's at the contract price)."""
    first = baseline.north_korea.troops_in_russia
    weeks = slice(0, 15)  # in Kursk, before any role after it
    for payment, desperation in (("contract", 0.2), ("contract", 0.9), ("desperation", 0.2)):
        sc = baseline.with_overrides({"russia.payment": payment,
                                      "russia.initial_desperation": desperation,
                                      "north_korea.max_waves": 0,  # Pyongyang moves after
                                      "north_korea.drawdown_prestige": 0.0})  # Russia
        ratio = series_over_seeds(sc, "reward_ratio", 5)[:, weeks]
        price = ratio * first / series_over_seeds(sc, "nk_troops_in_russia", 5)[:, weeks]
        want = (1.0 if payment == "contract"
                else 0.5 + series_over_seeds(sc, "russia_desperation", 5)[:, weeks])
        np.testing.assert_allclose(price, want, rtol=1e-12)
