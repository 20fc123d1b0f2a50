"""Batch sweeps: plan the runs of a design, execute them in chunks, stream them to a store.

The runs are named tasks (:mod:`sim.batch.tasks`: ids and seeds fixed before any executor
sees them, so results do not depend on the executor or the number of workers); a worker
runs a chunk of them as one batch of the engine (:mod:`sim.batch.worker`); one stored run
can be re-run alone (:mod:`sim.batch.rerun`); a resume must match the stored sweep's
identity (:mod:`sim.batch.identity`).

Order of work, so that bad input never leaves anything behind: every check (the design and
its size, the workers, the scheduler, the store: format, code, time-series choice, scenario
and design of a resume) runs before the store folder is created; then the store's lock is
taken for the whole sweep; the plan is streamed (tasks are made chunk by chunk from the
design, never held whole); finished chunks are flushed to Parquet parts; an interruption
(Ctrl-C, SIGTERM, SIGHUP) flushes what finished and marks the manifest "interrupted".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.batch.adaptive import replicate_rounds, verdict
from sim.batch.designs import Design
from sim.batch.executors import Execution, Executor, probe_scheduler, useful_workers
from sim.batch.identity import IDENTITY_FIELDS, check_target, points_table, sweep_identity
from sim.batch.provenance import ScenarioFile, now, scenario_hash, stamp
from sim.batch.specs import ParamSpec
from sim.batch.store import IDENTITY_KEY, Store, StoreWarning, sweep_status
from sim.batch.tables import param_type, runs_schema
from sim.batch.tasks import auto_chunk, iter_tasks
from sim.batch.worker import run_chunk
from sim.core.moves import Policy
from sim.core.policies import apply_policy
from sim.core.scenario import Scenario
from sim.errors import UserError
from sim.outdir import check_location

MAX_RUNS = 10_000_000
"""Runs in one sweep at most. A larger study is several sweeps (different --seed)."""

FLUSH_BYTES = 32 * 2**20
"""Finished runs are written as a Parquet part when ``batch_rows`` runs or this many bytes
of Arrow data (runs and weekly series) are waiting, whichever comes first: with the
series, 5,000 runs would hold ~85 MB, and the sweep's memory would grow with its size up
to that point."""


class SweepInterrupted(Exception):
    """The sweep stopped before its end (Ctrl-C, SIGTERM, a worker that died) after every
    finished run was flushed; ``args``: (SweepResult, reason)."""


@dataclass
class SweepSpec:
    """Everything that defines a sweep's results (a resume must match it exactly)."""

    scenario: Scenario
    params: list[ParamSpec]
    method: str
    samples: int | None
    replicates: int
    base_seed: int
    weeks: int | None
    calc_second_order: bool = False
    policies: dict[str, Policy] = field(default_factory=dict)
    file_injects: tuple = ()  # the scenario file's own injects (the rest came from --inject)
    #: Adaptive replicates (sim.batch.adaptive): the target standard error, the outcomes it
    #: applies to and the first round's replicates; ``replicates`` is then the most.
    target_se: float | None = None
    se_outcomes: tuple[str, ...] = ()
    first_replicates: int = 10
    #: Whether every run's weekly series is stored (``--no-timeseries``: outcomes only).
    timeseries: bool = True

    @property
    def policy_names(self) -> list[str]:
        """The policies in run order; one unnamed policy ("") for an ordinary sweep."""
        return list(self.policies) or [""]

    def scenario_for(self, policy: str) -> Scenario:
        """The scenario a policy's runs start from (its lever values and injects)."""
        if not policy:
            return self.scenario
        return apply_policy(self.scenario, self.policies[policy], f"policy '{policy}'")

    def design(self) -> Design:
        """The design's points, computed on demand (checks method and sample count)."""
        return Design(self.params, self.method, self.samples, self.base_seed,
                      self.calc_second_order)

    def runs_schema(self) -> pa.Schema:
        """The Arrow schema of this sweep's run rows."""
        return runs_schema([(p.name, param_type(p.kind, p.values)) for p in self.params],
                           policies=bool(self.policies))

    def design_dict(self) -> dict[str, Any]:
        d = {
            "method": self.method, "samples": self.samples, "replicates": self.replicates,
            "calc_second_order": self.calc_second_order, "weeks": self.weeks,
            "params": [p.to_dict() for p in self.params],
        }
        if self.policies:
            d["policies"] = {k: v.model_dump(mode="json") for k, v in self.policies.items()}
        if self.target_se is not None:
            d["adaptive"] = {"target_se": self.target_se, "outcomes": list(self.se_outcomes),
                             "first_replicates": self.first_replicates}
        return d

    def scenario_hash(self) -> str:
        return scenario_hash(self.scenario)


@dataclass
class SweepResult:
    """What a sweep did, for the summary line."""

    out: Path
    total: int
    skipped: int
    done: int
    failed: int
    seconds: float
    manifest: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- planning
