"""Playing South Korea, without a browser (sim/view/game.py): the game stops at decision
weeks, only the player moves Seoul's ladder, the advice is the model's own rule, a decision
changes the run from its week on, and a saved game replays exactly with `wargame run`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.cli import main
from sim.cli.rundir import json_safe
from sim.core.actors import south_korea
from sim.core.model import EscalationModel
from sim.core.scenario import Scenario, load_scenario, parse_scenario
from sim.errors import UserError
from sim.view.game import (
    EFFORT,
    FREEZE_NOTE,
    PLAYER_NOTE,
    Game,
    check_playable,
    decision_weeks,
    played_scenario,
)
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")


def comparable(record: dict) -> dict:
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in record.items()}


@pytest.fixture
def eager(baseline: Scenario) -> Scenario:
    """A Seoul whose own rule climbs to offensive weapons within weeks, with no domestic
    crisis: whether the ladder moves is then up to whoever plays it."""
    return baseline.with_overrides({"south_korea.defensive_threshold": 0.3,
                                    "south_korea.offensive_threshold": 0.35,
                                    "south_korea.crisis_weeks": 0})


def play(game: Game, moves: dict[int, tuple[int | None, float | None]]) -> Game:
    """Play to the horizon: at each decision week the move given for it (rung None: hold,
    effort None: keep), else hold."""
    while not game.over:
        rung, effort = moves.get(game.week, (None, None))
        game.decide(game.rung if rung is None else rung,
                    game.effort if effort is None else effort)
        game.play_on()
    return game


def test_the_game_stops_at_each_decision_week(baseline: Scenario) -> None:
    game = Game.new(baseline, seed=1, decide_every=5)
    assert game.decision_weeks == tuple(range(0, 53, 5))  # weeks 0-52 are played
    assert game.awaiting and not game.model.running
    # Mesa's Step and Play (model.step, model.run) do nothing while Seoul has to decide.
    game.model.step()
    game.model.run()
    assert game.week == 0 and game.model.time == 0
    game.decide(game.rung, game.effort)
    assert not game.awaiting and game.model.running
    assert game.play_on() == 5
    assert game.week == 5 and game.awaiting and game.model.time == 5
    game.decide(game.rung, game.effort)
    with pytest.raises(UserError, match="week 5 is not a decision week"):
        game.decide(game.rung, game.effort)  # decided already
    game.play_on()
    assert game.week == 10 and game.next_decision_week() == 15
    while not game.over:
        game.decide(game.rung, game.effort)
        game.play_on()
    assert game.week == 53 and not game.model.running  # week 52 played: over
    assert [d.week for d in game.decisions] == list(range(0, 53, 5))
    with pytest.raises(UserError, match="game is over"):
        game.decide(game.rung, game.effort)


def test_decisions_are_checked(baseline: Scenario) -> None:
    game = Game.new(baseline, seed=1)
    assert game.options() == [2, 3, 4]  # from the rung Seoul stands on (non-lethal aid)
    with pytest.raises(UserError, match="only climbs"):
        game.decide(1, 0.5)
    with pytest.raises(UserError, match="expected 0-1"):
        game.decide(3, 1.5)
    with pytest.raises(UserError, match="--decide-every"):
        decision_weeks(52, 0)
    game.decide(4, 0.5)
    game.play_on()
    assert game.options() == [4]


def test_only_the_player_moves_the_ladder(eager: Scenario) -> None:
    plain = EscalationModel(eager, rng=2).run().series()["rok_rung"]
    assert plain.max() == 4  # left to its rule, this Seoul climbs to offensive weapons
    game = Game.new(eager, seed=2)
    advised = []
    while not game.over:
        advised.append(game.advice().would_approve)
        game.decide(game.rung, game.effort)  # hold
        game.play_on()
    held = game.model.series()["rok_rung"]
    assert (held == eager.south_korea.initial_rung).all()
    assert max(advised) == 4  # the page said what the rule would have done

    climbing = play(Game.new(eager, seed=2), {8: (3, None), 20: (4, None)})
    rungs = climbing.model.series()["rok_rung"]
    # An approval at week w shows in the series from week w (it fires at the start of the
    # week, as every inject does), and the ladder stays there.
    assert (rungs[:8] == 2).all() and (rungs[8:20] == 3).all() and (rungs[20:] == 4).all()
    assert climbing.model.outcomes()["week_rung_3"] == 8


def test_the_advice_is_the_models_own_rule(eager: Scenario, baseline: Scenario) -> None:
    game = Game.new(eager, seed=3)
    for _ in range(3):
        game.decide(game.rung, game.effort)
        game.play_on()
    advice = game.advice()
    sk, s = eager.south_korea, game.model.state
    raise_by = sk.diplomacy_threshold_raise * sk.diplomacy_effort * eager.china.receptiveness
    expected = [sk.statement_threshold, sk.nonlethal_threshold, sk.defensive_threshold,
                sk.offensive_threshold]
    assert advice.thresholds == pytest.approx([t + raise_by for t in expected])
    assert advice.perception == float(s.rok.perception[0])
    reached = [k for k, t in enumerate(advice.thresholds, 1) if advice.perception >= t]
    assert advice.reached == max(reached, default=0)
    # The rule itself, run on a copy of the state with the player's freeze lifted, stands
    # where the advice says.
    free = s.copy()
    free.rok.freeze_until[:] = np.nan
    south_korea.update_rung(free)
    assert int(free.rok.rung[0]) == advice.would_approve > advice.rung
    assert "would approve" in advice.text()

    # In the scenario's domestic crisis (weeks 5-20 of the baseline) the rule holds.
    crisis = Game.new(baseline, seed=3)
    for _ in range(2):
        crisis.decide(crisis.rung, crisis.effort)
        crisis.play_on()
    assert crisis.week == 8
    frozen = crisis.advice()
    assert frozen.crisis == (5, 20) and frozen.would_approve == frozen.rung
    assert "domestic crisis" in frozen.text()


def test_diplomacy_effort_changes_the_run_from_its_week_on(baseline: Scenario) -> None:
    steady = play(Game.new(baseline, seed=4), {})
    talks = play(Game.new(baseline, seed=4), {8: (None, 1.0)})
    a, b = steady.model.series(), talks.model.series()
    for name in a:
        np.testing.assert_array_equal(a[name][:8], b[name][:8])
    # More covert diplomacy damps Seoul's threat perception (and raises its thresholds).
    assert (b["rok_perception"][10:] < a["rok_perception"][10:]).all()
    assert float(talks.model.state.p.south_korea.diplomacy_effort[0]) == 1.0
    assert [m.set for m in talks.moves] == [{EFFORT: 1.0}]
    assert steady.moves == []  # holding at the same effort needs no inject


@pytest.mark.parametrize("save_week", [12, 53])
def test_a_saved_game_replays_exactly_with_wargame_run(baseline: Scenario, tmp_path,
                                                       save_week: int) -> None:
    # The base scenario's own injects (here a wave Pyongyang sends) stay in the game.
    base = baseline.with_injects([{"week": 10, "move": "nk_wave", "troops": 3000}])
    game = Game.new(base, seed=5)
    moves = {0: (3, 0.8), 4: (None, None), 8: (4, 0.25), 16: (None, 0.6)}
    while game.week < save_week:
        rung, effort = moves.get(game.week, (None, None))
        game.decide(game.rung if rung is None else rung,
                    game.effort if effort is None else effort)
        game.play_on()
    assert game.week == save_week

    text = game.to_toml()
    assert "wargame run FILE --seed 5" in text
    path = tmp_path / game.filename()
    path.write_text(text)
    saved = load_scenario(path)
    assert saved == game.saved_scenario()
    # The world's uncertainties stay; what the player held and the switched-off rule's
    # thresholds are not swept.
    assert set(saved.sweep) == set(baseline.sweep) - {
        EFFORT, "south_korea.crisis_weeks", "south_korea.defensive_threshold",
        "south_korea.offensive_threshold", "south_korea.ladder",
        "south_korea.new_government_shift"}
    assert [i.note for i in saved.inject] == [i.note for i in base.inject] + [
        FREEZE_NOTE] + [PLAYER_NOTE] * (3 if save_week == 53 else 2)

    assert main(["run", str(path), "--seed", "5", "--out", str(tmp_path / "replay")]) == 0
    replayed = json.loads((tmp_path / "replay" / "outcomes.json").read_text())["outcomes"]
    events = (tmp_path / "replay" / "events.txt").read_text().splitlines()
    played_events = [f"week {w:>3}: {t}" for w, t in game.model.events]
    if game.over:  # the whole game: the same outcomes and the same event log
        assert replayed == json_safe(game.model.outcomes())
        assert events == played_events
    else:  # saved mid-game: the same weeks so far, then Seoul holds where it stood
        assert events[:len(played_events)] == played_events
        assert all(PLAYER_NOTE not in e for e in events[len(played_events):])
        run = EscalationModel(saved, rng=5)
        for _ in range(save_week):
            run.step()
        assert comparable(run.outcomes()) == comparable(game.model.outcomes())


def test_a_scenario_that_moves_seoul_itself_cannot_be_played(baseline: Scenario,
                                                              tmp_path, capsys) -> None:
    game = Game.new(baseline, seed=6)
    game.decide(3, 0.5)
    saved = parse_scenario(game.to_toml(), "saved.toml")
    with pytest.raises(UserError, match="saved game"):
        check_playable(saved)
    for inject in ({"week": 3, "move": "rok_approve", "rung": 4},
                   {"week": 3, "move": "rok_freeze", "weeks": 4},
                   {"week": 3, "set": {EFFORT: 0.9}}):
        with pytest.raises(UserError, match=r"inject\[1\].*moves South Korea"):  # [0]: the pause
            played_scenario(baseline.with_injects([inject]))
    # Other states' injects are fine.
    played_scenario(baseline.with_injects([{"week": 3, "move": "nato_raise"}]))
    # A horizon of 520 weeks (the schema's longest) can be played: the freeze covers its
    # 521 weeks (0-520).
    assert played_scenario(baseline.with_overrides({"weeks": 520})).inject[-1].weeks == 521

    path = tmp_path / "saved.toml"
    path.write_text(game.to_toml())
    assert main(["serve", str(path), "--play", "rok", "--no-browser"]) == 2
    assert "saved game" in capsys.readouterr().err
    assert main(["serve", BASELINE, "--play", "rok", "--decide-every", "0",
                 "--no-browser"]) == 2
    assert "--decide-every" in capsys.readouterr().err
    assert main(["serve", BASELINE, "--decide-every", "3", "--no-browser"]) == 2
    assert "only with --play" in capsys.readouterr().err


def test_the_page_wires_its_buttons_to_the_game(baseline: Scenario, monkeypatch) -> None:
    """The decision panel and Mesa's controls in play mode, rendered by Solara without a
    browser: Step does nothing at a decision week, the panel's picks become the move, and
    Reset starts a new game."""
    import ipyvuetify as v
    import solara
    from mesa.visualization.solara_viz import _build_model_init_kwargs

    from sim.view.app import DecisionView, ViewModel, model_params

    monkeypatch.setattr(ViewModel, "base", baseline)
    monkeypatch.setattr(ViewModel, "play", True)
    model = ViewModel(seed=3)
    model.step()  # Mesa's Step button
    assert model.week == 0 and not model.running
    _, rc = solara.render(DecisionView(model), handle_error=False)
    title = rc.find(v.CardTitle).widget
    assert title.children == ["South Korea decides: week 0 (28 Oct 2024)"]
    rc.find(v.BtnToggle).widget.v_model = 1  # the second button: defensive weapons
    rc.find(v.Slider).widget.v_model = 0.8
    rc.find(v.Btn, children=["Decide and play to week 4"]).widget.click()
    assert model.week == 4 and model.game.awaiting
    assert [(d.week, d.rung, d.effort) for d in model.game.decisions] == [(0, 3, 0.8)]
    assert title.children == ["South Korea decides: week 4 (25 Nov 2024)"]
    rc.find(v.Btn, children=["Decide and play to week 8"]).widget.click()  # hold
    assert model.week == 8 and model.game.decisions[-1].rung == 3

    values = {k: spec["value"] for k, spec in model_params(baseline, seed=3).items()}
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    fresh = type(model)(**kwargs)  # Mesa's Reset
    assert fresh.week == 0 and fresh.game.awaiting and fresh.game.decisions == []
