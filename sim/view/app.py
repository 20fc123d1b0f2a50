"""The browser view of one run: Mesa's SolaraViz page (``wargame serve`` starts it).

Kept thin on purpose (SolaraViz is experimental in Mesa 3): the page is SolaraViz's own
controls (step / play / reset, model parameters, step count) plus components that call the
plain adapter functions of :mod:`sim.view.adapter`. The scenario comes from the environment
variables ``wargame serve`` sets (file and ``--set`` overrides), so that ``solara run``
can import this module by path.

With ``--play south_korea`` the model is a game (:mod:`sim.view.game`): it stops at each
decision week, and a panel offers Seoul's moves beside what the model's rule would do; its
buttons only call :meth:`~sim.view.game.Game.decide` and
:meth:`~sim.view.game.Game.play_on`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario, get_dotted, load_scenario
from sim.errors import UserError
from sim.view import ENV_DECIDE_EVERY, ENV_OVERRIDES, ENV_PLAY, ENV_SCENARIO, ENV_SEED
from sim.view import adapter as view
from sim.view.game import DEFAULT_DECIDE_EVERY, Game, played_scenario, rung_label

#: The sliders: keyword -> (dotted parameter, short label, min, max, step). Ranges are
#: spans worth exploring, always within the schema's bounds (tests/test_view.py checks) and
#: widened to include the scenario's own value; ``wargame describe`` gives units and sources.
VIEW_PARAMS: dict[str, tuple[str, str, float, float, float]] = {
    "troop_quality": ("north_korea.troop_quality", "NK troop quality", 0.2, 1.0, 0.05),
    "troops_to_kursk": ("north_korea.troops_to_kursk", "NK troops to Kursk", 0, 20000, 500),
    "learning_rate": ("north_korea.learning_rate", "NK learning /week", 0.0, 0.3, 0.01),
    "finance": ("russia.finance_usd_per_soldier_month", "RU pay $/soldier/month", 0, 6000, 100),
    "tech_transfer_rate": ("russia.tech_transfer_rate", "RU tech transfer", 0.0, 0.05, 0.0025),
    "defensive_threshold": ("south_korea.defensive_threshold", "ROK defensive threshold",
                            0.2, 1.0, 0.05),
    "offensive_threshold": ("south_korea.offensive_threshold", "ROK offensive threshold",
                            0.3, 1.0, 0.05),
    "diplomacy_effort": ("south_korea.diplomacy_effort", "ROK diplomacy effort", 0.0, 1.0, 0.05),
}


def base_scenario() -> Scenario:
    """The scenario ``wargame serve`` was given (the defaults when run on its own)."""
    path = os.environ.get(ENV_SCENARIO)
    overrides = json.loads(os.environ.get(ENV_OVERRIDES, "{}"))
    return load_scenario(Path(path), overrides) if path else Scenario().with_overrides(overrides)


class ViewModel(EscalationModel):
    """The model with flat keyword parameters, as SolaraViz re-creates it on reset.

    A combination the schema rejects (say, the defensive threshold above the offensive
    one) is not applied: the run uses the scenario's own values and ``rejected`` says why.
    When ``play`` is set a person plays South Korea: the model runs the played scenario and
    ``game`` (a :class:`~sim.view.game.Game`) holds it at each decision week.
    """

    base: Scenario = Scenario()
    play: bool = False
    decide_every: int = DEFAULT_DECIDE_EVERY

    def __init__(
        self,
        troop_quality: float | None = None,
        troops_to_kursk: int | None = None,
        learning_rate: float | None = None,
        finance: float | None = None,
        tech_transfer_rate: float | None = None,
        defensive_threshold: float | None = None,
        offensive_threshold: float | None = None,
        diplomacy_effort: float | None = None,
        seed: int = 0,
        rng: Any = None,
    ) -> None:
        given = dict(troop_quality=troop_quality, troops_to_kursk=troops_to_kursk,
                     learning_rate=learning_rate, finance=finance,
                     tech_transfer_rate=tech_transfer_rate,
                     defensive_threshold=defensive_threshold,
                     offensive_threshold=offensive_threshold, diplomacy_effort=diplomacy_effort)
        overrides = {VIEW_PARAMS[k][0]: v for k, v in given.items() if v is not None}
        self.rejected = ""
        try:
            scenario = self.base.with_overrides(overrides)
        except UserError as exc:
            scenario, self.rejected = self.base, str(exc)
        rng = int(seed) if rng is None else rng
        self.game: Game | None = None
        if self.play:
            super().__init__(played_scenario(scenario), rng=rng)
            self.game = Game(self, scenario, self.decide_every)
        else:
            super().__init__(scenario, rng=rng)


def model_params(base: Scenario, seed: int) -> dict[str, dict[str, Any]]:
    """SolaraViz's slider specifications, starting at the scenario's own values."""
    params: dict[str, dict[str, Any]] = {}
    for key, (dotted, label, lo, hi, step) in VIEW_PARAMS.items():
        value = get_dotted(base, dotted)
        kind = "SliderInt" if isinstance(value, int) else "SliderFloat"
        params[key] = {"type": kind, "label": label, "value": value,
                       "min": min(lo, value), "max": max(hi, value), "step": step}
    params["seed"] = {"type": "SliderInt", "label": "seed", "value": seed,
                      "min": 0, "max": 999, "step": 1}
    return params


# ----------------------------------------------------------------- components
# Plain text, not Markdown: Solara's Markdown pulls in KaTeX, which is not bundled offline.
def MapView(model: ViewModel):
    """The step counter and where the run stands, above the Kursk map."""
    with solara.Column() as col:
        solara.Text(view.status_line(model), style={"font-weight": "bold"})
        if model.rejected:
            solara.Warning(f"Parameters not applied, using the scenario's values: "
                           f"{model.rejected}")
        solara.FigureMatplotlib(view.map_figure(model), format="png")
    return col


def _figure_view(builder):
    def ChartView(model: ViewModel):
        return solara.FigureMatplotlib(builder(model), format="png")

    ChartView.__name__ = builder.__name__
    return ChartView


def EventLogView(model: ViewModel):
    """Newest first."""
    lines = view.event_log(model)[::-1] or ["no events yet"]
    with solara.Card("Event log") as card:
        for line in lines:
            solara.Text(line, style={"display": "block"})
    return card


@solara.component
def DecisionView(model: ViewModel):
    """South Korea's move at a decision week: the rung to approve and the covert-diplomacy
    effort, what the model's own rule would do, the decisions so far and the save button.

    A Solara component of its own (the others are plain functions that SolaraViz wraps
    anew each time its page re-renders, which re-creates them): a pick made while the page
    settles after loading is not lost. It re-renders on each step as SolaraViz's own do.
    """
    update_counter.get()
    game = model.game
    assert game is not None
    # The player's picks belong to one decision week of one game (Mesa's Reset makes a new
    # game): a pick for another week or game is forgotten, starting again from where Seoul
    # stands.
    key = (id(game), game.week)
    picks, set_picks = solara.use_state({})
    rung, effort = picks.get(key, (game.rung, game.effort))

    def decide() -> None:
        if game.awaiting:  # a second click while the weeks were played does nothing
            game.decide(rung, effort)
            game.play_on()
            force_update()

    title = ("Game over" if game.over else
             f"South Korea decides: week {game.week} ({view.current_date(model):%d %b %Y})"
             if game.awaiting else "South Korea")
    # The card scrolls within its place on SolaraViz's grid rather than spill over the
    # chart below as the decisions accumulate.
    with solara.Card(title, style={"height": "100%", "overflow-y": "auto"}) as card:
        if game.awaiting:
            solara.Text(f"Seoul stands on {rung_label(game.rung)} (rung {game.rung}), covert "
                        f"diplomacy effort {game.effort:.2f}.", style={"display": "block"})
            solara.Text(game.advice().text(), style={"display": "block"})
            # Plain labels as the values: buttons given a value= pass it to the browser's
            # button group, which then reports that value where Solara expects an index.
            labels = {("hold: " if r == game.rung else "") + rung_label(r): r
                      for r in game.options()}
            solara.ToggleButtonsSingle(
                value=next(k for k, r in labels.items() if r == rung), values=list(labels),
                on_value=lambda k: set_picks({key: (labels[k], effort)}))
            solara.SliderFloat("covert diplomacy effort", value=effort, min=0.0, max=1.0,
                               step=0.05, on_value=lambda e: set_picks({key: (rung, e)}))
            verb = "hold at" if rung == game.rung else "approve"
            solara.Text(f"Your move: {verb} {rung_label(rung)}, covert diplomacy effort "
                        f"{effort:.2f}.", style={"display": "block", "font-weight": "bold"})
            nxt = game.next_decision_week()
            solara.Button(f"Decide and play to week {nxt}", color="primary",
                          on_click=decide)
        elif game.over:
            solara.Text(f"The run reached week {game.week}. Save the game to replay it with "
                        "`wargame run`.", style={"display": "block"})
        solara.FileDownload(lambda: game.to_toml(), filename=game.filename(),
                            label="Save game (scenario .toml)")
        if game.decisions:
            solara.Text("Your decisions, newest first:", style={"display": "block",
                                                                "font-weight": "bold"})
        for d in game.decisions[::-1]:
            solara.Text(d.text(), style={"display": "block"})
    return card


def make_page() -> Any:
    """The SolaraViz page for the scenario in the environment."""
    base = base_scenario()
    ViewModel.base = base
    ViewModel.play = bool(os.environ.get(ENV_PLAY))
    ViewModel.decide_every = int(os.environ.get(ENV_DECIDE_EVERY, DEFAULT_DECIDE_EVERY))
    seed = int(os.environ.get(ENV_SEED, "0"))
    model = ViewModel(seed=seed)
    components = [MapView, *(_figure_view(b) for b in view.CHARTS), EventLogView]
    if ViewModel.play:
        components.insert(0, DecisionView)
    return SolaraViz(model, components=components, model_params=model_params(base, seed),
                     name=f"Kursk wargame: {base.name}", play_interval=300)


page = make_page()
