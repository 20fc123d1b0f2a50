"""South Korea: threat perception, the graded ladder, and covert diplomacy.

Threat perception moves toward what Seoul sees: North Korean troops (as far as the
disguise lets them be seen), the combat experience they gain, and technology Russia hands
the North. Covert diplomacy with Beijing damps it and raises every threshold. The ladder
follows the article: statements and sanctions, non-lethal aid, defensive weapons to Kyiv,
then offensive weapons "if the threshold is exceeded"; it only climbs ("step by step with
the North's moves"). Seoul starts on ``initial_rung`` (non-lethal aid, flowing since
2022-23: the record), and a domestic crisis can freeze the ladder (martial law and the
impeachment in December 2024: the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.arith import clamp, row_sum, whole_sum
from sim.core.north_korea import visibility
from sim.core.russia import PER_10K
from sim.core.units import Side

if TYPE_CHECKING:
    from sim.core.state import BatchState

ROK_RUNGS: tuple[str, ...] = (
    "none",
    "statements",
    "nonlethal_aid",
    "defensive_weapons",
    "offensive_weapons",
)
"""South Korea's rungs, index = rung number."""

ROK_RUNG_EVENTS: tuple[str, ...] = (
    "",
    "South Korea issues statements and sanctions",
    "South Korea approves non-lethal aid to Ukraine",
    "South Korea approves defensive weapons for Ukraine",
    "South Korea approves offensive weapons for Ukraine",
)
"""What the event log says when South Korea first reaches each rung."""

RUNG_DEFENSIVE, RUNG_OFFENSIVE = 3, 4


@dataclass
class SouthKoreaState:
    """Per-run arrays."""

    perception: np.ndarray  # 0-1 threat perception
    rung: np.ndarray  # 0-4, the highest rung reached
    rung_week: np.ndarray  # (runs, 5): week each rung was first reached, NaN if never


def init(s: BatchState) -> SouthKoreaState:
    """Seoul stands on ``initial_rung`` before the deployment (non-lethal aid had flowed
    since 2022-23, the record): those rungs count as reached at week 0."""
    p = s.p.south_korea
    rung = p.initial_rung.astype(np.int64)
    rung_week = np.where(np.arange(len(ROK_RUNGS))[None, :] <= rung[:, None], 0.0, np.nan)
    rung_week[:, 0] = np.nan
    rok = SouthKoreaState(perception=p.initial_perception.astype(float).copy(), rung=rung,
                          rung_week=rung_week)
    s.rok = rok
    update_rung(s)
    return rok


def diplomacy_success(s: BatchState) -> np.ndarray:
    """How much covert diplomacy achieves (0-1): effort times Beijing's receptiveness."""
    return s.p.south_korea.diplomacy_effort * s.p.china.receptiveness


def delivered(s: BatchState, rung: int) -> np.ndarray:
    """Whether weapons approved at ``rung`` have reached Ukrainian units, per run."""
    week = s.rok.rung_week[:, rung]
    return ~np.isnan(week) & (s.week >= week + s.p.south_korea.delivery_weeks)


def nk_mean_experience(s: BatchState) -> np.ndarray:
    """Strength-weighted mean experience of North Korean units in the line (0 if none)."""

    def compute() -> np.ndarray:
        u = s.units
        w = np.where(u.active & (u.side == Side.NORTH_KOREA), u.strength, 0.0)
        total = whole_sum(w)
        return np.divide(row_sum(w * u.experience), total, out=np.zeros(s.runs),
                         where=total > 0)

    return s.memo("nk_mean_experience", compute)


def step(s: BatchState) -> None:
    p, rok = s.p.south_korea, s.rok
    seen = visibility(s)
    target = (
        p.weight_troops * s.nk.troops_in_russia(s) * seen / PER_10K
        + p.weight_experience * nk_mean_experience(s) * seen
        + p.weight_tech * s.ru.tech_level
    ) * (1.0 - p.diplomacy_damping * diplomacy_success(s))
    rok.perception = clamp(rok.perception + p.perception_rate * (target - rok.perception),
                             0.0, 1.0)
    update_rung(s)


def frozen(s: BatchState) -> np.ndarray:
    """Whether a domestic crisis freezes the ladder this week (the record: martial law on
    3 December 2024 and the impeachment on 14 December froze the weapons question)."""
    p = s.p.south_korea
    return (s.week >= p.crisis_week) & (s.week < p.crisis_week + p.crisis_weeks)


def thresholds(s: BatchState) -> np.ndarray:
    """The perception each rung 1-4 needs, per run (shape (runs, 4)): the scenario's
    thresholds raised by what covert diplomacy achieves."""
    p = s.p.south_korea

    def compute() -> np.ndarray:
        raise_by = p.diplomacy_threshold_raise * diplomacy_success(s)
        return np.stack([p.statement_threshold, p.nonlethal_threshold, p.defensive_threshold,
                         p.offensive_threshold], axis=1) + raise_by[:, None]

    return s.memo("thresholds", compute, per_week=True)


def rule_rung(s: BatchState) -> np.ndarray:
    """The highest rung whose threshold perception has reached (0 if none), per run, as if
    no crisis froze the ladder: what Seoul's own rule calls for now."""
    # Thresholds rise rung by rung (the schema checks it, for injects and policies too),
    # so the rungs reached are a prefix and their count is the highest one.
    return (s.rok.perception[:, None] >= thresholds(s)).sum(axis=1)


def update_rung(s: BatchState) -> None:
    """Climb to the highest rung whose threshold (raised by diplomacy) perception reached,
    unless a domestic crisis freezes the ladder."""
    rok = s.rok
    new = np.where(frozen(s), 0, rule_rung(s))
    if not (new > rok.rung).any():
        return
    r = np.arange(1, len(ROK_RUNGS))
    first = (rok.rung[:, None] < r) & (new[:, None] >= r)
    rok.rung_week[:, 1:] = np.where(first, float(s.week), rok.rung_week[:, 1:])
    rok.rung = np.maximum(rok.rung, new)
