"""Russia: desperation, and the reward package to Pyongyang.

Desperation rises with the Kursk ground Ukraine still holds and with recent losses (NATO's
Rutte spoke of Putin's "growing desperation", the article); the rewards (finance, food,
fuel, technology) grow with North Korea's contribution and with Russia's need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.arith import clamp
from sim.core.units import Side, replenish

if TYPE_CHECKING:
    from sim.core.state import BatchState

PER_10K = 10_000.0
"""Troop counts enter technology transfer (and Seoul's perception) per 10,000 soldiers, the
order of the reported first wave (10,000-12,000, sources.md)."""

WEEKS_PER_MONTH = 52.0 / 12.0

LOSS_SMOOTHING = 0.5
"""Weight of last week's losses in Moscow's running impression of its losses (an
exponential average with a half-life of one week: losses are felt at once and forgotten
within a month; modeller's)."""

NORMAL_WEEKLY_LOSS = 0.02
"""Losses of 2 % of the initial Kursk force a week count as 'normal': the loss term of
desperation is zero there (modeller's)."""

MAX_LOSS_RATIO = 2.0
"""Losses above twice normal add no further desperation (the term saturates)."""

BASE_NEED = 0.5
"""Rewards and replacements scale with ``need = 0.5 + desperation``: half the package is
paid whatever happens, the rest rises with Moscow's need (modeller's)."""

MAX_COMMITMENT = 2.0
"""Technology transfer grows with North Korean troops up to 20,000 (twice the first wave)
and no further (modeller's)."""


@dataclass
class RussiaState:
    """Per-run arrays."""

    desperation: np.ndarray
    loss_ewm: np.ndarray  # smoothed weekly Russian + North Korean casualties
    finance_musd: np.ndarray
    food_t: np.ndarray
    fuel_bbl: np.ndarray
    tech_level: np.ndarray
    tech_gain_week: np.ndarray


def init(s: BatchState) -> RussiaState:
    z = np.zeros(s.runs)
    return RussiaState(s.p.russia.initial_desperation.astype(float).copy(), z.copy(),
                       z.copy(), z.copy(), z.copy(), z.copy(), z.copy())


def step(s: BatchState) -> None:
    """Desperation, this week's rewards and technology, and replacements."""
    p, ru = s.p.russia, s.ru
    wc = s.week_casualties
    ru.loss_ewm = (1 - LOSS_SMOOTHING) * ru.loss_ewm + LOSS_SMOOTHING * (
        wc[:, Side.RUSSIA] + wc[:, Side.NORTH_KOREA])
    per_loss, per_area = s.memo("russia", lambda: (
        1.0 / np.maximum(NORMAL_WEEKLY_LOSS * p.troops_kursk, 1.0),
        np.divide(1.0, s.initial_area, out=np.zeros(s.runs), where=s.initial_area > 0)),
        per_week=True)
    area_ratio = s.area * per_area
    loss_ratio = np.minimum(MAX_LOSS_RATIO, ru.loss_ewm * per_loss)
    ru.desperation = clamp(
        p.initial_desperation + p.desperation_area_weight * (area_ratio - 1.0)
        + p.desperation_loss_weight * (loss_ratio - 1.0) * 0.5, 0.0, 1.0)
    need = BASE_NEED + ru.desperation
    troops = s.nk.troops_in_russia(s)
    ru.finance_musd += p.finance_usd_per_soldier_month * troops / WEEKS_PER_MONTH / 1e6 * need
    ru.food_t += p.food_tonnes_per_1000_week * troops / 1000.0 * need
    ru.fuel_bbl += p.fuel_barrels_week + p.fuel_barrels_per_1000_week * troops / 1000.0 * need
    restraint = s.china.restraint * s.p.china.restraint_effect
    gain = p.tech_transfer_rate * np.minimum(MAX_COMMITMENT, troops / PER_10K) * ru.desperation
    gain = gain * (1.0 - restraint)
    ru.tech_gain_week = np.minimum(gain, 1.0 - ru.tech_level)
    ru.tech_level = ru.tech_level + ru.tech_gain_week
    replenish(s.units, Side.RUSSIA, p.replacement_rate * need * wc[:, Side.RUSSIA],
              s.p.front.unit_size)
