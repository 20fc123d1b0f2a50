"""NATO/US: condemns once North Korean troops are seen (Rutte, in the article), raises
support to Ukraine once enough are seen fighting (ATACMS into Kursk in week 3: the record),
and answers North Korean troops fighting inside Ukraine proper with a direct response: a new
escalation of the war, which the allies would meet with more support to Ukraine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors.north_korea import visibility
from sim.core.declarations import Actor, Event, Outcome, Series
from sim.core.params import Section, param

if TYPE_CHECKING:
    from sim.core.state import BatchState

NATO_RUNGS: tuple[str, ...] = ("none", "condemnation", "increased_support",
                                "direct_response")
"""The West's rungs, index = rung number."""


class NatoSection(Section):
    """NATO/US: statements and Western support to Ukraine."""

    support_trigger_troops: int = param(
        1_500, ge=0, le=100_000, unit="personnel", kind="calibrated",
        source="record: the US allowed ATACMS strikes into Kursk in week 3 (17 Nov 2024), "
        "citing the North Korean troops, two weeks after first contact",
        doc="North Korean troops seen in combat at which the West raises support (rung 2).",
    )
    support_increase: float = param(
        0.1, ge=0, le=2, unit="x equipment", kind="assumption", source="modeller",
        doc="Equipment gain for Ukraine when the West raises support.",
    )
    ukraine_proper_increase: float = param(
        0.1, ge=0, le=2, unit="x equipment", kind="assumption",
        source="modeller: the allies cited the North Korean troops when they raised support "
        "in November 2024 (the record); a combat deployment inside Ukraine proper would be "
        "a larger step",
        doc="Further equipment gain for Ukraine once North Korean troops are seen fighting "
        "inside Ukraine proper (rung 3).",
    )


@dataclass(eq=False)  # arrays: compared by identity, never by value
class NatoState:
    """Per-run arrays."""

    rung: np.ndarray  # 0-3


def init(s: BatchState) -> NatoState:
    return NatoState(np.zeros(s.runs, dtype=np.int64))


def step(s: BatchState) -> None:
    """Climb to the rung what is seen calls for (the ladder only climbs)."""
    seen = visibility(s)
    trigger = s.p.nato.support_trigger_troops
    rung = s.nato.rung
    rung = np.where(s.nk.troops_in_russia(s) * seen > 0, np.maximum(rung, 1), rung)
    raise_ = np.where(trigger > 0, s.nk.in_combat(s) * seen >= trigger, rung >= 1)
    rung = np.where(raise_, np.maximum(rung, 2), rung)
    s.nato.rung = np.where(s.nk.troops_in_ukraine(s) * seen > 0, 3, rung)


_NATO_EVENTS = ("", "NATO/US condemn the deployment", "NATO/US raise support to Ukraine",
                "NATO/US answer North Korean troops inside Ukraine proper with more support")


ACTOR = Actor(
    key="nato", name="NATO/US", section="nato", params=NatoSection, state=NatoState,
    init=init, step=step,
    outcomes=(Outcome("nato_max_rung", "count", "rung 0-3", "the West's highest rung",
                      lambda s: s.nato.rung),),
    series=(Series("nato_rung", "rung 0-3", "the West's rung", lambda s: s.nato.rung),),
    events=(Event(lambda s: s.nato.rung,
                  lambda before, now: [_NATO_EVENTS[r] for r in range(before + 1, now + 1)]),),
)
"""The West in the registry (:mod:`sim.core.actors`)."""
