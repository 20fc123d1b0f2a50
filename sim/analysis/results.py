"""Open a result folder (a sweep store or a single `wargame run` folder) for analysis.

Both kinds become a :class:`ResultSet`: a DuckDB connection with two views,

* ``runs``: one row per successful run (``status = 'ok'``), every column of the store;
* ``series``: one row per successful run per week (absent if no series were stored),

plus the manifest, the swept parameters and counts. Nothing is loaded into memory when the
folder is opened: every summary is a query that DuckDB streams over the Parquet parts, so a
store of 200,000 runs (10 million weekly rows) is analysed in bounded memory. Code that
needs rows in pandas asks for the few columns it needs (:meth:`ResultSet.frame`),
optionally a deterministic sample of runs.

Only committed parts are read: a ``runs/part-N.parquet`` is the commit point of a batch
(see :mod:`sim.batch.store`), so a timeseries part without its runs twin (a sweep killed
between the two writes) and temporary ``.tmp`` files are ignored.

Anything that is not a result folder is a :class:`~sim.errors.UserError` (exit code 2).
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UserError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

_SPILL = itertools.count()

DUCKDB_MEMORY_LIMIT = "1GB"
"""DuckDB's own cap (its default is 80 % of the machine). Quantiles over 10 million weekly
rows need a few hundred MB; the cap keeps a command on a 200,000-run store under the
1.5 GB peak-memory target of issue 14 with room for pandas and matplotlib."""


@dataclass
class ResultSet:
    """An opened result folder: DuckDB views ``runs`` (ok runs) and ``series``."""

    root: Path
    name: str
    kind: str  # "sweep" or "run"
    manifest: dict[str, Any]
    con: duckdb.DuckDBPyConnection
    n_runs: int  # successful runs
    n_failed: int
    has_series: bool
    horizon: int
    digest: str
    columns: list[str] = field(default_factory=list)
    params: list[dict[str, Any]] = field(default_factory=list)

    @property
    def param_names(self) -> list[str]:
        return [p["name"] for p in self.params]

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a query over the views and return its (small) result as a DataFrame. A part
        that cannot be read (corrupt, or removed meanwhile) or memory running out is a
        UserError naming the store, never a traceback."""
        import duckdb

        try:
            return self.con.execute(sql, params or []).df()
        except duckdb.Error as exc:
            raise unreadable(self.root, exc) from None

    def frame(self, columns: list[str], sample: int | None = None, seed: int = 0,
              offset: int = 0) -> pd.DataFrame:
        """Some columns of the successful runs, ordered by ``run_id``; with ``sample``, at
        most that many runs chosen by a seeded hash of the run id (deterministic, the same
        whatever the part layout; ``offset`` skips that many runs of the same order, so
        two calls with offsets 0 and k give disjoint samples)."""
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise UserError(f"{self.root}: no column {', '.join(missing)} in the stored runs")
        cols = ", ".join(_ident(c) for c in dict.fromkeys(["run_id", *columns]))
        if sample is None:
            return self.query(f"SELECT {cols} FROM runs ORDER BY run_id")
        picked = (f"SELECT {cols} FROM runs ORDER BY hash(run_id + ?), run_id "
                  f"LIMIT {int(sample)} OFFSET {int(offset)}")
        return self.query(f"SELECT * FROM ({picked}) ORDER BY run_id", [int(seed)])

    def close(self) -> None:
        self.con.close()


