"""North Korea: the 11th Army ("Storm Corps") deployment and Kim's prestige.

Kim's prestige rides on how his soldiers fare (the article). The Kursk contingent enters
the line in two steps, as the record shows: a vanguard at ``arrival_week`` (first contact
in week 1), the main body at ``assault_week`` (sustained large-scale assaults from week 6).
After heavy losses its units are pulled back to rest and refit, and return after
``rest_weeks`` (the record: pulled off the line from mid-January 2025). Every
``decision_interval_weeks`` after arrival Pyongyang reinforces, holds or draws down, from
prestige, Russia's demand (its desperation) and China's pressure for restraint. The
disguise (troops presented as Buryats and Yakuts, the article) makes the deployment visible
to outsiders only gradually.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core import rng
from sim.core.arith import clamp
from sim.core.units import (
    GROUP_NK_MAIN,
    GROUP_NK_VANGUARD,
    GROUP_NK_WAVE0,
    INEFFECTIVE_SHARE,
    Side,
    deploy,
    enter_line,
    withdraw,
)

if TYPE_CHECKING:
    from sim.core.paramtable import Params
    from sim.core.state import BatchState


@dataclass
class NorthKoreaState:
    """Per-run arrays."""

    prestige: np.ndarray
    prestige_min: np.ndarray
    sent: np.ndarray  # soldiers sent to Russia
    kursk_sent: np.ndarray  # of those, sent to the Kursk front (first contingent and waves)
    withdrawn: np.ndarray  # soldiers brought home
    waves: np.ndarray  # reinforcement waves sent (decided, and ordered by injects)
    injected_waves: np.ndarray  # of those, ordered by injects
    drawdowns: np.ndarray
    deployed: np.ndarray  # bool: the vanguard has entered combat
    assaulting: np.ndarray  # bool: the main body has been committed to the assault
    loss_mark: np.ndarray  # North Korean casualties when the units last entered the line
    rest_until: np.ndarray  # week the resting units return (NaN: none resting)
    pullbacks: np.ndarray  # times the units were pulled back to rest

    def troops_in_russia(self, s: BatchState) -> np.ndarray:
        """Soldiers sent, less casualties and those brought home (casualties, waves and
        draw-downs all change the units, so the value is kept per change of the units)."""
        return s.memo("troops_in_russia", lambda: np.maximum(
            0.0, self.sent - s.casualties[:, Side.NORTH_KOREA] - self.withdrawn))

    def troops_in_kursk(self, s: BatchState) -> np.ndarray:
        """Soldiers sent to the Kursk front (in the line, waiting or resting), less
        casualties and those brought home."""
        return np.maximum(0.0, self.kursk_sent - s.casualties[:, Side.NORTH_KOREA]
                          - self.withdrawn)

    @staticmethod
    def in_combat(s: BatchState) -> np.ndarray:
        """North Korean soldiers in the line."""
        return s.personnel()[:, Side.NORTH_KOREA]

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
        return (nk & s.contact.ravel()[s.flat_column]).any(axis=1).astype(float)


def vanguard_personnel(p: Params) -> np.ndarray:
    """Soldiers of the Kursk contingent in its vanguard."""
    return np.rint(p.north_korea.vanguard_share * p.north_korea.troops_to_kursk)


def init(s: BatchState) -> NorthKoreaState:
    p = s.p.north_korea
    z = np.zeros(s.runs)
    no = np.zeros(s.runs, dtype=bool)
    return NorthKoreaState(
        prestige=p.initial_prestige.astype(float).copy(),
        prestige_min=p.initial_prestige.astype(float).copy(),
        sent=p.troops_in_russia.astype(float), kursk_sent=p.troops_to_kursk.astype(float),
        withdrawn=z.copy(), waves=np.zeros(s.runs, dtype=np.int64),
        injected_waves=np.zeros(s.runs, dtype=np.int64),
        drawdowns=np.zeros(s.runs, dtype=np.int64), deployed=no.copy(), assaulting=no.copy(),
        loss_mark=z.copy(), rest_until=np.full(s.runs, np.nan),
        pullbacks=np.zeros(s.runs, dtype=np.int64),
    )


def visibility(s: BatchState) -> np.ndarray:
    """How far outside observers can see the deployment (0-1): the disguise keeps it
    partly deniable for ``disguise_weeks``."""
    w = s.p.north_korea.disguise_weeks
    return s.memo("visibility", lambda: np.where(
        w == 0, 1.0, np.minimum(1.0, (s.week + 1) / np.maximum(w, 1))), per_week=True)


def enter(s: BatchState) -> None:
    """Units due in the line at the start of this week: the vanguard at ``arrival_week``,
    the main body at ``assault_week``, and units whose rest is over."""
    p, nk, u = s.p.north_korea, s.nk, s.units
    size, depth = s.p.front.unit_size, s.depth
    entered = False
    due = ~nk.deployed & (s.week >= p.arrival_week)
    if due.any():
        entered = True
        nk.deployed |= due
        deploy(u, due, np.full(s.runs, GROUP_NK_VANGUARD), vanguard_personnel(s.p), size,
               p.troop_quality, p.initial_experience, depth)
    due = nk.deployed & ~nk.assaulting & (s.week >= p.assault_week)
    if due.any():
        entered = True
        nk.assaulting |= due
        deploy(u, due, np.full(s.runs, GROUP_NK_MAIN),
               p.troops_to_kursk - vanguard_personnel(s.p), size, p.troop_quality,
               p.initial_experience, depth)
    back = s.week >= nk.rest_until  # NaN compares False
    if back.any():
        entered = True
        returning = u.resting & back[:, None]
        u.resting &= ~returning
        fit = returning & (u.strength >= INEFFECTIVE_SHARE * size[:, None])
        enter_line(u, fit, depth)
        nk.rest_until[back] = np.nan
        nk.loss_mark = np.where(back, s.casualties[:, Side.NORTH_KOREA], nk.loss_mark)
    if entered:
        s.refresh_columns()


def step(s: BatchState) -> None:
    """Prestige; the pull-back after heavy losses; then (at decision weeks) draw down, or
    reinforce."""
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
    _pull_back(s, in_combat)

    since = s.week - p.arrival_week
    decide = on & (since > 0) & (since % p.decision_interval_weeks == 0)
    if not decide.any():
        return
    in_combat = nk.in_combat(s)
    down = decide & (nk.prestige < p.drawdown_prestige) & (in_combat > 0)
    if down.any():
        draws = rng.uniforms(s.keys, rng.Site.WITHDRAW, s.week, s.units.uid)
        nk.withdrawn += withdraw(s.units, down, Side.NORTH_KOREA, p.drawdown_share, draws)
        nk.drawdowns += down
        s.units.touch()
    restraint = s.china.restraint * s.p.china.restraint_effect
    decided = nk.waves - nk.injected_waves
    may = (decide & ~down & (nk.prestige >= p.reinforce_prestige) & (decided < p.max_waves)
           & (p.wave_size > 0) & (s.area > 0))
    if may.any():
        u = rng.uniform_per_run(s.keys, rng.Site.REINFORCE, s.week)
        send = may & (u < s.ru.desperation * (1.0 - restraint))
        if send.any():
            deploy(s.units, send, GROUP_NK_WAVE0 + decided, p.wave_size.astype(float),
                   s.p.front.unit_size, p.troop_quality, p.initial_experience, s.depth)
            s.refresh_columns()
            nk.sent += np.where(send, p.wave_size, 0)
            nk.kursk_sent += np.where(send, p.wave_size, 0)
            nk.waves += send
            s.units.touch()


def _pull_back(s: BatchState, in_combat: np.ndarray) -> None:
    """Once the contingent in the assault has lost ``pullback_loss_share`` of the Kursk
    contingent since it last entered the line, its units come off the line to rest (the
    contingent rests as a whole: not again while some of it is resting; a wave that arrives
    meanwhile fights on)."""
    p, nk = s.p.north_korea, s.nk
    lost = s.casualties[:, Side.NORTH_KOREA] - nk.loss_mark
    pull = (nk.assaulting & (in_combat > 0) & (p.pullback_loss_share > 0)
            & np.isnan(nk.rest_until) & (lost >= p.pullback_loss_share * nk.kursk_sent))
    if pull.any():
        pull_back(s, pull)


def pull_back(s: BatchState, which: np.ndarray) -> None:
    """The North Korean units in the line in the runs ``which`` leave it to rest for
    ``rest_weeks``."""
    nk, u = s.nk, s.units
    leaving = u.active & (u.side == Side.NORTH_KOREA) & which[:, None]
    u.active &= ~leaving
    u.resting |= leaving
    u.touch()
    nk.rest_until = np.where(which, s.week + s.p.north_korea.rest_weeks, nk.rest_until)
    nk.pullbacks += which
