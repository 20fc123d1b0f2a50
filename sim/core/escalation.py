"""The escalation index: one number per run per week, 0-100::

    E = 100 * (w_rok * rung/4 + w_nk * nk_commit + w_tech * tech
               + w_nato * nato_rung/2 + w_desp * desperation) / (sum of weights)

with ``nk_commit = min(1, North Korean troops in Russia / nk_reference_troops)``. Every
term is on 0-1, so E is 0 when nobody has moved and 100 when every actor is at the top of
its ladder. Weights are scenario parameters (``[escalation]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.nato import NATO_RUNGS
from sim.core.south_korea import ROK_RUNGS

if TYPE_CHECKING:
    from sim.core.state import BatchState


def index(s: BatchState) -> np.ndarray:
    """The week's escalation index of every run (see the module docstring)."""
    e = s.p.escalation
    total = e.weight_rok + e.weight_nk + e.weight_tech + e.weight_nato + e.weight_desperation
    commit = np.where(e.nk_reference_troops > 0,
                      np.minimum(1.0, s.nk.troops_in_russia(s)
                                 / np.maximum(e.nk_reference_troops, 1)), 0.0)
    score = (e.weight_rok * s.rok.rung / (len(ROK_RUNGS) - 1)
             + e.weight_nk * commit
             + e.weight_tech * s.ru.tech_level
             + e.weight_nato * s.nato.rung / (len(NATO_RUNGS) - 1)
             + e.weight_desperation * s.ru.desperation)
    return np.divide(100.0 * score, total, out=np.zeros(s.runs), where=total > 0)


def update(s: BatchState) -> None:
    """This week's index and the running peak."""
    s.escalation = index(s)
    s.escalation_peak = np.maximum(s.escalation_peak, s.escalation)