def unreadable(root: Path, exc: Exception) -> UserError:
    """DuckDB's error (its first line, which names the file) as a user error."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UserError(f"{root}: cannot read the store: {first}",
                     hint="move the part it names out of the store to analyse the rest")


def _ident(name: str) -> str:
    """A column name quoted for SQL (parameter names hold dots)."""
    return '"' + name.replace('"', '""') + '"'


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def committed_parts(root: Path) -> tuple[list[Path], list[Path]]:
    """The runs parts of a store and the timeseries parts that have a runs twin (the
    store's own rule, :meth:`Store.runs_parts` and :meth:`Store.series_parts`)."""
    from sim.batch.store import Store

    store = Store(root)
    return [p for _, p in store.runs_parts()], [p for _, p in store.series_parts()]


def _readable_series(store: Any, parts: list[Path]) -> list[Path]:
    """The series parts whose footer reads; the others are left out with a warning, as the
    store's own readers do (:meth:`Store.checked_parts` does so for runs parts)."""
    import warnings

    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.batch.store import StoreWarning

    ok = []
    for p in parts:
        try:
            pq.read_schema(p)
        except (OSError, ValueError, pa.ArrowException) as exc:
            warnings.warn(StoreWarning(
                f"{p}: unreadable part skipped ({str(exc).splitlines()[0]}); the fan charts "
                f"leave out its runs; `wargame store repair {store.root}` moves it aside"),
                stacklevel=3)
            continue
        ok.append(p)
    return ok


def folder_digest(files: list[Path]) -> str:
    """A digest of what a set of files holds, from their names, sizes and modification
    times (not their bytes: hashing gigabytes to decide whether a cache is fresh would
    cost more than the analysis). Parts are written once under a new name and never
    modified, so a part added, removed or rewritten changes the digest."""
    h = hashlib.sha256()
    for p in files:
        st = p.stat()
        h.update(f"{p.parent.name}/{p.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def store_digest(root: Path) -> str | None:
    """The digest :func:`load_results` gives this folder, computed from file names and
    stats alone (no DuckDB, no pandas): cheap enough to decide, before anything heavy is
    imported, whether stamped outputs can be reused. None if not a result folder."""
    root = Path(root)
    if (root / "manifest.json").is_file():
        runs_parts, series_parts = committed_parts(root)
        extra = [root / "points.parquet"] if (root / "points.parquet").is_file() else []
        return folder_digest([root / "manifest.json", *extra, *runs_parts, *series_parts])
    if (root / "outcomes.json").is_file():
        files = [root / "outcomes.json"]
        if (root / "timeseries.csv").is_file():
            files.append(root / "timeseries.csv")
        return folder_digest(files)
    return None


def _connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    # Where DuckDB spills when a query outgrows its memory limit: a folder of this process
    # under the system's temporary directory, made by DuckDB only if it spills, removed at
    # exit (its default, ./.tmp, would land in the user's working directory)
    spill = Path(tempfile.gettempdir()) / f"wargame-duckdb-{os.getpid()}-{next(_SPILL)}"
    atexit.register(shutil.rmtree, spill, ignore_errors=True)
    con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT,
                                 "preserve_insertion_order": False,
                                 "temp_directory": str(spill)})
    # NaN and NULL both mean "no value" here (a week outcome whose event never happened);
    # DuckDB would sort NaN above every number, so quantiles see NULL instead.
    con.execute("CREATE MACRO num(x) AS CASE WHEN isnan(x::DOUBLE) THEN NULL "
                "ELSE x::DOUBLE END")
    return con


def load_results(path: str | Path) -> ResultSet:
    """Open ``path``; a missing, foreign or empty folder raises UserError."""
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root}: no such result folder")
    if (root / "manifest.json").is_file():
        return _open_sweep(root)
    if (root / "outcomes.json").is_file():
        return _open_run(root)
    raise UserError(
        f"{root}: not a result folder (expected manifest.json from `wargame sweep` or "
        "outcomes.json from `wargame run`)"
    )


