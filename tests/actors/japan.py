"""Japan, a throwaway actor: the whole of what adding an actor takes, in one file.

Tokyo goes on alert once Seoul's ladder reaches ``alert_rung`` and its alert closes
``alert_rate`` of the gap to 1 each week from then on. The registry test
(tests/test_actor_registry.py) registers it in one line and runs it in a sweep; nothing
else in the code names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.declarations import Actor, Event, Outcome, Series
from sim.core.params import Section, param

if TYPE_CHECKING:
    from sim.core.state import BatchState


class JapanSection(Section):
    """Tokyo: an alert that follows Seoul's ladder."""

    alert_rung: int = param(
        2, ge=0, le=4, unit="rung 0-4", kind="assumption", source="test: a throwaway actor",
        doc="Seoul's rung from which Tokyo is on alert.",
    )
    alert_rate: float = param(
        0.5, ge=0, le=1, unit="1/week", kind="assumption", source="test: a throwaway actor",
        doc="Share of the gap to full alert closed each week on alert.",
    )


@dataclass
class JapanState:
    """Per-run arrays."""

    alert: np.ndarray  # 0-1


def init(s: BatchState) -> JapanState:
    return JapanState(np.zeros(s.runs))


def step(s: BatchState) -> None:
    """Reads Seoul's rung as South Korea left it this week (Japan moves after it)."""
    p, jp = s.p.japan, s.japan
    jp.alert = np.where(s.rok.rung >= p.alert_rung, jp.alert + p.alert_rate * (1 - jp.alert),
                        jp.alert)


ACTOR = Actor(
    key="japan", name="Japan", section="japan", params=JapanSection, state=JapanState,
    init=init, step=step,
    outcomes=(Outcome("japan_alert_end", "level", "0-1", "Tokyo's alert at the horizon",
                      lambda s: s.japan.alert),),
    series=(Series("japan_alert", "0-1", "Tokyo's alert", lambda s: s.japan.alert),),
    events=(Event.rises(lambda s: s.japan.alert > 0, "Japan goes on alert"),),
)
