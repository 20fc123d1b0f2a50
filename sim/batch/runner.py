"""Run one scenario with one seed in the Mesa model, in process, and return plain data.

The one entry point for a single run that ``wargame run``, the tests and the benchmarks
share, so a single run is the same computation whoever asks for it. Many runs go through
the batch engine instead (:func:`sim.core.engine.run_batch`), which steps the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.scenario import Scenario


@dataclass
class RunResult:
    """What one run produced: its outcomes, the weekly series and the event log."""

    seed: int
    outcomes: dict[str, Any]
    series: dict[str, np.ndarray]
    events: list[tuple[int, str]] = field(default_factory=list)


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
