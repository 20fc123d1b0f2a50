"""Scenario parameters as arrays over the runs of a batch.

The rules read ``p.north_korea.troop_quality`` and get one value per run, so every
parameter a sweep can vary (``combat.law`` included) may differ from run to run inside a
batch. Scenarios are validated one by one by the schema (:mod:`sim.core.scenario`) before
they get here; this module only lays validated values out as columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.core.moves import Inject
from sim.core.scenario import SECTIONS, Scenario

#: Fields of a scenario that are not model parameters.
_NOT_PARAMS = {"name", "description", "sweep", "start_date", "inject", "levers", "policies"}


class SectionColumns(SimpleNamespace):
    """One scenario section (``north_korea``, ...) with one array per field."""


class Params:
    """Parameters of ``runs`` runs: ``p.<section>.<field>`` is an array of shape (runs,).

    ``weeks`` stays a per-run array too (the engine groups runs by horizon).
    """

    def __init__(self, columns: dict[str, np.ndarray],
                 injects: list[tuple[Inject, ...]] | None = None) -> None:
        self.columns = columns
        self.runs = len(next(iter(columns.values())))
        for section in SECTIONS:
            prefix = section + "."
            setattr(self, section, SectionColumns(**{
                k[len(prefix):]: v for k, v in columns.items() if k.startswith(prefix)
            }))
        self.weeks = columns["weeks"]
        #: Per run, its injects (a tuple shared by the runs of one scenario).
        self.injects = injects if injects is not None else [()] * self.runs

    @classmethod
    def from_scenarios(cls, scenarios: Sequence[Scenario]) -> Params:
        """One column per parameter, one row per scenario (a scenario object repeated for
        replicates is read once)."""
        first_seen: dict[int, int] = {}
        unique: list[dict[str, Any]] = []
        unique_injects: list[tuple[Inject, ...]] = []
        index = np.empty(len(scenarios), dtype=np.int64)
        for i, sc in enumerate(scenarios):
            j = first_seen.get(id(sc))
            if j is None:
                j = first_seen[id(sc)] = len(unique)
                unique.append(_flat(sc))
                unique_injects.append(tuple(sc.inject))
            index[i] = j
        names = list(unique[0])
        columns = {}
        for name in names:
            col = np.array([u[name] for u in unique])
            columns[name] = col[index]
        return cls(columns, [unique_injects[j] for j in index])

    def take(self, rows: np.ndarray) -> Params:
        """The parameters of a subset of runs, in the order given."""
        return Params({k: v[rows] for k, v in self.columns.items()},
                      [self.injects[r] for r in rows])


def _flat(sc: Scenario) -> dict[str, Any]:
    data = sc.model_dump(exclude=_NOT_PARAMS & set(Scenario.model_fields))
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat
