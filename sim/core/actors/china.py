"""China: Beijing's pressure on Pyongyang and Moscow for restraint, one of two rival stories
(``stance``):

* ``restraint`` (the article: Seoul is "likely to simultaneously increase covert diplomacy
  with China"): a baseline, more as escalation rises, more again as Seoul's covert
  diplomacy reaches a receptive Beijing.
* ``non_interference`` (the record: China's foreign ministry called the admitted deployment
  "a matter for the two sovereign states", 28 April 2025, with no public sign of pressure on
  Pyongyang): the pressure stays at its baseline, whatever escalation or diplomacy.

The pressure cuts Pyongyang's odds of a wave and of a commitment inside Ukraine proper,
and Russia's technology transfer, by ``restraint_effect`` at full pressure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

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
    stance: Literal["restraint", "non_interference"] = param(
        "restraint", unit="category", kind="assumption",
        source="restraint: the article (covert diplomacy with China); non_interference: the "
        "record ('a matter for the two sovereign states', China's foreign ministry, 28 Apr "
        "2025; no public sign of pressure)",
        doc="How Beijing answers escalation and Seoul's diplomacy (the module docstring of "
        "sim/core/actors/china.py).",
    )


@dataclass(eq=False)  # arrays: compared by identity, never by value
class ChinaState:
    """Per-run arrays."""

    restraint: np.ndarray  # 0-1 pressure for restraint


def init(s: BatchState) -> ChinaState:
    return ChinaState(s.p.china.restraint_base.astype(float).copy())


def step(s: BatchState) -> None:
    """Reacts to last week's escalation index (China moves before Seoul in the week), unless
    Beijing stays out (``non_interference``)."""
    p = s.p.china
    reacts = s.memo("china_restraint", lambda: p.stance == "restraint", per_week=True)
    s.china.restraint = np.where(reacts, clamp(
        p.restraint_base + p.restraint_sensitivity * s.escalation / 100.0
        + p.receptiveness * s.p.south_korea.diplomacy_effort, 0.0, 1.0), p.restraint_base)


ACTOR = Actor(
    key="china", name="China", section="china", params=ChinaSection, state=ChinaState,
    init=init, step=step,
    series=(Series("china_restraint", "0-1", "China's pressure for restraint",
                   lambda s: s.china.restraint),),
)
"""Beijing in the registry (:mod:`sim.core.actors`)."""
