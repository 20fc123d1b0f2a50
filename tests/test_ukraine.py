"""Ukraine (sim/core/actors/ukraine.py): its equipment is Western support, raised by
NATO's rung and by South Korean weapons once they are delivered, cut while the US pauses
its support; and the salient's end, grinding or collapsing once its road is cut."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from tests.conftest import outcomes_over_seeds, series_over_seeds


def test_equipment_rises_with_nato_support_and_delivered_korean_weapons(baseline: Scenario
                                                                         ) -> None:
    ua, nato = baseline.ukraine, baseline.nato
    eager = {f"south_korea.{rung}_threshold": 0.0
             for rung in ("statement", "nonlethal", "defensive", "offensive")}
    calm = baseline.with_overrides({**eager, "south_korea.crisis_weeks": 0,
                                    "south_korea.delivery_weeks": 6})
    model = EscalationModel(calm, rng=1, weeks=8)
    assert model.ua.equipment == ua.western_support
    model.run()
    s = model.series()
    raised = s["nato_rung"] >= 2
    # Both Korean rungs are approved at week 0 and fight with Ukrainian units from week 6.
    assert model.rok.rung == 4 and raised[-1]
    for week in range(9):  # the equipment for next week's fight; Kyiv moves before NATO
        nato_gain = 1 + (nato.support_increase if week and raised[week - 1] else 0)
        korea = ua.rok_defensive_boost + ua.rok_offensive_boost if week + 1 >= 6 else 0
        assert s["ukraine_equipment"][week] == pytest.approx(
            ua.western_support * nato_gain * (1 + korea)), week


# ----------------------------------------------------------------- the salient's end
def test_under_collapse_the_salient_falls_once_its_road_is_cut(baseline: Scenario) -> None:
    """The same futures grind identically until the road is cut (held area at or below
    supply_cut_area_km2); then, with supply cut and Russia's offensive massed, the
    collapsing salient loses ground far faster than the grinding one."""
    sc = baseline.model_copy(update={"inject": []}).with_overrides(
        {"ukraine.supply_cut_area_km2": 450.0, "ukraine.offensive_strength": 4.0})
    grinding = series_over_seeds(sc, "ukraine_area_km2", 20)
    collapse_sc = sc.with_overrides({"ukraine.salient": "collapse"})
    collapsing = series_over_seeds(collapse_sc, "ukraine_area_km2", 20)
    cut = series_over_seeds(collapse_sc, "ukraine_supply_cut", 20)
    offensive = series_over_seeds(collapse_sc, "russian_offensive", 20)
    lost_grinding, lost_collapsing = [], []
    for r in range(20):
        week = int(np.argmax(cut[r]))
        assert cut[r, week] == 1 and (cut[r, week:] == 1).all()
        assert collapsing[r, week] <= 450 < collapsing[r, week - 1]  # the first such week
        np.testing.assert_array_equal(grinding[r, :week + 1], collapsing[r, :week + 1])
        lag, weeks = sc.ukraine.offensive_lag_weeks, sc.ukraine.offensive_weeks
        assert (offensive[r, week + lag:week + lag + weeks] == 1).all()
        assert offensive[r].sum() == weeks or collapsing[r, -1] == 0
        lost_grinding.append(grinding[r, week] - grinding[r, week + 3])
        lost_collapsing.append(collapsing[r, week] - collapsing[r, week + 3])
    assert np.mean(lost_collapsing) > 1.5 * np.mean(lost_grinding)
    assert np.isnan(outcomes_over_seeds(sc, "supply_cut_week", range(3))).all()  # grinding


def test_a_support_pause_cuts_western_support_for_its_weeks(baseline: Scenario) -> None:
    """The US pause of March 2025 in the baseline: weeks 18-19 fought with 0.7 of the
    support, as before from week 20; the same run without it is identical to week 17."""
    pause = baseline.inject[0]
    assert (pause.move, pause.week, pause.weeks, pause.level) == ("support_pause", 18, 2, 0.7)
    held = baseline.with_overrides({"ukraine.troops_kursk": 20000})  # fighting in week 18
    model = EscalationModel(held, rng=4, weeks=22)
    equipment = []
    while model.week <= 21:
        model.step()
        equipment.append(model.ua.equipment)  # what the next week is fought with
    # Row 18 equips the fight of week 19; the fight of week 18 is equipped by the inject
    # itself, at the start of week 18 (row 17 was written before it fired).
    assert equipment[18] == pytest.approx(0.7 * equipment[16])
    assert equipment[19] == pytest.approx(equipment[16])
    plain = EscalationModel(held.model_copy(update={"inject": []}), rng=4, weeks=22).run()
    assert plain.series()["ukraine_area_km2"][18] > 0
    for name, values in plain.series().items():
        np.testing.assert_array_equal(values[:18], model.series()[name][:18], err_msg=name)
    # Week 18 was fought with less: Ukraine's fire killed fewer of the attackers.
    assert model.series()["casualties_russia"][18] < plain.series()["casualties_russia"][18]
