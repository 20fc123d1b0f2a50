"""The event log: what changed in a week, in words ("South Korea approves non-lethal aid to
Ukraine"). Read off the state by comparing it with what was seen the week before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.south_korea import ROK_RUNG_EVENTS

if TYPE_CHECKING:
    from sim.core.state import BatchState


@dataclass(frozen=True)
class Seen:
    """What the log has reported so far, per run."""

    nk_deployed: np.ndarray
    rok_rung: np.ndarray
    nato_rung: np.ndarray
    retaken: np.ndarray
    waves: np.ndarray
    drawdowns: np.ndarray
    pullbacks: np.ndarray
    assaulting: np.ndarray
    resting: np.ndarray

    @classmethod
    def at_start(cls, s: BatchState) -> Seen:
        """Before the run starts: only the rung Seoul already stood on is known."""
        zeros = np.zeros(s.runs, dtype=np.int64)
        no = np.zeros(s.runs, dtype=bool)
        return cls(no, s.p.south_korea.initial_rung.astype(np.int64), zeros, no, zeros, zeros,
                   zeros, no, no)


def seen(s: BatchState) -> Seen:
    return Seen(s.nk.deployed.copy(), s.rok.rung.copy(), s.nato.rung.copy(),
                ~np.isnan(s.retaken_week), s.nk.waves.copy(), s.nk.drawdowns.copy(),
                s.nk.pullbacks.copy(), s.nk.assaulting.copy(), s.units.resting.any(axis=1))


def signature(s: BatchState, run: int) -> tuple:
    """What the log tells, for one run, as plain values: when it has not changed since last
    week there is nothing to tell (a cheap test for the Mesa model, a batch of one)."""
    nk = s.nk
    return (bool(nk.deployed[run]), bool(nk.assaulting[run]), int(s.rok.rung[run]),
            int(s.nato.rung[run]), bool(np.isnan(s.retaken_week[run])), int(nk.waves[run]),
            int(nk.drawdowns[run]), int(nk.pullbacks[run]), bool(s.units.resting[run].any()))


def new_events(s: BatchState, before: Seen, run: int) -> list[str]:
    """What happened to ``run`` since ``before``, in the order it is told."""
    out: list[str] = []
    if s.nk.deployed[run] and not before.nk_deployed[run]:
        out.append("North Korean units enter combat in Kursk")
    if s.nk.assaulting[run] and not before.assaulting[run]:
        out.append("North Korea's main body joins sustained assaults")
    if s.nk.pullbacks[run] > before.pullbacks[run]:
        out.append("North Korean units are pulled back to rest after heavy losses")
    if before.resting[run] and not s.units.resting[run].any():
        out.append("North Korean units return to the line")
    for r in range(int(before.rok_rung[run]) + 1, int(s.rok.rung[run]) + 1):
        out.append(ROK_RUNG_EVENTS[r])
    if s.nato.rung[run] > before.nato_rung[run]:
        out.append("NATO/US raise support to Ukraine" if s.nato.rung[run] == 2
                   else "NATO/US condemn the deployment")
    if s.nk.waves[run] > before.waves[run]:
        out.append(f"North Korea sends reinforcement wave {int(s.nk.waves[run])}")
    if s.nk.drawdowns[run] > before.drawdowns[run]:
        out.append("North Korea draws troops down")
    if not before.retaken[run] and not np.isnan(s.retaken_week[run]):
        out.append("Kursk fully retaken by Russian and North Korean forces")
    return out
