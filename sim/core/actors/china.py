"""China: Beijing presses Pyongyang and Moscow for restraint: a baseline, more as
escalation rises, more again as Seoul's covert diplomacy reaches a receptive Beijing
(the article: Seoul is "likely to simultaneously increase covert diplomacy with China")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.arith import clamp
from sim.core.declarations import Actor, Series
from sim.core.params import Section, param

if TYPE_CHECKING:
    from sim.core.state import BatchState


class ChinaSection(Section):
    """Beijing: pressure for restraint on Pyongyang and Moscow."""

    restraint_base: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Baseline pressure for restraint.",
    )
    restraint_sensitivity: float = param(
        0.5, ge=0, le=2, unit="per escalation", kind="assumption", source="modeller",
        doc="Extra pressure per unit of last week's escalation index (0-1).",
    )
    receptiveness: float = param(
        0.4, ge=0, le=1, unit="0-1", kind="assumption",
        source="sources.md: China and Russia as North Korea's most important partners",
        doc="How far Beijing responds to Seoul's covert diplomacy.",
    )
    restraint_effect: float = param(
        0.5, ge=0, le=1, unit="share", kind="assumption", source="modeller",
        doc="Share by which full pressure cuts reinforcement odds and technology transfer.",
    )


@dataclass(eq=False)  # arrays: compared by identity, never by value
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


ACTOR = Actor(
    key="china", name="China", section="china", params=ChinaSection, state=ChinaState,
    init=init, step=step,
    series=(Series("china_restraint", "0-1", "China's pressure for restraint",
                   lambda s: s.china.restraint),),
)
"""Beijing in the registry (:mod:`sim.core.actors`)."""
