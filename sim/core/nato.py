"""NATO/US: condemns once North Korean troops are seen (Rutte, in the article), and
raises support to Ukraine once enough are seen fighting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.north_korea import visibility

if TYPE_CHECKING:
    from sim.core.state import BatchState

NATO_RUNGS: tuple[str, ...] = ("none", "condemnation", "increased_support")
"""The West's rungs, index = rung number."""


@dataclass
class NatoState:
    """Per-run arrays."""

    rung: np.ndarray  # 0-2


def init(s: BatchState) -> NatoState:
    return NatoState(np.zeros(s.runs, dtype=np.int64))


def step(s: BatchState) -> None:
    seen = visibility(s)
    trigger = s.p.nato.support_trigger_troops
    rung = s.nato.rung
    rung = np.where(s.nk.troops_in_russia(s) * seen > 0, np.maximum(rung, 1), rung)
    raise_ = np.where(trigger > 0, s.nk.in_combat(s) * seen >= trigger, rung >= 1)
    s.nato.rung = np.where(raise_, 2, rung)
