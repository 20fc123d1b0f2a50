"""Russia (sim/core/actors/russia.py): desperation and the reward package, technology
transfer included, which Seoul perceives."""

from __future__ import annotations

from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds


def test_more_technology_transfer_raises_south_korean_perception(baseline: Scenario) -> None:
    none = baseline.with_overrides({"russia.tech_transfer_rate": 0.0})
    much = baseline.with_overrides({"russia.tech_transfer_rate": 0.08})
    seeds = range(10)
    assert (outcomes_over_seeds(much, "rok_perception_end", seeds).mean()
            > outcomes_over_seeds(none, "rok_perception_end", seeds).mean())
    assert outcomes_over_seeds(none, "tech_level", seeds).max() == 0.0

