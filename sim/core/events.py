"""The event log: what changed in a week, in words ("South Korea approves non-lethal aid to
Ukraine").

Each part declares its events (:class:`~sim.core.declarations.Event`): a value it watches
on the state and what to say when that value changes. The log compares what it watches now
with what it saw the week before; events are told in the order of the parts (actors in
stepping order, then the map). Only the Mesa model keeps a log (a batch of one), so these
functions look at one run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.declarations import Event
from sim.core.parts import PARTS

if TYPE_CHECKING:
    from sim.core.state import BatchState

EVENTS: tuple[Event, ...] = tuple(e for part in PARTS for e in part.events)


def watched(s: BatchState, run: int) -> tuple[Any, ...]:
    """Every watched value of ``run`` now, as plain values: when they have not changed
    since last week there is nothing to tell (a cheap test, once a week)."""
    return tuple(e.watch(s)[run].item() for e in EVENTS)


def known_at_start(s: BatchState, run: int) -> tuple[Any, ...]:
    """What the log takes as known before the run starts (mostly: nothing has happened)."""
    return tuple(0 if e.known_at_start is None else e.known_at_start(s)[run].item()
                 for e in EVENTS)


def new_events(before: tuple[Any, ...], now: tuple[Any, ...]) -> list[str]:
    """What happened between two looks at a run, in the order it is told."""
    return [line for e, b, n in zip(EVENTS, before, now, strict=True) if b != n
            for line in e.tell(b, n)]
