"""After Kursk: what North Korea's forces do once Russia has retaken the region.

In spring 2025 analysts asked whether the troops would go home, stay in Russia in support
roles, or be committed inside Ukraine proper, the rung that could move Seoul. The model
gives Pyongyang that choice ``after_kursk_lag_weeks`` after Kursk is retaken, reasoned from
the record through April 2025 and nothing later:

* **home**: the force is brought home over ``home_weeks``; Russia's per-soldier rewards
  stop (the cash and food follow the soldiers; the oil trade of before the deployment goes
  on).
* **support** roles in Russia (garrison, border duty, fire support, engineering): low
  weekly losses (``support_loss_rate``), Russia pays ``support_pay_share`` of the rewards.
* **ukraine**, committed inside Ukraine proper: higher weekly losses (``ukraine_loss_rate``,
  growing with Ukraine's equipment, which NATO's and Seoul's reactions raise), experience
  gained as on the Kursk front, a premium on the rewards (``ukraine_pay_premium``), further
  waves as the commitment rule decides; NATO/US and Seoul react
  (:mod:`sim.core.actors.nato`, :mod:`sim.core.actors.south_korea`).

The choice is a multinomial logit over the three, drawn from the run's own random numbers
(draw site ``AFTER_KURSK``). Home is the reference (utility 0); each staying role's
utility is its pay (its share or premium of the per-soldier price Russia pays now, relative
to the contract price) plus Russia's demand (its desperation), less the role's expected
losses over the next 26 weeks weighted by ``loss_aversion`` (not under the ``bargain``
commitment: there the regime absorbs losses). China's restraint moves part of the
probability of Ukraine proper to home, as it cuts the odds of a wave. An ``nk_after_kursk``
inject forces the choice (at once if Kursk is retaken, else as soon as it is).

Once the role begins, the force leaves the Kursk map and is a count of soldiers (its
losses are drawn here each week, after the map's fighting: :func:`fight_beyond_kursk`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import rng
from sim.core.actors.north_korea.state import COUNTS, ROLE_HOME, ROLE_SUPPORT, ROLE_UKRAINE
from sim.core.arith import row_sum, whole_sum
from sim.core.units import Side

if TYPE_CHECKING:
    from sim.core.state import BatchState

OUTLOOK_WEEKS = 26.0
"""The choice weighs each role's expected losses over the next half year."""


def ukraine_exposure(s: BatchState) -> np.ndarray:
    """How hard Ukrainian forces hit North Korean troops inside Ukraine proper, relative to
    the start: Ukraine's equipment over its starting Western support (NATO's and Seoul's
    support raise it)."""
    start = s.p.ukraine.western_support
    return np.divide(s.ua.equipment, start, out=np.ones(s.runs), where=start > 0)


def fight_beyond_kursk(s: BatchState) -> None:
    """This week's casualties and prisoners of North Korean troops in a role after Kursk
    (Poisson counts, draw site ``BEYOND_KURSK``), and the experience gained inside Ukraine
    proper. Runs after the map's fighting, before the actors' rules, so that Russia's
    desperation and Kim's prestige see them in the same week."""
    nk = s.nk
    if not nk.role.any():  # no run has left Kursk yet
        return
    away = (nk.role == ROLE_SUPPORT) | (nk.role == ROLE_UKRAINE)
    if not away.any():
        return
    p = s.p.north_korea
    troops = np.where(away, nk.troops_in_russia(s), 0.0)
    rate = np.where(nk.role == ROLE_UKRAINE, p.ukraine_loss_rate * ukraine_exposure(s),
                    p.support_loss_rate)
    u = rng.uniforms(s.keys, rng.Site.BEYOND_KURSK, s.week, np.arange(2))
    lost = np.minimum(rng.poisson(rate * troops, u[:, 0]), troops)
    taken = np.minimum(rng.poisson(lost * p.capture_probability, u[:, 1]), lost)
    s.week_start_personnel = s.week_start_personnel + np.where(
        np.arange(3) == Side.NORTH_KOREA, troops[:, None], 0.0)
    s.week_casualties[:, Side.NORTH_KOREA] += lost
    s.casualties[:, Side.NORTH_KOREA] += lost
    s.week_prisoners = s.week_prisoners + taken
    s.prisoners += taken
    x = nk.role_experience
    nk.role_experience = np.where(nk.role == ROLE_UKRAINE,
                                  x + p.learning_rate * (1.0 - x), x)
    s.forget(*COUNTS)


