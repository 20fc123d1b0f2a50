"""The result store of a sweep: a folder of Parquet part files plus a JSON manifest.

Layout (``format_version`` 1)::

    <dir>/manifest.json            what was run, with which code, and how far it got
    <dir>/points.parquet           point_id + one column per swept parameter, design order
    <dir>/runs/part-NNNNNN.parquet one row per run (ids, seed, parameters, outcomes, status)
    <dir>/timeseries/part-NNNNNN.parquet  one row per run per week (wide: run_id + series)

Why this shape: every part file is written to a temporary name and renamed, so a killed
sweep never leaves a corrupt file; a runs part is the commit point (its timeseries twin,
same number, is written first and removed on resume if the runs part never appeared), so
resume can trust "a run is done iff its row is in runs/". Any Parquet reader opens it:
``pd.read_parquet("results/x/runs")``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UserError

FORMAT_VERSION = 1
_PART = re.compile(r"^part-(\d{6})\.parquet$")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


class Store:
    """A sweep's folder: manifest, design points, runs and time series parts."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.ts_dir = self.root / "timeseries"
        self.manifest_path = self.root / "manifest.json"
        self.points_path = self.root / "points.parquet"

    # ------------------------------------------------------------------ manifest
    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"{self.manifest_path}: not a readable sweep manifest ({exc})") \
                from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_bytes(
            self.manifest_path, (json.dumps(manifest, indent=2, default=str) + "\n").encode()
        )

    # ------------------------------------------------------------------ parts
    def create(self) -> None:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.ts_dir.mkdir(parents=True, exist_ok=True)

    def _parts(self, folder: Path) -> dict[int, Path]:
        if not folder.is_dir():
            return {}
        return {int(m[1]): p for p in folder.iterdir() if (m := _PART.match(p.name))}

    def next_part(self) -> int:
        used = self._parts(self.runs_dir) | self._parts(self.ts_dir)
        return max(used, default=-1) + 1

    def clean_partial(self) -> None:
        """Remove what a killed sweep can leave: temp files, and timeseries parts whose runs
        part (the commit point) was never written."""
        for folder in (self.runs_dir, self.ts_dir, self.root):
            if folder.is_dir():
                for p in folder.glob(".*.tmp"):
                    p.unlink()
        runs = self._parts(self.runs_dir)
        for n, p in self._parts(self.ts_dir).items():
            if n not in runs:
                p.unlink()

    def write_points(self, table: pa.Table) -> None:
        write_table(self.points_path, table)

    def write_batch(self, part: int, runs: pa.Table, series: pa.Table | None) -> None:
        """Write one batch: time series first, then the runs part that commits both."""
        name = f"part-{part:06d}.parquet"
        if series is not None and series.num_rows:
            write_table(self.ts_dir / name, series)
        write_table(self.runs_dir / name, runs)

    def done_run_ids(self) -> set[int]:
        """Run ids already recorded (ok or failed): a resume skips them."""
        ids: set[int] = set()
        for p in self._parts(self.runs_dir).values():
            col = pq.read_table(p, columns=["run_id"]).column("run_id")
            ids.update(int(x) for x in col.to_numpy())
        return ids

    def read_runs(self) -> Any:
        """All run rows as a pandas DataFrame sorted by run_id."""
        import pandas as pd

        parts = sorted(self._parts(self.runs_dir).items())
        if not parts:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(p) for _, p in parts], ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def rows_to_table(rows: list[dict[str, Any]], columns: list[str]) -> pa.Table:
    """Run rows to an Arrow table with a fixed column order (missing values → null)."""
    data = {c: [r.get(c) for r in rows] for c in columns}
    return pa.table(data)


def series_to_table(batch: list[tuple[int, dict[str, np.ndarray]]]) -> pa.Table | None:
    """Per-run series to one wide table: run_id plus one column per series."""
    if not batch:
        return None
    names = list(batch[0][1])
    run_ids = np.concatenate([np.full(len(s[names[0]]), rid, dtype=np.int64) for rid, s in batch])
    cols: dict[str, Any] = {"run_id": run_ids}
    for n in names:
        cols[n] = np.concatenate([s[n] for _, s in batch])
    cols["week"] = cols["week"].astype(np.int32)
    return pa.table(cols)
