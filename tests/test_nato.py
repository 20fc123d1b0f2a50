"""NATO/US (sim/core/actors/nato.py): condemnation on record at week 0 (Rutte, in the
article), and support to Ukraine raised once enough North Korean troops are seen fighting
(ATACMS into Kursk in week 3: the record)."""

from __future__ import annotations

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds, series_over_seeds


def test_nato_has_condemned_at_week_0(baseline: Scenario) -> None:
    model = EscalationModel(baseline, rng=0)
    assert model.nato.rung == 0  # the start of week 0: nothing has happened yet
    model.step()
    assert model.nato.rung == 1
    assert (0, "NATO/US condemn the deployment") in model.events


def test_support_rises_once_enough_north_koreans_are_seen_fighting(baseline: Scenario
                                                                   ) -> None:
    never = baseline.with_overrides({"nato.support_trigger_troops": 100_000})
    assert (outcomes_over_seeds(never, "nato_max_rung", range(5)) == 1).all()
    rung = series_over_seeds(baseline, "nato_rung", seeds=5)
    in_combat = series_over_seeds(baseline, "nk_troops_in_combat", seeds=5)
    assert (rung[:, -1] >= 2).all()
    # Not before North Korean troops fight, and the ladder only climbs.
    assert (rung[in_combat.cumsum(axis=1) == 0] <= 1).all()
    assert (rung[:, 1:] >= rung[:, :-1]).all()


def test_troops_inside_ukraine_proper_bring_natos_direct_response(baseline: Scenario
                                                                  ) -> None:
    sc = baseline.with_overrides({"north_korea.after_kursk_lag_weeks": 0})
    into = sc.with_injects([{"week": 0, "move": "nk_after_kursk", "role": "ukraine"}])
    rung = series_over_seeds(into, "nato_rung", seeds=5)
    in_ukraine = series_over_seeds(into, "nk_troops_in_ukraine", seeds=5)
    assert (rung[in_ukraine > 0] == 3).all() and (rung[:, -1] == 3).all()
    assert (rung[in_ukraine.cumsum(axis=1) == 0] <= 2).all()
    home = sc.with_injects([{"week": 0, "move": "nk_after_kursk", "role": "home"}])
    assert (outcomes_over_seeds(home, "nato_max_rung", range(5)) == 2).all()
