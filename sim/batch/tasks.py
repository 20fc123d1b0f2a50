"""The runs of a sweep as named tasks, made a block at a time from the design.

A run is identified by (policy, point, replicate): its id is ``(policy index x points +
point) x replicates + replicate`` and its seed ``derive_seed(base_seed, point, replicate)``
(:mod:`sim.core.seeds`), fixed before any executor sees it. That is why results do not
depend on the executor or the number of workers, why every policy meets the same luck in
the same future, and why ``wargame run --from-sweep DIR --run-id N`` reproduces a row.

A :class:`Task` is EMA Workbench's ``Experiment`` for one run: a named description of what to run,
instead of a bare tuple read by position. It is a ``NamedTuple`` because tasks cross to the
workers by the thousand: it pickles as compactly as the tuple it replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from sim.core.seeds import derive_seed

if TYPE_CHECKING:
    from sim.batch.designs import Design

MAX_CHUNK = 500
"""Runs per task at most: one batch of the engine (~0.5 s), so the bar keeps moving and an
interrupted sweep loses little. The engine's cost per run stops falling at a few hundred
runs a batch (0.69 ms at 250, 0.64 at 500 and at 1,000: ``benchmarks/README.md``), while
a worker's memory and a result in flight (~17 KB of weekly series a run) grow with it."""


class Task(NamedTuple):
    """One run of a sweep."""

    run_id: int
    point_id: int
    replicate: int
    seed: int
    values: dict[str, Any]
    """The design point's parameter values, {dotted name: value}."""
    policy: str
    """The policy the run follows ("" in a sweep without policies)."""


def iter_tasks(design: Design, replicates: int, base_seed: int, done: np.ndarray,
               policies: list[str] | None = None, block: int = 4096) -> Iterator[Task]:
    """The runs still to do, in run-id order, made a block at a time from the design (a
    sweep of millions of runs starts at once and holds only a block).

    In a policy sweep the run ids go policy by policy; every policy runs every design point
    (a future of the uncertainties) with the same seeds, derived from (point, replicate)
    alone: common random numbers."""
    policies = policies or [""]
    per_policy = design.n_points * replicates
    for start in range(0, len(done), block):
        ids = np.flatnonzero(~done[start:start + block]) + start
        for pi in np.unique(ids // per_policy).tolist():  # a block may cross a policy
            mine = ids[ids // per_policy == pi] - pi * per_policy
            first = int(mine[0]) // replicates
            points = design.points(first, int(mine[-1]) // replicates + 1)
            for rest in mine.tolist():
                point, rep = divmod(rest, replicates)
                yield Task(pi * per_policy + rest, point, rep, derive_seed(base_seed, point, rep),
                           points[point - first], policies[pi])


def run_address(run_id: int, n_points: int, replicates: int) -> tuple[int, int, int]:
    """(policy index, point, replicate) of a run id: the inverse of the numbering above."""
    policy, rest = divmod(run_id, n_points * replicates)
    point, replicate = divmod(rest, replicates)
    return policy, point, replicate


def auto_chunk(n_runs: int, workers: int) -> int:
    """Many runs per task, since the engine runs a task's runs as one batch (the larger
    the batch, the cheaper each run, up to a few hundred); but at least 4 tasks per worker,
    so that no worker idles long at the end of the sweep."""
    return int(max(1, min(MAX_CHUNK, np.ceil(n_runs / (workers * 4)))))
