"""The prior of a calibration: the scenario's ``[sweep]`` ranges as independent uniform
distributions, in a "latent" space where every parameter is a real number.

- A float is uniform on [low, high].
- An integer is uniform on [low - 0.5, high + 0.5] and rounded to the nearest whole number,
  so every whole number of the range has the same prior mass (rounding a draw on [low,
  high] would give the two ends half the mass of the others).
- A category (``values = [...]``) is its index 0..k-1, each with mass 1/k.

The latent space is what the ABC-SMC perturbation kernels work in (continuous parameters
share one multivariate normal kernel; each category has its own discrete jump kernel);
:meth:`Prior.decode` turns latent rows into the values a scenario takes. No pyabc here:
the sweep and hindcast commands draw from the prior without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.batch.specs import ParamSpec


@dataclass(frozen=True)
class Prior:
    """Independent uniform priors over the swept parameters."""

    specs: tuple[ParamSpec, ...]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    @property
    def continuous(self) -> list[str]:
        return [s.name for s in self.specs if s.values is None]

    @property
    def categorical(self) -> list[str]:
        return [s.name for s in self.specs if s.values is not None]

    def spec(self, name: str) -> ParamSpec:
        return next(s for s in self.specs if s.name == name)

    def latent_bounds(self, s: ParamSpec) -> tuple[float, float]:
        """The support of one parameter in the latent space."""
        if s.values is not None:
            return 0.0, float(len(s.values) - 1)
        assert s.low is not None and s.high is not None
        if s.kind == "int":
            return s.low - 0.5, s.high + 0.5
        return s.low, s.high

    def rvs(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` latent draws, shape (n, parameters)."""
        cols = []
        for s in self.specs:
            lo, hi = self.latent_bounds(s)
            if s.values is not None:
                cols.append(rng.integers(0, len(s.values), size=n).astype(float))
            else:
                cols.append(rng.uniform(lo, hi, size=n))
        return np.column_stack(cols) if cols else np.empty((n, 0))

    def inside(self, x: np.ndarray) -> np.ndarray:
        """Which latent rows lie in the prior's support."""
        ok = np.ones(len(x), dtype=bool)
        for j, s in enumerate(self.specs):
            lo, hi = self.latent_bounds(s)
            ok &= (x[:, j] >= lo) & (x[:, j] <= hi)
            if s.values is not None:
                ok &= x[:, j] == np.round(x[:, j])
        return ok

    def density(self, x: np.ndarray) -> np.ndarray:
        """Prior density of latent rows (0 outside the support)."""
        d = 1.0
        for s in self.specs:
            lo, hi = self.latent_bounds(s)
            d /= len(s.values) if s.values is not None else (hi - lo)
        return np.where(self.inside(x), d, 0.0)

    def decode(self, x: np.ndarray) -> list[dict[str, Any]]:
        """Latent rows as scenario overrides {dotted name: value}."""
        cols = self.decode_columns(x)
        return [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]

    def decode_columns(self, x: np.ndarray) -> dict[str, list[Any]]:
        """Latent rows as one list of scenario values per parameter."""
        out: dict[str, list[Any]] = {}
        for j, s in enumerate(self.specs):
            col = x[:, j]
            if s.values is not None:
                idx = np.clip(np.rint(col).astype(int), 0, len(s.values) - 1)
                out[s.name] = [s.values[i] for i in idx]
            elif s.kind == "int":
                assert s.low is not None and s.high is not None
                v = np.clip(np.floor(col + 0.5), s.low, s.high).astype(np.int64)
                out[s.name] = [int(i) for i in v]
            else:
                out[s.name] = [float(v) for v in col]
        return out

    def encode(self, values: dict[str, list[Any]]) -> np.ndarray:
        """Scenario values (one list per parameter) back to latent rows."""
        cols = []
        for s in self.specs:
            col = values[s.name]
            if s.values is not None:
                cols.append(np.array([s.values.index(v) for v in col], dtype=float))
            else:
                cols.append(np.asarray(col, dtype=float))
        return np.column_stack(cols)

    def width(self, s: ParamSpec) -> float:
        """The prior range's width in the parameter's own units (categories: count)."""
        if s.values is not None:
            return float(len(s.values))
        assert s.low is not None and s.high is not None
        return float(s.high - s.low)
