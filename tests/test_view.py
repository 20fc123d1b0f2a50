"""The browser view's adapter, without a browser: what is drawn equals the model's state,
the page's model factory reproduces the plain model, and `wargame serve` rejects bad input
before starting anything."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest

from sim.cli import main
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.model import EscalationModel
from sim.core.scenario import Scenario, get_dotted, parameter_info
from sim.core.units import Side
from sim.view import adapter as view
from sim.view.app import VIEW_PARAMS, ViewModel, model_params
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")


def comparable(record: dict) -> dict:
    """NaN (a week that never came) made equal to itself."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in record.items()}


def stepped(scenario: Scenario, weeks: int, seed: int = 1) -> EscalationModel:
    model = EscalationModel(scenario, rng=seed)
    for _ in range(weeks):
        model.step()
    return model


@pytest.mark.parametrize("weeks", [0, 5, 20, 52])
def test_sector_holders_match_the_held_area(baseline: Scenario, weeks: int) -> None:
    model = stepped(baseline, weeks)
    holders = view.sector_holders(model)
    assert holders.shape == (baseline.front.columns, baseline.front.rows)
    ukr = holders == Side.UKRAINE
    assert ukr.sum() * baseline.front.sector_km2 == pytest.approx(model.area_km2)
    # Each column is Ukrainian from the border up to its depth, Russian beyond.
    for c, d in enumerate(model.depth):
        assert ukr[c, :d].all() and not ukr[c, d:].any()


