"""Ukraine: holds the salient, replaces part of its losses; its equipment is Western
support, raised by NATO's rung and by South Korean weapons once delivered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors.south_korea import RUNG_DEFENSIVE, RUNG_OFFENSIVE, delivered
from sim.core.declarations import Actor, Series
from sim.core.params import Section, param
from sim.core.units import Side, replenish

if TYPE_CHECKING:
    from sim.core.state import BatchState


class UkraineSection(Section):
    """Kyiv's Kursk grouping."""

    troops_kursk: int = param(
        12_000, ge=0, le=100_000, unit="personnel", kind="assumption",
        source="modeller: several brigades; not in sources.md, swept widely",
        doc="Ukrainian troops holding the Kursk salient at the start.",
    )
    troop_quality: float = param(
        0.6, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Training quality of Ukrainian units.",
    )
    experience: float = param(
        0.8, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Combat experience of Ukrainian units.",
    )
    western_support: float = param(
        1.0, ge=0, le=3, unit="x equipment", kind="assumption", source="modeller: reference",
        doc="Equipment multiplier from Western support at the start.",
    )
    replacement_rate: float = param(
        0.8, ge=0, le=2, unit="share of losses/week", kind="calibrated",
        source="calibrated: with it the model keeps ~450 km² Ukrainian-held at week 11, as "
        "the record has it (DeepState, Russian MoD, mid-January 2025); Ukraine kept feeding "
        "units into the salient",
        doc="Share of last week's losses replaced.",
    )
    rok_defensive_boost: float = param(
        0.05, ge=0, le=1, unit="x equipment", kind="assumption",
        source="article: Seoul 'will consider sending defensive weapons to Kiev'",
        doc="Equipment gain once South Korea sends defensive weapons.",
    )
    rok_offensive_boost: float = param(
        0.15, ge=0, le=2, unit="x equipment", kind="assumption",
        source="article: 'if the threshold is exceeded, offensive weapons may also be sent'",
        doc="Further equipment gain once South Korea sends offensive weapons.",
    )


@dataclass(eq=False)  # arrays: compared by identity, never by value
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


ACTOR = Actor(
    key="ua", name="Ukraine", section="ukraine", params=UkraineSection, state=UkraineState,
    init=init, step=step,
    series=(Series("ukraine_equipment", "x", "equipment multiplier of Ukrainian units",
                   lambda s: s.ua.equipment),),
)
"""Kyiv in the registry (:mod:`sim.core.actors`)."""
