"""Each generation's acceptance threshold: pyabc's ``Epsilon`` contract.

An epsilon is asked, before generation t > 0 starts, for the threshold the new candidates
must reach, given the last population's distances (under the distance as updated for
generation t) and weights; generation 0 accepts every valid draw (epsilon = inf). A new
schedule is a subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from sim.batch.posterior import weighted_quantile


class Epsilon(ABC):
    """The threshold of each generation after the first."""

    @abstractmethod
    def __call__(self, t: int, distances: np.ndarray, weights: np.ndarray) -> float:
        """Epsilon of generation ``t`` from the last population's distances and weights."""


class QuantileEpsilon(Epsilon):
    """The weighted ``alpha``-quantile of the last population's distances (pyabc's
    ``QuantileEpsilon``; alpha 0.5: the median), so each generation keeps about the better
    ``alpha`` of what the last one accepted."""

    def __init__(self, alpha: float = 0.5) -> None:
        self.alpha = alpha

    def __call__(self, t: int, distances: np.ndarray, weights: np.ndarray) -> float:
        return float(weighted_quantile(distances, weights, self.alpha))
