"""China: Beijing presses Pyongyang and Moscow for restraint: a baseline, more as
escalation rises, more again as Seoul's covert diplomacy reaches a receptive Beijing
(the article: Seoul is "likely to simultaneously increase covert diplomacy with China")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.arith import clamp

if TYPE_CHECKING:
    from sim.core.state import BatchState


@dataclass
class ChinaState:
    """Per-run arrays."""

    restraint: np.ndarray  # 0-1 pressure for restraint


def init(s: BatchState) -> ChinaState:
    return ChinaState(s.p.china.restraint_base.astype(float).copy())


def step(s: BatchState) -> None:
    """Reacts to last week's escalation index (China moves before Seoul in the week)."""
    p = s.p.china
    s.china.restraint = clamp(
        p.restraint_base + p.restraint_sensitivity * s.escalation / 100.0
        + p.receptiveness * s.p.south_korea.diplomacy_effort, 0.0, 1.0)
