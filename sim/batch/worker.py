"""A sweep's worker: run one chunk of tasks as one batch of the engine and return Arrow
tables of its runs and weekly series.

This is what every worker process imports (the forkserver loads it once:
:data:`sim.batch.executors.WORKER_MODULES`), so it imports only what a run needs: the batch
engine, the scenario schema and pyarrow. Never Mesa (~1.4 s in every process that starts)
nor pandas: the engine needs neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from sim.batch.tables import runs_table, series_table
from sim.batch.tasks import Task
from sim.core.engine import run_batch
from sim.core.outcomes import NAMES, outcomes_of
from sim.core.scenario import Scenario

_SCENARIO_CACHE: dict[str, Scenario] = {}


def _scenario(scenario_json: str) -> Scenario:
    """A scenario from its JSON, validated once per worker."""
    sc = _SCENARIO_CACHE.get(scenario_json)
    if sc is None:
        if len(_SCENARIO_CACHE) > 64:
            _SCENARIO_CACHE.clear()
        sc = _SCENARIO_CACHE[scenario_json] = Scenario.model_validate_json(scenario_json)
    return sc


def run_chunk(
    scenarios_json: dict[str, str], tasks: list[Task], weeks: int | None, with_series: bool,
    schema: pa.Schema, batch_size: int | None = None,
) -> tuple[pa.Table, pa.Table | None]:
    """Run a chunk of tasks in a worker, as one batch of the engine; returns the runs
    table and (if asked) the weekly series table. ``scenarios_json``: the scenario each
    policy's runs start from ("" in an ordinary sweep).

    A point whose parameters do not validate, or a run that raises, becomes a ``failed``
    row with its error text; the chunk goes on. ``duration_s`` of a run is its share of its
    batch's time.
    """
    points: dict[tuple[str, int], Scenario | Exception] = {}
    for t in tasks:
        if (t.policy, t.point_id) not in points:
            try:
                points[t.policy, t.point_id] = _scenario(
                    scenarios_json[t.policy]).with_overrides(
                    t.values, origin=f"design point {t.point_id}")
            except Exception as exc:  # kept as a failed row, never lost: the sweep goes on
                points[t.policy, t.point_id] = exc
    n = len(tasks)
    errors: list[Exception | None] = [
        p if isinstance(p, Exception) else None
        for p in (points[t.policy, t.point_id] for t in tasks)]
    rows = [i for i in range(n) if errors[i] is None]
    outcomes, blocks, seconds = _run_isolated(
        [points[tasks[i].policy, tasks[i].point_id] for i in rows],  # type: ignore[misc]
        [tasks[i].seed for i in rows], weeks, with_series, batch_size)
    columns: dict[str, Any] = {name: [None] * n for name in NAMES}
    duration = np.zeros(n)
    series_ids, series_blocks = [], []
    for i, row, block, sec in zip(rows, outcomes, blocks, seconds, strict=True):
        if isinstance(row, Exception):
            errors[i] = row
            continue
        for name in NAMES:
            columns[name][i] = row[name]
        duration[i] = sec
        if block is not None:
            series_ids.append(tasks[i].run_id)
            series_blocks.append(block)
    columns.update({
        "run_id": [t.run_id for t in tasks], "point_id": [t.point_id for t in tasks],
        "replicate": [t.replicate for t in tasks], "seed": [t.seed for t in tasks],
        "status": ["ok" if e is None else "failed" for e in errors],
        "error": ["" if e is None else f"{type(e).__name__}: {e}" for e in errors],
        "duration_s": duration,
    })
    for name in tasks[0].values if tasks else ():
        columns[name] = [t.values[name] for t in tasks]
    if "policy" in schema.names:
        columns["policy"] = [t.policy for t in tasks]
    runs = runs_table(schema, columns, n)
    series = series_table(np.array(series_ids), series_blocks) if with_series else None
    return runs, series


def _run_isolated(scenarios: list[Scenario], seeds: list[int], weeks: int | None,
                  with_series: bool, batch_size: int | None,
                  ) -> tuple[list[dict[str, Any] | Exception], list[np.ndarray | None],
                             list[float]]:
    """Run all as one batch: per run its outcomes (or the error), its series block and its
    share of the time. If the batch raises, each run is run alone, so that only the runs
    that fail are lost and their errors are kept."""
    if not scenarios:
        return [], [], []
    try:
        res = run_batch(scenarios, seeds, weeks=weeks, keep_series=with_series,
                        batch_size=batch_size)
    except Exception as exc:
        if len(scenarios) == 1:
            return [exc], [None], [0.0]
        out: tuple[list, list, list] = ([], [], [])
        for sc, seed in zip(scenarios, seeds, strict=True):
            for acc, part in zip(out, _run_isolated([sc], [seed], weeks, with_series,
                                                   batch_size), strict=True):
                acc += part
        return out
    share = res.seconds / res.runs
    outcomes = [outcomes_of(res.outcomes, i) for i in range(res.runs)]
    blocks = [res.series_block(i) if with_series else None for i in range(res.runs)]
    return outcomes, blocks, [share] * res.runs
