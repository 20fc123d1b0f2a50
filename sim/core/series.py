"""The weekly series of a run, declared once: name, unit, meaning and how to read it off
the batch state. The engine records them for every run of a batch (week 0 to the
horizon); the Mesa model's DataCollector reports the same values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.north_korea import NorthKoreaState
from sim.core.south_korea import nk_mean_experience
from sim.core.units import Side

if TYPE_CHECKING:
    from sim.core.state import BatchState


@dataclass(frozen=True)
class Series:
    """One weekly series."""

    name: str
    unit: str
    doc: str
    value: Callable[[BatchState], np.ndarray]


SERIES: tuple[Series, ...] = (
    Series("week", "week", "weeks since 28 October 2024",
           lambda s: np.full(s.runs, float(s.week))),
    Series("ukraine_area_km2", "km²", "Ukrainian-held area of Kursk", lambda s: s.area),
    Series("casualties_ukraine", "personnel", "Ukrainian casualties, cumulative",
           lambda s: s.casualties[:, Side.UKRAINE]),
    Series("casualties_russia", "personnel", "Russian casualties, cumulative",
           lambda s: s.casualties[:, Side.RUSSIA]),
    Series("casualties_north_korea", "personnel", "North Korean casualties, cumulative",
           lambda s: s.casualties[:, Side.NORTH_KOREA]),
    Series("nk_prisoners", "personnel", "North Korean soldiers taken prisoner, cumulative",
           lambda s: s.prisoners),
    Series("nk_troops_in_russia", "personnel", "North Korean soldiers in Russia",
           lambda s: s.nk.troops_in_russia(s)),
    Series("nk_troops_in_kursk", "personnel",
           "North Korean soldiers sent to the Kursk front (in the line, waiting or resting)",
           lambda s: s.nk.troops_in_kursk(s)),
    Series("nk_troops_in_combat", "personnel", "North Korean soldiers in the line",
           NorthKoreaState.in_combat),
    Series("nk_troops_resting", "personnel",
           "North Korean soldiers pulled off the line to rest and refit",
           NorthKoreaState.resting),
    Series("nk_in_contact", "0/1", "North Korean units fought Ukrainian forces this week",
           NorthKoreaState.in_contact),
    Series("nk_assaulting", "0/1",
           "the North Korean main body is committed to sustained assaults",
           lambda s: s.nk.assaulting.astype(float)),
    Series("nk_experience", "0-1", "mean combat experience of North Korean units in the line",
           nk_mean_experience),
    Series("nk_prestige", "0-1", "Kim's prestige", lambda s: s.nk.prestige),
    Series("nk_waves", "waves", "reinforcement waves sent", lambda s: s.nk.waves),
    Series("russia_desperation", "0-1", "Russian desperation", lambda s: s.ru.desperation),
    Series("reward_finance_musd", "USD million", "Russian finance to Pyongyang, cumulative",
           lambda s: s.ru.finance_musd),
    Series("reward_food_t", "tonnes", "Russian food to Pyongyang, cumulative",
           lambda s: s.ru.food_t),
    Series("reward_fuel_bbl", "barrels", "Russian oil to Pyongyang, cumulative",
           lambda s: s.ru.fuel_bbl),
    Series("tech_level", "0-1", "Russian technology transferred", lambda s: s.ru.tech_level),
    Series("rok_perception", "0-1", "South Korean threat perception",
           lambda s: s.rok.perception),
    Series("rok_rung", "rung 0-4", "South Korea's rung", lambda s: s.rok.rung),
    Series("china_restraint", "0-1", "China's pressure for restraint",
           lambda s: s.china.restraint),
    Series("nato_rung", "rung 0-2", "the West's rung", lambda s: s.nato.rung),
    Series("ukraine_equipment", "x", "equipment multiplier of Ukrainian units",
           lambda s: s.ua.equipment),
    Series("personnel_ukraine", "personnel", "Ukrainian soldiers in the line",
           lambda s: s.personnel()[:, Side.UKRAINE]),
    Series("personnel_russia", "personnel", "Russian soldiers in the line",
           lambda s: s.personnel()[:, Side.RUSSIA]),
    Series("escalation_index", "0-100", "escalation index", lambda s: s.escalation),
)

SERIES_NAMES: tuple[str, ...] = tuple(x.name for x in SERIES)
SERIES_INDEX: dict[str, int] = {name: i for i, name in enumerate(SERIES_NAMES)}


def record(s: BatchState) -> None:
    """Write this week's values of every series into ``s.record`` (if it records)."""
    if s.record is not None:
        s.record[:, s.week, :] = np.stack([x.value(s) for x in SERIES], axis=1)
