"""North Korea: the 11th Army ("Storm Corps") deployment and Kim's prestige.

Kim's prestige rides on how his soldiers fare (the article). The first units enter combat
at ``arrival_week``; every ``decision_interval_weeks`` after that Pyongyang reinforces,
holds or draws down, from prestige, Russia's demand (its desperation) and China's pressure
for restraint. The disguise (troops presented as Buryats and Yakuts, the article) makes the
deployment visible to outsiders only gradually.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core import rng
from sim.core.arith import clamp
from sim.core.units import GROUP_NK_FIRST, GROUP_NK_WAVE0, Side, deploy, withdraw

if TYPE_CHECKING:
    from sim.core.state import BatchState


@dataclass
class NorthKoreaState:
    """Per-run arrays."""

    prestige: np.ndarray
    prestige_min: np.ndarray
    sent: np.ndarray  # soldiers sent to Russia
    withdrawn: np.ndarray  # soldiers brought home
    waves: np.ndarray  # reinforcement waves sent
    drawdowns: np.ndarray
    deployed: np.ndarray  # bool: the first units have entered combat

    def troops_in_russia(self, s: BatchState) -> np.ndarray:
        """Soldiers sent, less casualties and those brought home."""
        return np.maximum(0.0, self.sent - s.casualties[:, Side.NORTH_KOREA] - self.withdrawn)

    @staticmethod
    def in_combat(s: BatchState) -> np.ndarray:
        """North Korean soldiers in the line."""
        return s.personnel()[:, Side.NORTH_KOREA]


def init(s: BatchState) -> NorthKoreaState:
    p = s.p.north_korea
    z = np.zeros(s.runs)
    return NorthKoreaState(
        prestige=p.initial_prestige.astype(float).copy(),
        prestige_min=p.initial_prestige.astype(float).copy(),
        sent=p.troops_in_russia.astype(float), withdrawn=z.copy(),
        waves=np.zeros(s.runs, dtype=np.int64), drawdowns=np.zeros(s.runs, dtype=np.int64),
        deployed=np.zeros(s.runs, dtype=bool),
    )


def visibility(s: BatchState) -> np.ndarray:
    """How far outside observers can see the deployment (0-1): the disguise keeps it
    partly deniable for ``disguise_weeks``."""
    w = s.p.north_korea.disguise_weeks
    return np.where(w == 0, 1.0, np.minimum(1.0, (s.week + 1) / np.maximum(w, 1)))


def arrive(s: BatchState) -> None:
    """The first wave enters combat in the runs where it is due and has not yet."""
    p = s.p.north_korea
    due = ~s.nk.deployed & (s.week >= p.arrival_week)
    if not due.any():
        return
    s.nk.deployed |= due
    deploy(s.units, due, np.full(s.runs, GROUP_NK_FIRST), p.troops_to_kursk.astype(float),
           s.p.front.unit_size, p.troop_quality, p.initial_experience, s.depth)
    s.refresh_columns()


def step(s: BatchState) -> None:
    """Prestige, then (at decision weeks) draw down, or reinforce."""
    p, nk = s.p.north_korea, s.nk
    on = nk.deployed
    in_combat = nk.in_combat(s)
    in_contact = (in_combat > 0) & (s.area > 0)
    retaken_share = np.divide(s.week_area_retaken, s.initial_area, out=np.zeros(s.runs),
                              where=s.initial_area > 0)
    before = s.week_start_personnel[:, Side.NORTH_KOREA]
    cas_share = np.divide(s.week_casualties[:, Side.NORTH_KOREA], before,
                          out=np.zeros(s.runs), where=before > 0)
    change = (np.where(in_contact, p.prestige_success_gain * retaken_share, 0.0)
              - p.prestige_casualty_sensitivity * cas_share
              - p.prestige_prisoner_sensitivity * s.week_prisoners
              + p.prestige_tech_gain * s.ru.tech_gain_week)
    nk.prestige = np.where(on, clamp(nk.prestige + change, 0.0, 1.0), nk.prestige)
    nk.prestige_min = np.minimum(nk.prestige_min, nk.prestige)

    since = s.week - p.arrival_week
    decide = on & (since > 0) & (since % p.decision_interval_weeks == 0)
    if not decide.any():
        return
    down = decide & (nk.prestige < p.drawdown_prestige) & (in_combat > 0)
    if down.any():
        draws = rng.uniforms(s.keys, rng.Site.WITHDRAW, s.week, s.units.uid)
        nk.withdrawn += withdraw(s.units, down, Side.NORTH_KOREA, p.drawdown_share, draws)
        nk.drawdowns += down
    restraint = s.china.restraint * s.p.china.restraint_effect
    may = (decide & ~down & (nk.prestige >= p.reinforce_prestige) & (nk.waves < p.max_waves)
           & (p.wave_size > 0) & (s.area > 0))
    if may.any():
        u = rng.uniform_per_run(s.keys, rng.Site.REINFORCE, s.week)
        send = may & (u < s.ru.desperation * (1.0 - restraint))
        if send.any():
            deploy(s.units, send, GROUP_NK_WAVE0 + nk.waves, p.wave_size.astype(float),
                   s.p.front.unit_size, p.troop_quality, p.initial_experience, s.depth)
            s.refresh_columns()
            nk.sent += np.where(send, p.wave_size, 0)
            nk.waves += send
