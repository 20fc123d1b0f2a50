r"""Experimental designs over a scenario's uncertain parameters.

Every design is drawn on the unit hypercube and then mapped onto each parameter's range,
so one mapping serves all of them: floats scale linearly, integers round, categories take
the value whose equal-width slice of [0, 1) the draw falls in. The samplers are SALib's
(Latin hypercube, Sobol/Saltelli) and numpy's (Monte Carlo); the full-factorial grid is
the product of each parameter's levels, in ``itertools.product`` order, each point decoded
from its index (:class:`Design`), so that no design is ever held as a list of points.

The swept parameters are :class:`~sim.batch.specs.ParamSpec`\ s; :func:`salib_problem` is the
one builder of SALib problems (sampling and analysis).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from sim.batch.specs import ParamSpec, as_array
from sim.errors import UserError

Method = Literal["grid", "mc", "lhs", "sobol", "posterior"]
METHODS: tuple[str, ...] = ("grid", "mc", "lhs", "sobol", "posterior")


def salib_problem(params: Sequence[ParamSpec | dict[str, Any]], unit: bool = False,
                  ) -> dict[str, Any]:
    """The SALib problem of swept parameters (the one place it is built).

    Numeric parameters span their range and categories the indices of their values
    [0, k-1] (what sensitivity analysis reads); ``unit=True`` puts every parameter on
    [0, 1] (what the samplers draw on, before :meth:`ParamSpec.from_unit`). ``params`` are
    specs or their ``to_dict()`` form as stored in a sweep's manifest.
    """
    dicts = [p.to_dict() if isinstance(p, ParamSpec) else p for p in params]
    bounds = []
    for p in dicts:
        if unit:
            bounds.append([0.0, 1.0])
        elif p.get("values") is not None:
            bounds.append([0.0, float(max(len(p["values"]) - 1, 1))])
        else:
            bounds.append([float(p["low"]), float(p["high"])])
    return {"num_vars": len(dicts), "names": [p["name"] for p in dicts], "bounds": bounds}


def design_size(specs: list[ParamSpec], method: str, samples: int | None,
                calc_second_order: bool = False) -> int:
    """The number of points of a design, computed without drawing it; raises UserError for
    a method or sample count that the design does not accept."""
    if method not in METHODS:
        raise UserError(f"--design: expected one of {', '.join(METHODS)}, got '{method}'")
    if method == "grid":
        return math.prod(len(s.grid_levels()) for s in specs)
    if samples is None or samples < 1:
        raise UserError(f"--samples: design '{method}' needs a whole number >= 1, "
                        f"got {samples}")
    if method == "sobol":
        if samples & (samples - 1):
            raise UserError(f"--samples: Sobol needs a power of two, got {samples}",
                            hint=f"try {1 << max(samples - 1, 1).bit_length()}")
        return samples * ((2 if calc_second_order else 1) * len(specs) + 2)
    return samples


class Design:
    """A design's points, computed on demand from their index, so that a large sweep never
    holds its plan as Python objects: a grid decodes each point's levels from its index
    (mixed radix, the last parameter fastest, as ``itertools.product``); a sampled design
    keeps only its draws on the unit cube (points x parameters floats).

    ``samples``: Monte Carlo and Latin hypercube draw that many points; Sobol uses SALib's
    Saltelli scheme with base sample N = samples, giving N(D+2) points (N(2D+2) with
    second-order indices); grid ignores it; posterior resamples that many particles of
    the calibration the specs name (:class:`PosteriorSpec`) in proportion to their weights.
    """

    def __init__(self, specs: list[ParamSpec], method: str, samples: int | None, seed: int,
                 calc_second_order: bool = False) -> None:
        self.specs, self.method, self.samples, self.seed = specs, method, samples, seed
        self.calc_second_order = calc_second_order
        self.n_points = design_size(specs, method, samples, calc_second_order)
        self._levels = [s.grid_levels() for s in specs] if method == "grid" else None
        self._unit: np.ndarray | None = None
        self._drawn: dict[str, np.ndarray] | None = None

    def unit_bytes(self) -> int:
        """Memory the draws take (a grid holds none)."""
        return 0 if self.method == "grid" else self.n_points * len(self.specs) * 8

    def _posterior(self) -> dict[str, np.ndarray]:
        """Resampled particles of a calibration (:mod:`sim.batch.posterior`), as columns."""
        if self._drawn is None:
            from sim.batch.posterior import posterior_points

            points = posterior_points(self.specs, self.samples, self.seed)
            self._drawn = {s.name: as_array(s, [p[s.name] for p in points])
                           for s in self.specs}
        return self._drawn

    def _draws(self) -> np.ndarray:
        if self._unit is None:
            problem, n = salib_problem(self.specs, unit=True), self.samples
            d = len(self.specs)
            if self.method == "mc":
                self._unit = np.random.default_rng(self.seed).random((n, d))
            elif self.method == "lhs":
                from SALib.sample import latin  # imported here: scipy.stats is slow to import

                self._unit = latin.sample(problem, n, seed=self.seed)
            else:
                from SALib.sample import sobol as sobol_sample

                self._unit = sobol_sample.sample(problem, n, seed=self.seed,
                                                 calc_second_order=self.calc_second_order)
        return self._unit

    def columns(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Parameter values of points ``start`` to ``stop`` (one array per parameter)."""
        stop = self.n_points if stop is None else min(stop, self.n_points)
        if self._levels is not None:
            idx = np.arange(start, stop, dtype=np.int64)
            out: dict[str, np.ndarray] = {}
            for spec, levels in zip(reversed(self.specs), reversed(self._levels),
                                    strict=True):
                out[spec.name] = as_array(spec, levels)[idx % len(levels)]
                idx //= len(levels)
            return {s.name: out[s.name] for s in self.specs}
        if self.method == "posterior":
            return {name: col[start:stop] for name, col in self._posterior().items()}
        unit = self._draws()[start:stop]
        return {s.name: s.from_unit(unit[:, j]) for j, s in enumerate(self.specs)}

    def points(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """Points ``start`` to ``stop`` as {dotted name: plain Python value}."""
        cols = self.columns(start, stop)
        lists = [cols[s.name].tolist() for s in self.specs]
        names = [s.name for s in self.specs]
        return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]


def build_design(
    specs: list[ParamSpec], method: str, samples: int | None, seed: int,
    calc_second_order: bool = False,
) -> list[dict[str, Any]]:
    """The design points, in order, as {dotted name: value} (a small design's whole list;
    sweeps read :class:`Design` piece by piece)."""
    return Design(specs, method, samples, seed, calc_second_order).points()
