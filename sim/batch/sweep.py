"""Batch sweeps: plan the runs of a design, execute them in chunks, stream them to a store.

A run is identified by (point, replicate); its id is ``point * replicates + replicate`` and
its seed ``derive_seed(base_seed, point, replicate)``, fixed before any executor sees it,
which is why results do not depend on the executor or the number of workers, and why
``wargame run --from-sweep DIR --run-id N`` reproduces a row exactly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.batch.designs import ParamSpec, build_design
from sim.batch.executors import make_executor
from sim.batch.records import param_type, runs_schema, runs_table, series_table
from sim.batch.runner import derive_seed
from sim.batch.store import FORMAT_VERSION, Store
from sim.core.engine import run_batch
from sim.core.outcomes import NAMES, record_of
from sim.core.scenario import Scenario
from sim.errors import UserError


class SweepInterrupted(Exception):
    """Ctrl-C during a sweep, after finished runs were flushed."""


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

    def runs_schema(self) -> pa.Schema:
        """The Arrow schema of this sweep's run rows."""
        return runs_schema([(p.name, param_type(p.kind, p.values)) for p in self.params])

    def design_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "samples": self.samples, "replicates": self.replicates,
            "calc_second_order": self.calc_second_order, "weeks": self.weeks,
            "params": [p.to_dict() for p in self.params],
        }

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

Task = tuple[int, int, int, int, dict[str, Any]]
"""(run_id, point_id, replicate, seed, the point's parameter values)."""


