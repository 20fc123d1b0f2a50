"""The browser view of one run: plain drawing functions (:mod:`sim.view.adapter`) and the
Mesa SolaraViz page (:mod:`sim.view.app`), which ``wargame serve`` runs under ``solara
run`` in a child process that learns what to show from these environment variables."""

from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
ENV_SCENARIO = "WARGAME_VIEW_SCENARIO"
ENV_OVERRIDES = "WARGAME_VIEW_OVERRIDES"
ENV_SEED = "WARGAME_VIEW_SEED"
