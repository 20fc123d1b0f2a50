"""Ukraine: holds the salient and replaces part of its losses; its equipment is Western
support (raised by NATO's rung and by South Korean weapons once delivered, cut while the US
pauses its aid), and its hold on the salient is one of two rival stories.

**The salient** (``salient``):

* ``grinding`` (the article's world, and the model before the spring 2025 record): the
  front grinds evenly, sector by sector, at the pace the force ratio gives
  (:mod:`sim.core.combat`), however small the salient gets.
* ``collapse`` (the record: ~400 km² at the end of February 2025, ~100 km² three weeks
  later, after Russian drones cut the main supply road to Sudzha on 25 February and a
  Russian offensive's "active phase" began on ~6 March; ISW: the US pause hastened the
  withdrawal): the salient lives on one supply road. Once the held area has shrunk to
  ``supply_cut_area_km2``, Russian drones reach the road and it is cut: from the next week
  only ``cut_supply`` of Ukraine's supply (its equipment and its replacements) gets through.
  ``offensive_lag_weeks`` after the cut Russia masses an offensive against the cut salient
  for ``offensive_weeks`` weeks (reserves and fires committed: the attackers' effective
  strength is multiplied by ``offensive_strength``), and the salient collapses within
  weeks. Once the offensive is over, what is left is pockets along the border, supplied
  straight from Sumy region: the supply is restored and the front grinds again.

**Outside support and its pauses**: the ``support_pause`` inject (:mod:`sim.core.moves`)
cuts Western support to a ``level`` for some weeks (the US paused military aid and
intelligence sharing from 3 to 11 March 2025, weeks 18-19: the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.core.actors.south_korea import RUNG_DEFENSIVE, RUNG_OFFENSIVE, delivered
from sim.core.declarations import Actor, Event, Outcome, Series
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
        source="calibrated: with the breakthrough ratio, it reproduces the article's "
        "August-October advance (sim/core/precursor.py); Ukraine kept feeding units into the "
        "salient. The defaults grind faster than the record's ~450 km² at week 11 (DeepState, "
        "Russian MoD, mid-January 2025): wargame calibrate fits the rate in its [sweep] range",
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
    salient: Literal["grinding", "collapse"] = param(
        "grinding", unit="category", kind="assumption",
        source="grinding: the model's front before the spring 2025 record; collapse: the "
        "record (~400 km² held at the end of Feb 2025, ~100 km² three weeks later, after "
        "the supply road to Sudzha was cut and a Russian offensive began)",
        doc="How Ukraine's hold on the salient ends (the module docstring of "
        "sim/core/actors/ukraine.py).",
    )
    supply_cut_area_km2: float = param(
        400.0, ge=0, le=1_500, unit="km²", kind="reported",
        source="record: Russian drones had cut the main supply road to Sudzha on 25 Feb 2025 "
        "(week 17), when ~400 km² (350-450) was held (DeepState-based maps, 27 Feb)",
        doc="collapse: held area at or below which Russian drones reach the supply road.",
    )
    cut_supply: float = param(
        0.5, ge=0, le=1, unit="share", kind="assumption",
        source="modeller: supply by tracks and at night under drone fire once the road is cut",
        doc="collapse: share of Ukraine's supply (equipment and replacements) that still "
        "gets through once the road is cut.",
    )
    offensive_lag_weeks: int = param(
        1, ge=1, le=12, unit="weeks", kind="reported",
        source="record: road cut 25 Feb 2025 (week 17), the offensive's 'active phase' from "
        "~6 Mar (week 18; Russia's General Staff)",
        doc="collapse: weeks from the cut to the first week of Russia's offensive.",
    )
    offensive_weeks: int = param(
        3, ge=1, le=26, unit="weeks", kind="assumption",
        source="record: the 'active phase' from ~6 Mar 2025 cut the held area ~2.5-fold in "
        "five days, Sudzha lost 13-16 Mar; the pockets left along the border went on into "
        "April; the length is the modeller's",
        doc="collapse: weeks Russia's massed offensive against the cut salient lasts.",
    )
    offensive_strength: float = param(
        2.0, ge=1, le=8, unit="x strength", kind="assumption",
        source="modeller: reserves, glide bombs and drones massed against a cut salient",
        doc="collapse: multiplier on the attackers' effective strength during the offensive.",
    )


@dataclass(eq=False)  # arrays: compared by identity, never by value
class UkraineState:
    """Per-run arrays."""

    equipment: np.ndarray  # equipment multiplier of Ukrainian units for the next fight
    supply_cut_week: np.ndarray  # week the supply road was cut (NaN: not cut)
    pause_until: np.ndarray  # first week after a pause of Western support (NaN: none)
    pause_level: np.ndarray  # share of Western support kept during the pause
    offensive: np.ndarray  # bool: Russia's massed offensive fought this week


def init(s: BatchState) -> UkraineState:
    none = np.full(s.runs, np.nan)
    return UkraineState(s.p.ukraine.western_support.astype(float).copy(), none.copy(),
                        none.copy(), np.ones(s.runs), np.zeros(s.runs, dtype=bool))


def _any_cut(s: BatchState) -> bool:
    """Whether some run's road has been cut (until then, the two functions below have
    nothing to compute)."""
    return not np.isnan(s.ua.supply_cut_week).all()


def offensive(s: BatchState, week: int | None = None) -> np.ndarray:
    """Whether Russia's massed offensive against the cut salient drives the fighting of
    ``week`` (default: the week being played)."""
    if not _any_cut(s):
        return np.zeros(s.runs, dtype=bool)
    p, week = s.p.ukraine, s.week if week is None else week
    start = s.ua.supply_cut_week + p.offensive_lag_weeks  # NaN: never
    return (week >= start) & (week < start + p.offensive_weeks)


def supply(s: BatchState, week: int) -> np.ndarray | float:
    """Share of Ukraine's supply that reaches the salient in ``week``: ``cut_supply`` from
    the week after the cut to the end of the offensive, else all of it."""
    if not _any_cut(s):
        return 1.0
    p, cut = s.p.ukraine, s.ua.supply_cut_week
    end = cut + p.offensive_lag_weeks + p.offensive_weeks
    return np.where((week > cut) & (week < end), p.cut_supply, 1.0)


def equipment(s: BatchState, week: int) -> np.ndarray:
    """The equipment multiplier Ukrainian units fight with in ``week``: Western support
    (cut during a pause) x (1 + NATO's increases) x (1 + South Korean weapons delivered)
    x the supply that gets through."""
    p, nato = s.p.ukraine, s.p.nato
    boost = (np.where(delivered(s, RUNG_DEFENSIVE, week), p.rok_defensive_boost, 0.0)
             + np.where(delivered(s, RUNG_OFFENSIVE, week), p.rok_offensive_boost, 0.0))
    west = (1.0 + np.where(s.nato.rung >= 2, nato.support_increase, 0.0)) * (
        1.0 + np.where(s.nato.rung >= 3, nato.ukraine_proper_increase, 0.0))
    equipment = p.western_support * west * (1.0 + boost) * supply(s, week)
    if np.isnan(s.ua.pause_until).all():  # no pause ordered
        return equipment
    return equipment * np.where(week < s.ua.pause_until, s.ua.pause_level, 1.0)


def step(s: BatchState) -> None:
    """The road is cut once the salient has shrunk that far (``collapse``); the equipment
    for next week's fight; replacements for this week's losses, through what supply gets
    through."""
    p, ua = s.p.ukraine, s.ua
    ua.offensive = offensive(s)
    collapse = s.memo("salient_collapse", lambda: p.salient == "collapse", per_week=True)
    if collapse.any():
        cut = (collapse & np.isnan(ua.supply_cut_week) & (s.area <= p.supply_cut_area_km2)
               & (s.area > 0))
        ua.supply_cut_week[cut] = s.week
    ua.equipment = equipment(s, s.week + 1)
    replenish(s.units, Side.UKRAINE, p.replacement_rate * supply(s, s.week + 1)
              * s.week_casualties[:, Side.UKRAINE], s.p.front.unit_size)


ACTOR = Actor(
    key="ua", name="Ukraine", section="ukraine", params=UkraineSection, state=UkraineState,
    init=init, step=step,
    outcomes=(Outcome("supply_cut_week", "week", "week",
                      "week Russian drones cut the salient's supply road (NaN: never)",
                      lambda s: s.ua.supply_cut_week),),
    series=(
        Series("ukraine_equipment", "x",
               "equipment multiplier Ukrainian units carry into the next week's fight",
               lambda s: s.ua.equipment),
        Series("ukraine_supply_cut", "0/1", "the salient's supply road has been cut",
               lambda s: (~np.isnan(s.ua.supply_cut_week)).astype(float)),
        Series("russian_offensive", "0/1",
               "Russia's massed offensive against the cut salient fought this week",
               lambda s: s.ua.offensive.astype(float)),
    ),
    events=(
        Event.rises(lambda s: ~np.isnan(s.ua.supply_cut_week),
                    "Russian drones cut the salient's supply road"),
        Event.rises(lambda s: s.ua.offensive,
                    "Russia masses an offensive against the salient"),
    ),
)
"""Kyiv in the registry (:mod:`sim.core.actors`)."""
