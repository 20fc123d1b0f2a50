"""Batch sweeps: plan the runs of a design, execute them in chunks, stream them to a store.

A run is identified by (point, replicate); its id is ``point * replicates + replicate`` and
its seed ``derive_seed(base_seed, point, replicate)``, fixed before any executor sees it,
which is why results do not depend on the executor or the number of workers, and why
``wargame run --from-sweep DIR --run-id N`` reproduces a row exactly.

Order of work, so that bad input never leaves anything behind: every check (the design and
its size, the workers, the scheduler, the store: format, code, time-series choice, scenario
and design of a resume) runs before the store folder is created; then the store's lock is
taken for the whole sweep; the plan is streamed (tasks are made chunk by chunk from the
design, never held whole); finished chunks are flushed to Parquet parts; an interruption
(Ctrl-C, SIGTERM, SIGHUP) flushes what finished and marks the manifest "interrupted".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import platform
import signal
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.batch.adaptive import replicate_rounds, verdict
from sim.batch.designs import Design
from sim.batch.executors import make_executor, probe_scheduler, useful_workers
from sim.batch.specs import ParamSpec
from sim.batch.store import (
    FORMAT_VERSION,
    IDENTITY_KEY,
    LOCK_NAME,
    Store,
    StoreWarning,
    identity_of,
    sweep_status,
)
from sim.batch.tables import columns_digest, param_type, runs_schema, runs_table, series_table
from sim.core.engine import run_batch
from sim.core.moves import Policy
from sim.core.outcomes import NAMES, outcomes_of
from sim.core.policies import apply_policy
from sim.core.scenario import Scenario
from sim.core.seeds import derive_seed
from sim.errors import UserError
from sim.outdir import check_location

MAX_RUNS = 10_000_000
"""Runs in one sweep at most. A larger study is several sweeps (different --seed)."""


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
        return hashlib.sha256(self.scenario.model_dump_json().encode()).hexdigest()


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


# ---------------------------------------------------------------- worker side
_SCENARIO_CACHE: dict[str, Scenario] = {}

Task = tuple[int, int, int, int, dict[str, Any], str]
"""(run_id, point_id, replicate, seed, the point's parameter values, policy)."""


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
    for _, point_id, _, _, overrides, policy in tasks:
        if (policy, point_id) not in points:
            try:
                points[policy, point_id] = _scenario(scenarios_json[policy]).with_overrides(
                    overrides, origin=f"design point {point_id}")
            except Exception as exc:  # recorded, never lost: the sweep goes on
                points[policy, point_id] = exc
    n = len(tasks)
    errors: list[Exception | None] = [
        p if isinstance(p, Exception) else None
        for p in (points[t[5], t[1]] for t in tasks)]
    rows = [i for i in range(n) if errors[i] is None]
    records, blocks, seconds = _run_isolated(
        [points[tasks[i][5], tasks[i][1]] for i in rows], [tasks[i][3] for i in rows],
        weeks, with_series, batch_size)  # type: ignore[misc]
    columns: dict[str, Any] = {name: [None] * n for name in NAMES}
    duration = np.zeros(n)
    series_ids, series_blocks = [], []
    for i, rec, block, sec in zip(rows, records, blocks, seconds, strict=True):
        if isinstance(rec, Exception):
            errors[i] = rec
            continue
        for name in NAMES:
            columns[name][i] = rec[name]
        duration[i] = sec
        if block is not None:
            series_ids.append(tasks[i][0])
            series_blocks.append(block)
    columns.update({
        "run_id": [t[0] for t in tasks], "point_id": [t[1] for t in tasks],
        "replicate": [t[2] for t in tasks], "seed": [t[3] for t in tasks],
        "status": ["ok" if e is None else "failed" for e in errors],
        "error": ["" if e is None else f"{type(e).__name__}: {e}" for e in errors],
        "duration_s": duration,
    })
    for name in tasks[0][4] if tasks else ():
        columns[name] = [t[4][name] for t in tasks]
    if "policy" in schema.names:
        columns["policy"] = [t[5] for t in tasks]
    runs = runs_table(schema, columns, n)
    series = series_table(np.array(series_ids), series_blocks) if with_series else None
    return runs, series


def _run_isolated(scenarios: list[Scenario], seeds: list[int], weeks: int | None,
                  with_series: bool, batch_size: int | None,
                  ) -> tuple[list[dict[str, Any] | Exception], list[np.ndarray | None],
                             list[float]]:
    """Run all as one batch: per run its outcome record (or the error), its series block
    and its share of the time. If the batch raises, each run is run alone, so that only
    the runs that fail are lost and their errors are recorded."""
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
    records = [outcomes_of(res.outcomes, i) for i in range(res.runs)]
    blocks = [res.series_block(i) if with_series else None for i in range(res.runs)]
    return records, blocks, [share] * res.runs


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
                yield (pi * per_policy + rest, point, rep, derive_seed(base_seed, point, rep),
                       points[point - first], policies[pi])


def plan_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """All design points as dicts (for small designs: tests, benchmarks)."""
    return spec.design().points()


MAX_CHUNK = 500
"""Runs per task at most: one batch of the engine (~0.5 s), so the bar keeps moving and an
interrupted sweep loses little. The engine's cost per run stops falling at a few hundred
runs a batch (0.69 ms at 250, 0.64 at 500 and at 1,000: ``benchmarks/README.md``), while
a worker's memory and a result in flight (~17 KB of weekly series a run) grow with it."""

FLUSH_BYTES = 32 * 2**20
"""Finished runs are written as a Parquet part when ``batch_rows`` runs or this many bytes
of Arrow data (runs and weekly series) are waiting, whichever comes first: with the
series, 5,000 runs would hold ~85 MB, and the sweep's memory would grow with its size up
to that point."""


def auto_chunk(n_runs: int, workers: int) -> int:
    """Many runs per task, since the engine runs a task's runs as one batch (the larger
    the batch, the cheaper each run, up to a few hundred); but at least 4 tasks per worker,
    so that no worker idles long at the end of the sweep."""
    return int(max(1, min(MAX_CHUNK, np.ceil(n_runs / (workers * 4)))))


def versions() -> dict[str, str]:
    """Versions that define a sweep's numbers (read from package metadata: importing Mesa
    only to ask would cost a second)."""
    from importlib.metadata import version

    import sim

    return {"sim": sim.__version__, "mesa": version("mesa"), "numpy": np.__version__,
            "python": platform.python_version()}


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


IDENTITY_FIELDS = ("kind", "format_version", "scenario_name", "scenario_path",
                   "scenario_text", "scenario_hash", "overrides", "injects", "design",
                   "n_points",
                   "runs_total", "base_seed", "timeseries", "columns_digest")
"""The manifest fields that define a sweep (also stored in every part, so that a lost
manifest can be rebuilt); the others record its progress."""


def sweep_identity(spec: SweepSpec, n_points: int, scenario_path: str, scenario_text: str,
                   overrides: dict[str, Any], timeseries: bool) -> dict[str, Any]:
    return {
        "kind": "sweep", "format_version": FORMAT_VERSION,
        "scenario_name": spec.scenario.name, "scenario_path": scenario_path,
        "scenario_text": scenario_text, "scenario_hash": spec.scenario_hash(),
        "overrides": json.loads(json.dumps(overrides, default=str)),
        "injects": [i.model_dump(mode="json", exclude_defaults=True)
                    for i in spec.scenario.inject[len(spec.file_injects):]],
        "design": spec.design_dict(), "n_points": n_points,
        "runs_total": n_points * spec.replicates * len(spec.policy_names),
        "base_seed": spec.base_seed,
        "timeseries": timeseries, "columns_digest": columns_digest(),
    }


def _resume_mismatches(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between a stored sweep and the one asked for (empty: may resume)."""
    version = old.get("format_version", 1)
    if version != FORMAT_VERSION:
        return [f"the store format (stored {version!r}; this wargame writes "
                f"{FORMAT_VERSION} and resumes only that)"]
    out = []
    if old.get("columns_digest") != new["columns_digest"]:
        out.append("the code that defines the outcome columns (the store was written by "
                   "another version of wargame)")
    if old.get("timeseries") != new["timeseries"]:
        stored = "with" if old.get("timeseries") else "without"
        fix = "drop --no-timeseries" if old.get("timeseries") else "add --no-timeseries"
        out.append(f"the time-series choice (stored {stored} weekly series: {fix})")
    if old.get("scenario_hash") != new["scenario_hash"]:
        out.append("the scenario (or its --set overrides)")
    if old.get("design") != new["design"]:
        out.append("the design (method, samples, replicates, parameters or weeks)")
    if old.get("base_seed") != new["base_seed"]:
        out.append(f"the base seed (stored {old.get('base_seed')})")
    return out


def _check_target(store: Store, identity: dict[str, Any], resume: bool
                  ) -> dict[str, Any] | None:
    """The stored manifest to resume (None for a new sweep), after checking that the
    folder may take this sweep. Reads only."""
    out = store.root
    if store.exists():
        if not resume:
            raise UserError(f"{out}: already holds a sweep",
                            hint="add --resume to continue it, or choose another --out")
        old = store.read_manifest()
        if old.get("kind") != "sweep":
            raise UserError(f"{store.manifest_path}: not a sweep manifest")
        mismatches = _resume_mismatches(old, identity)
        if mismatches:
            raise UserError(
                f"{out}: cannot resume: this sweep differs in " + "; ".join(mismatches),
                hint="resume with the same command line and wargame version, or write to "
                "another --out",
            )
        return old
    try:
        holds = out.is_dir() and any(p.name != LOCK_NAME for p in out.iterdir())
    except OSError as exc:
        raise UserError(f"--out {out}: cannot read the folder ({exc.strerror})") from None
    if holds and any(identity_of(s) for _, s in store.part_schemas()):
        raise UserError(f"{out}: the sweep store has lost its manifest.json",
                        hint=f"wargame store repair {out} rebuilds it; then --resume")
    if resume:
        raise UserError(f"{out}: nothing to resume (no manifest.json)")
    if holds:
        raise UserError(f"{out}: folder exists and is not a sweep store",
                        hint="choose another --out")
    return None


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
def run_sweep(
    spec: SweepSpec, out: Path, *, scenario_path: str, scenario_text: str,
    overrides: dict[str, Any], executor: str = "process", workers: int = 1,
    scheduler: str | None = None, chunk_size: int | None = None, timeseries: bool = True,
    resume: bool = False, command: str = "", progress: bool = True, batch_rows: int = 5000,
    batch_size: int | None = None,
) -> SweepResult:
    """Run (or resume) a sweep into ``out``; returns counts. Raises UserError for bad
    input before anything is written, SweepInterrupted (after flushing every finished
    run) when stopped by Ctrl-C, SIGTERM or SIGHUP, or when a worker dies."""
    out = check_location(Path(out))
    design = check_size(spec)
    workers = useful_workers(workers, executor, scheduler)
    if executor == "dask" and scheduler:
        probe_scheduler(scheduler)
    store = Store(out)
    identity = sweep_identity(spec, design.n_points, scenario_path, scenario_text, overrides,
                              timeseries)
    _check_target(store, identity, resume)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    try:
        with store.lock(command):
            return _run_locked(spec, design, store, identity, resume, executor, workers,
                               scheduler, chunk_size, timeseries, command, progress,
                               batch_rows, batch_size)
    finally:
        if created and not store.exists():  # failed before the first manifest: leave nothing
            for p in (store.lock_path, store.points_path, store.runs_dir, store.ts_dir, out):
                with contextlib.suppress(OSError):
                    p.rmdir() if p.is_dir() else p.unlink()


def _run_locked(spec: SweepSpec, design: Design, store: Store, identity: dict[str, Any],
                resume: bool, executor: str, workers: int, scheduler: str | None,
                chunk_size: int | None, timeseries: bool, command: str, progress: bool,
                batch_rows: int, batch_size: int | None) -> SweepResult:
    old = _check_target(store, identity, resume)  # again, now that no one else writes
    if old is not None:
        identity = {k: old.get(k, identity[k]) for k in IDENTITY_FIELDS}
    schema = spec.runs_schema().with_metadata({IDENTITY_KEY: json.dumps(identity)})
    total = design.n_points * spec.replicates * len(spec.policy_names)
    if old is not None:
        for n, p, reason in store.unreadable_parts():
            store.quarantine(n)
            warnings.warn(StoreWarning(f"{p}: unreadable part moved to {store.quarantine_dir}"
                                       f"/ ({reason}); its runs are run again"), stacklevel=2)
        store.check_schemas(schema)
    store.clean_partial()
    done = store.done_mask(total)
    todo = total - int(done.sum())
    if old is not None and todo == 0 and old.get("status") in ("complete", "failed"):
        # Nothing to run: a complete store is left exactly as it is.
        return SweepResult(store.root, total, total, total, int(old.get("runs_failed", 0)),
                           0.0, old)

    ex = make_executor(executor, workers, scheduler)
    try:
        if old is None:
            manifest = {**identity, "runs_done": 0, "runs_failed": 0, "command": command,
                        "versions": versions(), "git_commit": git_commit(),
                        "started": _now(), "finished": None, "status": "running"}
            store.create()
            _write_points(store, spec, design, identity)
        else:
            manifest = {**old, **identity}
        with _stop_signals(_interrupt):
            manifest.update(status="running", finished=None, command=command or
                            manifest.get("command", ""))
            store.write_manifest(manifest)
            if spec.target_se is not None:
                return _execute_adaptive(spec, design, store, manifest, ex, done, schema,
                                         chunk_size, timeseries, progress, batch_rows,
                                         batch_size)
            return _execute(spec, design, store, manifest, ex, done, todo, schema,
                            chunk_size, timeseries, progress, batch_rows, batch_size)
    finally:
        with _stop_signals(signal.SIG_IGN):
            ex.close()


def _write_points(store: Store, spec: SweepSpec, design: Design,
                  identity: dict[str, Any]) -> None:
    cols = design.columns()
    table = pa.table({"point_id": np.arange(design.n_points, dtype=np.int64),
                      **{p.name: pa.array(cols[p.name], param_type(p.kind, p.values))
                         for p in spec.params}})
    store.write_points(table.replace_schema_metadata({IDENTITY_KEY: json.dumps(identity)}))


def _execute(spec: SweepSpec, design: Design, store: Store, manifest: dict[str, Any], ex: Any,
             done: np.ndarray, todo: int, schema: pa.Schema, chunk_size: int | None,
             timeseries: bool, progress: bool, batch_rows: int, batch_size: int | None,
             ) -> SweepResult:
    total = len(done)
    size = chunk_size or auto_chunk(todo, ex.workers)
    tasks = iter_tasks(design, spec.replicates, spec.base_seed, done, spec.policy_names)
    scenarios = {p: spec.scenario_for(p).model_dump_json() for p in spec.policy_names}
    jobs = (({t[5]: scenarios[t[5]] for t in c}, list(c), spec.weeks, timeseries, schema,
             batch_size) for c in itertools.batched(tasks, size))

    from tqdm import tqdm

    bar = tqdm(total=total, initial=total - todo, unit="run", disable=not progress,
               dynamic_ncols=True, smoothing=0.1)
    buf_runs: list[pa.Table] = []
    buf_series: list[pa.Table] = []
    part = store.next_part()
    t0 = time.perf_counter()

    def flush() -> None:
        nonlocal part, buf_runs, buf_series
        if buf_runs:
            store.write_batch(part, pa.concat_tables(buf_runs),
                              pa.concat_tables(buf_series) if timeseries else None, schema)
            part += 1
            buf_runs, buf_series = [], []

    stopped = ""
    try:
        for runs_part, series_part in ex.imap_unordered(run_chunk, jobs):
            buf_runs.append(runs_part)
            if series_part is not None:
                buf_series.append(series_part)
            bar.update(runs_part.num_rows)
            if (sum(b.num_rows for b in buf_runs) >= batch_rows
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
                manifest.update(runs_done=done_n, runs_failed=failed, finished=_now(),
                                status=sweep_status(done_n, failed, total))
                store.write_manifest(manifest)
    result = SweepResult(store.root, total, total - todo, done_n, failed,
                         time.perf_counter() - t0, manifest)
    if stopped:
        raise SweepInterrupted(result, stopped)
    return result


def _execute_adaptive(spec: SweepSpec, design: Design, store: Store, manifest: dict[str, Any],
                      ex: Any, done: np.ndarray, schema: pa.Schema, chunk_size: int | None,
                      timeseries: bool, progress: bool, batch_rows: int,
                      batch_size: int | None) -> SweepResult:
    """Rounds of replicates (10, 20, 40, ... up to ``spec.replicates``) until the largest
    scaled standard error of ``spec.se_outcomes`` is at most ``spec.target_se``. Run ids
    keep the layout of the largest design, so a resume picks up where it stopped."""
    rep_of_run = np.arange(len(done)) % spec.replicates
    result = None
    for reps in replicate_rounds(spec.first_replicates, spec.replicates):
        mask = store.done_mask(len(done)) | (rep_of_run >= reps)
        todo = int((~mask).sum())
        if todo:
            result = _execute(spec, design, store, manifest, ex, mask, todo, schema,
                              chunk_size, timeseries, progress, batch_rows, batch_size)
        runs = store.read_runs(columns=["point_id", "replicate", "status",
                                        *(["policy"] if spec.policies else []),
                                        *spec.se_outcomes])
        runs = runs[(runs["status"] == "ok") & (runs["replicate"] < reps)]
        found = verdict(runs, spec.se_outcomes, reps)
        if found.met(spec.target_se) or reps == spec.replicates:
            break
    done_n, failed = store.count_runs()
    manifest.update(
        runs_done=done_n, runs_failed=failed, finished=_now(),
        status="failed" if failed else "complete",
        adaptive={"replicates": found.replicates, "met": found.met(spec.target_se),
                  "max_se": found.max_se, "decided_by": found.outcome,
                  "at_point": found.point_id, "policy": found.policy,
                  "summary": found.describe()})
    store.write_manifest(manifest)
    used = len(done) // spec.replicates * found.replicates  # runs of the rounds done
    return SweepResult(store.root, used, int(done.sum()), done_n, failed,
                       result.seconds if result else 0.0, manifest)


def rerun_from_sweep(root: Path, run_id: int) -> tuple[Scenario, int, int | None, dict]:
    """The scenario, seed and horizon of one stored run, to re-run it alone."""
    import pyarrow.parquet as pq

    from sim.core.scenario import parse_scenario

    store = Store(root)
    if not store.exists():
        raise UserError(f"{root}: not a sweep store (no manifest.json)")
    m = store.read_manifest()
    store.check_format(m)
    try:
        design = m["design"]
        reps, total = int(design["replicates"]), int(m["runs_total"])
        text, name, base_seed = m["scenario_text"], m["scenario_name"], int(m["base_seed"])
        names = [p["name"] for p in design["params"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{store.manifest_path}: incomplete manifest ({_brief(exc)})",
                        hint=f"wargame store repair {root} rebuilds it from the parts") \
            from None
    if not 0 <= run_id < total:
        raise UserError(f"--run-id: expected 0..{total - 1}, got {run_id}")
    policies = design.get("policies") or {}
    pi, rest = divmod(run_id, int(m["n_points"]) * reps)
    point_id, rep = divmod(rest, reps)
    base = parse_scenario(text, f"{root}/manifest.json", default_name=name)
    if m.get("overrides"):
        base = base.with_overrides(m["overrides"], origin=f"{root}/manifest.json overrides")
    if m.get("injects"):
        base = base.with_injects(m["injects"], origin=f"{root}/manifest.json injects")
    if policies:
        pname = list(policies)[pi]
        base = apply_policy(base, Policy.model_validate(policies[pname]),
                            f"{root}/manifest.json policy '{pname}'")
    try:
        row = pq.read_table(store.points_path, filters=[("point_id", "=", point_id)])
        values = {n: row.column(n)[0].as_py() for n in names}
    except (OSError, ValueError, KeyError, IndexError, pa.ArrowException) as exc:
        raise UserError(f"{store.points_path}: cannot read design point {point_id} "
                        f"({_brief(exc)})",
                        hint=f"wargame store repair {root} rebuilds it") from None
    sc = base.with_overrides(values, origin=f"design point {point_id}")
    return sc, derive_seed(base_seed, point_id, rep), design.get("weeks"), values


def stored_row(root: Path, run_id: int) -> dict[str, Any] | None:
    """The stored row of one run, or None if it has not run yet."""
    row = Store(root).read_run(run_id)
    return None if row is None else {k: _py(v) for k, v in row.items()}


def _brief(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__


def _py(v: Any) -> Any:
    """numpy scalars from Parquet back to plain Python values."""
    return v.item() if hasattr(v, "item") else v


def default_out(scenario_name: str, method: str) -> Path:
    return Path("results") / f"{scenario_name}-{method}"
