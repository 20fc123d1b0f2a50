"""The browser view of one run: plain drawing functions (:mod:`sim.view.adapter`) and the
Mesa SolaraViz page (:mod:`sim.view.app`), which ``wargame serve`` runs under ``solara
run`` in a child process that learns what to show from these environment variables."""

from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
ENV_SCENARIO = "WARGAME_VIEW_SCENARIO"
ENV_OVERRIDES = "WARGAME_VIEW_OVERRIDES"
ENV_SEED = "WARGAME_VIEW_SEED"
ENV_PLAY = "WARGAME_VIEW_PLAY"  # the side a person plays (``--play``), unset: none
ENV_DECIDE_EVERY = "WARGAME_VIEW_DECIDE_EVERY"

#: The sides a person can play (``wargame serve --play``), by the names accepted.
PLAYABLE: dict[str, str] = {"south_korea": "south_korea", "rok": "south_korea"}
#: With ``--play``, decision weeks fall every this many weeks from week 0 unless
#: ``--decide-every`` says otherwise (four weeks: the cadence at which the model's
#: Pyongyang decides, ``north_korea.decision_interval_weeks``'s default).
DEFAULT_DECIDE_EVERY = 4
