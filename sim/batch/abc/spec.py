"""What defines a calibration, when it stops, and what each generation reports.

A resume must match the :class:`CalibrationSpec` exactly (its :meth:`~CalibrationSpec.
to_dict` is stored in the manifest and compared); the :class:`StopRules` may change on
``--resume``, since they do not change finished generations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.batch.observations import Entry, Record
from sim.batch.priors import Prior
from sim.batch.provenance import scenario_hash
from sim.core.scenario import Scenario

FORMAT_VERSION = 1
"""Of a calibration folder (manifest, generations/, posterior.parquet)."""


class CalibrationInterrupted(Exception):
    """Ctrl-C during a calibration, after the finished rounds were kept."""


@dataclass
class CalibrationSpec:
    """What defines a calibration's numbers (a resume must match it exactly).

    ``distance``: a name of :data:`sim.batch.abc.distance.DISTANCES`; ``alpha``: the
    quantile of the last population's distances that the next generation must reach."""

    scenario: Scenario
    prior: Prior
    record: Record
    entries: list[Entry]
    weeks: int
    until_week: int | None
    population: int
    alpha: float = 0.5
    distance: str = "range"
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario_hash": scenario_hash(self.scenario),
            "record_digest": self.record.digest,
            "observations": [e.id for e in self.entries], "weeks": self.weeks,
            "until_week": self.until_week, "population": self.population,
            "alpha": self.alpha, "distance": self.distance, "seed": self.seed,
            "prior": [s.to_dict() for s in self.prior.specs],
        }


@dataclass
class GenerationInfo:
    """One finished generation, as the manifest and the progress lines report it."""

    t: int
    epsilon: float
    accepted: int
    simulations: int
    invalid: int
    failed: int
    acceptance_rate: float
    ess: float
    seconds: float
    distance_weights: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["epsilon"] = None if math.isinf(self.epsilon) else self.epsilon
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GenerationInfo:
        d = dict(d)
        d["epsilon"] = math.inf if d.get("epsilon") is None else d["epsilon"]
        return cls(**d)


@dataclass
class StopRules:
    """When to stop (may change on --resume: they do not change finished generations).
    Every rule is read by :meth:`reason`, so a new rule is a field and a line there."""

    generations: int = 10
    min_epsilon: float = 0.0
    max_simulations: int = 2_000_000
    min_acceptance: float = 0.005

    def reason(self, done: list[GenerationInfo], simulations: int) -> str:
        """Why the calibration stops after the generations ``done`` ("" to go on)."""
        if not done:
            return ""
        last = done[-1]
        if len(done) >= self.generations:
            return f"{self.generations} generations done"
        if len(done) > 1 and last.epsilon <= 0.0:
            return "epsilon reached 0: every accepted particle matches every observation"
        if len(done) > 1 and last.epsilon <= self.min_epsilon:
            return f"epsilon {last.epsilon:.4g} <= --min-epsilon {self.min_epsilon:g}"
        if len(done) > 1 and last.acceptance_rate < self.min_acceptance:
            return f"acceptance rate below {self.min_acceptance:g}"
        if simulations >= self.max_simulations:
            return "simulation budget spent"
        return ""


@dataclass
class CalibrationResult:
    """What a calibration did, for the summary line."""

    out: Path
    generations: list[GenerationInfo]
    stop_reason: str
    simulations: int
    seconds: float
    manifest: dict[str, Any]
