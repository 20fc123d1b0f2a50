"""Random numbers as a pure function of (run key, draw site, week, index).

Why not one ``numpy.random.Generator`` per run: the rules run over a batch of runs at
once, and a run's numbers must not depend on which batch it is in, on its neighbours or on
the executor. A generator per run would cost one Python call per run per draw site per
week (~26 ms per 1,000 runs per site-week here, ``shared/design-notes.md``). Instead every
uniform is a counter-based hash, computed for the whole batch in a few numpy operations::

    u(run, site, week, index) = mix(key[run] ^ mix(site, week, index)) -> [0, 1)

``mix`` is the SplitMix64 finaliser (Steele, Lea & Flood 2014; Stafford's variant 13), a
bijection on 64-bit integers with full avalanche; two rounds keyed by the run's 64-bit key
make the streams of different runs unrelated. The properties the wargame needs follow:

* a run's numbers depend only on its seed (its key) and on *where* a number is used;
* common random numbers are free: two policies or branches with the same seed meet the
  same luck at the same site, week and unit, whatever else they do differently;
* a snapshot needs no generator state: the week and the key say where a run is.

Each draw site (a place in the rules that needs randomness) has a fixed number below.
Indices are columns for the fog of war and stable unit identities for per-unit draws
(side and number within the side, so that adding North Korean units never changes the
luck of Ukrainian ones).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 2.0**-53

SEED_LIMIT = 2**63
"""Seeds are whole numbers in [0, 2**63): they fit a signed 64-bit Parquet column."""


class Site(IntEnum):
    """Where in the rules a random number is used. Values are part of the results: never
    renumber an existing site (add new ones at the end)."""

    FOG = 1  # per column: log-normal fog of war on the force ratio
    CASUALTIES = 2  # per unit: Poisson casualties
    PRISONERS = 3  # per run: North Korean soldiers captured
    WITHDRAW = 4  # per unit: which North Korean units a draw-down takes home
    REINFORCE = 5  # per run: whether Pyongyang sends a wave at a decision
    AFTER_KURSK = 6  # per run: what North Korea's forces do after Kursk
    BEYOND_KURSK = 7  # per run: losses (index 0) and prisoners (1) after Kursk


def mix(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser, elementwise on uint64 (wrapping arithmetic); returns a new
    array (the work is done in place on one copy)."""
    x = x ^ (x >> _S30)
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def run_keys(seeds: np.ndarray) -> np.ndarray:
    """One 64-bit key per run from its seed (seeds in [0, 2**63))."""
    s = np.asarray(seeds, dtype=np.uint64)
    return mix(mix(s + _GOLDEN) ^ _GOLDEN)


def draw_ids(site: Site, index: np.ndarray) -> np.ndarray:
    """Identities of draws at a site: the site in the top byte, the index (a column, a unit
    identity, 0 for a per-run draw) below 2**40. Draws of several sites can be
    concatenated and hashed in one call of :func:`week_uniforms`."""
    return (np.uint64(int(site)) << np.uint64(56)) | np.asarray(index, dtype=np.uint64)


def week_uniforms(keys: np.ndarray, week: int, ids: np.ndarray) -> np.ndarray:
    """Uniforms on (0, 1) for draws ``ids`` (from :func:`draw_ids`) in ``week``.

    ``ids`` is one row shared by all runs (1-D) or one row per run (2-D); the result has one
    row per run. Never exactly 0 or 1, so quantile functions stay finite.
    """
    hashed = mix((ids | (np.uint64(week) << np.uint64(40))) + _GOLDEN)
    x = mix(keys[:, None] ^ hashed)
    x >>= _S11
    out = x.astype(np.float64)
    out += 0.5
    out *= _TO_UNIT
    return out


def uniforms(keys: np.ndarray, site: Site, week: int, index: np.ndarray) -> np.ndarray:
    """Uniforms on (0, 1) at one site: one row per run, one column per index (``index``
    shared by all runs, 1-D, or one row per run, 2-D, e.g. unit identities)."""
    return week_uniforms(keys, week, draw_ids(site, index))


def uniform_per_run(keys: np.ndarray, site: Site, week: int) -> np.ndarray:
    """One uniform per run at a per-run site (index 0)."""
    return uniforms(keys, site, week, np.zeros(1, dtype=np.uint64))[:, 0]


POISSON_EXACT_BELOW = 3.0
"""Means below which Poisson counts are drawn by exact inversion. At and above it they use
the Cornish-Fisher expansion of the Poisson quantile (normal quantile ``z`` corrected for
skewness and kurtosis): ``floor(lam + z sqrt(lam) + (z^2 - 1)/6 + (z^3 - 7z)/(72
sqrt(lam)) + 1/2)``. Measured against scipy's exact quantiles, its total-variation
distance from the Poisson law is 1.1 % at a mean of 3, 0.5 % at 8 and 0.2 % at 20, far
below the model's other uncertainty; exact inversion of means in the tens (the unit
casualties) would cost a loop step per count."""

_MAX_STEPS = 200


def normal(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles of uniforms (scipy's ``ndtri``, exact to machine
    precision; imported here because scipy.special is cheap, scipy.stats is not)."""
    from scipy.special import ndtri

    return ndtri(u)


def poisson(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson counts with means ``lam`` from the uniforms ``u`` (same shape), by inversion.

    Below :data:`POISSON_EXACT_BELOW`: exact, a vectorised sequential search of the CDF
    (each step adds the next probability to every count still below its uniform). At and
    above it: the Cornish-Fisher quantile. Monotone in ``u``, so common random numbers pair
    counts sensibly.
    """
    lam = np.asarray(lam, dtype=np.float64)
    out = np.zeros(lam.shape)
    big = lam >= POISSON_EXACT_BELOW
    if big.any():
        lb = lam[big]
        z = normal(u[big])
        root = np.sqrt(lb)
        q = lb + z * root + (z * z - 1.0) / 6.0 + (z * z * z - 7.0 * z) / (72.0 * root)
        out[big] = np.maximum(np.floor(q + 0.5), 0.0)
    small = np.flatnonzero(((lam > 0) & ~big).ravel())
    if small.size:
        out.ravel()[small] = _poisson_search(lam.ravel()[small], u.ravel()[small])
    return out


def _poisson_search(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Exact Poisson quantiles for small means: step k up while the CDF is below u."""
    k = np.zeros(lam.size)
    p = np.exp(-lam)
    cdf = p.copy()
    todo = np.flatnonzero(u > cdf)
    step = 0
    while todo.size and step < _MAX_STEPS:
        step += 1
        kt = k[todo] + 1.0
        k[todo] = kt
        pt = p[todo] * lam[todo] / kt
        p[todo] = pt
        ct = cdf[todo] + pt
        cdf[todo] = ct
        todo = todo[u[todo] > ct]
    return k
