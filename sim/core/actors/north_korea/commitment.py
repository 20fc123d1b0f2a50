"""Pyongyang's rival stories: what moves Kim's prestige, and what makes him reinforce or draw
down. Each is a mechanism a scenario selects by name; the defaults are the article's.

**What moves Kim's prestige** (``prestige_rule``):

* ``performance`` (the article: "a possible failure of his soldiers on Ukrainian soil could
  damage his image"): the share of the force lost in a week and each prisoner lower it;
  ground retaken while the troops fight and technology received raise it.
* ``narrative`` (the record: the deployment was denied until 28 April 2025, rumours of
  deaths were threatened into silence, then the fallen were honoured with a monument): the
  losses are hidden while the deployment is denied and honoured once it is admitted, so they
  never lower it; prisoners still do (public proof abroad); ground retaken, technology and
  Russia's rewards raise it, and the admission raises it once.

**The admission**: once Russia declares Kursk retaken, after ``admission_lag_weeks``,
Pyongyang admits the deployment and honours its fallen: a regime admits a foreign
deployment when it can present it as a victory (the record: Kursk declared retaken on 26
April 2025, the admission on 28 April). The same trigger in every story.

**Commitment** (``commitment``), decided every ``decision_interval_weeks`` after arrival:

* ``prestige`` (the article): draw down ``drawdown_share`` when prestige is below
  ``drawdown_prestige``; at or above ``reinforce_prestige`` send a wave with probability
  Russia's desperation x (1 - China's restraint x its effect).
* ``bargain`` (the record: ~4,000 killed and wounded by February, yet a second wave, back in
  the line, no unit sent home, 15,000 sent by April; the article: Kim wanted "leverage over
  Putin" and technology): Kim's payoff is what Russia pays; losses are absorbed by the
  regime's narrative. He sends a wave with probability min(1, ``bargain_pay_sensitivity``
  x the weekly reward flow relative to the first wave's pay) x Russia's desperation (its
  demand) x (1 - China's restraint x its effect), and draws down only if Russia stops
  paying (reward flow below ``bargain_min_pay``).
* ``sustain`` (the record: the one wave, ~3,000 in January-February, came after
  ~3,000-4,000 casualties, about their size): keep the force at strength whatever prestige
  says: once the losses since the last wave pass ``sustain_loss_share`` of the Kursk
  contingent, send a wave of that size (at most ``wave_size``), with probability (1 - China's
  restraint x its effect); never draw down. Its signature differs from the others: waves
  follow losses, not pay or prestige.

A wave goes to the Kursk front while the force fights there, and to its role after Kursk
(support roles in Russia, or inside Ukraine proper); a force going home sends none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import rng
from sim.core.actors.north_korea.deployment import draw_down, send_wave
from sim.core.actors.north_korea.state import ROLE_HOME
from sim.core.arith import clamp
from sim.core.units import GROUP_NK_WAVE0, Side

if TYPE_CHECKING:
    from sim.core.state import BatchState

WEEKS_PER_YEAR = 52.0


def admit(s: BatchState) -> None:
    """Pyongyang admits the deployment ``admission_lag_weeks`` after Kursk is retaken."""
    nk = s.nk
    if np.isnan(s.retaken_week).all():
        return
    due = (np.isnan(nk.admission_week) & nk.deployed
           & (s.week >= s.retaken_week + s.p.north_korea.admission_lag_weeks))
    nk.admission_week[due] = s.week  # NaN retaken_week compares False


def update_prestige(s: BatchState) -> None:
    """This week's change of Kim's prestige, under the run's ``prestige_rule``."""
    p, nk = s.p.north_korea, s.nk
    narrative = s.memo("nk_narrative", lambda: p.prestige_rule == "narrative", per_week=True)
    in_contact = (s.personnel()[:, Side.NORTH_KOREA] > 0) & (s.area > 0)
    retaken_share = np.divide(s.week_area_retaken, s.initial_area, out=np.zeros(s.runs),
                              where=s.initial_area > 0)
    before = s.week_start_personnel[:, Side.NORTH_KOREA]
    cas_share = np.divide(s.week_casualties[:, Side.NORTH_KOREA], before,
                          out=np.zeros(s.runs), where=before > 0)
    change = (np.where(in_contact, p.prestige_success_gain * retaken_share, 0.0)
              - p.prestige_prisoner_sensitivity * s.week_prisoners
              + p.prestige_tech_gain * s.ru.tech_gain_week)
    if narrative.any():
        told = (p.prestige_reward_gain * s.ru.reward_ratio / WEEKS_PER_YEAR
                + np.where(nk.admission_week == s.week, p.prestige_admission_gain, 0.0))
        change += np.where(narrative, told, -p.prestige_casualty_sensitivity * cas_share)
    else:
        change -= p.prestige_casualty_sensitivity * cas_share
    nk.prestige = np.where(nk.deployed, clamp(nk.prestige + change, 0.0, 1.0), nk.prestige)
    nk.prestige_min = np.minimum(nk.prestige_min, nk.prestige)


def decide(s: BatchState) -> None:
    """At decision weeks: draw down, or send a wave, under the run's ``commitment`` rule."""
    p, nk = s.p.north_korea, s.nk
    since = s.week - p.arrival_week
    due = (nk.deployed & (since > 0) & (since % p.decision_interval_weeks == 0)
           & (nk.role != ROLE_HOME))
    if not due.any():
        return
    bargain, sustain = s.memo("nk_commitment", lambda: (
        p.commitment == "bargain", p.commitment == "sustain"), per_week=True)
    prestige = ~bargain & ~sustain
    has_force = np.where(nk.role > 0, nk.troops_in_russia(s),
                         s.personnel()[:, Side.NORTH_KOREA]) > 0
    down = due & has_force & (
        (prestige & (nk.prestige < p.drawdown_prestige))
        | (bargain & (s.ru.reward_ratio < p.bargain_min_pay)))
    if down.any():
        draw_down(s, down)

    decided = nk.waves - nk.injected_waves
    front = (s.area > 0) | (nk.role > 0)
    may = due & ~down & (decided < p.max_waves) & (p.wave_size > 0) & front
    if not may.any():
        return
    keep = 1.0 - s.china.restraint * s.p.china.restraint_effect
    lost = s.casualties[:, Side.NORTH_KOREA] - nk.wave_mark
    odds = np.where(
        bargain, np.minimum(1.0, p.bargain_pay_sensitivity * s.ru.reward_ratio)
        * s.ru.desperation,
        np.where(sustain, 1.0, s.ru.desperation)) * keep
    wants = np.where(sustain, lost >= p.sustain_loss_share * p.troops_to_kursk,
                     ~prestige | (nk.prestige >= p.reinforce_prestige))
    troops = np.where(sustain, np.minimum(np.rint(lost), p.wave_size), p.wave_size)
    u = rng.uniform_per_run(s.keys, rng.Site.REINFORCE, s.week)
    send = may & wants & (u < odds) & (troops > 0)
    if send.any():
        send_wave(s, send, troops.astype(float), GROUP_NK_WAVE0 + decided)
