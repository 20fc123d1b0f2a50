"""The weekly series of a run, gathered from the parts that declare them.

Every series (:class:`~sim.core.declarations.Series`) has a name, a unit, a meaning and a
function reading it off the batch state; each is declared by the actor or rule it reports
on (:mod:`sim.core.parts`). The engine writes them into the batch state's series log for
every run of a batch (week 0 to the horizon); the Mesa model's DataCollector reports the
same values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.declarations import Series
from sim.core.parts import PARTS, STORED_SERIES, in_stored_order

if TYPE_CHECKING:
    from sim.core.state import BatchState

WEEK = Series("week", "week", "weeks since 28 October 2024",
              lambda s: np.full(s.runs, float(s.week)))

SERIES: tuple[Series, ...] = in_stored_order(
    (WEEK, *(x for part in PARTS for x in part.series)), lambda x: x.name, STORED_SERIES)

SERIES_NAMES: tuple[str, ...] = tuple(x.name for x in SERIES)
SERIES_INDEX: dict[str, int] = {name: i for i, name in enumerate(SERIES_NAMES)}


def log_week(s: BatchState) -> None:
    """Write this week's value of every series into ``s.series_log`` (if it keeps one)."""
    if s.series_log is not None:
        s.series_log[:, s.week, :] = np.stack([x.value(s) for x in SERIES], axis=1)
