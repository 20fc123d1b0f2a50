"""Array arithmetic that keeps a run's numbers independent of its batch, and cheap.

A run's numbers must not depend on the batch it runs in, and numpy's pairwise summation
groups terms by the array's length, so padding a run's slots would change the last bit of
a plain ``ndarray.sum``. Sums of whole numbers are exact in any order (:func:`whole_sum`);
sums of real values go term by term in slot order (:func:`row_sum`, via ``bincount``).
"""

from __future__ import annotations

import numpy as np


def clamp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``x`` limited to [lo, hi] (two ufuncs: ``np.clip`` costs ~10 µs on the small arrays
    of a single run, and the rules clamp a dozen levels a week)."""
    return np.minimum(np.maximum(x, lo), hi)


_ROWS: dict[tuple[int, int], np.ndarray] = {}


def row_sum(x: np.ndarray) -> np.ndarray:
    """Sum over the slot axis of a (runs, slots) array of real values, term by term in slot
    order, so a run's sum does not depend on how many padding slots its batch has."""
    runs, slots = x.shape
    rows = _ROWS.get((runs, slots))
    if rows is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        rows = _ROWS[(runs, slots)] = np.repeat(np.arange(runs), slots)
    return np.bincount(rows, weights=x.ravel(), minlength=runs)


def whole_sum(x: np.ndarray) -> np.ndarray:
    """Sum over the slot axis of whole numbers (personnel): exact in any order (below
    2**53), so numpy's fast pairwise sum gives every batch the same bits."""
    return x.sum(axis=1)
