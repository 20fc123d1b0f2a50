"""Ukraine: holds the salient, replaces part of its losses; its equipment is Western
support, raised by NATO's rung and by South Korean weapons once delivered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.south_korea import RUNG_DEFENSIVE, RUNG_OFFENSIVE, delivered
from sim.core.units import Side, replenish

if TYPE_CHECKING:
    from sim.core.state import BatchState


@dataclass
class UkraineState:
    """Per-run arrays."""

    equipment: np.ndarray  # equipment multiplier of Ukrainian units (1 = reference)


def init(s: BatchState) -> UkraineState:
    return UkraineState(s.p.ukraine.western_support.astype(float).copy())


def step(s: BatchState) -> None:
    p = s.p.ukraine
    boost = (np.where(delivered(s, RUNG_DEFENSIVE), p.rok_defensive_boost, 0.0)
             + np.where(delivered(s, RUNG_OFFENSIVE), p.rok_offensive_boost, 0.0))
    nato = np.where(s.nato.rung >= 2, s.p.nato.support_increase, 0.0)
    s.ua.equipment = p.western_support * (1.0 + nato) * (1.0 + boost)
    replenish(s.units, Side.UKRAINE, p.replacement_rate * s.week_casualties[:, Side.UKRAINE],
              s.p.front.unit_size)
