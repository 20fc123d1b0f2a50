"""Injects change a run from their week on and never before; every move does what it says;
a bad inject is refused naming the entry; a snapshot continues bit for bit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.core.engine import run_batch
from sim.core.model import EscalationModel
from sim.core.moves import Inject
from sim.core.scenario import Scenario, validate_scenario
from sim.core.series import SERIES_INDEX, SERIES_NAMES
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
WEEK = 8


def with_injects(sc: Scenario, *injects: dict) -> Scenario:
    data = sc.model_dump()
    data["inject"] = [*data["inject"], *injects]
    return validate_scenario(data, "test")


def blocks(sc: Scenario, seeds: int = 12) -> np.ndarray:
    res = run_batch([sc] * seeds, np.arange(seeds))
    return np.stack([res.series_block(i) for i in range(seeds)])


MOVES = [
    ({"move": "rok_approve", "rung": 4}, "rok_rung", lambda after: (after == 4).all()),
    ({"move": "nato_raise"}, "nato_rung", lambda after: (after >= 2).all()),
    ({"move": "russia_tech", "level": 0.5}, "tech_level", lambda after: (after >= 0.5).all()),
    ({"move": "nk_wave", "troops": 6000}, "nk_troops_in_russia",
     lambda after: True),  # checked against the straight run below
    ({"move": "nk_pull_back"}, "nk_troops_in_combat", lambda after: (after[:, 0] == 0).all()),
    ({"set": {"ukraine.western_support": 2.0}}, "ukraine_equipment",
     lambda after: (after >= 2.0).all()),
    ({"move": "china_press", "level": 0.9}, "china_restraint",
     lambda after: (after >= 0.9).all()),
    ({"move": "support_pause", "weeks": 2, "level": 0.5}, "ukraine_equipment",
     lambda after: (after[:, 0] < after[:, 2]).all()),  # cut in weeks 8-9, back at 10
    ({"move": "nk_after_kursk", "role": "ukraine"}, "nk_role",  # taken once Kursk falls
     lambda after: (after[:, -1] == 3).all()),
]


@pytest.mark.parametrize(("inject", "series", "check"), MOVES,
                         ids=[m[0].get("move", "set") for m in MOVES])
def test_an_inject_changes_the_run_from_its_week_on_and_not_before(
        baseline: Scenario, inject: dict, series: str, check) -> None:
    # NATO waits, Pyongyang sends no waves of its own and the baseline's own inject (the US
    # pause of March 2025) is left out: each move's effect is its own.
    base = baseline.model_copy(update={"inject": []}).with_overrides(
        {"nato.support_trigger_troops": 100_000, "north_korea.max_waves": 0})
    straight = blocks(base)
    moved = blocks(with_injects(base, {"week": WEEK, **inject}))
    # Identical up to the end of the week before the inject's (it fires at the start of
    # its week, before the fighting) ...
    np.testing.assert_array_equal(straight[:, :WEEK], moved[:, :WEEK])
    # ... and different from its week on, the way the move says.
    after = moved[:, WEEK:, SERIES_INDEX[series]]
    assert check(after)
    assert not np.array_equal(straight[:, WEEK:], moved[:, WEEK:])


def test_a_wave_adds_its_troops(baseline: Scenario) -> None:
    straight = blocks(baseline)
    moved = blocks(with_injects(baseline, {"week": WEEK, "move": "nk_wave", "troops": 6000}))
    i = SERIES_INDEX["nk_troops_in_combat"]
    assert (moved[:, WEEK, i] > straight[:, WEEK, i] + 5000).all()
    assert (moved[:, -1, SERIES_INDEX["nk_waves"]] >= straight[:, -1,
                                                               SERIES_INDEX["nk_waves"]] + 1).all()


def test_a_freeze_stops_the_ladder(baseline: Scenario) -> None:
    eager = baseline.with_overrides({"south_korea.defensive_threshold": 0.3,
                                     "south_korea.offensive_threshold": 0.35,
                                     "south_korea.crisis_weeks": 0})
    free = blocks(eager)[:, :, SERIES_INDEX["rok_rung"]]
    frozen = blocks(with_injects(eager, {"week": 0, "move": "rok_freeze", "weeks": 53}))
    assert (free[:, -1] > 2).any()
    assert (frozen[:, :, SERIES_INDEX["rok_rung"]] == 2).all()


def test_returning_units_come_back_early(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"north_korea.pullback_loss_share": 0.0,
                                  "north_korea.rest_weeks": 20, "north_korea.max_waves": 0})
    away = with_injects(sc, {"week": 8, "move": "nk_pull_back"})
    back = with_injects(away, {"week": 11, "move": "nk_return"})
    i = SERIES_INDEX["nk_troops_in_combat"]
    assert (blocks(away)[:, 8:20, i] == 0).all()  # off the line from week 8 (for 20 weeks)
    assert (blocks(back)[:, 10, i] == 0).all() and (blocks(back)[:, 11, i] > 0).all()


def test_a_date_becomes_a_week(baseline: Scenario) -> None:
    sc = with_injects(baseline, {"date": __import__("datetime").date(2024, 12, 23),
                                 "move": "nato_raise"})
    assert sc.inject[-1].week == 8 and sc.inject[-1].date is None


def test_injects_are_in_the_event_log(baseline: Scenario) -> None:
    sc = with_injects(baseline, {"week": WEEK, "move": "rok_approve", "rung": 4,
                                 "note": "the control team's move"})
    model = EscalationModel(sc, rng=1).run()
    assert (WEEK, "inject: Seoul approves rung 4 (the control team's move)") in model.events


@pytest.mark.parametrize(("text", "fragment"), [
    # The baseline has an inject of its own (the US pause of March 2025): the given one is
    # the second.
    ("week=60,move=nato_raise", "inject[1]: week 60 is past the horizon"),
    ("week=6,move=bogus", "inject.1.move: expected one of"),
    ("week=6,move=rok_approve", "move 'rok_approve' needs rung"),
    ("week=6,move=nato_raise,troops=5", "troops does not go with move 'nato_raise'"),
    ("week=6,set.front.columns=3", "is fixed when a run starts"),
    ("week=6,set.north_korea.trop_quality=1", "did you mean north_korea.troop_quality"),
    ("move=nato_raise", "give the week or the date"),
    ("week=6", "expected a move"),
    ("nonsense", "expected key=value pairs"),
])
def test_a_bad_inject_exits_2_naming_the_entry(tmp_path: Path, capsys, text: str,
                                              fragment: str) -> None:
    out = tmp_path / "o"
    assert main(["run", BASELINE, "--inject", text, "--out", str(out)]) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


def test_inject_on_the_command_line_equals_one_in_the_file(baseline: Scenario,
                                                           tmp_path: Path) -> None:
    assert main(["run", BASELINE, "--seed", "3", "--inject", "week=8,move=rok_approve,rung=4",
                 "--out", str(tmp_path / "r")]) == 0
    text = (tmp_path / "r" / "events.txt").read_text()
    assert "inject: Seoul approves rung 4" in text



def test_the_run_figure_marks_each_inject_on_every_panel(baseline: Scenario) -> None:
    from sim.analysis.plots import plot_run
    from sim.batch.runner import run_scenario

    sc = baseline.model_copy(update={"inject": [
        Inject(week=8, move="rok_approve", rung=4), Inject(week=20, move="nato_raise")]})
    fig = plot_run(run_scenario(sc, 3, weeks=30).series, "t",
                   [(i.week, i.describe()) for i in sc.inject])
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 6
    for ax in panels:
        lines = {tuple(line.get_xdata()) for line in ax.lines}
        assert (8, 8) in lines and (20, 20) in lines
        assert [t.get_text().strip() for t in ax.texts] == ["1", "2"]
    listed = fig.get_supxlabel()
    assert "1: week 8, inject: Seoul approves rung 4" in listed
    assert "2: week 20" in listed


# ----------------------------------------------------------------- snapshots
def same(a: dict, b: dict) -> bool:
    return all((isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k]))
               or a[k] == b[k] for k in a)


@pytest.mark.parametrize("week", [0, 1, 9, 30, 52])
def test_snapshot_restore_continues_bit_for_bit(baseline: Scenario, week: int) -> None:
    straight = EscalationModel(baseline, rng=5).run()
    model = EscalationModel(baseline, rng=5)
    for _ in range(week):
        model.step()
    snap = model.snapshot()
    model.step()  # the original goes on; the snapshot must not move with it
    resumed = EscalationModel.restore(snap)
    assert resumed.week == week
    resumed.run()
    assert same(straight.outcomes(), resumed.outcomes())
    for name in SERIES_NAMES:
        np.testing.assert_array_equal(straight.series()[name], resumed.series()[name])
    assert straight.events == resumed.events
    # Two branches from one snapshot are the same run.
    again = EscalationModel.restore(snap).run()
    assert same(again.outcomes(), resumed.outcomes())
