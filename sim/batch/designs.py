"""Experimental designs over a scenario's uncertain parameters.

Every design is drawn on the unit hypercube and then mapped onto each parameter's range,
so one mapping serves all of them: floats scale linearly, integers round, categories take
the value whose equal-width slice of [0, 1) the draw falls in. The samplers are SALib's
(Latin hypercube, Sobol/Saltelli) and numpy's (Monte Carlo); the full-factorial grid is
``itertools.product`` over each parameter's levels.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from sim.core.scenario import Scenario, SweepRange, parameter_info, parameter_names
from sim.errors import UserError

Method = Literal["grid", "mc", "lhs", "sobol", "posterior"]
METHODS: tuple[str, ...] = ("grid", "mc", "lhs", "sobol", "posterior")
DEFAULT_LEVELS = 3
"""Grid levels for a numeric parameter that gives none (low, middle, high)."""


@dataclass(frozen=True)
class ParamSpec:
    """One swept parameter: its dotted name, kind and range (or categorical values)."""

    name: str
    kind: Literal["float", "int", "category"]
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    values: tuple[Any, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["values"] = list(self.values) if self.values is not None else None
        return d

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map draws on [0, 1] onto this parameter's range."""
        if self.values is not None:
            k = len(self.values)
            idx = np.minimum((u * k).astype(int), k - 1)
            return [self.values[i] for i in idx]
        assert self.low is not None and self.high is not None
        x = self.low + u * (self.high - self.low)
        if self.kind == "int":
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]

    def grid_levels(self) -> list[Any]:
        """The values a full-factorial grid visits."""
        if self.values is not None:
            return list(self.values)
        n = self.levels or DEFAULT_LEVELS
        vals = self.from_unit(np.linspace(0.0, 1.0, n))
        return list(dict.fromkeys(vals))  # integers may collapse: keep each once


@dataclass(frozen=True)
class PosteriorSpec(ParamSpec):
    """A parameter drawn from a calibration's posterior sample (``--design posterior``):
    ``source`` is the calibration folder and ``digest`` its posterior file's hash, so that
    a resume against a re-run calibration is refused. low/high/values are the prior's."""

    source: str = ""
    digest: str = ""


def spec_from_range(name: str, rng: SweepRange, origin: str) -> ParamSpec:
    """Validate a sweep range against the parameter's schema and build its spec."""
    if name not in parameter_names() or name == "start_date":
        from difflib import get_close_matches

        close = get_close_matches(name, parameter_names(), n=1)
        hint = f"did you mean {close[0]}?" if close else "run `wargame describe` to list them"
        raise UserError(f"{origin}: '{name}' is not a parameter", hint=hint)
    info = parameter_info(name)
    kind = info["type"] if info["type"] in ("int", "category") else "float"
    if rng.values is not None:
        choices = info.get("choices")
        if choices is not None and any(v not in choices for v in rng.values):
            raise UserError(f"{origin}: {name}: values {rng.values} must be among {choices}")
        return ParamSpec(name, "category", values=tuple(rng.values))
    if kind == "category":
        raise UserError(f"{origin}: {name} is a category: give its values, e.g. "
                        f"{name}={','.join(info.get('choices', []))}")
    assert rng.low is not None and rng.high is not None
    lo_bound = info.get("ge", info.get("gt", -np.inf))
    hi_bound = info.get("le", np.inf)
    if rng.low < lo_bound or rng.high > hi_bound:
        raise UserError(
            f"{origin}: {name}: range {rng.low:g}:{rng.high:g} leaves the parameter's bounds "
            f"{lo_bound:g}:{hi_bound:g}"
        )
    return ParamSpec(name, kind, rng.low, rng.high, rng.levels)


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^({_NUM}):({_NUM})(?::(\d+))?$")


def parse_param(text: str) -> ParamSpec:
    """``--param name=low:high[:levels]`` or the categorical ``--param name=a,b,c``."""
    origin = f"--param {text}"
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name or not spec:
        raise UserError(f"{origin}: expected name=low:high[:levels] or name=a,b,c")
    m = _RANGE.match(spec)
    try:
        if m:
            low, high, levels = float(m[1]), float(m[2]), m[3]
            rng = SweepRange(low=low, high=high, levels=int(levels) if levels else None)
        elif ":" in spec:
            raise UserError(f"{origin}: expected low:high[:levels] with numbers, got '{spec}'")
        else:
            from sim.core.scenario import parse_value

            values = [parse_value(v.strip()) for v in spec.split(",") if v.strip()]
            rng = SweepRange(values=values)
    except ValueError as exc:  # pydantic: inverted/empty range, levels < 2
        msg = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
        raise UserError(f"{origin}: {msg.removeprefix('Value error, ')}") from None
    return spec_from_range(name, rng, origin)


def specs_for(scenario: Scenario, params: list[str], origin: str) -> list[ParamSpec]:
    """The swept parameters: the ``--param`` list if given, else the scenario's [sweep]."""
    if params:
        specs = [parse_param(p) for p in params]
    else:
        specs = [spec_from_range(n, r, f"{origin} [sweep]") for n, r in scenario.sweep.items()]
    if not specs:
        raise UserError(
            f"{origin}: nothing to sweep: the scenario has no [sweep] table and no --param "
            "was given"
        )
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise UserError(f"{origin}: a parameter is swept twice: {names}")
    return specs


def build_design(
    specs: list[ParamSpec], method: str, samples: int | None, seed: int,
    calc_second_order: bool = False,
) -> list[dict[str, Any]]:
    """The design points, in order, as {dotted name: value}.

    ``samples``: Monte Carlo and Latin hypercube draw that many points; Sobol uses SALib's
    Saltelli scheme with base sample N = samples, giving N(D+2) points (N(2D+2) with
    second-order indices); grid ignores it; posterior resamples that many particles of
    the calibration the specs name (:class:`PosteriorSpec`) in proportion to their weights.
    """
    d = len(specs)
    if method == "posterior":
        from sim.batch.posterior import posterior_points

        return posterior_points(specs, samples, seed)
    if method == "grid":
        levels = [s.grid_levels() for s in specs]
        return [dict(zip([s.name for s in specs], combo, strict=True))
                for combo in itertools.product(*levels)]
    if samples is None or samples < 1:
        raise UserError(f"--samples: design '{method}' needs a whole number >= 1")
    problem = {"num_vars": d, "names": [s.name for s in specs], "bounds": [[0.0, 1.0]] * d}
    if method == "mc":
        unit = np.random.default_rng(seed).random((samples, d))
    elif method == "lhs":
        from SALib.sample import latin  # imported here: scipy.stats is slow to import

        unit = latin.sample(problem, samples, seed=seed)
    elif method == "sobol":
        if samples & (samples - 1):
            raise UserError(f"--samples: Sobol needs a power of two, got {samples}",
                            hint=f"try {1 << max(samples - 1, 1).bit_length()}")
        from SALib.sample import sobol as sobol_sample

        unit = sobol_sample.sample(problem, samples, calc_second_order=calc_second_order,
                                   seed=seed)
    else:
        raise UserError(f"--design: expected one of {', '.join(METHODS)}, got '{method}'")
    columns = [s.from_unit(unit[:, j]) for j, s in enumerate(specs)]
    return [dict(zip([s.name for s in specs], row, strict=True)) for row in zip(*columns,
                                                                               strict=True)]
