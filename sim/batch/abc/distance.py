"""How far a run is from the record: pyabc's ``Distance`` contract, on the record's ranges.

A distance is called on the simulated values of the observations (rows: candidates,
columns: the record's entries) and gives one number per row; :meth:`Distance.update`
adapts it to the last generation's simulations before a new generation starts (pyabc's
``Distance.update``), which the plain range distance does not need. A new distance is a
subclass and a name in :data:`DISTANCES` (``--distance``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from sim.batch.observations import Entry, excess

P_NORM = 2


class Distance(ABC):
    """Distances of simulated observations from the record, with per-observation weights
    (the record's ``weight`` of each entry unless :meth:`update` changes them)."""

    def __init__(self, entries: list[Entry], weeks: int) -> None:
        self.entries, self.weeks = entries, weeks
        self.base_weights = np.array([e.weight for e in entries], dtype=float)
        self.weights = self.base_weights

    def update(self, values: np.ndarray) -> None:
        """Adapt to the simulated values of the last generation's candidates that ran
        (every round, accepted or not). By default the record's weights stay."""
        self.weights = self.base_weights

    @abstractmethod
    def __call__(self, values: np.ndarray) -> np.ndarray:
        """One distance per row of ``values`` (inf where a value is missing)."""


class RangeDistance(Distance):
    """The weighted 2-norm over the observations of how far each simulated value lies
    outside its range, in units of the range (:func:`sim.batch.observations.excess`): zero
    when every value is inside its range."""

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return pnorm(excess(self.entries, values, self.weeks), self.weights)


class AdaptiveRangeDistance(RangeDistance):
    """The range distance, its observations reweighted each generation by pyabc's ``rmsd``
    scale of the last generation's excesses (pyabc's ``AdaptivePNormDistance`` rule), so
    that an observation the runs miss by much does not drown the others."""

    def update(self, values: np.ndarray) -> None:
        self.weights = adaptive_weights(excess(self.entries, values, self.weeks),
                                        self.base_weights, [e.id for e in self.entries])


DISTANCES: dict[str, type[Distance]] = {"range": RangeDistance,
                                        "adaptive": AdaptiveRangeDistance}
"""``--distance`` names."""


def pnorm(e: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted p-norm of each row of range-scaled excesses (inf for NaN rows)."""
    d = (np.power(e, P_NORM) @ weights) ** (1.0 / P_NORM)
    return np.where(np.isnan(d), np.inf, d)


def adaptive_weights(e: np.ndarray, base: np.ndarray, ids: list[str]) -> np.ndarray:
    """pyabc's ``AdaptivePNormDistance`` rule: each observation weighted by the inverse of
    its ``rmsd`` scale (root mean square deviation from the observed value, here the
    range) over the last generation's simulations. An observation every simulation
    matches (scale 0) gets the largest weight of the others, so it stays matched."""
    import logging

    from pyabc.distance.scale import rmsd

    ok = np.all(np.isfinite(e), axis=1)
    if not ok.any():
        return base.copy()
    log = logging.getLogger("ABC.Distance")  # its "observation far off" note is expected:
    level = log.level                        # simulations outside a range are the point
    log.setLevel(logging.ERROR)
    try:
        scale = rmsd(samples=e[ok], s0=np.zeros(e.shape[1]), s_ids=ids)
    finally:
        log.setLevel(level)
    inv = np.zeros_like(scale)
    pos = scale > 0
    inv[pos] = 1.0 / scale[pos]
    top = inv[pos].max() if pos.any() else 1.0
    inv[~pos] = top
    w = base * inv
    return w / w[base > 0].mean() if (base > 0).any() else w
