"""The browser view of one run: Mesa's SolaraViz page (``wargame serve`` starts it).

Kept thin on purpose (SolaraViz is experimental in Mesa 3): the page is SolaraViz's own
controls (step / play / reset, model parameters, step count) plus components that call the
plain adapter functions of :mod:`sim.view.adapter`. The scenario comes from the environment
variables ``wargame serve`` sets (file and ``--set`` overrides), so that ``solara run``
can import this module by path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario, get_dotted, load_scenario
from sim.errors import UserError
from sim.view import ENV_OVERRIDES, ENV_SCENARIO, ENV_SEED
from sim.view import adapter as view

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
    """

    base: Scenario = Scenario()

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
        super().__init__(scenario, rng=int(seed) if rng is None else rng)


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


def make_page() -> Any:
    """The SolaraViz page for the scenario in the environment."""
    base = base_scenario()
    ViewModel.base = base
    seed = int(os.environ.get(ENV_SEED, "0"))
    model = ViewModel(seed=seed)
    components = [MapView, *(_figure_view(b) for b in view.CHARTS), EventLogView]
    return SolaraViz(model, components=components, model_params=model_params(base, seed),
                     name=f"Kursk wargame: {base.name}", play_interval=300)


page = make_page()