@pytest.mark.parametrize("weeks", [0, 6, 30])
def test_one_marker_per_active_unit_inside_its_sector(baseline: Scenario, weeks: int) -> None:
    model = stepped(baseline, weeks)
    markers = view.unit_markers(model)
    t = model.state.units
    active = t.active[0] & (t.strength[0] > 0)
    assert len(markers) == active.sum()
    for side in Side:
        assert sum(m.side == side for m in markers) == (active & (t.side[0] == side)).sum()
    km = view.sector_km(model)
    cols, rows = baseline.front.columns, baseline.front.rows
    assert all(0 < m.x_km < cols * km and 0 < m.y_km < rows * km for m in markers)
    assert all(0 < m.size <= view.FULL_MARKER for m in markers)
    # Within a sector, marker area is proportional to strength (full-strength units share
    # the sector's space: area FULL_MARKER / k with k x k slots).
    full = baseline.front.unit_size
    by_cell: dict[tuple[int, int], list[view.UnitMarker]] = {}
    for m in markers:
        by_cell.setdefault((int(m.x_km // km), int(m.y_km // km)), []).append(m)
    for group in by_cell.values():
        k = math.ceil(math.sqrt(len(group)))
        for m in group:
            assert m.size == pytest.approx(view.FULL_MARKER * min(1.0, m.strength / full) / k)


def test_north_korean_units_appear_on_arrival_and_look_unlike_russian_ones(
    baseline: Scenario,
) -> None:
    before = stepped(baseline, baseline.north_korea.arrival_week)
    after = stepped(baseline, baseline.north_korea.arrival_week + 1)
    assert not any(m.side == Side.NORTH_KOREA for m in view.unit_markers(before))
    assert any(m.side == Side.NORTH_KOREA for m in view.unit_markers(after))
    _, nk_colour, nk_marker = view.SIDE_STYLE[Side.NORTH_KOREA]
    _, ru_colour, ru_marker = view.SIDE_STYLE[Side.RUSSIA]
    assert nk_colour != ru_colour and nk_marker != ru_marker


def test_event_log_has_week_date_and_the_ladder_in_words(baseline: Scenario) -> None:
    low = baseline.with_overrides({"south_korea.defensive_threshold": 0.3,
                                   "south_korea.offensive_threshold": 0.35})
    model = stepped(low, 52)
    log = view.event_log(model)
    assert len(log) == len(model.events)
    for line, (week, text) in zip(log, model.events, strict=True):
        date = model.start_date + np.timedelta64(week, "W").astype(object)
        assert line == f"week {week} ({date:%d %b %Y}): {text}"
    assert any("South Korea approves defensive weapons for Ukraine" in line for line in log)


def test_status_line_is_the_step_counter(baseline: Scenario) -> None:
    model = stepped(baseline, 3)
    assert view.status_line(model).startswith(f"Week 3 of {model.horizon} (")
    assert f"{model.area_km2:,.0f} km²" in view.status_line(model)


def test_charts_plot_the_models_series(baseline: Scenario) -> None:
    model = stepped(baseline, 8)  # the North Korean main body is in the line
    s = model.series()
    area = view.area_figure(model).axes[0].get_lines()[0]
    np.testing.assert_array_equal(area.get_ydata(), s["ukraine_area_km2"])
    esc = view.escalation_figure(model).axes[0].get_lines()[0]
    np.testing.assert_array_equal(esc.get_ydata(), s["escalation_index"])
    cas = view.casualties_figure(model).axes[0].get_lines()
    np.testing.assert_array_equal(cas[2].get_ydata(), s["casualties_north_korea"])
    rung_ax = view.rung_figure(model).axes[0]
    np.testing.assert_array_equal(rung_ax.get_lines()[0].get_ydata(), s["rok_rung"])
    assert [t.get_text() for t in rung_ax.get_yticklabels()] == \
        [r.replace("_", " ") for r in ROK_RUNGS]
    rewards = view.rewards_figure(model)
    # finance, food, oil and the technology level, each on its own axis in its own unit
    assert [ax.get_ylabel().split("\n")[0] for ax in rewards.axes] == [
        "finance", "food", "oil", "technology"]
    np.testing.assert_array_equal(rewards.axes[0].get_lines()[0].get_ydata(),
                                  s["reward_finance_musd"])
    map_ax = view.map_figure(model).axes[0]
    assert len(map_ax.collections) == 3  # one marker layer per side (NK has arrived)


def test_view_model_defaults_reproduce_the_plain_model(baseline: Scenario) -> None:
    ViewModel.base = baseline
    a = ViewModel(seed=7).run()
    b = EscalationModel(baseline, rng=7).run()
    assert comparable(a.outcomes()) == comparable(b.outcomes())


def test_view_model_applies_sliders_and_explains_a_rejected_combination(
    baseline: Scenario,
) -> None:
    ViewModel.base = baseline
    m = ViewModel(troop_quality=0.95, offensive_threshold=0.9)
    assert m.config.north_korea.troop_quality == 0.95
    assert m.config.south_korea.offensive_threshold == 0.9 and not m.rejected
    bad = ViewModel(defensive_threshold=0.9, offensive_threshold=0.5)
    assert "threshold" in bad.rejected
    assert bad.config == baseline


def test_sliders_start_at_the_scenario_and_stay_within_the_schema(baseline: Scenario) -> None:
    params = model_params(baseline, seed=3)
    assert params["seed"]["value"] == 3
    for key, (dotted, *_rest) in VIEW_PARAMS.items():
        spec, info = params[key], parameter_info(dotted)
        assert spec["value"] == get_dotted(baseline, dotted)
        assert spec["min"] <= spec["value"] <= spec["max"]
        assert info.get("ge", -np.inf) <= spec["min"] and spec["max"] <= info.get("le", np.inf)


def test_solaraviz_accepts_the_parameters_and_can_reset_the_model(baseline: Scenario) -> None:
    """What SolaraViz's Reset does, without a browser: check the parameters against the
    model's signature and re-create the model from the slider values."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    ViewModel.base = baseline
    model = ViewModel(seed=0)
    params = model_params(baseline, seed=0)
    _check_model_params(model, params)
    values = {k: v["value"] for k, v in params.items()} | {"troop_quality": 0.5, "seed": 9}
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    fresh = type(model)(**kwargs)
    assert fresh.config.north_korea.troop_quality == 0.5
    plain = EscalationModel(baseline.with_overrides({"north_korea.troop_quality": 0.5}), rng=9)
    assert comparable(fresh.run().outcomes()) == comparable(plain.run().outcomes())


def test_serve_rejects_a_bad_scenario_and_a_busy_port(tmp_path, capsys) -> None:
    assert main(["serve", BASELINE, "--set", "north_korea.troop_quality=3",
                 "--no-browser"]) == 2
    assert "north_korea.troop_quality" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", BASELINE, "--port", str(port), "--no-browser"]) == 2
    assert f"--port {port}" in capsys.readouterr().err