def check_size(spec: SweepSpec) -> Design:
    """The design, after checking that the sweep's size is within :data:`MAX_RUNS` and
    that its draws fit in memory; nothing is drawn yet."""
    design = spec.design()
    n_pol = len(spec.policy_names)
    total = design.n_points * spec.replicates * n_pol
    if total > MAX_RUNS:
        times = f" x {n_pol} policies" if spec.policies else ""
        raise UserError(
            f"the sweep would be {design.n_points:,} points x {spec.replicates:,} replicates"
            f"{times} = {total:,} runs; one sweep runs at most {MAX_RUNS:,}",
            hint="lower --samples or --replicates (or a grid's levels); split a larger study "
            "into several sweeps with different --seed",
        )
    need, free = 3 * design.unit_bytes(), available_memory()
    if free is not None and need > free:
        raise UserError(f"the design's {design.n_points:,} points x {len(spec.params)} "
                        f"parameters need about {need / 1e9:.1f} GB of memory; "
                        f"{free / 1e9:.1f} GB are free",
                        hint="lower --samples, or sweep fewer parameters")
    return design


def available_memory() -> int | None:
    """Bytes of memory available (Linux ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def plan_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """All design points as dicts (for small designs: tests, benchmarks)."""
    return spec.design().points()


@contextlib.contextmanager
def _stop_signals(handler: Any) -> Iterator[None]:
    """SIGTERM and SIGHUP (and SIGINT, if given a handler other than the default) handled
    by ``handler`` for the block; restored after. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [signal.SIGTERM, signal.SIGHUP]
    if handler is signal.SIG_IGN:
        signals.append(signal.SIGINT)
    old = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# ---------------------------------------------------------------- the sweep
def run_sweep(spec: SweepSpec, out: Path, *, source: ScenarioFile, execution: Execution,
              resume: bool = False, command: str = "") -> SweepResult:
    """Run (or resume) a sweep into ``out``; returns counts. Raises UserError for bad
    input before anything is written, SweepInterrupted (after flushing every finished
    run) when stopped by Ctrl-C, SIGTERM or SIGHUP, or when a worker dies."""
    out = check_location(Path(out))
    design = check_size(spec)
    execution = replace(execution, workers=useful_workers(
        execution.workers, execution.executor, execution.scheduler))
    if execution.executor == "dask" and execution.scheduler:
        probe_scheduler(execution.scheduler)
    store = Store(out)
    identity = sweep_identity(spec, design.n_points, source)
    check_target(store, identity, resume)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    try:
        with store.lock(command):
            old = check_target(store, identity, resume)  # again, now that no one else writes
            return _Sweep(spec, design, store, execution).run(identity, old, command)
    finally:
        if created and not store.exists():  # failed before the first manifest: leave nothing
            for p in (store.lock_path, store.points_path, store.runs_dir, store.ts_dir, out):
                with contextlib.suppress(OSError):
                    p.rmdir() if p.is_dir() else p.unlink()


