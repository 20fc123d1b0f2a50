"""What a part of the model declares so that the rest of the house wires it in by itself.

(Plain dataclasses without ``eq``: declarations are compared by identity, and every
command's start-up builds them, so they cost as little to define as possible.)

A *part* is an actor (:mod:`sim.core.actors`) or one of the rules around them (the map,
:mod:`sim.core.front`; the fighting, :mod:`sim.core.combat`; the escalation index,
:mod:`sim.core.escalation`). Each declares, next to its rule: its scenario section (its
parameters), the outcomes and weekly series it adds, and the events the log tells about
it. An actor also declares its state, ``init`` and ``step``. The scenario schema, the
parameter table, the outcome columns, the series, the event log and the Mesa model's
agents are all built from these declarations (:mod:`sim.core.parts`), so an actor is one
file plus one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from sim.core.params import Section
    from sim.core.state import BatchState

Kind = Literal["flag", "count", "level", "week", "category"]
"""Kinds of outcome: ``flag`` (0/1), ``count`` (whole numbers), ``level`` (a real
quantity), ``week`` (the week an event first happened; NaN if it never did, so every column
of a sweep table is numeric and a missing week is explicit) and ``category`` (text)."""


@dataclass(eq=False)
class Outcome:
    """One column of a run's outcomes: read off the batch state at the horizon."""

    name: str
    kind: Kind
    unit: str
    doc: str
    value: Callable[[BatchState], np.ndarray]

    @property
    def numeric(self) -> bool:
        return self.kind != "category"


@dataclass(eq=False)
class Series:
    """One weekly series: read off the batch state every week."""

    name: str
    unit: str
    doc: str
    value: Callable[[BatchState], np.ndarray]


@dataclass(eq=False)
class Event:
    """What the event log tells when a value it watches changes.

    ``watch`` reads one value per run off the state; ``tell(before, now)`` gives the lines
    to log for one run when that value moved from ``before`` to ``now`` (plain Python
    values). ``known_at_start`` is what the log takes as already known before the run
    (default: zero, nothing has happened).
    """

    watch: Callable[[BatchState], np.ndarray]
    tell: Callable[[Any, Any], Iterable[str]]
    known_at_start: Callable[[BatchState], np.ndarray] | None = None

    @classmethod
    def rises(cls, watch: Callable[[BatchState], np.ndarray],
              text: str | Callable[[Any], str]) -> Event:
        """Told once each time the value rises (a flag turns on, a count grows); ``text``
        may depend on the new value."""
        return cls(watch, lambda before, now: [text(now) if callable(text) else text]
                   if now > before else [])

    @classmethod
    def falls(cls, watch: Callable[[BatchState], np.ndarray], text: str) -> Event:
        """Told once each time the value falls (a flag turns off)."""
        return cls(watch, lambda before, now: [text] if now < before else [])


@dataclass(eq=False, kw_only=True)
class Part:
    """A rule of the model that is not an actor: its section and what it reports."""

    section: str  # the scenario section: ``[front]``, ``[combat]``, ...
    params: type[Section]
    outcomes: tuple[Outcome, ...] = ()
    series: tuple[Series, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass(eq=False, kw_only=True)
class Actor(Part):
    """An actor: a part with a state of its own and a weekly rule.

    ``key`` names its state on the batch state (``s.rok``) and the agent of the Mesa model
    (``model.rok``), and prefixes its outcomes and series; ``init`` builds its state at
    week 0 and ``step`` runs once a week, in the registry's order.
    """

    key: str
    name: str  # for people: "South Korea"
    state: type
    init: Callable[[BatchState], Any]
    step: Callable[[BatchState], None]
