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

from sim.designs import ParamSpec, build_design
from sim.errors import UserError
from sim.executors import make_executor
from sim.outcomes import OUTCOMES
from sim.runner import derive_seed, run_scenario
from sim.scenario import Scenario
from sim.store import FORMAT_VERSION, Store, rows_to_table, series_to_table

ID_COLUMNS = ["run_id", "point_id", "replicate", "seed"]
STATUS_COLUMNS = ["status", "error", "duration_s"]


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


def run_chunk(
    scenario_json: str, tasks: list[tuple[int, int, int, int, dict[str, Any]]],
    weeks: int | None, with_series: bool,
) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, np.ndarray]]]]:
    """Run a chunk of tasks (run_id, point_id, replicate, seed, overrides) in a worker.

    A run that raises becomes a ``failed`` row with its error text; the chunk goes on.
    """
    base = _SCENARIO_CACHE.get(scenario_json)
    if base is None:
        base = Scenario.model_validate_json(scenario_json)
        _SCENARIO_CACHE.clear()
        _SCENARIO_CACHE[scenario_json] = base
    rows: list[dict[str, Any]] = []
    series: list[tuple[int, dict[str, np.ndarray]]] = []
    for run_id, point_id, rep, seed, overrides in tasks:
        t0 = time.perf_counter()
        row: dict[str, Any] = {"run_id": run_id, "point_id": point_id, "replicate": rep,
                               "seed": seed, **overrides}
        try:
            sc = base.with_overrides(overrides, origin=f"design point {point_id}")
            result = run_scenario(sc, seed, weeks=weeks)
        except Exception as exc:  # recorded, never lost: the sweep goes on
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        else:
            row.update(result.outcomes)
            row.update(status="ok", error="")
            if with_series:
                series.append((run_id, result.series))
        row["duration_s"] = time.perf_counter() - t0
        rows.append(row)
    return rows, series


# ---------------------------------------------------------------- planning
def plan_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The design points (deterministic in the base seed)."""
    return build_design(spec.params, spec.method, spec.samples, spec.base_seed,
                        spec.calc_second_order)


def chunked(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def auto_chunk(n_runs: int, workers: int) -> int:
    """Several runs per task, since a run is tens of ms and a task costs ~1 ms locally (more
    on Dask); but at least 32 tasks per worker and at most 20 runs (~0.5 s) per task, so
    that no worker idles long at the end of the sweep and the bar keeps moving."""
    return int(max(1, min(20, np.ceil(n_runs / (workers * 32)))))


def versions() -> dict[str, str]:
    import mesa

    import sim

    return {"sim": sim.__version__, "mesa": mesa.__version__, "numpy": np.__version__,
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
    resume: bool = False, command: str = "", progress: bool = True, batch_rows: int = 500,
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
        import pyarrow as pa

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
    columns = ID_COLUMNS + [p.name for p in spec.params] + list(OUTCOMES) + STATUS_COLUMNS
    scenario_json = spec.scenario.model_dump_json()
    ex = make_executor(executor, workers, scheduler)
    size = chunk_size or auto_chunk(len(tasks), ex.workers)
    jobs = ((scenario_json, c, spec.weeks, timeseries) for c in chunked(tasks, size))

    from tqdm import tqdm

    bar = tqdm(total=total, initial=total - len(tasks), unit="run", disable=not progress,
               dynamic_ncols=True, smoothing=0.1)
    buf_rows: list[dict[str, Any]] = []
    buf_series: list[tuple[int, dict[str, np.ndarray]]] = []
    part = store.next_part()
    t0 = time.perf_counter()

    def flush() -> None:
        nonlocal part, buf_rows, buf_series
        if buf_rows:
            store.write_batch(part, rows_to_table(buf_rows, columns),
                              series_to_table(buf_series) if timeseries else None)
            part += 1
            buf_rows, buf_series = [], []

    status = "running"
    try:
        for rows, series in ex.imap_unordered(run_chunk, jobs):
            buf_rows.extend(rows)
            buf_series.extend(series)
            bar.update(len(rows))
            if len(buf_rows) >= batch_rows:
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
    from sim.scenario import parse_scenario

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

