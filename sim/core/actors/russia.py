"""Russia: desperation, and the reward package to Pyongyang.

Desperation rises with the Kursk ground Ukraine still holds and with recent losses (NATO's
Rutte spoke of Putin's "growing desperation", the article). What Russia pays for the troops
is one of two rival stories (``payment``):

* ``desperation`` (the article: Moscow "will reward Kim with finance, food and fuel"; the
  model's rule before the spring 2025 record): the rewards per soldier scale with Russia's
  need, ``0.5 + desperation``, and technology flows every week in proportion to the troops
  and to desperation.
* ``contract`` (the record: ~$2,000 a month per soldier, mostly kept by the state (NIS);
  technology delivered in items: air defence by November 2024, then electronic warfare,
  drones and help with a satellite launch site (NIS, 30 Apr 2025)): a price per soldier
  whatever Russia's need, and technology in steps of ``tech_milestone`` at milestones of
  the deployment: first contact, each wave, and the retaking of Kursk.

Either way, what the troops do after Kursk scales the per-soldier rewards (home: none;
support roles: ``support_pay_share``; inside Ukraine proper: ``ukraine_pay_premium``), and
China's pressure for restraint cuts the technology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.core.arith import clamp
from sim.core.declarations import Actor, Outcome, Series
from sim.core.params import Section, param
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


class RussiaSection(Section):
    """Moscow: forces in Kursk, desperation, and the reward package to Pyongyang."""

    troops_kursk: int = param(
        30_000, ge=0, le=200_000, unit="personnel", kind="assumption",
        source="modeller: order of the ~30,000 Russian troops Ukraine's commander-in-chief "
        "said were redeployed to Kursk (Aug 2024); not in sources.md, swept widely",
        doc="Russian troops on the Kursk front at the start.",
    )
    troop_quality: float = param(
        0.5, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller: reference level", doc="Training quality of Russian units.",
    )
    experience: float = param(
        0.6, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller: units in the war since 2022", doc="Combat experience of Russian units.",
    )
    replacement_rate: float = param(
        0.5, ge=0, le=2, unit="share of losses/week", kind="assumption",
        source="modeller", doc="Share of last week's losses replaced (scaled by desperation).",
    )
    initial_desperation: float = param(
        0.5, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: NATO's Rutte on Putin's 'growing desperation' (level is the modeller's)",
        doc="Desperation at the start.",
    )
    desperation_area_weight: float = param(
        0.6, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of Ukrainian-held area (relative to the start) in desperation.",
    )
    desperation_loss_weight: float = param(
        0.4, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of recent Russian losses in desperation.",
    )
    finance_usd_per_soldier_month: float = param(
        2_000.0, ge=0, le=20_000, unit="USD/soldier/month", kind="reported",
        source="record: ~$2,000 a month per soldier, mostly kept by the state (NIS), range "
        "$800-2,300; the article: Moscow 'will reward Kim with finance'",
        doc="Cash paid to Pyongyang per deployed soldier.",
    )
    food_tonnes_per_1000_week: float = param(
        40.0, ge=0, le=1_000, unit="t/1000 troops/week", kind="assumption",
        source="article: reward 'with ... food'; amount is the modeller's",
        doc="Food shipped per 1,000 deployed soldiers per week.",
    )
    fuel_barrels_week: float = param(
        29_000.0, ge=0, le=500_000, unit="barrels/week", kind="reported",
        source="reported: over 1 million barrels of oil Mar-Nov 2024 (~35 weeks), open-source "
        "satellite analysis (Nov 2024)",
        doc="Baseline oil shipments to North Korea.",
    )
    fuel_barrels_per_1000_week: float = param(
        2_000.0, ge=0, le=50_000, unit="barrels/1000 troops/week", kind="assumption",
        source="article: reward 'with ... fuel'; increment is the modeller's",
        doc="Extra oil per 1,000 deployed soldiers per week.",
    )
    tech_transfer_rate: float = param(
        0.01, ge=0, le=0.2, unit="tech level/week per 10,000 troops", kind="assumption",
        source="article: 'possibly give him access to Russian military technologies'; "
        "sources.md: space, missile, submarine, air defence named",
        doc="desperation: technology level transferred per week at full commitment and "
        "desperation.",
    )
    payment: Literal["desperation", "contract"] = param(
        "desperation", unit="category", kind="assumption",
        source="desperation: the article (rewards for a desperate Russia); contract: the "
        "record (~$2,000 a month per soldier, NIS; technology delivered item by item, NIS "
        "30 Apr 2025)",
        doc="How Russia pays for the troops (the module docstring of "
        "sim/core/actors/russia.py).",
    )
    tech_milestone: float = param(
        0.08, ge=0, le=0.5, unit="tech level", kind="assumption",
        source="record: air defence (Nov 2024), electronic warfare, drones, help with a "
        "satellite launch site (NIS, 30 Apr 2025): a handful of items over the campaign; the "
        "size of a step is the modeller's",
        doc="contract: technology level handed over at each milestone (first contact, each "
        "wave, the retaking of Kursk).",
    )


@dataclass(eq=False)  # arrays: compared by identity, never by value
class RussiaState:
    """Per-run arrays."""

    desperation: np.ndarray
    loss_ewm: np.ndarray  # smoothed weekly Russian + North Korean casualties
    finance_musd: np.ndarray
    food_t: np.ndarray
    fuel_bbl: np.ndarray
    tech_level: np.ndarray
    tech_gain_week: np.ndarray
    price: np.ndarray  # this week's pay per soldier relative to the contract price
    reward_ratio: np.ndarray  # this week's per-soldier rewards over the first wave's pay
    milestones: np.ndarray  # contract milestones paid


def init(s: BatchState) -> RussiaState:
    z = np.zeros(s.runs)
    return RussiaState(s.p.russia.initial_desperation.astype(float).copy(), z.copy(),
                       z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), np.ones(s.runs),
                       z.copy(), z.copy())


def role_pay(s: BatchState) -> np.ndarray | float:
    """What the troops' role after Kursk does to the per-soldier rewards: 1 before it; 0
    for a force going home; ``support_pay_share``; ``ukraine_pay_premium``."""
    nk, role = s.p.north_korea, s.nk.role
    if not role.any():  # most weeks of most runs: nothing to look up
        return 1.0
    return np.where(role == 0, 1.0, np.where(role == 1, 0.0, np.where(
        role == 2, nk.support_pay_share, nk.ukraine_pay_premium)))


def milestones(s: BatchState) -> np.ndarray:
    """Milestones of the deployment reached so far: first contact, each wave, the retaking
    of Kursk (the ``contract`` rule pays technology at each)."""
    return s.nk.deployed + s.nk.waves + ~np.isnan(s.retaken_week)


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
    contract = s.memo("russia_contract", lambda: p.payment == "contract", per_week=True)
    ru.price = np.where(contract, 1.0, need)
    troops = s.nk.troops_in_russia(s)
    paid = troops * ru.price * role_pay(s)  # soldiers paid for, at the contract price
    ru.reward_ratio = np.divide(paid, s.p.north_korea.troops_in_russia,
                                out=np.zeros(s.runs), where=s.p.north_korea.troops_in_russia > 0)
    ru.finance_musd += p.finance_usd_per_soldier_month * paid / WEEKS_PER_MONTH / 1e6
    ru.food_t += p.food_tonnes_per_1000_week * paid / 1000.0
    ru.fuel_bbl += p.fuel_barrels_week + p.fuel_barrels_per_1000_week * paid / 1000.0
    restraint = s.china.restraint * s.p.china.restraint_effect
    reached = milestones(s)
    gain = np.where(
        contract, p.tech_milestone * (reached - ru.milestones),
        p.tech_transfer_rate * np.minimum(MAX_COMMITMENT, troops / PER_10K) * ru.desperation)
    ru.milestones = reached.astype(float)
    gain = gain * (1.0 - restraint)
    ru.tech_gain_week = np.minimum(gain, 1.0 - ru.tech_level)
    ru.tech_level = ru.tech_level + ru.tech_gain_week
    replenish(s.units, Side.RUSSIA, p.replacement_rate * need * wc[:, Side.RUSSIA],
              s.p.front.unit_size)


ACTOR = Actor(
    key="ru", name="Russia", section="russia", params=RussiaSection, state=RussiaState,
    init=init, step=step,
    outcomes=(
        Outcome("reward_finance_musd", "level", "USD million",
                "finance paid by Russia to Pyongyang", lambda s: s.ru.finance_musd),
        Outcome("reward_food_t", "level", "tonnes", "food shipped by Russia",
                lambda s: s.ru.food_t),
        Outcome("reward_fuel_bbl", "level", "barrels", "oil shipped by Russia",
                lambda s: s.ru.fuel_bbl),
        Outcome("tech_level", "level", "0-1",
                "Russian military technology transferred to the North",
                lambda s: s.ru.tech_level),
        Outcome("russia_desperation_end", "level", "0-1", "Russian desperation at the horizon",
                lambda s: s.ru.desperation),
    ),
    series=(
        Series("russia_desperation", "0-1", "Russian desperation", lambda s: s.ru.desperation),
        Series("reward_finance_musd", "USD million", "Russian finance to Pyongyang, cumulative",
               lambda s: s.ru.finance_musd),
        Series("reward_food_t", "tonnes", "Russian food to Pyongyang, cumulative",
               lambda s: s.ru.food_t),
        Series("reward_fuel_bbl", "barrels", "Russian oil to Pyongyang, cumulative",
               lambda s: s.ru.fuel_bbl),
        Series("tech_level", "0-1", "Russian technology transferred", lambda s: s.ru.tech_level),
        Series("reward_ratio", "ratio",
               "Russia's weekly per-soldier rewards relative to the first wave's pay at the "
               "contract price", lambda s: s.ru.reward_ratio),
    ),
)
"""Moscow in the registry (:mod:`sim.core.actors`)."""
