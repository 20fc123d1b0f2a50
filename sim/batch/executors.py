"""Where chunks of runs execute: in process, in a local process pool, or on Dask.

All three follow one contract (:class:`Executor`, as EMA Workbench's ``BaseEvaluator``):
``imap_unordered(fn, jobs)`` gives results back as chunks finish, with a bounded number of
chunks in flight, so memory stays flat however long the sweep and an interrupted sweep loses
at most the chunks in flight; ``close()`` releases the workers, and ``with`` does it on any
exit. Results never depend on the executor: each run's seed is fixed before it is sent
anywhere. How a command executes is one :class:`Execution` object, made once by the CLI.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import select
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from sim.errors import UserError

EXECUTORS: tuple[str, ...] = ("serial", "process", "dask")
WORKER_MODULES: tuple[str, ...] = ("sim.batch.worker", "sim.batch.evaluate")
"""What a local worker runs (a sweep's chunks, a calibration's candidates): imported once by
the forkserver, so that every worker forked from it starts with them loaded."""


@runtime_checkable
class Executor(Protocol):
    """Where chunks run. ``fn`` must be importable by name (a module-level function), and
    ``jobs`` are its argument tuples; results come back in the order chunks finish."""

    workers: int

    def imap_unordered(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        """Results of ``fn(*job)`` as they finish, a bounded number in flight."""
        ...

    def close(self) -> None:
        """Release the workers (waiting for those still running)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class ExecutorBase:
    """The context manager every executor shares: ``close()`` on leaving the block,
    whatever ends it."""

    workers: int = 1

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@dataclass(frozen=True)
class Execution:
    """How a command executes its runs (never what they compute: results do not depend on
    any of these). Made once from the command line and handed down whole.

    ``chunk_size``: runs per task (None: automatic); ``batch_size``: runs the engine steps
    together (None: sized to memory); ``batch_rows``: runs per Parquet part at most (a part
    is also written when 32 MB of results wait); ``progress``: show a progress bar."""

    executor: str = "process"
    workers: int = 1
    scheduler: str | None = None
    chunk_size: int | None = None
    batch_size: int | None = None
    batch_rows: int = 5000
    progress: bool = False

    def start(self) -> Executor:
        """The executor, started (use it in a ``with`` block)."""
        return make_executor(self.executor, self.workers, self.scheduler)


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def useful_workers(requested: int, executor: str, scheduler: str | None) -> int:
    """The worker count that helps: at least 1 (fewer is refused), at most the cores here
    for local workers (more would only compete for them); a remote Dask cluster brings its
    own workers, so there the count is left as given."""
    if requested < 1:
        raise UserError(f"--workers: expected a whole number >= 1, got {requested}")
    if executor == "serial":
        return 1
    if executor == "dask" and scheduler:
        return requested
    return min(requested, default_workers())


_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+):(\d{1,5})$")


def probe_scheduler(address: str, timeout: float = 5.0) -> None:
    """Check, before a sweep writes anything, that a Dask scheduler answers at
    ``address`` (a TCP connection; the Dask handshake comes later)."""
    m = _ADDRESS.match(address.strip())
    if not m:
        raise UserError(f"--scheduler {address!r}: expected tcp://HOST:PORT, "
                        "e.g. tcp://127.0.0.1:8786")
    host, port = m[2].strip("[]"), int(m[3])
    if not 0 < port < 65536:
        raise UserError(f"--scheduler {address}: port {port} is not in 1-65535")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserError(f"--scheduler {address}: cannot reach the Dask scheduler ({reason})",
                        hint="start one with `dask scheduler`, or leave out --scheduler for "
                        "a local cluster") from None


def _watch_parent(pid: int) -> None:
    """Exit this worker as soon as process ``pid`` (the sweep) is gone, so that a sweep
    killed with -9 leaves no worker computing, writing, or holding its caller's pipes."""
    try:
        fd = os.pidfd_open(pid)  # Linux >= 5.3: readable once the process has exited
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])
    else:
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            time.sleep(0.5)
    os._exit(1)


def init_worker(parent_pid: int) -> None:
    """Set up a local worker process: Ctrl-C is the sweep's to handle (the worker would
    only print a traceback), and the worker exits on its own when the sweep is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="wargame-parent-watch").start()


class SerialExecutor(ExecutorBase):
    """Runs chunks one after another in this process (the reference for the others)."""

    workers = 1

    def imap_unordered(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        for args in jobs:
            yield fn(*args)


def start_forkserver() -> multiprocessing.context.BaseContext:
    """Start the forkserver that local workers are forked from, importing the model there.

    Idempotent. Called early by ``wargame sweep`` so that the server's imports (the batch
    engine with numpy, scipy.special, pydantic and pyarrow: ~0.7 s; not Mesa, which the
    engine does not need) run on another core while this process imports the same.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(WORKER_MODULES))
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return ctx


class ProcessExecutor(ExecutorBase):
    """A local process pool. Workers come from a forkserver that has already imported the
    model (fast start, and safe with the threads a progress bar or Dask may hold)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=start_forkserver(),
                                        initializer=init_worker, initargs=(os.getpid(),))

    def imap_unordered(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        window = 2 * self.workers
        pending: set[Future] = set()
        it = iter(jobs)
        for args in it:
            pending.add(self.pool.submit(fn, *args))
            if len(pending) >= window:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                for args in it:
                    pending.add(self.pool.submit(fn, *args))
                    break
                yield fut.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(ExecutorBase):
    """Dask distributed: a scheduler address, or a LocalCluster on loopback when none is
    given. Workers must be able to import ``sim`` (install the project on them)."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserError(
                "--executor dask needs Dask distributed", hint="pip install -e '.[dask]'"
            ) from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s")
            else:
                self.cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") \
                from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)

    def imap_unordered(self, fn: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        from distributed import as_completed

        window = 2 * self.workers
        it = iter(jobs)
        first = [self.client.submit(fn, *args, pure=False) for _, args in zip(range(window), it,
                                                                              strict=False)]
        ac = as_completed(first)
        for fut in ac:
            for args in it:
                ac.add(self.client.submit(fn, *args, pure=False))
                break
            yield fut.result()
            fut.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(name: str, workers: int, scheduler: str | None) -> Executor:
    """The executor for ``--executor``; one worker means in-process for 'process'."""
    if workers < 1:
        raise UserError(f"--workers: expected a whole number >= 1, got {workers}")
    if name == "serial" or (name == "process" and workers == 1):
        return SerialExecutor()
    if name == "process":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    raise UserError(f"--executor: expected one of {', '.join(EXECUTORS)}, got '{name}'")
