"""The actors, one module each, registered in the order they move in a week.

An actor's module holds everything about it (:class:`~sim.core.declarations.Actor`): its
scenario section with the sources of its numbers, its state, ``init`` and ``step``, and
the outcomes, weekly series and events it reports. :data:`ACTORS` is the stepping order:
:func:`sim.core.engine.step_week` runs their ``step`` in this order every week, and
:func:`sim.core.state.new_state` their ``init``. China moves before South Korea so that
Seoul's rule sees this week's restraint.

Adding an actor is one file in this package plus one line in :data:`ACTORS`; the scenario
schema, sweeps, the outcome columns, the series, the event log and the Mesa model's agents
pick it up from here (:mod:`sim.core.parts`). Code outside the package (a test, a notebook)
may :func:`register` one instead, before the schema is first built.
"""

from __future__ import annotations

from sim.core.actors import china, nato, north_korea, russia, south_korea, ukraine
from sim.core.declarations import Actor

ACTORS: list[Actor] = [
    russia.ACTOR,
    north_korea.ACTOR,
    ukraine.ACTOR,
    china.ACTOR,
    south_korea.ACTOR,
    nato.ACTOR,
]
"""Every actor, in stepping order."""

_frozen = False


def register(actor: Actor) -> None:
    """Add an actor after the registered ones (it moves last in the week).

    Only before the registry is first read (:func:`frozen_actors`): the scenario schema,
    the outcome columns and the series are built once from it, and an actor added later
    would be stepped but missing from them."""
    if _frozen:
        raise RuntimeError(f"register({actor.key!r}): the actors were already read (the "
                           "scenario schema is built); register before importing "
                           "sim.core.scenario")
    taken = {a.key for a in ACTORS} | {a.section for a in ACTORS}
    if actor.key in taken or actor.section in taken:
        raise ValueError(f"register: key {actor.key!r} or section {actor.section!r} is taken")
    ACTORS.append(actor)


def frozen_actors() -> tuple[Actor, ...]:
    """The registered actors, in stepping order; from now on the registry is closed."""
    global _frozen
    _frozen = True
    return tuple(ACTORS)
