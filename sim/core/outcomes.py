"""A run's outcomes, one flat column each, gathered from the parts that declare them.

Every outcome (:class:`~sim.core.declarations.Outcome`) has a name, a kind, a unit, a
meaning and a function reading it off the batch state (one value per run); each is
declared by the actor or rule it reports on (:mod:`sim.core.parts`). Kinds: ``flag``
(0/1), ``count`` (whole numbers), ``level`` (a real quantity), ``week`` (the week an event
first happened; NaN if it never did, so every column of a sweep table is numeric and a
missing week is explicit) and ``category`` (text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.declarations import Outcome
from sim.core.parts import PARTS, STORED_OUTCOMES, in_stored_order

if TYPE_CHECKING:
    from sim.core.state import BatchState

OUTCOMES: tuple[Outcome, ...] = in_stored_order(
    (o for part in PARTS for o in part.outcomes), lambda o: o.name, STORED_OUTCOMES)

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
NUMERIC: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.numeric)


_DTYPE = {"flag": np.int64, "count": np.int64, "level": np.float64, "week": np.float64,
          "category": object}


def outcome_columns(s: BatchState) -> dict[str, np.ndarray]:
    """Every outcome of every run of the batch, as columns typed by kind (flags and counts
    as int64: casualties are whole soldiers, see :mod:`sim.core.units`)."""
    return {o.name: np.asarray(o.value(s)).astype(_DTYPE[o.kind]) for o in OUTCOMES}


def outcomes_of(columns: dict[str, np.ndarray], run: int) -> dict[str, Any]:
    """One run's outcomes as plain Python values (ints, floats with NaN, strings)."""
    out: dict[str, Any] = {}
    for o in OUTCOMES:
        v = columns[o.name][run]
        if o.kind in ("flag", "count"):
            out[o.name] = int(v)
        elif o.kind == "category":
            out[o.name] = str(v)
        else:
            out[o.name] = float(v)
    return out
