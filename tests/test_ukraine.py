"""Ukraine (sim/core/actors/ukraine.py): its equipment is Western support, raised by
NATO's rung and by South Korean weapons once they are delivered."""

from __future__ import annotations

import pytest

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario


def test_equipment_rises_with_nato_support_and_delivered_korean_weapons(baseline: Scenario
                                                                         ) -> None:
    ua, nato = baseline.ukraine, baseline.nato
    eager = {f"south_korea.{rung}_threshold": 0.0
             for rung in ("statement", "nonlethal", "defensive", "offensive")}
    calm = baseline.with_overrides({**eager, "south_korea.crisis_weeks": 0,
                                    "south_korea.delivery_weeks": 6, "weeks": 8})
    model = EscalationModel(calm, rng=1)
    assert model.ua.equipment == ua.western_support
    model.run()
    s = model.series()
    raised = s["nato_rung"] == 2
    # Both Korean rungs are approved at week 0 and delivered 6 weeks later.
    assert model.rok.rung == 4 and raised[-1]
    for week in range(1, 9):  # Kyiv moves before NATO in the week: last week's rung
        nato_gain = 1 + (nato.support_increase if raised[week - 1] else 0)
        korea = ua.rok_defensive_boost + ua.rok_offensive_boost if week >= 6 else 0
        assert s["ukraine_equipment"][week] == pytest.approx(
            ua.western_support * nato_gain * (1 + korea)), week
