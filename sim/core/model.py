"""The Mesa model: a batch of one.

:class:`EscalationModel` holds a :class:`~sim.core.state.BatchState` of one run and steps
it with the same :func:`~sim.core.engine.step_week` that sweeps use for thousands of runs,
so there is one copy of the rules. Its agents are Mesa agents that view their row of that
state: a :class:`Unit` (a ``CellAgent`` on the Kursk map) per deployed battalion, and one
agent per actor (Russia, North Korea, Ukraine, China, South Korea, NATO/US: the registry,
:mod:`sim.core.actors`), made from the actor's state. The model never writes files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim.core import engine, events
from sim.core.actors import ACTORS
from sim.core.declarations import Actor
from sim.core.outcomes import outcome_columns, outcomes_of
from sim.core.paramtable import Params
from sim.core.rng import SEED_LIMIT
from sim.core.scenario import Scenario
from sim.core.series import SERIES, SERIES_NAMES
from sim.core.state import BatchState
from sim.core.units import Side


class Unit(CellAgent):
    """A battalion-sized unit: a view of its slot in the model's unit arrays."""

    def __init__(self, model: EscalationModel, slot: int, cell: Any) -> None:
        super().__init__(model)
        self.slot = slot
        self.cell = cell

    def _get(self, name: str) -> Any:
        return getattr(self.model.state.units, name)[0, self.slot]  # type: ignore[attr-defined]

    @property
    def side(self) -> Side:
        return Side(int(self._get("side")))

    @property
    def strength(self) -> float:
        return float(self._get("strength"))

    @property
    def experience(self) -> float:
        return float(self._get("experience"))

    @property
    def morale(self) -> float:
        return float(self._get("morale"))

    @property
    def active(self) -> bool:
        return bool(self._get("active"))

    @property
    def column(self) -> int:
        return int(self._get("column"))


class StateActor(mesa.Agent):
    """An actor of the model as a Mesa agent: a read-only view of its run's row of the batch
    state. Each actor's agent class is made from its state (:func:`agent_class`): one
    attribute per field (``model.rok.rung``) and one per public method that reads the batch
    state (``model.nk.troops_in_russia``)."""

    model: EscalationModel


def _field_view(key: str, name: str, doc: str) -> property:
    """The run's value of ``state.<key>.<name>``."""

    def get(self: StateActor) -> Any:
        value = getattr(getattr(self.model.state, key), name)[0]
        return value.item() if isinstance(value, np.generic) else value

    return property(get, doc=doc)


def _method_view(key: str, name: str, doc: str | None) -> property:
    """The run's value of ``state.<key>.<name>(state)``."""

    def get(self: StateActor) -> Any:
        state = self.model.state
        return getattr(getattr(state, key), name)(state)[0].item()

    return property(get, doc=doc)


_AGENT_CLASSES: dict[str, type[StateActor]] = {}


def agent_class(actor: Actor) -> type[StateActor]:
    """The Mesa agent class of an actor (``SouthKoreaAgent``), made once from its state."""
    cls = _AGENT_CLASSES.get(actor.key)
    if cls is None:
        views: dict[str, Any] = {
            f.name: _field_view(actor.key, f.name, f"{actor.name}: state.{actor.key}.{f.name}")
            for f in dataclasses.fields(actor.state)}
        for name, member in vars(actor.state).items():
            func = getattr(member, "__func__", member)
            if callable(func) and not name.startswith("_"):
                views[name] = _method_view(actor.key, name, func.__doc__)
        name = actor.state.__name__.removesuffix("State") + "Agent"
        cls = _AGENT_CLASSES[actor.key] = type(name, (StateActor,), {
            "__doc__": f"{actor.name} (:mod:`{actor.step.__module__}`).",
            "__module__": __name__, **views})
    return cls


def _reporters() -> dict[str, Any]:
    """Mesa model reporters, one per series: the values the engine logged for the current
    week (read once a week into ``model._row`` as plain floats)."""
    return {x.name: (lambda m, i=i: m._row[i]) for i, x in enumerate(SERIES)}


@dataclass(frozen=True)
class Snapshot:
    """A run stopped at a week (see :meth:`EscalationModel.snapshot`)."""

    config: Scenario
    seed: int
    horizon: int
    state: BatchState
    series: dict[str, list[float]]
    events: list[tuple[int, str]]
    running: bool

    @property
    def week(self) -> int:
        return self.state.week


