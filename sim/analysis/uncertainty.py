"""Monte Carlo uncertainty of what a store of runs estimates: the standard error of a
share and the confidence interval of a quantile. Every probability and quantile the
analysis commands print carries one, so that an analyst sees when there are too few runs.
"""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""


def quantile_ci_levels(q: float, n: int) -> tuple[float, float]:
    """The probability levels whose quantiles bound a distribution-free 95% confidence
    interval for the ``q`` quantile from ``n`` runs: the count of runs below the true
    quantile is binomial(n, q), so its order statistics at n·q ± 1.96·sqrt(n·q·(1-q))
    bracket it 95% of the time (the normal approximation of the binomial; Conover,
    *Practical Nonparametric Statistics*, 3rd ed., §3.2). Runs are treated as independent
    draws; a Latin-hypercube design makes this slightly conservative."""
    if n <= 0:
        return q, q
    half = Z95 * np.sqrt(q * (1 - q) / n)
    return max(0.0, q - half), min(1.0, q + half)


def proportion_se(p: float, n: int) -> float:
    """The Monte Carlo standard error of a share ``p`` estimated from ``n`` runs."""
    return float(np.sqrt(p * (1 - p) / n)) if n > 0 else np.nan


def wilson_interval(k: np.ndarray | float, n: np.ndarray | float,
                    z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The 95% Wilson score interval of a share ``k / n`` (elementwise): the band every
    probability in a figure carries. Wilson's, not the normal ``p ± 1.96·se``, because
    the shares a principal asks about are often near 0 or 1 (offensive weapons in a few
    runs of a thousand), where the normal interval collapses to zero width or leaves
    [0, 1]; Wilson's keeps close to its nominal coverage there (Wilson 1927; Brown, Cai &
    DasGupta 2001, *Statistical Science* 16:101). Where ``n`` is 0 both bounds are NaN."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at k = 0 (k = n) the lower (upper) bound is exactly 0 (1); rounding leaves a hair
    lo = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    hi = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    none = n == 0
    return np.where(none, np.nan, lo), np.where(none, np.nan, hi)