def _open_sweep(root: Path) -> ResultSet:
    """The store's own checks first (:class:`Store`: format version, committed and readable
    parts, one schema, no run stored twice, the columns this code reads), then DuckDB
    views over the parts they let through."""
    import duckdb

    from sim.batch.store import Store

    store = Store(root)
    manifest = store.read_manifest()
    if manifest.get("kind") != "sweep":
        raise UserError(f"{store.manifest_path}: not a sweep manifest "
                        f"(kind={manifest.get('kind')})")
    store.check_format(manifest)
    runs_parts, series_parts = store.checked_parts()
    if not runs_parts:
        raise UserError(f"{root}: the sweep has no stored runs yet",
                        hint="run or resume it with `wargame sweep ... --resume`")
    series_parts = _readable_series(store, series_parts)
    con = _connect()
    try:
        con.execute("CREATE VIEW all_runs AS SELECT * FROM read_parquet("
                    f"{_sql_list(runs_parts)}, union_by_name = true)")
        columns = [r[0] for r in con.execute("DESCRIBE all_runs").fetchall()]
        store.check_readable(manifest, columns)
        con.execute("CREATE VIEW runs AS SELECT * FROM all_runs WHERE status = 'ok'")
        n_ok, n_all = con.execute("SELECT count(*) FILTER (status = 'ok'), count(*) "
                                  "FROM all_runs").fetchone()
        horizon = None
        if series_parts:
            con.execute("CREATE VIEW series AS SELECT * FROM read_parquet("
                        f"{_sql_list(series_parts)}, union_by_name = true) "
                        "WHERE run_id IN (SELECT run_id FROM runs)")
            horizon = con.execute("SELECT max(week) FROM series").fetchone()[0]
    except duckdb.Error as exc:
        con.close()
        raise unreadable(root, exc) from None
    except UserError:
        con.close()
        raise
    if not n_ok:
        con.close()
        raise UserError(f"{root}: all {n_all} stored runs failed; nothing to analyse",
                        hint="see the 'error' column of runs/")
    design = manifest.get("design") or {}
    digest = store_digest(root) or ""
    params = list(design.get("params", []))
    if design.get("policies") and design.get("method") != "sobol" and "policy" in columns:
        # The policy is a parameter like the others for the model-free ranking and PRIM
        # (how much of an outcome the choice explains next to the uncertainties).
        params.append({"name": "policy", "kind": "category", "low": None, "high": None,
                       "levels": None, "values": list(design["policies"])})
    return ResultSet(root, str(manifest.get("scenario_name", root.name)), "sweep", manifest,
                     con, int(n_ok), int(n_all - n_ok), horizon is not None,
                     int(horizon if horizon is not None else design.get("weeks") or 52),
                     digest, columns, params)


def _open_run(root: Path) -> ResultSet:
    import numpy as np
    import pandas as pd

    from sim.core.outcomes import NAMES
    from sim.core.series import SERIES_NAMES

    try:
        saved = json.loads((root / "outcomes.json").read_text())
        outcomes = saved["outcomes"]
        missing = sorted(set(NAMES) - set(outcomes))
        row = {k: (np.nan if v is None else v) for k, v in outcomes.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{root}/outcomes.json: not a run record ({exc})") from None
    if missing:
        raise UserError(f"{root}/outcomes.json: not a run record of this wargame (no "
                        f"{', '.join(missing[:3])})")
    runs = pd.DataFrame([{"run_id": 0, "seed": saved.get("seed"), **row}])
    series = None
    if (root / "timeseries.csv").is_file():
        try:
            series = pd.read_csv(root / "timeseries.csv")
        except (OSError, ValueError) as exc:
            raise UserError(f"{root}/timeseries.csv: unreadable ({exc})") from None
        if not set(SERIES_NAMES) <= set(series.columns):
            raise UserError(f"{root}/timeseries.csv: not the weekly series of a run")
        series.insert(0, "run_id", 0)
    con = _connect()
    con.register("runs_frame", runs)
    con.execute("CREATE VIEW runs AS SELECT * FROM runs_frame")
    if series is not None:
        con.register("series_frame", series)
        con.execute("CREATE VIEW series AS SELECT * FROM series_frame")
    manifest = {"kind": "run", "scenario_name": saved.get("scenario", root.name),
                "base_seed": saved.get("seed"), "scenario_hash": saved.get("digest")}
    horizon = int(series["week"].max()) if series is not None and len(series) else 52
    return ResultSet(root, str(saved.get("scenario", root.name)), "run", manifest, con, 1, 0,
                     series is not None, horizon, store_digest(root) or "",
                     list(runs.columns))


def from_frames(runs: pd.DataFrame, series: pd.DataFrame | None = None,
                params: list[dict[str, Any]] | None = None, name: str = "frames",
                manifest: dict[str, Any] | None = None) -> ResultSet:
    """A result set over in-memory tables (for tests and notebooks): the same queries
    as over a store. ``runs`` holds successful runs only."""
    con = _connect()
    con.register("runs_frame", runs)
    con.execute("CREATE VIEW runs AS SELECT * FROM runs_frame")
    if series is not None:
        con.register("series_frame", series)
        con.execute("CREATE VIEW series AS SELECT * FROM series_frame")
    horizon = int(series["week"].max()) if series is not None and len(series) else 52
    return ResultSet(Path("."), name, "sweep" if params else "run",
                     manifest or {"kind": "sweep"}, con, len(runs), 0, series is not None,
                     horizon, "frames", list(runs.columns), list(params or []))