def step(s: BatchState) -> None:
    """The choice once it is due (or forced), a forced change of role, and the week's
    homecoming."""
    nk, p = s.nk, s.p.north_korea
    retaken = ~np.isnan(s.retaken_week)
    if not retaken.any():  # no run has a choice to make yet (a role needs Kursk retaken)
        return
    pending = (nk.role == 0) & nk.deployed & retaken
    due = pending & ((s.week >= s.retaken_week + p.after_kursk_lag_weeks)
                     | (nk.forced_role > 0))
    switch = (nk.role > 0) & (nk.forced_role > 0) & (nk.forced_role != nk.role)
    if due.any():
        take_role(s, due, np.where(nk.forced_role > 0, nk.forced_role, draw_role(s)))
    if switch.any():
        take_role(s, switch, nk.forced_role)
    going = nk.role == ROLE_HOME
    if going.any():
        nk.withdrawn += np.where(going, np.minimum(nk.home_rate, nk.troops_in_russia(s)), 0.0)
        s.forget(*COUNTS)


def role_probabilities(s: BatchState) -> np.ndarray:
    """P(home), P(support), P(ukraine) per run now: shape (runs, 3) (see the module
    docstring)."""
    p = s.p.north_korea
    aversion = np.where(p.commitment == "bargain", 0.0, p.loss_aversion) * OUTLOOK_WEEKS
    price, demand = s.ru.price, s.ru.desperation
    utility = np.stack([
        np.zeros(s.runs),
        p.support_pay_share * price + demand - aversion * p.support_loss_rate,
        p.ukraine_pay_premium * price + demand
        - aversion * p.ukraine_loss_rate * ukraine_exposure(s)], axis=1)
    w = np.exp(utility - utility.max(axis=1, keepdims=True))
    prob = w / w.sum(axis=1, keepdims=True)
    cut = prob[:, 2] * s.china.restraint * s.p.china.restraint_effect
    prob[:, 2] -= cut
    prob[:, 0] += cut
    return prob


def draw_role(s: BatchState) -> np.ndarray:
    """The role each run's forces choose, drawn from :func:`role_probabilities`."""
    prob = role_probabilities(s)
    u = rng.uniform_per_run(s.keys, rng.Site.AFTER_KURSK, s.week)
    return (ROLE_HOME + (u >= prob[:, 0]) + (u >= prob[:, 0] + prob[:, 1])).astype(np.int64)


def take_role(s: BatchState, which: np.ndarray, role: np.ndarray) -> None:
    """The force of the runs ``which`` begins ``role`` this week: it leaves the Kursk map
    (carrying the experience of its units), and a force going home starts home."""
    nk, u = s.nk, s.units
    leaving = which & (nk.role == 0)
    if leaving.any():
        mine = u.deployed & (u.side == Side.NORTH_KOREA) & leaving[:, None]
        w = np.where(mine, u.strength, 0.0)
        total = whole_sum(w)
        x = np.divide(row_sum(w * u.experience), total, out=np.zeros(s.runs),
                      where=total > 0)
        nk.role_experience = np.where(leaving, x, nk.role_experience)
        u.active &= ~mine
        u.resting &= ~mine
        nk.rest_until[leaving] = np.nan
    nk.role = np.where(which, role, nk.role)
    nk.role_week = np.where(which, float(s.week), nk.role_week)
    home = which & (role == ROLE_HOME)
    nk.home_rate = np.where(home, np.ceil(nk.troops_in_russia(s) / s.p.north_korea.home_weeks),
                            nk.home_rate)  # whole soldiers a week
    u.touch()
