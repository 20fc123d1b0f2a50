"""The week's order of rules, and the batch driver.

:func:`step_week` is the one place that says in which order the rules run; the Mesa model
(:mod:`sim.core.model`, a batch of one) and :func:`run_batch` (thousands of runs) both call
it.

**The week convention.** Week w is the w-th week after the scenario's start date (days 7w
to 7w + 6; week 0 starts on 28 October 2024), as in the public record. Everything that
happens in week w is dated w: the injects due that week, units entering the line, the
fighting, the actors' decisions; and the weekly series at week w is the state at the end of
week w. ``s.week`` is the week being played (before :func:`step_week`: the next one, which
is also the number of weeks played). A run plays weeks 0 to its horizon (the scenario's
``weeks``), so its series has ``weeks + 1`` rows; a state "at week W" (a branch's
``--at-week``, a snapshot taken after W steps) stands at the start of week W, before W's
injects.

Order within a week: the injects due that week (:mod:`sim.core.injects`), North Korean
units entering the line, the week's fighting on every contested column
(:mod:`sim.core.combat`) and, after Kursk, of North Korean troops in their new role, then
the actors' rules in the registry's order (:data:`sim.core.actors.ACTORS`: Russia, North
Korea, Ukraine, China, South Korea, NATO/US), the escalation index, and the week's row of
the series.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.core import combat, escalation, injects, series
from sim.core.actors import ACTORS, north_korea
from sim.core.outcomes import outcome_columns
from sim.core.paramtable import Params
from sim.core.scenario import Scenario
from sim.core.state import BatchState, new_state, shape_key

BATCH_MEMORY_BYTES = 48 * 2**20
"""Working memory a batch may use; batches are sized to stay within it (measured: a
baseline run needs ~60 kB while it runs, so ~800 runs a batch). Larger batches gain
nothing (benchmarks/README.md) and would make memory grow with the sweep."""

_BYTES_PER_SLOT = 400  # ~50 float arrays of (runs, slots) alive at once during a week
_MIN_BATCH, _MAX_BATCH = 8, 4096


def step_week(s: BatchState) -> None:
    """Play week ``s.week`` in every run of the batch, log its row of the series, and stand
    at the start of the next week (nothing past the horizon)."""
    if s.week > s.horizon:
        return
    injects.apply(s)
    north_korea.enter(s)
    combat.fight(s)
    north_korea.fight_beyond_kursk(s)
    for actor in ACTORS:
        actor.step(s)
    escalation.update(s)
    series.log_week(s)
    s.week += 1


def start(p: Params, seeds: Sequence[int] | np.ndarray, horizon: int,
          keep_series: bool = True, reserve_waves: tuple[int, ...] = ()) -> BatchState:
    """A batch at the start of week 0, nothing played yet (``reserve_waves``: see
    :func:`sim.core.state.new_state`)."""
    return new_state(p, seeds, horizon, series=len(series.SERIES) if keep_series else 0,
                     reserve_waves=reserve_waves)


def run_to_horizon(s: BatchState) -> BatchState:
    """Play every run to the end of its horizon week; returns the state for chaining."""
    while s.week <= s.horizon:
        step_week(s)
    return s


@dataclass
class BatchResult:
    """What :func:`run_batch` produced, in the order the runs were given.

    ``outcomes``: one array per outcome (:mod:`sim.core.outcomes`). ``blocks``: the weekly
    series of runs that share a horizon, as (run indices, array of shape (runs, weeks + 1,
    series)), empty when series were not kept.
    """

    outcomes: dict[str, np.ndarray]
    horizons: np.ndarray
    blocks: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def runs(self) -> int:
        return len(self.horizons)

    def series_block(self, run: int) -> np.ndarray:
        """The weekly series of one run: shape (weeks + 1, series), SERIES order."""
        for rows, block in self.blocks:
            hit = np.flatnonzero(rows == run)
            if hit.size:
                return block[hit[0]]
        raise KeyError(f"no series kept for run {run}")

    def series_of(self, run: int) -> dict[str, np.ndarray]:
        """The weekly series of one run, by name."""
        block = self.series_block(run)
        return {name: block[:, i] for i, name in enumerate(series.SERIES_NAMES)}


def batch_size_for(slots: int, horizon: int) -> int:
    """Runs per batch that keep a batch's working memory within BATCH_MEMORY_BYTES."""
    per_run = slots * _BYTES_PER_SLOT + (horizon + 1) * len(series.SERIES) * 8
    return int(np.clip(BATCH_MEMORY_BYTES // max(per_run, 1), _MIN_BATCH, _MAX_BATCH))


def run_batch(scenarios: Sequence[Scenario], seeds: Sequence[int] | np.ndarray, *,
              weeks: int | None = None, keep_series: bool = True,
              batch_size: int | None = None) -> BatchResult:
    """Run ``scenarios[i]`` with ``seeds[i]`` for every i, many at once.

    Runs are grouped by what must be shared inside a batch (horizon and map shape) and cut
    into batches of ``batch_size`` (default: sized to memory). A run's numbers depend only
    on its scenario and seed, never on its batch, its neighbours or their order.
    """
    t0 = time.perf_counter()
    if len(scenarios) != len(seeds):
        raise ValueError("one seed per scenario")
    n = len(scenarios)
    p = Params.from_scenarios(scenarios)
    seeds = np.asarray(seeds, dtype=np.int64)
    keys = [shape_key(p, r, weeks) for r in range(n)]
    horizons = np.array([k[0] for k in keys], dtype=np.int64)
    outcomes: dict[str, np.ndarray] = {}
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    for key in dict.fromkeys(keys):
        rows = np.array([r for r in range(n) if keys[r] == key], dtype=np.int64)
        size = batch_size or _auto_size(p, rows, key[0])
        for lo in range(0, len(rows), size):
            idx = rows[lo:lo + size]
            s = run_to_horizon(start(p.take(idx), seeds[idx], key[0], keep_series))
            for name, col in outcome_columns(s).items():
                if name not in outcomes:
                    outcomes[name] = np.empty(n, dtype=col.dtype)
                outcomes[name][idx] = col
            if keep_series:
                blocks.append((idx, s.series_log))
    return BatchResult(outcomes, horizons, blocks, time.perf_counter() - t0)


def _auto_size(p: Params, rows: np.ndarray, horizon: int) -> int:
    f, nk = p.front, p.north_korea
    troops = (p.ukraine.troops_kursk + p.russia.troops_kursk + nk.troops_to_kursk
              + nk.max_waves * nk.wave_size)[rows]
    slots = int((troops / f.unit_size[rows]).max()) + 4 + int(nk.max_waves[rows].max())
    return batch_size_for(slots, horizon)
