"""What a study varies: one swept parameter (:class:`ParamSpec`), read from a scenario's
``[sweep]`` table or ``--param``, checked against the schema.

Parameter metadata lives in the schema (:mod:`sim.core.scenario`): a swept range is checked
by the same function whether it comes from a scenario's ``[sweep]`` table or ``--param``.
Designs (:mod:`sim.batch.designs`), priors (:mod:`sim.batch.priors`) and posteriors
(:mod:`sim.batch.posterior`) all describe their parameters with these specs; keeping them
apart from the designs is what lets the posterior design read a calibration without an
import loop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from sim.core.scenario import Scenario, SweepRange, check_sweep_range
from sim.errors import UserError

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

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map draws on [0, 1] onto this parameter's range (an array: int64, float64, or
        object for categorical values)."""
        if self.values is not None:
            k = len(self.values)
            idx = np.minimum((u * k).astype(np.int64), k - 1)
            return as_array(self, self.values)[idx]
        assert self.low is not None and self.high is not None
        x = self.low + u * (self.high - self.low)
        if self.kind == "int":
            return np.rint(x).astype(np.int64)
        return x.astype(np.float64)

    def grid_levels(self) -> list[Any]:
        """The values a full-factorial grid visits."""
        if self.values is not None:
            return list(self.values)
        n = self.levels or DEFAULT_LEVELS
        vals = self.from_unit(np.linspace(0.0, 1.0, n)).tolist()
        return list(dict.fromkeys(vals))  # integers may collapse: keep each once


MAX_LEVELS = 10_000
"""Most grid levels of one parameter (a finer grid is a sampled design's job)."""


@dataclass(frozen=True)
class PosteriorSpec(ParamSpec):
    """A parameter drawn from a calibration's posterior sample (``--design posterior``):
    ``source`` is the calibration folder and ``digest`` its posterior file's hash, so that
    a resume against a re-run calibration is refused. low/high/values are the prior's."""

    source: str = ""
    digest: str = ""


def spec_from_range(name: str, span: SweepRange, origin: str) -> ParamSpec:
    """Check a sweep range against the parameter's schema (the one check that the
    scenario's ``[sweep]`` table also uses) and build its spec."""
    try:
        kind = check_sweep_range(name, span)
    except ValueError as exc:
        raise UserError(f"{origin}: {exc}") from None
    if kind == "category":
        assert span.values is not None
        return ParamSpec(name, "category", values=tuple(span.values))
    if span.levels is not None and span.levels > MAX_LEVELS:
        raise UserError(f"{origin}: {name}: {span.levels:,} levels; at most {MAX_LEVELS:,}",
                        hint="use --design lhs or mc for a fine spread of values")
    return ParamSpec(name, kind, span.low, span.high, span.levels)  # type: ignore[arg-type]


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
            span = SweepRange(low=low, high=high, levels=int(levels) if levels else None)
        elif ":" in spec:
            raise UserError(f"{origin}: expected low:high[:levels] with numbers, got '{spec}'")
        else:
            from sim.core.scenario import parse_value

            values = [parse_value(v.strip()) for v in spec.split(",") if v.strip()]
            span = SweepRange(values=values)
    except ValueError as exc:  # pydantic: inverted/empty range, levels < 2, mixed values
        msg = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
        raise UserError(f"{origin}: {msg.removeprefix('Value error, ')}") from None
    except OverflowError:  # 1e999
        raise UserError(f"{origin}: expected finite numbers") from None
    return spec_from_range(name, span, origin)


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


def spec_from_dict(d: dict[str, Any]) -> ParamSpec:
    """A ParamSpec back from its manifest form (:meth:`ParamSpec.to_dict`)."""
    return ParamSpec(name=d["name"], kind=d["kind"], low=d.get("low"), high=d.get("high"),
                     levels=d.get("levels"),
                     values=tuple(d["values"]) if d.get("values") is not None else None)


def as_array(spec: ParamSpec, values: Sequence[Any]) -> np.ndarray:
    """Values of one parameter as the array its kind calls for (object for categories)."""
    if spec.kind == "int":
        return np.asarray(values, dtype=np.int64)
    if spec.kind == "float":
        return np.asarray(values, dtype=np.float64)
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    return arr
