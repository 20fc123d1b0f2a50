"""The escalation index: one number per run per week, 0-100::

    E = 100 * (w_rok * rung/4 + w_nk * nk_commit + w_tech * tech
               + w_nato * nato_rung/3 + w_desp * desperation) / (sum of weights)

with ``nk_commit = min(1, North Korean troops in Russia / nk_reference_troops)``. Every
term is on 0-1, so E is 0 when nobody has moved and 100 when every actor is at the top of
its ladder. Weights are scenario parameters (``[escalation]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors.nato import NATO_RUNGS
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.declarations import Outcome, Part, Series
from sim.core.params import Section, param

if TYPE_CHECKING:
    from sim.core.state import BatchState


class EscalationSection(Section):
    """Weights of the escalation index (documented in the README)."""

    weight_rok: float = param(
        0.3, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of South Korea's rung (0-4, scaled to 0-1).",
    )
    weight_nk: float = param(
        0.2, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of North Korean commitment (waves sent and troops in combat).",
    )
    weight_tech: float = param(
        0.2, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of Russian technology transferred to the North.",
    )
    weight_nato: float = param(
        0.1, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of the West's rung (0-3, scaled to 0-1).",
    )
    weight_desperation: float = param(
        0.2, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of Russian desperation.",
    )
    nk_reference_troops: int = param(
        30_000, ge=1, le=200_000, unit="personnel", kind="assumption",
        source="modeller: about three times the reported first wave (10,000-12,000)",
        doc="North Korean troops in Russia at which its commitment term reaches 1.",
    )


def _coefficients(s: BatchState) -> tuple[np.ndarray, ...]:
    """The formula's weights over their sum, times 100, with each term's scale folded in
    (0 when every weight is 0); parameters may change by inject, so kept a week at a time."""
    e = s.p.escalation
    total = e.weight_rok + e.weight_nk + e.weight_tech + e.weight_nato + e.weight_desperation
    scale = np.divide(100.0, total, out=np.zeros(s.runs), where=total > 0)
    return (scale * e.weight_rok / (len(ROK_RUNGS) - 1), scale * e.weight_nk,
            scale * e.weight_tech, scale * e.weight_nato / (len(NATO_RUNGS) - 1),
            scale * e.weight_desperation, 1.0 / e.nk_reference_troops)


def index(s: BatchState) -> np.ndarray:
    """The week's escalation index of every run (see the module docstring)."""
    rok, nk, tech, nato, desp, per_troop = s.memo("escalation", lambda: _coefficients(s),
                                                  per_week=True)
    commit = np.minimum(1.0, s.nk.troops_in_russia(s) * per_troop)
    return (rok * s.rok.rung + nk * commit + tech * s.ru.tech_level + nato * s.nato.rung
            + desp * s.ru.desperation)


def update(s: BatchState) -> None:
    """This week's index and the running peak."""
    s.escalation = index(s)
    s.escalation_peak = np.maximum(s.escalation_peak, s.escalation)


PART = Part(
    section="escalation", params=EscalationSection,
    outcomes=(
        Outcome("escalation_peak", "level", "0-100", "highest weekly escalation index",
                lambda s: s.escalation_peak),
        Outcome("escalation_end", "level", "0-100", "escalation index at the horizon",
                lambda s: s.escalation),
    ),
    series=(Series("escalation_index", "0-100", "escalation index", lambda s: s.escalation),),
)
"""The escalation index as a part of the model (:mod:`sim.core.parts`)."""
