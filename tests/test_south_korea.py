"""South Korea (sim/core/actors/south_korea.py): the graded ladder starting on non-lethal
aid, thresholds that decide how high it climbs, the domestic crisis that freezes it, and
covert diplomacy that damps the perceived threat."""

from __future__ import annotations

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds, series_over_seeds


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
    """Over the Kursk campaign (weeks 0-26), the same futures with and without diplomacy."""
    none = baseline.with_overrides({"south_korea.diplomacy_effort": 0.0})
    full = baseline.with_overrides({"south_korea.diplomacy_effort": 1.0})
    campaign = slice(1, 27)  # week 0 starts from the same perception
    assert (series_over_seeds(full, "rok_perception", 10)[:, campaign].mean(axis=0)
            < series_over_seeds(none, "rok_perception", 10)[:, campaign].mean(axis=0)).all()



# ----------------------------------------------------------------- the two ladders
def test_under_politics_an_acting_government_does_not_approve_weapons(baseline: Scenario
                                                                      ) -> None:
    """The same eager Seoul: under the thresholds it arms Ukraine within weeks; under
    politics the acting government (from crisis_week to new_government_week) holds at
    non-lethal aid, and the new government then climbs by the thresholds."""
    eager = baseline.with_overrides({
        "south_korea.defensive_threshold": 0.3, "south_korea.offensive_threshold": 0.35,
        "south_korea.crisis_week": 1, "south_korea.crisis_weeks": 0,
        "south_korea.new_government_week": 12})
    politics = eager.with_overrides({"south_korea.ladder": "politics"})
    free = series_over_seeds(eager, "rok_rung", 10)
    acting = series_over_seeds(politics, "rok_rung", 10)
    assert (free[:, 11] >= 3).all()
    assert (acting[:, 1:12] == 2).all()
    # From week 12 the new government follows the thresholds (raised by diplomacy).
    sk = eager.south_korea
    defensive = sk.defensive_threshold + (sk.diplomacy_threshold_raise * sk.diplomacy_effort
                                          * eager.china.receptiveness)
    seen = series_over_seeds(politics, "rok_perception", 10)[:, 12]
    assert ((acting[:, 12] >= 3) == (seen >= defensive)).all() and (seen >= defensive).any()


def test_the_new_governments_shift_moves_the_weapons_thresholds(baseline: Scenario) -> None:
    politics = baseline.with_overrides({
        "south_korea.ladder": "politics", "south_korea.defensive_threshold": 0.3,
        "south_korea.offensive_threshold": 0.35, "south_korea.crisis_week": 0,
        "south_korea.new_government_week": 10})
    warier = politics.with_overrides({"south_korea.new_government_shift": 0.3})
    keen, wary = (outcomes_over_seeds(sc, "rok_max_rung", range(10))
                  for sc in (politics, warier))
    assert (wary <= keen).all() and wary.mean() < keen.mean()


def test_a_freeze_holds_either_ladder(baseline: Scenario) -> None:
    for ladder in ("threshold", "politics"):
        eager = baseline.with_overrides({
            "south_korea.ladder": ladder, "south_korea.defensive_threshold": 0.3,
            "south_korea.offensive_threshold": 0.35, "south_korea.crisis_weeks": 0,
            "south_korea.new_government_week": 0})
        held = eager.with_injects([{"week": 0, "move": "rok_freeze", "weeks": 53}])
        assert (outcomes_over_seeds(held, "rok_max_rung", range(5)) == 2).all(), ladder
        assert (outcomes_over_seeds(eager, "rok_max_rung", range(5)) > 2).all(), ladder
