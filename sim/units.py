"""Unit agents on the Kursk map, backed by a struct-of-arrays table.

Why arrays: a run has ~100 battalion-sized units and 52 weekly steps; combat over
per-agent Python loops would dominate a sweep of thousands of runs. Unit state therefore
lives in :class:`UnitTable` (numpy arrays, vectorised combat in :mod:`sim.combat`), and each
:class:`Unit` is a Mesa ``CellAgent`` whose attributes read its row of the table, so
``model.agents_by_type[Unit]``, cell placement and visualisation work the Mesa way.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

if TYPE_CHECKING:
    from sim.model import EscalationModel


class Side(IntEnum):
    """Who a unit fights for. North Korean units attack alongside Russian ones."""

    UKRAINE = 0
    RUSSIA = 1
    NORTH_KOREA = 2


class UnitTable:
    """Per-unit state as parallel arrays, preallocated for every unit a run can field."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.side = np.zeros(capacity, dtype=np.int8)
        self.column = np.zeros(capacity, dtype=np.int64)
        self.strength = np.zeros(capacity)  # personnel
        self.quality = np.zeros(capacity)  # 0-1 training quality
        self.experience = np.zeros(capacity)  # 0-1 combat experience
        self.morale = np.ones(capacity)  # 0.2-1
        self.active = np.zeros(capacity, dtype=bool)
        self._by_side: np.ndarray | None = None  # personnel per side, cached

    def changed(self) -> None:
        """Call after changing strength or active: drops the cached per-side totals."""
        self._by_side = None

    def add(
        self, side: Side, personnel: float, unit_size: int, quality: float,
        experience: float, columns: np.ndarray,
    ) -> np.ndarray:
        """Add ``personnel`` as units of ``unit_size`` (the last may be smaller).

        Returns the new rows. ``columns`` assigns units to columns round-robin.
        """
        full, rest = divmod(round(personnel), unit_size)
        sizes = [unit_size] * full + ([rest] if rest else [])
        k = len(sizes)
        if k == 0 or len(columns) == 0:
            return np.arange(0)
        if self.n + k > len(self.side):
            self._grow(self.n + k)
        rows = np.arange(self.n, self.n + k)
        self.side[rows] = side
        self.column[rows] = np.resize(columns, k)
        self.strength[rows] = sizes
        self.quality[rows] = quality
        self.experience[rows] = experience
        self.morale[rows] = 1.0
        self.active[rows] = True
        self.n += k
        self.changed()
        return rows

    def _grow(self, need: int) -> None:
        size = max(need, 2 * len(self.side))
        for name in ("side", "column", "strength", "quality", "experience", "morale", "active"):
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            if name == "morale":
                new[:] = 1.0
            new[: len(old)] = old
            setattr(self, name, new)

    def mask(self, side: Side) -> np.ndarray:
        """Active units of one side (a boolean mask over the used rows)."""
        n = self.n
        return self.active[:n] & (self.side[:n] == side)

    def personnel(self, side: Side) -> float:
        """Personnel of one side in active units (one pass over the table per change:
        the actors and reporters ask for it a dozen times a week)."""
        if self._by_side is None:
            strength = self.strength[: self.n]
            self._by_side = np.array([strength[self.mask(s)].sum() for s in Side])
        return float(self._by_side[side])


class Unit(CellAgent):
    """A battalion-sized unit. Its state is a row of the model's :class:`UnitTable`."""

    def __init__(self, model: EscalationModel, row: int, cell) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell

    @property
    def table(self) -> UnitTable:
        return self.model.units  # type: ignore[attr-defined]

    @property
    def side(self) -> Side:
        return Side(int(self.table.side[self.row]))

    @property
    def strength(self) -> float:
        return float(self.table.strength[self.row])

    @property
    def experience(self) -> float:
        return float(self.table.experience[self.row])

    @property
    def morale(self) -> float:
        return float(self.table.morale[self.row])

    @property
    def active(self) -> bool:
        return bool(self.table.active[self.row])
