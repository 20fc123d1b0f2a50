"""Worker processes for one analysis command: figures and estimators run on every core.

What runs in a worker is a module-level function of small, already computed data
(histogram bins, quantiles, a sample of runs, parameter matrices of a few thousand rows),
never the store, so sending it costs nothing. The cost of `plot` is drawing (~0.15 s a
figure, ~30 figures for a sweep); the cost of `analyze` is the forests and PRIM. Both
spread over the cores.

Workers come from a forkserver (never a fork of this process, which may hold DuckDB's
threads). :func:`start_server` starts it early with the heavy imports (matplotlib,
scikit-learn) preloaded, so that they run on another core while this process opens the
store, and every worker starts with them done.

With one core, or a single task, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any

MAX_WORKERS = 4
"""Workers per command at most, however many cores: a command has ~30 figures and a
handful of forests, and each worker holds ~200 MB (matplotlib, scikit-learn, pandas)."""

PRELOAD_FIGURES = ("sim.analysis.plots",)
PRELOAD_ESTIMATORS = ("sim.analysis.worker",)


def _context() -> multiprocessing.context.BaseContext:
    return multiprocessing.get_context("forkserver")


def start_server(preload: Sequence[str] = PRELOAD_FIGURES) -> None:
    """Start the forkserver workers are forked from, importing ``preload`` there
    (idempotent; if a forkserver already runs, its imports stay as they are)."""
    from multiprocessing import forkserver

    ctx = _context()
    ctx.set_forkserver_preload(list(preload))
    forkserver.ensure_running()


class Workers:
    """A pool of worker processes, started on first use; in-process with one core."""

    def __init__(self, n: int | None = None, preload: Sequence[str] = PRELOAD_FIGURES) -> None:
        from sim.batch.executors import default_workers

        self.n = n if n is not None else min(default_workers(), MAX_WORKERS)
        self.preload = tuple(preload)
        self._pool: ProcessPoolExecutor | None = None

    @property
    def parallel(self) -> bool:
        return self.n >= 2

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            start_server(self.preload)
            self._pool = ProcessPoolExecutor(max_workers=self.n, mp_context=_context())
        return self._pool

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker; in this process (already done) without one."""
        if self.parallel:
            return self._get_pool().submit(fn, *args)
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:  # re-raised by fut.result(), as from a worker
            fut.set_exception(exc)
        return fut

    def map(self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]],
            advance: Callable[[], None] | None = None) -> list[Any]:
        """``[fn(*args) for args in calls]``, spread over the workers when there are at
        least two calls; ``advance`` is called as each finishes."""
        if not self.parallel or len(calls) < 2:
            out = []
            for args in calls:
                out.append(fn(*args))
                if advance:
                    advance()
            return out
        futures = {self._get_pool().submit(fn, *args): i for i, args in enumerate(calls)}
        results: dict[int, Any] = {}
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            if advance:
                advance()
        return [results[i] for i in range(len(calls))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
