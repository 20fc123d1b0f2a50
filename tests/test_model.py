"""The model: reproducible, invariant-preserving, and moving the right way when a parameter
moves (averaged over seeds, since single runs are noisy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.batch.runner import run_scenario
from sim.core.model import EscalationModel, Unit
from sim.core.outcomes import NAMES
from sim.core.scenario import Scenario, load_scenario
from sim.core.series import SERIES_NAMES
from sim.core.state import initial_depths
from sim.core.units import Side
from tests.conftest import SCENARIOS


def same(a: dict, b: dict) -> bool:
    return all(
        (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k]
        for k in a
    )


def test_same_seed_same_numbers(baseline: Scenario) -> None:
    a, b = run_scenario(baseline, 7), run_scenario(baseline, 7)
    assert same(a.outcomes, b.outcomes)
    for name in SERIES_NAMES:
        np.testing.assert_array_equal(a.series[name], b.series[name])
    assert a.events == b.events


def test_different_seeds_differ(baseline: Scenario) -> None:
    runs = [run_scenario(baseline, s).outcomes for s in range(5)]
    casualties = {r["casualties_russia"] for r in runs}
    assert len(casualties) > 1


def test_outcome_record_is_flat_and_complete(baseline: Scenario) -> None:
    rec = run_scenario(baseline, 1).outcomes
    assert list(rec) == list(NAMES)
    for k, v in rec.items():
        assert isinstance(v, int | float | str), k


def test_initial_area_matches_the_article(baseline: Scenario) -> None:
    """The model stands at the start of week 0 with the article's 700 km², nothing played:
    the series' first row is the end of week 0, after its fighting."""
    model = EscalationModel(baseline, rng=0)
    assert model.week == 0 and model.area_km2 == pytest.approx(700.0)
    assert model.series()["ukraine_area_km2"].size == 0
    model.step()
    assert model.week == 1
    assert model.series()["week"].tolist() == [0.0]
    assert model.series()["ukraine_area_km2"][0] == pytest.approx(model.area_km2)


def test_initial_depths_fill_exactly_and_respect_rows() -> None:
    for sectors in (0, 1, 13, 28, 40, 59, 60):
        d = initial_depths(sectors, 10, 6)
        assert d.sum() == sectors
        assert d.min() >= 0 and d.max() <= 6


def test_mesa_conventions(baseline: Scenario) -> None:
    model = EscalationModel(baseline, rng=3)
    units = model.agents_by_type[Unit]
    assert len(units) > 0
    model.run()
    assert model.week == baseline.weeks + 1  # weeks 0 to the horizon played
    assert not model.running
    series = model.series()
    assert all(len(v) == baseline.weeks + 1 for v in series.values())
    for unit in units:
        x, y = unit.cell.coordinate
        assert 0 <= x < baseline.front.columns and 0 <= y < baseline.front.rows


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_runs(path) -> None:
    result = run_scenario(load_scenario(path), 0)
    assert 0 <= result.outcomes["ukraine_area_end_km2"] <= 1500


# --------------------------------------------------------------- invariants
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    quality=st.floats(0, 1),
    nk_troops=st.integers(0, 30_000),
    ua_troops=st.integers(0, 40_000),
    law=st.sampled_from(["square", "linear"]),
    waves=st.integers(0, 4),
)
def test_invariants_hold(seed, quality, nk_troops, ua_troops, law, waves) -> None:
    sc = Scenario().with_overrides({
        "north_korea.troop_quality": quality,
        "north_korea.troops_in_russia": nk_troops,
        "north_korea.troops_to_kursk": nk_troops,
        "north_korea.max_waves": waves,
        "ukraine.troops_kursk": ua_troops,
        "combat.law": law,
        "weeks": 30,
    })
    model = EscalationModel(sc, rng=seed).run()
    s = model.series()
    grid_km2 = sc.front.columns * sc.front.rows * sc.front.sector_km2
    assert ((s["ukraine_area_km2"] >= 0) & (s["ukraine_area_km2"] <= grid_km2)).all()
    for side in ("ukraine", "russia", "north_korea"):
        c = s[f"casualties_{side}"]
        assert (c >= 0).all() and (np.diff(c) >= 0).all(), side
    for name in ("personnel_ukraine", "personnel_russia", "nk_troops_in_combat",
                 "nk_troops_in_russia"):
        assert (s[name] >= 0).all(), name
    for name in ("nk_prestige", "rok_perception", "russia_desperation", "tech_level",
                 "china_restraint", "nk_experience"):
        assert ((s[name] >= 0) & (s[name] <= 1)).all(), name
    assert ((s["escalation_index"] >= 0) & (s["escalation_index"] <= 100)).all()
    assert (np.diff(s["rok_rung"]) >= 0).all()  # the ladder only climbs
    assert (s["nk_prisoners"] <= s["casualties_north_korea"]).all()
    assert (model.state.units.strength >= 0).all()
    assert model.nk.waves <= waves


def test_side_personnel_accounting(baseline: Scenario) -> None:
    model = EscalationModel(baseline, rng=5)
    before = model.state.personnel()[0, Side.RUSSIA]
    assert before == pytest.approx(baseline.russia.troops_kursk)


