"""The flat outcome record of a run, declared once: every outcome has a name, a kind, a
unit, a meaning and a function reading it off the batch state (one value per run).

Kinds: ``flag`` (0/1), ``count`` (whole numbers), ``level`` (a real quantity), ``week``
(the week an event first happened; NaN if it never did, so every column of a sweep table
is numeric and a missing week is explicit) and ``category`` (text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.core.south_korea import ROK_RUNGS, nk_mean_experience
from sim.core.units import Side

if TYPE_CHECKING:
    from sim.core.state import BatchState

Kind = Literal["flag", "count", "level", "week", "category"]


@dataclass(frozen=True)
class Outcome:
    """One column of the outcome record."""

    name: str
    kind: Kind
    unit: str
    doc: str
    value: Callable[[BatchState], np.ndarray]

    @property
    def numeric(self) -> bool:
        return self.kind != "category"


def _rung_week(r: int) -> Outcome:
    return Outcome(f"week_rung_{r}", "week", "week",
                   f"week South Korea first reached '{ROK_RUNGS[r]}' (NaN: never)",
                   lambda s: s.rok.rung_week[:, r])


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("kursk_retaken", "flag", "0/1", "Kursk fully retaken by the horizon",
            lambda s: (~np.isnan(s.retaken_week)).astype(np.int64)),
    Outcome("retaken_week", "week", "week", "week Kursk was fully retaken (NaN: not retaken)",
            lambda s: s.retaken_week),
    Outcome("ukraine_area_end_km2", "level", "km²",
            "Ukrainian-held area of Kursk at the horizon", lambda s: s.area),
    Outcome("casualties_ukraine", "count", "personnel",
            "Ukrainian casualties (killed, wounded, captured)",
            lambda s: s.casualties[:, Side.UKRAINE]),
    Outcome("casualties_russia", "count", "personnel", "Russian casualties",
            lambda s: s.casualties[:, Side.RUSSIA]),
    Outcome("casualties_north_korea", "count", "personnel", "North Korean casualties",
            lambda s: s.casualties[:, Side.NORTH_KOREA]),
    Outcome("nk_prisoners", "count", "personnel", "North Korean soldiers taken prisoner",
            lambda s: s.prisoners),
    Outcome("nk_prestige_end", "level", "0-1", "Kim's prestige at the horizon",
            lambda s: s.nk.prestige),
    Outcome("nk_prestige_min", "level", "0-1", "Kim's lowest prestige during the run",
            lambda s: s.nk.prestige_min),
    Outcome("nk_waves", "count", "waves", "North Korean reinforcement waves sent",
            lambda s: s.nk.waves),
    Outcome("nk_drawdowns", "count", "count", "North Korean draw-downs",
            lambda s: s.nk.drawdowns),
    Outcome("nk_experience_end", "level", "0-1",
            "mean combat experience of North Korean units at the end", nk_mean_experience),
    Outcome("reward_finance_musd", "level", "USD million", "finance paid by Russia to Pyongyang",
            lambda s: s.ru.finance_musd),
    Outcome("reward_food_t", "level", "tonnes", "food shipped by Russia",
            lambda s: s.ru.food_t),
    Outcome("reward_fuel_bbl", "level", "barrels", "oil shipped by Russia",
            lambda s: s.ru.fuel_bbl),
    Outcome("tech_level", "level", "0-1", "Russian military technology transferred to the North",
            lambda s: s.ru.tech_level),
    Outcome("russia_desperation_end", "level", "0-1", "Russian desperation at the horizon",
            lambda s: s.ru.desperation),
    Outcome("rok_perception_end", "level", "0-1",
            "South Korean threat perception at the horizon", lambda s: s.rok.perception),
    Outcome("rok_max_rung", "count", "rung 0-4", "South Korea's highest rung",
            lambda s: s.rok.rung),
    Outcome("rok_max_rung_name", "category", "category", "South Korea's highest rung, by name",
            lambda s: np.array(ROK_RUNGS, dtype=object)[s.rok.rung]),
    *(_rung_week(r) for r in range(1, len(ROK_RUNGS))),
    Outcome("nato_max_rung", "count", "rung 0-2", "the West's highest rung",
            lambda s: s.nato.rung),
    Outcome("escalation_peak", "level", "0-100", "highest weekly escalation index",
            lambda s: s.escalation_peak),
    Outcome("escalation_end", "level", "0-100", "escalation index at the horizon",
            lambda s: s.escalation),
)

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
NUMERIC: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.numeric)


_DTYPE = {"flag": np.int64, "count": np.int64, "level": np.float64, "week": np.float64,
          "category": object}


def outcome_columns(s: BatchState) -> dict[str, np.ndarray]:
    """Every outcome of every run of the batch, as columns typed by kind (flags and counts
    as int64: casualties are whole soldiers, see :mod:`sim.core.units`)."""
    return {o.name: np.asarray(o.value(s)).astype(_DTYPE[o.kind]) for o in OUTCOMES}


def record_of(columns: dict[str, np.ndarray], run: int) -> dict[str, Any]:
    """One run's record as plain Python values (ints, floats with NaN, strings)."""
    out: dict[str, Any] = {}
    for o in OUTCOMES:
        v = columns[o.name][run]
        if o.kind in ("flag", "count"):
            out[o.name] = int(v)
        elif o.kind == "category":
            out[o.name] = str(v)
        else:
            out[o.name] = float(v)
    return out