class EscalationModel(mesa.Model):
    """The Kursk deployment and the escalation around it.

    ``EscalationModel(scenario, rng=seed)``; ``step()`` advances one week; ``run()`` to the
    horizon; ``outcomes()`` gives the run's flat outcomes and ``series()`` the weekly
    time series. The run's random numbers come from its seed alone (an int in [0, 2**63);
    a Generator or None draws one from ``self.rng``), so the same run in a sweep of
    thousands gives the same numbers.
    """

    def __init__(
        self, scenario: Scenario | None = None, *, rng: Any = None, weeks: int | None = None
    ) -> None:
        super().__init__(rng=rng)
        cfg = scenario if scenario is not None else Scenario()
        seed = (int(rng) if isinstance(rng, int | np.integer)
                else int(self.rng.integers(SEED_LIMIT)))
        horizon = weeks if weeks is not None else cfg.weeks
        self._setup(cfg, seed, horizon,
                    engine.start(Params.from_scenarios([cfg]), [seed], horizon))
        self.events: list[tuple[int, str]] = []
        self._seen = events.known_at_start(self.state, 0)  # what the event log last saw
        self._after_week(played=0)
        # One row per week played (the state at the end of that week): none yet.
        self.datacollector = mesa.DataCollector(model_reporters=_reporters())
        self._row: list[float] = []

    def _setup(self, cfg: Scenario, seed: int, horizon: int, state: BatchState) -> None:
        """The model around a batch state of one run: the map and the agents."""
        self.config, self.seed, self.horizon, self.state = cfg, seed, horizon, state
        f = cfg.front
        self.rows = f.rows
        self.grid = OrthogonalMooreGrid((f.columns, f.rows), torus=False, random=self.random)
        self.start_date = dt.date.fromisoformat(str(cfg.start_date))
        self.initial_area_km2 = float(state.initial_area[0])
        for actor in ACTORS:  # model.rok, model.nk, ...: views of the actors' states
            setattr(self, actor.key, agent_class(actor)(self))
        self._units: dict[int, Unit] = {}
        self._placed = np.zeros(0, dtype=np.int64)  # cell index each slot's agent is on
        self._layout_seen = -1  # the state's layout_version the agents were placed for

    @property
    def week(self) -> int:
        """The week to be played next: the model stands at its start, after ``week`` weeks
        (0 to ``week - 1``) have been played (the week convention of
        :mod:`sim.core.engine`)."""
        return self.state.week

    # ----------------------------------------------------------------- stepping
    def step(self) -> None:
        """Play one week: its injects, fighting and decisions, dated that week in the event
        log, and its row of the series (the state at the end of the week)."""
        if self.week > self.horizon:
            self.running = False
            return
        played = self.week
        engine.step_week(self.state)
        self._row = self.state.series_log[0, played].tolist()
        self.events += [(played, inj.describe())
                        for _, inj, _ in self.state.inject_plan.get(played, ())]
        self._after_week(played)
        self.datacollector.collect(self)
        if self.week > self.horizon:
            self.running = False

    def run(self) -> EscalationModel:
        """Play to the end of the horizon week; returns the model for chaining."""
        while self.running and self.week <= self.horizon:
            self.step()
        self.running = False
        return self

    def _after_week(self, played: int, log_events: bool = True) -> None:
        """Unit agents for newly deployed slots, new cells for units whose line moved (a few
        a week), and the events of the week ``played``."""
        if self.state.layout_version != self._layout_seen:
            self._place_units()
        now = events.watched(self.state, 0)
        if now != self._seen:
            if log_events:
                self.events += [(played, text) for text in events.new_events(self._seen, now)]
            self._seen = now

    def _place_units(self) -> None:
        """Move the Unit agents of units in the line (or resting) whose line moved, a few a
        week; a unit out of the line for good stays where it last stood."""
        u = self.state.units
        depth = self.state.depth[0]
        cols = u.column[0]
        rows = np.where(u.side[0] == Side.UKRAINE, np.maximum(depth[cols] - 1, 0),
                        np.minimum(depth[cols], self.rows - 1))
        if len(self._placed) != len(cols):
            self._placed = np.full(len(cols), -1)
        moving = u.active[0] | u.resting[0] | (u.deployed[0] & (self._placed < 0))
        target = np.where(moving, cols * self.rows + rows, self._placed)
        for slot in np.flatnonzero(target != self._placed):
            cell = self.grid[(int(cols[slot]), int(rows[slot]))]
            agent = self._units.get(int(slot))
            if agent is None:
                self._units[int(slot)] = Unit(self, int(slot), cell)
            else:
                agent.cell = cell
        self._placed = target
        self._layout_seen = self.state.layout_version

    # ----------------------------------------------------------------- snapshots
    def snapshot(self) -> Snapshot:
        """Everything this run is now: the state arrays (which include where the run is in
        its random numbers: they are a function of its key and the week), the weekly series
        so far and the event log. ``EscalationModel.restore(snapshot)`` continues it
        exactly as if it had never stopped."""
        data = {k: list(v) for k, v in self.datacollector.model_vars.items()}
        return Snapshot(self.config, self.seed, self.horizon, self.state.copy(), data,
                        list(self.events), self.running)

    @classmethod
    def restore(cls, snapshot: Snapshot) -> EscalationModel:
        """A model that continues from ``snapshot`` (the snapshot itself is not changed, so
        one snapshot can seed many branches)."""
        model = cls.__new__(cls)
        mesa.Model.__init__(model, rng=snapshot.seed)
        model._setup(snapshot.config, snapshot.seed, snapshot.horizon,
                     snapshot.state.copy())
        model.events = list(snapshot.events)
        model._seen = events.watched(model.state, 0)
        model._after_week(model.week, log_events=False)
        model.datacollector = mesa.DataCollector(model_reporters=_reporters())
        model._row = (model.state.series_log[0, model.week - 1].tolist() if model.week
                      else [])
        for name, values in snapshot.series.items():
            model.datacollector.model_vars[name] = list(values)
        model.running = snapshot.running
        return model

    # ----------------------------------------------------------------- reporters
    @property
    def area_km2(self) -> float:
        """Ukrainian-held area of Kursk."""
        return float(self.state.area[0])

    @property
    def depth(self) -> np.ndarray:
        """Sectors held by Ukraine in each column."""
        return self.state.depth[0]

    @property
    def escalation_index(self) -> float:
        return float(self.state.escalation[0])

    def series(self) -> dict[str, np.ndarray]:
        """The weekly time series as columns of equal length, one row per week played
        (weeks 0 to ``week - 1``; none before the first step)."""
        data = self.datacollector.model_vars
        return {name: np.asarray(data[name], dtype=float) for name in SERIES_NAMES}

    def outcomes(self) -> dict[str, Any]:
        """The run's flat outcomes so far (see :mod:`sim.core.outcomes`)."""
        return outcomes_of(outcome_columns(self.state), 0)
