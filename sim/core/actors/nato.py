"""NATO/US: condemns once North Korean troops are seen (Rutte, in the article), and
raises support to Ukraine once enough are seen fighting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors.north_korea import visibility
from sim.core.declarations import Actor, Event, Outcome, Series
from sim.core.params import Section, param

if TYPE_CHECKING:
    from sim.core.state import BatchState

NATO_RUNGS: tuple[str, ...] = ("none", "condemnation", "increased_support")
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


@dataclass(eq=False)  # arrays: compared by identity, never by value
class NatoState:
    """Per-run arrays."""

    rung: np.ndarray  # 0-2


def init(s: BatchState) -> NatoState:
    return NatoState(np.zeros(s.runs, dtype=np.int64))


def step(s: BatchState) -> None:
    seen = visibility(s)
    trigger = s.p.nato.support_trigger_troops
    rung = s.nato.rung
    rung = np.where(s.nk.troops_in_russia(s) * seen > 0, np.maximum(rung, 1), rung)
    raise_ = np.where(trigger > 0, s.nk.in_combat(s) * seen >= trigger, rung >= 1)
    s.nato.rung = np.where(raise_, 2, rung)


ACTOR = Actor(
    key="nato", name="NATO/US", section="nato", params=NatoSection, state=NatoState,
    init=init, step=step,
    outcomes=(Outcome("nato_max_rung", "count", "rung 0-2", "the West's highest rung",
                      lambda s: s.nato.rung),),
    series=(Series("nato_rung", "rung 0-2", "the West's rung", lambda s: s.nato.rung),),
    events=(Event.rises(lambda s: s.nato.rung,
                        lambda rung: "NATO/US raise support to Ukraine" if rung == 2
                        else "NATO/US condemn the deployment"),),
)
"""The West in the registry (:mod:`sim.core.actors`)."""
