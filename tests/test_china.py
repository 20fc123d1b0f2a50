"""China (sim/core/actors/china.py): Beijing's pressure for restraint, a baseline raised by
last week's escalation and by Seoul's covert diplomacy, which cuts Russia's technology
transfer and Pyongyang's reinforcements."""

from __future__ import annotations

import numpy as np

from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds, series_over_seeds


def test_restraint_follows_last_weeks_escalation_and_diplomacy(baseline: Scenario) -> None:
    c, effort = baseline.china, baseline.south_korea.diplomacy_effort
    restraint = series_over_seeds(baseline, "china_restraint", seeds=3)
    escalation = series_over_seeds(baseline, "escalation_index", seeds=3)
    want = np.clip(c.restraint_base + c.restraint_sensitivity * escalation[:, :-1] / 100
                   + c.receptiveness * effort, 0, 1)
    np.testing.assert_allclose(restraint[:, 1:], want, rtol=1e-12)


def test_full_restraint_stops_technology_transfer(baseline: Scenario) -> None:
    firm = baseline.with_overrides({"china.restraint_base": 1.0, "china.restraint_effect": 1.0})
    seeds = range(5)
    assert outcomes_over_seeds(firm, "tech_level", seeds).max() == 0.0
    assert outcomes_over_seeds(baseline, "tech_level", seeds).min() > 0.0


def test_under_non_interference_restraint_stays_at_its_base(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"china.stance": "non_interference",
                                  "south_korea.diplomacy_effort": 1.0})
    restraint = series_over_seeds(sc, "china_restraint", seeds=3)
    assert (restraint == sc.china.restraint_base).all()
    assert (series_over_seeds(sc.with_overrides({"china.stance": "restraint"}),
                              "china_restraint", seeds=3) > sc.china.restraint_base).all()