class _Sweep:
    """One sweep into its locked store: the executor, the manifest and the runs' schema
    are set up once and shared by every round of chunks."""

    def __init__(self, spec: SweepSpec, design: Design, store: Store, execution: Execution
                 ) -> None:
        self.spec, self.design, self.store, self.execution = spec, design, store, execution
        self.manifest: dict[str, Any] = {}
        self.schema = spec.runs_schema()

    def run(self, identity: dict[str, Any], old: dict[str, Any] | None, command: str
            ) -> SweepResult:
        spec, design, store = self.spec, self.design, self.store
        if old is not None:
            identity = {k: old.get(k, identity[k]) for k in IDENTITY_FIELDS}
        self.schema = self.schema.with_metadata({IDENTITY_KEY: json.dumps(identity)})
        total = design.n_points * spec.replicates * len(spec.policy_names)
        if old is not None:
            for n, p, reason in store.unreadable_parts():
                store.quarantine(n)
                warnings.warn(StoreWarning(f"{p}: unreadable part moved to "
                                           f"{store.quarantine_dir}/ ({reason}); its runs are "
                                           "run again"), stacklevel=2)
            store.check_schemas(self.schema)
        store.clean_partial()
        done = store.done_mask(total)
        todo = total - int(done.sum())
        if old is not None and todo == 0 and old.get("status") in ("complete", "failed"):
            # Nothing to run: a complete store is left exactly as it is.
            return SweepResult(store.root, total, total, total,
                               int(old.get("runs_failed", 0)), 0.0, old)
        ex = self.execution.start()
        try:
            if old is None:
                self.manifest = {**identity, "runs_done": 0, "runs_failed": 0,
                                 **stamp(command)}
                store.create()
                store.write_points(points_table(design, identity))
            else:
                self.manifest = {**old, **identity}
            with _stop_signals(_interrupt):
                self.manifest.update(status="running", finished=None, command=command or
                                     self.manifest.get("command", ""))
                store.write_manifest(self.manifest)
                if spec.target_se is not None:
                    return self._execute_adaptive(ex, done)
                return self._execute(ex, done, todo)
        finally:
            with _stop_signals(signal.SIG_IGN):  # a second Ctrl-C must not stop the close
                ex.close()

    def _execute(self, ex: Executor, done: np.ndarray, todo: int) -> SweepResult:
        """Run the runs ``done`` leaves out, in chunks, flushing finished ones to parts."""
        spec, store, schema, execution = self.spec, self.store, self.schema, self.execution
        total = len(done)
        size = execution.chunk_size or auto_chunk(todo, ex.workers)
        tasks = iter_tasks(self.design, spec.replicates, spec.base_seed, done,
                           spec.policy_names)
        scenarios = {p: spec.scenario_for(p).model_dump_json() for p in spec.policy_names}
        jobs = (({t.policy: scenarios[t.policy] for t in c}, list(c), spec.weeks,
                 spec.timeseries, schema, execution.batch_size)
                for c in itertools.batched(tasks, size))

        from tqdm import tqdm

        bar = tqdm(total=total, initial=total - todo, unit="run",
                   disable=not execution.progress, dynamic_ncols=True, smoothing=0.1)
        buf_runs: list[pa.Table] = []
        buf_series: list[pa.Table] = []
        part = store.next_part()
        t0 = time.perf_counter()

        def flush() -> None:
            nonlocal part, buf_runs, buf_series
            if buf_runs:
                store.write_batch(part, pa.concat_tables(buf_runs),
                                  pa.concat_tables(buf_series) if spec.timeseries else None,
                                  schema)
                part += 1
                buf_runs, buf_series = [], []

        stopped = ""
        try:
            for runs_part, series_part in ex.imap_unordered(run_chunk, jobs):
                buf_runs.append(runs_part)
                if series_part is not None:
                    buf_series.append(series_part)
                bar.update(runs_part.num_rows)
                if (sum(b.num_rows for b in buf_runs) >= execution.batch_rows
                        or sum(b.nbytes for b in (*buf_runs, *buf_series)) >= FLUSH_BYTES):
                    flush()
        except KeyboardInterrupt:
            stopped = "interrupted"
        except BrokenExecutor as exc:
            stopped = f"a worker process died ({type(exc).__name__}; out of memory?)"
        finally:
            with _stop_signals(signal.SIG_IGN):  # a second Ctrl-C must not lose the flush
                bar.close()
                try:
                    flush()
                finally:
                    done_n, failed = store.count_runs()
                    self.manifest.update(runs_done=done_n, runs_failed=failed,
                                         finished=now(),
                                         status=sweep_status(done_n, failed, total))
                    store.write_manifest(self.manifest)
        result = SweepResult(store.root, total, total - todo, done_n, failed,
                             time.perf_counter() - t0, self.manifest)
        if stopped:
            raise SweepInterrupted(result, stopped)
        return result

    def _execute_adaptive(self, ex: Executor, done: np.ndarray) -> SweepResult:
        """Rounds of replicates (10, 20, 40, ... up to ``spec.replicates``) until the
        largest scaled standard error of ``spec.se_outcomes`` is at most ``spec.target_se``.
        Run ids keep the layout of the largest design, so a resume picks up where it
        stopped."""
        spec, store = self.spec, self.store
        rep_of_run = np.arange(len(done)) % spec.replicates
        result = None
        for reps in replicate_rounds(spec.first_replicates, spec.replicates):
            mask = store.done_mask(len(done)) | (rep_of_run >= reps)
            todo = int((~mask).sum())
            if todo:
                result = self._execute(ex, mask, todo)
            runs = store.read_runs(columns=["point_id", "replicate", "status",
                                            *(["policy"] if spec.policies else []),
                                            *spec.se_outcomes])
            runs = runs[(runs["status"] == "ok") & (runs["replicate"] < reps)]
            found = verdict(runs, spec.se_outcomes, reps)
            if found.met(spec.target_se) or reps == spec.replicates:
                break
        done_n, failed = store.count_runs()
        self.manifest.update(
            runs_done=done_n, runs_failed=failed, finished=now(),
            status="failed" if failed else "complete",
            adaptive={"replicates": found.replicates, "met": found.met(spec.target_se),
                      "max_se": found.max_se, "decided_by": found.outcome,
                      "at_point": found.point_id, "policy": found.policy,
                      "summary": found.describe()})
        store.write_manifest(self.manifest)
        used = len(done) // spec.replicates * found.replicates  # runs of the rounds done
        return SweepResult(store.root, used, int(done.sum()), done_n, failed,
                           result.seconds if result else 0.0, self.manifest)


def default_out(scenario_name: str, method: str) -> Path:
    return Path("results") / f"{scenario_name}-{method}"
