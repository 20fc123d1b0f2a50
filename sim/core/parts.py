"""Every part of the model, and the order in which what they declare is stored.

The parts are the actors (:mod:`sim.core.actors`, in stepping order), then the map
(:mod:`sim.core.front`), the fighting (:mod:`sim.core.combat`) and the escalation index
(:mod:`sim.core.escalation`). The scenario schema (:mod:`sim.core.scenario`), the outcome
columns (:mod:`sim.core.outcomes`), the weekly series (:mod:`sim.core.series`) and the
event log (:mod:`sim.core.events`) are built from :data:`PARTS` when first imported.

Why a stored order: the order of a scenario's sections enters its hash, and the order of
the outcome columns and series enters the columns digest; a sweep resumes only a store
whose hash and digest match (``sim.batch``). The names below are in the order stores
written before the actor registry have them, so those stores still resume; whatever is
declared since comes after them, in the order of :data:`PARTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sim.core import combat, escalation, front
from sim.core.actors import frozen_actors
from sim.core.declarations import Part

PARTS: tuple[Part, ...] = (*frozen_actors(), front.PART, combat.PART, escalation.PART)
"""Actors in stepping order, then the rules around them."""

STORED_SECTIONS = ("front", "north_korea", "russia", "ukraine", "south_korea", "china",
                   "nato", "combat", "escalation")
STORED_OUTCOMES = (
    "kursk_retaken", "retaken_week", "ukraine_area_end_km2", "casualties_ukraine",
    "casualties_russia", "casualties_north_korea", "nk_prisoners", "nk_prestige_end",
    "nk_prestige_min", "nk_waves", "nk_drawdowns", "nk_experience_end", "reward_finance_musd",
    "reward_food_t", "reward_fuel_bbl", "tech_level", "russia_desperation_end",
    "rok_perception_end", "rok_max_rung", "rok_max_rung_name", "week_rung_1", "week_rung_2",
    "week_rung_3", "week_rung_4", "nato_max_rung", "escalation_peak", "escalation_end",
)
STORED_SERIES = (
    "week", "ukraine_area_km2", "casualties_ukraine", "casualties_russia",
    "casualties_north_korea", "nk_prisoners", "nk_troops_in_russia", "nk_troops_in_kursk",
    "nk_troops_in_combat", "nk_troops_resting", "nk_in_contact", "nk_assaulting",
    "nk_experience", "nk_prestige", "nk_waves", "russia_desperation", "reward_finance_musd",
    "reward_food_t", "reward_fuel_bbl", "tech_level", "rok_perception", "rok_rung",
    "china_restraint", "nato_rung", "ukraine_equipment", "personnel_ukraine",
    "personnel_russia", "escalation_index",
)


def in_stored_order[T](items: Iterable[T], name: Callable[[T], str],
                       stored: tuple[str, ...]) -> tuple[T, ...]:
    """``items`` with the stored names first, in their stored order, then the others as
    given; a name declared twice is an error (it would be two columns of one name)."""
    items = tuple(items)
    names = [name(x) for x in items]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"declared by more than one part: {', '.join(twice)}")
    rank = {n: i for i, n in enumerate(stored)}
    return tuple(sorted(items, key=lambda x: rank.get(name(x), len(stored))))
