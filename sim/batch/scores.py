"""Proper scores of ensemble forecasts against the record: what ``wargame hindcast`` and
``wargame forecast`` report, one copy of each rule.

- CRPS of the (weighted) ensemble as an empirical distribution (Gneiting & Raftery 2007,
  eq. 21), in the quantity's units; lower is better. Computed by ``scoringrules`` (its
  quantile-decomposition estimator, which is exact for an empirical distribution): it
  agreed with the hand-written O(n log n) formula this module used to hold to 1e-15 at
  the same speed (``python benchmarks/scores.py``; figures in benchmarks/README.md), and
  it takes member weights, which the continued particles of a calibration carry.
- The interval score of the central 50 % and 90 % intervals (Gneiting & Raftery 2007,
  eq. 43): the width, plus 2/alpha times the distance by which the value misses.
- Coverage: whether the value lies in those intervals.
- The PIT (probability integral transform) F(y), randomised between F(y-) and F(y) where
  the ensemble has ties at y (discrete quantities: weeks, rungs, prisoners), so that an
  honest forecast gives uniform PIT values.
- For events (did X happen by week N): the Brier score and the log score (ignorance, in
  nats) of the ensemble's probability. An ensemble's probability is kept inside
  [1/(2n), 1 - 1/(2n)] for the log score (n members): with finitely many members "never"
  only means "fewer than one in n", and an infinite score for that would measure the
  ensemble's size, not the forecast. A point forecast (persistence) is not clipped.

Quantiles are weighted (:func:`sim.batch.posterior.weighted_quantile`: equal weights give
the 'hazen' rule), the same rule the calibration's summaries use.
"""

from __future__ import annotations

import numpy as np

from sim.batch.posterior import weighted_quantile

INTERVALS = (0.5, 0.9)
"""The central intervals scored (coverage and interval score)."""


def normalised(weights: np.ndarray | None, n: int) -> np.ndarray:
    """Member weights summing to one (None: equal)."""
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def crps(x: np.ndarray, y: float, weights: np.ndarray | None = None) -> float:
    """CRPS of the ensemble ``x`` (weighted by ``weights``) at the value ``y``."""
    import scoringrules as sr

    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return float("nan")
    w = normalised(weights, len(x))
    return float(sr.crps_ensemble(np.array(y, dtype=float), x, ens_w=w, estimator="qd",
                                  backend="numpy"))


def interval_score(low: float, high: float, y: float, alpha: float) -> float:
    """Interval score of the central (1 - alpha) interval [low, high] at ``y``."""
    import scoringrules as sr

    return float(sr.interval_score(np.array(y, dtype=float), np.array(low, dtype=float),
                                   np.array(high, dtype=float), alpha, backend="numpy"))


def pit(x: np.ndarray, y: float, weights: np.ndarray | None, u: float) -> float:
    """Randomised PIT of ``y`` under the ensemble: F(y-) + u (F(y) - F(y-)), u in [0, 1]."""
    x = np.asarray(x, dtype=float)
    w = normalised(weights, len(x))
    below = float(w[x < y].sum())
    at = float(w[x == y].sum())
    return below + u * at


def probability(x: np.ndarray, weights: np.ndarray | None, event: np.ndarray) -> float:
    """The ensemble's probability of an event (``event``: a boolean per member)."""
    return float(normalised(weights, len(x))[np.asarray(event, dtype=bool)].sum())


def brier(p: float, y: int) -> float:
    """Brier score of the probability ``p`` for the outcome ``y`` (0 or 1)."""
    import scoringrules as sr

    return float(sr.brier_score(np.array(float(y)), np.array(p), backend="numpy"))


def log_score(p: float, y: int, members: int | None) -> float:
    """Log score (nats) of ``p`` for ``y``; ``members``: the ensemble's size, which bounds
    ``p`` away from 0 and 1 (None: a point forecast, not bounded)."""
    if members:
        p = float(np.clip(p, 0.5 / members, 1.0 - 0.5 / members))
    if (p == 0.0 and y == 1) or (p == 1.0 and y == 0):
        return float("inf")
    import scoringrules as sr

    return float(sr.log_score(np.array(float(y)), np.array(p), backend="numpy"))


def ensemble_scores(x: np.ndarray, y: float, scale: float, weights: np.ndarray | None,
                    u: float) -> dict[str, float | bool]:
    """Every score of one ensemble against one value: quantiles, coverage, interval
    scores, CRPS (also divided by ``scale``, the observation's unit) and the PIT."""
    x = np.asarray(x, dtype=float)
    w = normalised(weights, len(x))
    q05, q25, q50, q75, q95 = weighted_quantile(x, w, np.array([0.05, 0.25, 0.5, 0.75, 0.95]))
    c = crps(x, y, w)
    is50, is90 = interval_score(q25, q75, y, 0.5), interval_score(q05, q95, y, 0.1)
    return {"q05": q05, "q25": q25, "median": q50, "q75": q75, "q95": q95,
            "in50": bool(q25 <= y <= q75), "in90": bool(q05 <= y <= q95),
            "is50": is50, "is90": is90, "crps": c, "is50_scaled": is50 / scale,
            "is90_scaled": is90 / scale, "crps_scaled": c / scale, "pit": pit(x, y, w, u)}


def point_scores(value: float, y: float, scale: float) -> dict[str, float]:
    """The scores of a point forecast (a naive baseline): its CRPS is the absolute error,
    and its intervals have no width, so the interval scores are 2/alpha times the miss."""
    miss = abs(value - y)
    return {"median": value, "crps": miss, "crps_scaled": miss / scale,
            "is50": 4.0 * miss, "is90": 20.0 * miss,
            "is50_scaled": 4.0 * miss / scale, "is90_scaled": 20.0 * miss / scale}


def skill(model: np.ndarray, baseline: np.ndarray) -> float:
    """1 - mean(model) / mean(baseline) over the same observations: > 0 means the model
    scores better (lower) than the baseline; NaN if the baseline scores 0 everywhere."""
    m, b = float(np.mean(model)), float(np.mean(baseline))
    return 1.0 - m / b if b > 0 else float("nan")
