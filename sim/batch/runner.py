"""Run one scenario with one seed, in process, and return plain data.

This is the single entry point that the CLI, the sweep executors and the benchmarks share,
so a run is the same computation whoever asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.scenario import Scenario


@dataclass
class RunResult:
    """What one run produced: the outcome record, the weekly series and the event log."""

    seed: int
    outcomes: dict[str, Any]
    series: dict[str, np.ndarray]
    events: list[tuple[int, str]] = field(default_factory=list)


def derive_seed(base_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate) of a sweep with ``base_seed``.

    Derived with numpy's ``SeedSequence`` (entropy = base seed, spawn key = (point,
    replicate)), so streams are independent, any run can be re-run alone with
    ``wargame run --seed <seed>``, and the result does not depend on which worker ran it.
    """
    ss = np.random.SeedSequence(entropy=base_seed, spawn_key=(point, replicate))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_scenario(scenario: Scenario, seed: int, weeks: int | None = None) -> RunResult:
    """Run ``scenario`` to its horizon (or ``weeks``) with ``seed``: the Mesa model, a batch
    of one. Mesa is imported here, not at the top: sweeps and calibration run the batch
    engine alone, and importing Mesa (with scipy and its logging set-up) costs ~1.4 s in
    every process that starts."""
    from sim.core.model import EscalationModel

    model = EscalationModel(scenario, rng=seed, weeks=weeks).run()
    return RunResult(
        seed=seed, outcomes=model.outcomes(), series=model.series(), events=list(model.events)
    )
