"""South Korea (sim/core/actors/south_korea.py): the graded ladder starting on non-lethal
aid, thresholds that decide how high it climbs, the domestic crisis that freezes it, and
covert diplomacy that damps the perceived threat."""

from __future__ import annotations

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds


def test_seoul_starts_on_non_lethal_aid(baseline: Scenario) -> None:
    model = EscalationModel(baseline, rng=0)
    assert model.rok.rung == 2
    assert model.outcomes()["week_rung_2"] == 0.0
    # Rungs Seoul already stood on are not news in the event log.
    assert not any("non-lethal" in text for _, text in model.events)


def test_lower_south_korean_threshold_climbs_higher_more_often(baseline: Scenario) -> None:
    calm = {"south_korea.crisis_weeks": 0, "south_korea.defensive_threshold": 0.3}
    low = baseline.with_overrides({**calm, "south_korea.offensive_threshold": 0.35})
    high = baseline.with_overrides({**calm, "south_korea.offensive_threshold": 0.9})
    p_low = (outcomes_over_seeds(low, "rok_max_rung") == 4).mean()
    p_high = (outcomes_over_seeds(high, "rok_max_rung") == 4).mean()
    assert p_low > p_high


def test_a_domestic_crisis_freezes_the_ladder(baseline: Scenario) -> None:
    """Seoul cannot climb while its domestic crisis lasts (martial law and impeachment,
    December 2024: the record), and climbs as before once it is over."""
    eager = {"south_korea.defensive_threshold": 0.3, "south_korea.offensive_threshold": 0.35,
             "south_korea.crisis_week": 0}
    frozen = baseline.with_overrides({**eager, "south_korea.crisis_weeks": 60})
    calm = baseline.with_overrides({**eager, "south_korea.crisis_weeks": 0})
    assert (outcomes_over_seeds(frozen, "rok_max_rung", range(10))
            == baseline.south_korea.initial_rung).all()
    assert (outcomes_over_seeds(calm, "rok_max_rung", range(10))
            > baseline.south_korea.initial_rung).all()


def test_diplomacy_damps_perception(baseline: Scenario) -> None:
    none = baseline.with_overrides({"south_korea.diplomacy_effort": 0.0})
    full = baseline.with_overrides({"south_korea.diplomacy_effort": 1.0})
    seeds = range(10)
    assert (outcomes_over_seeds(full, "rok_perception_end", seeds).mean()
            < outcomes_over_seeds(none, "rok_perception_end", seeds).mean())

