"""The flat outcome record of a run: every value a number or a category.

Weeks that never happened ("Kursk never fully retaken", "rung never reached") are NaN, so
that every column of a sweep table is numeric and a missing week is explicit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.escalation import ROK_RUNGS

if TYPE_CHECKING:
    from sim.model import EscalationModel

#: Outcome name -> (unit, meaning). The order is the order of the record.
OUTCOMES: dict[str, tuple[str, str]] = {
    "kursk_retaken": ("0/1", "Kursk fully retaken by the horizon"),
    "retaken_week": ("week", "week Kursk was fully retaken (NaN: not retaken)"),
    "ukraine_area_end_km2": ("km²", "Ukrainian-held area of Kursk at the horizon"),
    "casualties_ukraine": ("personnel", "Ukrainian casualties (killed, wounded, captured)"),
    "casualties_russia": ("personnel", "Russian casualties"),
    "casualties_north_korea": ("personnel", "North Korean casualties"),
    "nk_prisoners": ("personnel", "North Korean soldiers taken prisoner"),
    "nk_prestige_end": ("0-1", "Kim's prestige at the horizon"),
    "nk_prestige_min": ("0-1", "Kim's lowest prestige during the run"),
    "nk_waves": ("waves", "North Korean reinforcement waves sent"),
    "nk_drawdowns": ("count", "North Korean draw-downs"),
    "nk_experience_end": ("0-1", "mean combat experience of North Korean units at the end"),
    "reward_finance_musd": ("USD million", "finance paid by Russia to Pyongyang"),
    "reward_food_t": ("tonnes", "food shipped by Russia"),
    "reward_fuel_bbl": ("barrels", "oil shipped by Russia"),
    "tech_level": ("0-1", "Russian military technology transferred to the North"),
    "russia_desperation_end": ("0-1", "Russian desperation at the horizon"),
    "rok_perception_end": ("0-1", "South Korean threat perception at the horizon"),
    "rok_max_rung": ("rung 0-4", "South Korea's highest rung"),
    "rok_max_rung_name": ("category", "South Korea's highest rung, by name"),
    **{
        f"week_rung_{r}": ("week", f"week South Korea first reached '{ROK_RUNGS[r]}' (NaN: never)")
        for r in range(1, len(ROK_RUNGS))
    },
    "nato_max_rung": ("rung 0-2", "the West's highest rung"),
    "escalation_peak": ("0-100", "highest weekly escalation index"),
    "escalation_end": ("0-100", "escalation index at the horizon"),
}

CATEGORICAL: frozenset[str] = frozenset({"rok_max_rung_name"})


def outcome_record(model: EscalationModel) -> dict[str, Any]:
    """Build the record from a model that has been stepped (to its horizon or not)."""
    esc = np.asarray(model.datacollector.model_vars["escalation_index"], dtype=float)
    nan = math.nan
    rec: dict[str, Any] = {
        "kursk_retaken": int(model.retaken_week is not None),
        "retaken_week": float(model.retaken_week) if model.retaken_week is not None else nan,
        "ukraine_area_end_km2": model.area_km2,
        "casualties_ukraine": model.casualties_ukraine,
        "casualties_russia": model.casualties_russia,
        "casualties_north_korea": model.casualties_north_korea,
        "nk_prisoners": int(model.prisoners),
        "nk_prestige_end": model.nk.prestige,
        "nk_prestige_min": model.nk.prestige_min,
        "nk_waves": int(model.nk.waves),
        "nk_drawdowns": int(model.nk.drawdowns),
        "nk_experience_end": model.nk_mean_experience(),
        "reward_finance_musd": model.ru.finance_musd,
        "reward_food_t": model.ru.food_t,
        "reward_fuel_bbl": model.ru.fuel_bbl,
        "tech_level": model.ru.tech_level,
        "russia_desperation_end": model.ru.desperation,
        "rok_perception_end": model.rok.perception,
        "rok_max_rung": int(model.rok.rung),
        "rok_max_rung_name": ROK_RUNGS[model.rok.rung],
    }
    for r in range(1, len(ROK_RUNGS)):
        week = model.rok.rung_week.get(r)
        rec[f"week_rung_{r}"] = float(week) if week is not None else nan
    rec["nato_max_rung"] = int(model.nato.rung)
    rec["escalation_peak"] = float(esc.max())
    rec["escalation_end"] = float(esc[-1])
    assert list(rec) == list(OUTCOMES), "outcome record and OUTCOMES table out of step"
    return rec