def run_chunk(
    scenario_json: str, tasks: list[Task], weeks: int | None, with_series: bool,
    schema: pa.Schema, batch_size: int | None = None,
) -> tuple[pa.Table, pa.Table | None]:
    """Run a chunk of tasks in a worker, as one batch of the engine; returns the runs
    table and (if asked) the weekly series table.

    A point whose parameters do not validate, or a run that raises, becomes a ``failed``
    row with its error text; the chunk goes on. ``duration_s`` of a run is its share of its
    batch's time.
    """
    base = _SCENARIO_CACHE.get(scenario_json)
    if base is None:
        base = Scenario.model_validate_json(scenario_json)
        _SCENARIO_CACHE.clear()
        _SCENARIO_CACHE[scenario_json] = base
    points: dict[int, Scenario | Exception] = {}
    for _, point_id, _, _, overrides in tasks:
        if point_id not in points:
            try:
                points[point_id] = base.with_overrides(overrides,
                                                       origin=f"design point {point_id}")
            except Exception as exc:  # recorded, never lost: the sweep goes on
                points[point_id] = exc
    n = len(tasks)
    errors: list[Exception | None] = [
        p if isinstance(p, Exception) else None for p in (points[t[1]] for t in tasks)]
    rows = [i for i in range(n) if errors[i] is None]
    records, blocks, seconds = _run_isolated(
        [points[tasks[i][1]] for i in rows], [tasks[i][3] for i in rows], weeks, with_series,
        batch_size)  # type: ignore[misc]
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
        res = run_batch(scenarios, seeds, weeks=weeks, record_series=with_series,
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
    records = [record_of(res.outcomes, i) for i in range(res.runs)]
    blocks = [res.series_block(i) if with_series else None for i in range(res.runs)]
    return records, blocks, [share] * res.runs


# ---------------------------------------------------------------- planning
def plan_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The design points (deterministic in the base seed)."""
    return build_design(spec.params, spec.method, spec.samples, spec.base_seed,
                        spec.calc_second_order)


def chunked(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


MAX_CHUNK = 1000
"""Runs per task at most: one batch of the engine (~1 s), so the bar keeps moving and an
interrupted sweep loses little."""


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


def _check_resume(store: Store, spec: SweepSpec) -> dict[str, Any]:
    old = store.read_manifest()
    mismatches = []
    if old.get("scenario_hash") != spec.scenario_hash():
        mismatches.append("the scenario (or its --set overrides)")
    if old.get("design") != spec.design_dict():
        mismatches.append("the design (method, samples, replicates, parameters or weeks)")
    if old.get("base_seed") != spec.base_seed:
        mismatches.append(f"the base seed (stored {old.get('base_seed')})")
    if mismatches:
        raise UserError(
            f"{store.root}: cannot resume: this sweep differs in " + "; ".join(mismatches),
            hint="resume with the same command line, or write to another --out",
        )
    return old


# ---------------------------------------------------------------- the sweep
def run_sweep(
    spec: SweepSpec, out: Path, *, scenario_path: str, scenario_text: str,
    overrides: dict[str, Any], executor: str = "process", workers: int = 1,
    scheduler: str | None = None, chunk_size: int | None = None, timeseries: bool = True,
    resume: bool = False, command: str = "", progress: bool = True, batch_rows: int = 5000,
    batch_size: int | None = None,
) -> SweepResult:
    """Run (or resume) a sweep into ``out``; returns counts. Raises UserError for bad
    input before anything runs, SweepInterrupted on Ctrl-C after flushing."""
    store = Store(out)
    points = plan_points(spec)
    n_points, total = len(points), len(points) * spec.replicates
    if store.exists():
        if not resume:
            raise UserError(f"{out}: already holds a sweep",
                            hint="add --resume to continue it, or choose another --out")
        manifest = _check_resume(store, spec)
    else:
        if resume:
            raise UserError(f"{out}: nothing to resume (no manifest.json)")
        if out.exists() and any(out.iterdir()):
            raise UserError(f"{out}: folder exists and is not a sweep store",
                            hint="choose another --out")
        manifest = {
            "kind": "sweep", "format_version": FORMAT_VERSION,
            "scenario_name": spec.scenario.name, "scenario_path": scenario_path,
            "scenario_text": scenario_text, "scenario_hash": spec.scenario_hash(),
            "overrides": overrides, "design": spec.design_dict(), "n_points": n_points,
            "runs_total": total, "runs_done": 0, "runs_failed": 0,
            "base_seed": spec.base_seed, "command": command, "versions": versions(),
            "git_commit": git_commit(), "started": _now(), "finished": None,
            "status": "running",
        }
    store.create()
    store.clean_partial()
    if not store.points_path.exists():
        cols = {"point_id": list(range(n_points))}
        cols.update({p.name: [pt[p.name] for pt in points] for p in spec.params})
        store.write_points(pa.table(cols))
    manifest.update(status="running", finished=None, command=command or manifest["command"])
    store.write_manifest(manifest)

    done_ids = store.done_run_ids()
    tasks = [
        (pid * spec.replicates + rep, pid, rep, derive_seed(spec.base_seed, pid, rep), point)
        for pid, point in enumerate(points) for rep in range(spec.replicates)
        if pid * spec.replicates + rep not in done_ids
    ]
    schema = spec.runs_schema()
    scenario_json = spec.scenario.model_dump_json()
    ex = make_executor(executor, workers, scheduler)
    size = chunk_size or auto_chunk(len(tasks), ex.workers)
    jobs = ((scenario_json, c, spec.weeks, timeseries, schema, batch_size)
            for c in chunked(tasks, size))

    from tqdm import tqdm

    bar = tqdm(total=total, initial=total - len(tasks), unit="run", disable=not progress,
               dynamic_ncols=True, smoothing=0.1)
    buf_runs: list[pa.Table] = []
    buf_series: list[pa.Table] = []
    part = store.next_part()
    t0 = time.perf_counter()

    def flush() -> None:
        nonlocal part, buf_runs, buf_series
        if buf_runs:
            store.write_batch(part, pa.concat_tables(buf_runs),
                              pa.concat_tables(buf_series) if timeseries else None)
            part += 1
            buf_runs, buf_series = [], []

    status = "running"
    try:
        for runs_part, series_part in ex.imap_unordered(run_chunk, jobs):
            buf_runs.append(runs_part)
            if series_part is not None:
                buf_series.append(series_part)
            bar.update(runs_part.num_rows)
            if sum(b.num_rows for b in buf_runs) >= batch_rows:
                flush()
        flush()
    except KeyboardInterrupt:
        flush()
        status = "interrupted"
    finally:
        bar.close()
        ex.close()
        runs = store.read_runs()
        failed = int((runs["status"] == "failed").sum()) if len(runs) else 0
        if status != "interrupted":
            status = "failed" if failed else "complete"
        manifest.update(runs_done=len(runs), runs_failed=failed, status=status,
                        finished=_now())
        store.write_manifest(manifest)
    result = SweepResult(out, total, total - len(tasks), len(runs), failed,
                         time.perf_counter() - t0, manifest)
    if status == "interrupted":
        raise SweepInterrupted(result)
    return result


def rerun_from_sweep(root: Path, run_id: int) -> tuple[Scenario, int, int | None, dict]:
    """The scenario, seed and horizon of one stored run, to re-run it alone."""
    import pyarrow.parquet as pq

    store = Store(root)
    if not store.exists():
        raise UserError(f"{root}: not a sweep store (no manifest.json)")
    m = store.read_manifest()
    design = m["design"]
    reps = int(design["replicates"])
    point_id, rep = divmod(run_id, reps)
    if not 0 <= point_id < int(m["n_points"]):
        raise UserError(f"--run-id: expected 0..{m['runs_total'] - 1}, got {run_id}")
    from sim.core.scenario import parse_scenario

    base = parse_scenario(m["scenario_text"], f"{root}/manifest.json",
                          default_name=m["scenario_name"])
    if m.get("overrides"):
        base = base.with_overrides(m["overrides"])
    pts = pq.read_table(store.points_path).to_pandas()
    row = pts.loc[pts["point_id"] == point_id].iloc[0]
    overrides = {p["name"]: _py(row[p["name"]]) for p in design["params"]}
    sc = base.with_overrides(overrides, origin=f"design point {point_id}")
    return sc, derive_seed(int(m["base_seed"]), point_id, rep), design.get("weeks"), overrides


def stored_row(root: Path, run_id: int) -> dict[str, Any] | None:
    """The stored row of one run, or None if it has not run yet."""
    runs = Store(root).read_runs()
    if not len(runs):
        return None
    match = runs.loc[runs["run_id"] == run_id]
    return {k: _py(v) for k, v in match.iloc[0].items()} if len(match) else None


def _py(v: Any) -> Any:
    """numpy scalars from Parquet back to plain Python values."""
    return v.item() if hasattr(v, "item") else v


def default_out(scenario_name: str, method: str) -> Path:
    return Path("results") / f"{scenario_name}-{method}"

