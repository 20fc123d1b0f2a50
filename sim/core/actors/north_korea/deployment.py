"""North Korea's force on the Kursk front: entry, pull-back and return, waves and draw-downs.

The Kursk contingent enters the line in two steps, as the record shows: a vanguard at
``arrival_week`` (first contact in week 1), the main body at ``assault_week`` (sustained
large-scale assaults from weeks 5-7). After heavy losses its units are pulled back to rest
and refit, and return after ``rest_weeks`` (the record: pulled off the line from mid-January
2025, back at the front in the first week of February). Waves and draw-downs are what the
commitment rules decide (:mod:`sim.core.actors.north_korea.commitment`) or an inject orders
(:mod:`sim.core.injects`); these functions carry them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import rng
from sim.core.actors.north_korea.state import COUNTS, vanguard_personnel
from sim.core.units import (
    GROUP_NK_MAIN,
    GROUP_NK_VANGUARD,
    INEFFECTIVE_SHARE,
    Side,
    deploy,
    enter_line,
    withdraw,
)

if TYPE_CHECKING:
    from sim.core.state import BatchState


def enter(s: BatchState) -> None:
    """Units due in the line at the start of this week: the vanguard at ``arrival_week``,
    the main body at ``assault_week``, and units whose rest is over (once Kursk is retaken
    there is no line to return to: they wait for the force's role after Kursk)."""
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
    back = (s.week >= nk.rest_until) & (s.area > 0)  # NaN compares False; no front: wait
    if back.any():
        entered = True
        returning = u.resting & back[:, None]
        u.resting &= ~returning
        fit = returning & (u.strength >= INEFFECTIVE_SHARE * size[:, None])
        enter_line(u, fit, depth)
        nk.rest_until[back] = np.nan
        nk.returns += back
        nk.loss_mark = np.where(back, s.casualties[:, Side.NORTH_KOREA], nk.loss_mark)
    if entered:
        s.refresh_columns()


def pull_back_after_losses(s: BatchState) -> None:
    """Once the contingent in the assault has lost ``pullback_loss_share`` of the Kursk
    contingent since it last entered the line, its units come off the line to rest (the
    contingent rests as a whole: not again while some of it is resting; a wave that arrives
    meanwhile fights on). Pulled back after this week's fight, they miss the next
    ``rest_weeks`` weeks of fighting."""
    p, nk = s.p.north_korea, s.nk
    lost = s.casualties[:, Side.NORTH_KOREA] - nk.loss_mark
    pull = (nk.assaulting & (s.personnel()[:, Side.NORTH_KOREA] > 0) & (nk.role == 0)
            & (p.pullback_loss_share > 0) & np.isnan(nk.rest_until)
            & (lost >= p.pullback_loss_share * nk.kursk_sent))
    if pull.any():
        pull_back(s, pull, first_rest_week=s.week + 1)


def pull_back(s: BatchState, which: np.ndarray, first_rest_week: int) -> None:
    """The North Korean units in the line in the runs ``which`` leave it to rest: they miss
    the ``rest_weeks`` weeks of fighting from ``first_rest_week`` on (this week's, when an
    inject orders it before the fighting; the next, when the rule does after it)."""
    nk, u = s.nk, s.units
    leaving = u.active & (u.side == Side.NORTH_KOREA) & which[:, None]
    u.active &= ~leaving
    u.resting |= leaving
    u.touch()
    nk.rest_until = np.where(which, first_rest_week + s.p.north_korea.rest_weeks,
                             nk.rest_until)
    nk.pullbacks += which


def send_wave(s: BatchState, which: np.ndarray, troops: np.ndarray, group: np.ndarray,
              injected: bool = False) -> None:
    """A reinforcement wave of ``troops`` in the runs ``which``: to the Kursk front (into
    slot group ``group``) while the force fights there, or to its new role after Kursk."""
    nk, p = s.nk, s.p.north_korea
    troops = np.where(which, troops, 0.0)
    to_kursk = which & (nk.role == 0)
    if to_kursk.any():
        deploy(s.units, to_kursk, group, troops, s.p.front.unit_size, p.troop_quality,
               p.initial_experience, s.depth)
        s.refresh_columns()
        nk.kursk_sent += np.where(to_kursk, troops, 0.0)
    nk.sent += troops
    nk.reinforced += troops
    nk.waves += which
    if injected:
        nk.injected_waves += which
    nk.wave_mark = np.where(which, s.casualties[:, Side.NORTH_KOREA], nk.wave_mark)
    s.forget(*COUNTS)


def draw_down(s: BatchState, which: np.ndarray) -> None:
    """Pyongyang brings ``drawdown_share`` of its force home in the runs ``which``: units
    of the Kursk line chosen at random, or that share of the force in its new role."""
    nk, share = s.nk, s.p.north_korea.drawdown_share
    on_map = which & (nk.role == 0)
    if on_map.any():
        draws = rng.uniforms(s.keys, rng.Site.WITHDRAW, s.week, s.units.uid)
        nk.withdrawn += withdraw(s.units, on_map, Side.NORTH_KOREA, share, draws)
    away = which & (nk.role > 0)
    if away.any():
        nk.withdrawn += np.where(away, np.rint(share * nk.troops_in_russia(s)), 0.0)
    nk.drawdowns += which
    s.forget(*COUNTS)
