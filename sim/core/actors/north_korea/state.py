"""North Korea's state: per-run arrays, and the quantities read off them every week.

The force is counted in soldiers sent, lost and brought home; on the Kursk map it is also
a set of unit agents (:mod:`sim.core.units`). Once Pyongyang has chosen what its forces do
after Kursk (:mod:`sim.core.actors.north_korea.after_kursk`) they leave the map, and the
force is the count alone: ``role`` says where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.arith import row_sum, whole_sum
from sim.core.units import Side

if TYPE_CHECKING:
    from sim.core.paramtable import Params
    from sim.core.state import BatchState

ROLES: tuple[str, ...] = ("none", "home", "support", "ukraine")
"""What North Korea's forces do after Kursk, index = ``role``: ``none`` (no choice yet, or
Kursk not retaken), ``home`` (brought home), ``support`` (support roles in Russia: garrison,
border duty, fire support, engineering), ``ukraine`` (committed inside Ukraine proper)."""
ROLE_HOME, ROLE_SUPPORT, ROLE_UKRAINE = 1, 2, 3

COUNTS = ("troops_in_russia", "troops_in_ukraine", "nk_mean_experience")
"""The values kept per change of the units that North Korea's counts also feed: forgotten
(:meth:`sim.core.state.BatchState.forget`) when soldiers are sent, lost or brought home
away from the map, or the force's experience there grows."""


@dataclass(eq=False)  # arrays: compared by identity, never by value
class NorthKoreaState:
    """Per-run arrays."""

    prestige: np.ndarray
    prestige_min: np.ndarray
    sent: np.ndarray  # soldiers sent to Russia (the first deployment and every wave)
    kursk_sent: np.ndarray  # of those, sent to the Kursk front (first contingent and waves)
    reinforced: np.ndarray  # of those, sent in reinforcement waves
    withdrawn: np.ndarray  # soldiers brought home
    waves: np.ndarray  # reinforcement waves sent (decided, and ordered by injects)
    injected_waves: np.ndarray  # of those, ordered by injects
    drawdowns: np.ndarray
    deployed: np.ndarray  # bool: the vanguard has entered combat
    assaulting: np.ndarray  # bool: the main body has been committed to the assault
    loss_mark: np.ndarray  # North Korean casualties when the units last entered the line
    wave_mark: np.ndarray  # North Korean casualties when the last wave was sent
    rest_until: np.ndarray  # first week the resting units fight again (NaN: none resting)
    pullbacks: np.ndarray  # times the units were pulled back to rest
    returns: np.ndarray  # times resting units returned to the line
    admission_week: np.ndarray  # week Pyongyang admitted the deployment (NaN: not yet)
    role: np.ndarray  # index into ROLES
    role_week: np.ndarray  # week the after-Kursk role began (NaN: not yet)
    forced_role: np.ndarray  # role ordered by an inject (0: none)
    role_experience: np.ndarray  # combat experience of the force once it has left the map
    home_rate: np.ndarray  # soldiers brought home a week while going home

    def troops_in_russia(self, s: BatchState) -> np.ndarray:
        """Soldiers sent (to Russia, and from there inside Ukraine proper), less casualties
        and those brought home (casualties, waves and draw-downs all touch the units, so the
        value is kept per change of the units)."""
        return s.memo("troops_in_russia", lambda: np.maximum(
            0.0, self.sent - s.casualties[:, Side.NORTH_KOREA] - self.withdrawn))

    def troops_in_kursk(self, s: BatchState) -> np.ndarray:
        """Soldiers sent to the Kursk front (in the line, waiting or resting), less
        casualties and those brought home; none once the force has a new role."""
        return np.where(self.role > 0, 0.0, np.maximum(
            0.0, self.kursk_sent - s.casualties[:, Side.NORTH_KOREA] - self.withdrawn))

    def troops_in_ukraine(self, s: BatchState) -> np.ndarray:
        """Soldiers committed inside Ukraine proper (a role begins by touching the units,
        so the value is kept per change of the units too)."""
        return s.memo("troops_in_ukraine", lambda: np.where(
            self.role == ROLE_UKRAINE, self.troops_in_russia(s), 0.0))

    def in_combat(self, s: BatchState) -> np.ndarray:
        """North Korean soldiers fighting: in the Kursk line, or inside Ukraine proper."""
        return s.personnel()[:, Side.NORTH_KOREA] + self.troops_in_ukraine(s)

    @staticmethod
    def resting(s: BatchState) -> np.ndarray:
        """North Korean soldiers pulled off the line, resting."""
        u = s.units
        return np.where(u.resting, u.strength, 0.0).sum(axis=1)

    @staticmethod
    def in_contact(s: BatchState) -> np.ndarray:
        """1 where North Korean units fought Ukrainian forces this week, else 0."""
        u = s.units
        nk = u.active & (u.side == Side.NORTH_KOREA)
        on_map = (nk & s.contact.ravel()[s.flat_column]).any(axis=1)
        return (on_map | (s.nk.role == ROLE_UKRAINE)).astype(float)

    def admitted(self, s: BatchState) -> np.ndarray:
        """1 once Pyongyang has admitted the deployment, else 0."""
        return (~np.isnan(self.admission_week)).astype(float)


def vanguard_personnel(p: Params) -> np.ndarray:
    """Soldiers of the Kursk contingent in its vanguard."""
    return np.rint(p.north_korea.vanguard_share * p.north_korea.troops_to_kursk)


def init(s: BatchState) -> NorthKoreaState:
    p = s.p.north_korea
    z = np.zeros(s.runs)
    no = np.zeros(s.runs, dtype=bool)
    none = np.full(s.runs, np.nan)
    count = np.zeros(s.runs, dtype=np.int64)
    return NorthKoreaState(
        prestige=p.initial_prestige.astype(float).copy(),
        prestige_min=p.initial_prestige.astype(float).copy(),
        sent=p.troops_in_russia.astype(float), kursk_sent=p.troops_to_kursk.astype(float),
        reinforced=z.copy(), withdrawn=z.copy(), waves=count.copy(),
        injected_waves=count.copy(), drawdowns=count.copy(), deployed=no.copy(),
        assaulting=no.copy(), loss_mark=z.copy(), wave_mark=z.copy(),
        rest_until=none.copy(), pullbacks=count.copy(), returns=count.copy(),
        admission_week=none.copy(), role=count.copy(), role_week=none.copy(),
        forced_role=count.copy(), role_experience=z.copy(), home_rate=z.copy(),
    )


def nk_mean_experience(s: BatchState) -> np.ndarray:
    """Strength-weighted mean experience of North Korean units in the line (0 if none);
    once the force has a new role after Kursk, the experience it carries there."""

    def compute() -> np.ndarray:
        u = s.units
        w = np.where(u.active & (u.side == Side.NORTH_KOREA), u.strength, 0.0)
        total = whole_sum(w)
        on_map = np.divide(row_sum(w * u.experience), total, out=np.zeros(s.runs),
                           where=total > 0)
        return np.where(s.nk.role > 0, s.nk.role_experience, on_map)

    return s.memo("nk_mean_experience", compute)


def visibility(s: BatchState) -> np.ndarray:
    """How far outside observers can see the deployment (0-1) in the week being played:
    the disguise keeps it partly deniable for ``disguise_weeks`` (a quarter seen in week 0
    at the default of 4)."""
    w = s.p.north_korea.disguise_weeks
    return s.memo("visibility", lambda: np.where(
        w == 0, 1.0, np.minimum(1.0, (s.week + 1) / np.maximum(w, 1))), per_week=True)
