"""Simulate many parameter points with the batch engine and read the record's quantities
off them: the worker side of ``wargame calibrate`` and ``wargame hindcast``.

One task is a chunk of several hundred points, run as one call of
:func:`sim.core.engine.run_batch` (a single run costs ~10-30 ms, a run inside a batch of
hundreds well under 1 ms). A task sends back only what the caller needs: the simulated value
of every observation in every run, and (if asked) the weekly values of a few series, never
the whole state. A run's numbers depend only on its parameters and seed, so neither the
executor nor the chunking changes any result.

No pyabc here: the workers of the process pool import this module, and pyabc costs ~3 s to
import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.batch.observations import Entry, observe
from sim.core.engine import run_batch
from sim.core.scenario import Scenario, validate_scenario
from sim.core.series import SERIES_INDEX
from sim.errors import UserError

_CACHE: dict[str, dict[str, Any]] = {}


@dataclass
class Evaluated:
    """What a set of points gave, in the order given.

    ``values``: (points, entries), NaN where invalid or failed; ``status``: 'ok',
    'invalid' (the parameters do not make a valid scenario: outside the prior's support)
    or 'failed' (the run raised); ``errors``: the text for the others; ``series``:
    (points, weeks + 1, len(series names)) or None."""

    values: np.ndarray
    status: np.ndarray
    errors: list[str]
    series: np.ndarray | None = None

    @property
    def ok(self) -> np.ndarray:
        return self.status == "ok"


def _base(scenario_json: str) -> dict[str, Any]:
    """The base scenario as a plain dict, validated once per worker and kept."""
    base = _CACHE.get(scenario_json)
    if base is None:
        base = Scenario.model_validate_json(scenario_json).model_dump()
        _CACHE.clear()
        _CACHE[scenario_json] = base
    return base


def _with(base: dict[str, Any], point: dict[str, Any]) -> Scenario:
    """The base scenario with a point's values, validated as a whole (the cross-field
    rules too). Equivalent to ``Scenario.with_overrides`` for names that are known
    parameters (the prior's, checked when it was built), at a third of its cost."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for dotted, value in point.items():
        *parents, leaf = dotted.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[leaf] = value
    return validate_scenario(data, "parameter point")


def evaluate_chunk(index: int, scenario_json: str, points: list[dict[str, Any]],
                   seeds: list[int], weeks: int, entries: list[Entry],
                   series_names: tuple[str, ...] = ()) -> tuple[int, Evaluated]:
    """Run one chunk of points (one seed each) to ``weeks``; returns (index, result)."""
    base = _base(scenario_json)
    n = len(points)
    status = np.array(["ok"] * n, dtype=object)
    errors = [""] * n
    scenarios: list[Scenario | None] = []
    for i, point in enumerate(points):
        try:
            scenarios.append(_with(base, point))
        except UserError as exc:  # a point outside the valid region: rejected, not fatal
            scenarios.append(None)
            status[i], errors[i] = "invalid", str(exc).splitlines()[0]
    rows = [i for i in range(n) if scenarios[i] is not None]
    values = np.full((n, len(entries)), np.nan)
    series = np.full((n, weeks + 1, len(series_names)), np.nan) if series_names else None
    _run(rows, [scenarios[i] for i in rows], [seeds[i] for i in rows], weeks, entries,
         series_names, values, series, status, errors)
    return index, Evaluated(values, status, errors, series)


def _run(rows: list[int], scenarios: list, seeds: list[int], weeks: int,
         entries: list[Entry], names: tuple[str, ...], values: np.ndarray,
         series: np.ndarray | None, status: np.ndarray, errors: list[str]) -> None:
    """Run as one batch; if the batch raises, bisect so that only failing runs are lost
    (and kept as failed)."""
    if not rows:
        return
    try:
        res = run_batch(scenarios, seeds, weeks=weeks, keep_series=True)
    except Exception as exc:
        if len(rows) == 1:
            status[rows[0]], errors[rows[0]] = "failed", f"{type(exc).__name__}: {exc}"
            return
        half = len(rows) // 2
        for part in (slice(0, half), slice(half, None)):
            _run(rows[part], scenarios[part], seeds[part], weeks, entries, names, values,
                 series, status, errors)
        return
    full = np.empty((res.runs, weeks + 1, len(SERIES_INDEX)))
    for idx, block in res.blocks:
        full[idx] = block
    values[rows] = observe(entries, full, res.outcomes)
    if series is not None:
        series[rows] = full[:, :, [SERIES_INDEX[s] for s in names]]


def evaluate(scenario: Scenario, points: Sequence[dict[str, Any]], seeds: Sequence[int],
             weeks: int, entries: list[Entry], *, executor: Any,
             series_names: tuple[str, ...] = (), chunk: int | None = None) -> Evaluated:
    """Evaluate every point on ``executor`` (a :mod:`sim.batch.executors` executor), in
    chunks of several hundred points."""
    n = len(points)
    size = chunk or chunk_size(n, executor.workers)
    # Without its [sweep] table (which the runs do not read), a scenario re-validates for
    # each point in less than half the time: validation, not the run, dominated.
    scenario_json = scenario.model_copy(update={"sweep": {}}).model_dump_json()
    jobs = ((k, scenario_json, list(points[lo:lo + size]), [int(s) for s in seeds[lo:lo + size]],
             weeks, entries, series_names) for k, lo in enumerate(range(0, n, size)))
    parts: dict[int, Evaluated] = dict(executor.imap_unordered(evaluate_chunk, jobs))
    ordered = [parts[k] for k in sorted(parts)]
    if not ordered:
        return Evaluated(np.empty((0, len(entries))), np.array([], dtype=object), [],
                         np.empty((0, weeks + 1, len(series_names))) if series_names else None)
    return Evaluated(
        np.concatenate([p.values for p in ordered]),
        np.concatenate([p.status for p in ordered]),
        [e for p in ordered for e in p.errors],
        np.concatenate([p.series for p in ordered]) if series_names else None,  # type: ignore[misc]
    )


MIN_CHUNK = 200
"""Points per task at least: below a few hundred runs a batch of the engine is no longer
cheap per run (benchmarks/README.md)."""
MAX_CHUNK = 1000


def chunk_size(n: int, workers: int) -> int:
    """Several hundred points per task, and about two tasks per worker per call."""
    return int(np.clip(np.ceil(n / max(1, 2 * workers)), MIN_CHUNK, MAX_CHUNK))
