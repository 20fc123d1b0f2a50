"""The result store of a sweep: a folder of Parquet part files plus a JSON manifest.

Layout (``format_version`` 2)::

    <dir>/manifest.json            what was run, with which code, and how far it got
    <dir>/points.parquet           point_id + one column per swept parameter, design order
    <dir>/runs/part-NNNNNN.parquet one row per run (ids, seed, parameters, outcomes, status)
    <dir>/timeseries/part-NNNNNN.parquet  one row per run per week (wide: run_id + series)
    <dir>/.lock                    held (an OS file lock) by the one sweep writing the store
    <dir>/quarantine/              parts that could not be read, moved aside by a resume or
                                   ``wargame store repair`` (their runs are re-run)

Why this shape: every part file is written to a temporary name and renamed, so a killed
sweep never leaves a corrupt file; a runs part is the commit point (its timeseries twin,
same number, is written first and removed on resume if the runs part never appeared), so
resume can trust "a run is done iff its row is in runs/", and readers read only committed
parts. Every runs part has the same Arrow schema (:mod:`sim.batch.tables`), which also
carries the sweep's identity (:data:`IDENTITY_KEY`: scenario, design, seed) so that a lost
manifest can be rebuilt from the parts. One writer at a time: :meth:`Store.lock`. Any
Parquet reader opens it: ``pd.read_parquet("results/x/runs")``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UserError

FORMAT_VERSION = 2
"""2: the store lock, the sweep's identity in every part, the time-series choice and the
outcome columns' digest in the manifest. Version 1 stores can be read, not resumed."""
READABLE_FORMATS = (1, 2)
IDENTITY_KEY = b"wargame.sweep"
LOCK_NAME = ".lock"
QUARANTINE = "quarantine"
_PART = re.compile(r"^part-(\d{6})\.parquet$")
_READ_ERRORS = (OSError, ValueError, pa.ArrowException)


class StoreWarning(UserWarning):
    """Something in a store was skipped (an unreadable part); the CLI prints it on stderr."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write a manifest (a sweep's, a calibration's) as indented JSON, atomically: a killed
    command leaves the old manifest or the new one, never half of one."""
    atomic_write_bytes(path, (json.dumps(manifest, indent=2, default=str) + "\n").encode())


def write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def identity_of(schema: pa.Schema | None) -> dict[str, Any] | None:
    """The sweep identity stored in a part's schema, or None."""
    raw = (schema.metadata or {}).get(IDENTITY_KEY) if schema is not None else None
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def sweep_status(done: int, failed: int, total: int) -> str:
    """A store's status from its counts: 'complete' (all runs stored), 'failed' (all
    stored, some failed: see the error column) or 'interrupted' (runs missing: resume)."""
    if done < total:
        return "interrupted"
    return "failed" if failed else "complete"


def brief(exc: BaseException) -> str:
    """The first line of an error, at most 160 characters: enough to say what went wrong
    in a one-line message."""
    text = str(exc).strip().splitlines()
    return (text[0][:160] if text else type(exc).__name__)


class Store:
    """A sweep's folder: manifest, design points, runs and time series parts."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.ts_dir = self.root / "timeseries"
        self.manifest_path = self.root / "manifest.json"
        self.points_path = self.root / "points.parquet"
        self.lock_path = self.root / LOCK_NAME
        self.quarantine_dir = self.root / QUARANTINE

    # ------------------------------------------------------------------ manifest
    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"{self.manifest_path}: not a readable sweep manifest "
                            f"({brief(exc)})",
                            hint=f"wargame store repair {self.root} rebuilds it from the "
                            "parts") from None
        if not isinstance(data, dict):
            raise UserError(f"{self.manifest_path}: not a sweep manifest (not a JSON object)")
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_manifest(self.manifest_path, manifest)

    def check_format(self, manifest: dict[str, Any]) -> int:
        """The store's format version; refuses one this code cannot read."""
        version = manifest.get("format_version", 1)
        if version not in READABLE_FORMATS:
            raise UserError(f"{self.root}: store format {version!r}; this wargame reads "
                            f"formats {', '.join(map(str, READABLE_FORMATS))}",
                            hint="read it with the wargame version that wrote it")
        return int(version)

    # ------------------------------------------------------------------ the writer's lock
    @contextlib.contextmanager
    def lock(self, command: str = "") -> Iterator[None]:
        """Hold the store's OS file lock (``flock``) for as long as the block runs: one
        writer at a time. The lock goes with the process (a killed sweep frees it); a second
        writer gets a UserError naming the process that holds it."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise UserError(f"{self.lock_path}: cannot open the store's lock file "
                            f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = self.lock_holder()
            os.close(fd)
            raise UserError(
                f"{self.root}: another sweep is writing this store ({holder})",
                hint="wait until it ends, or stop it (Ctrl-C, or kill its process: every "
                "finished run is kept) and then resume",
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "command": command}).encode())
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)

    def lock_holder(self) -> str:
        """Who holds the lock, as the holder wrote it ('process 1234: wargame sweep ...')."""
        try:
            data = json.loads(self.lock_path.read_text() or "{}")
            text = f"process {int(data['pid'])}"
            return text + (f": {data['command'][:200]}" if data.get("command") else "")
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def is_locked(self) -> bool:
        """True while some process holds the writer's lock."""
        try:
            fd = os.open(self.lock_path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False

    # ------------------------------------------------------------------ parts
    def create(self) -> None:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.ts_dir.mkdir(parents=True, exist_ok=True)

    def _parts(self, folder: Path) -> dict[int, Path]:
        if not folder.is_dir():
            return {}
        return {int(m[1]): p for p in folder.iterdir() if (m := _PART.match(p.name))}

    def runs_parts(self) -> list[tuple[int, Path]]:
        """Committed runs parts, in order."""
        return sorted(self._parts(self.runs_dir).items())

    def series_parts(self) -> list[tuple[int, Path]]:
        """Time-series parts whose runs part (the commit point) exists, in order."""
        runs = self._parts(self.runs_dir)
        return sorted((n, p) for n, p in self._parts(self.ts_dir).items() if n in runs)

    def next_part(self) -> int:
        used = (self._parts(self.runs_dir) | self._parts(self.ts_dir)
                | self._parts(self.quarantine_dir))
        return max(used, default=-1) + 1

    def clean_partial(self) -> list[Path]:
        """Remove what a killed sweep can leave: temp files, and timeseries parts whose runs
        part (the commit point) was never written. Returns what it removed."""
        removed = []
        for folder in (self.runs_dir, self.ts_dir, self.root):
            if folder.is_dir():
                for p in folder.glob(".*.tmp"):
                    p.unlink()
                    removed.append(p)
        runs = self._parts(self.runs_dir)
        for n, p in self._parts(self.ts_dir).items():
            if n not in runs:
                p.unlink()
                removed.append(p)
        return removed

    def quarantine(self, n: int) -> list[Path]:
        """Move runs part ``n`` and its timeseries twin into quarantine/ (never deleted)."""
        self.quarantine_dir.mkdir(exist_ok=True)
        moved = []
        for folder in (self.runs_dir, self.ts_dir):
            src = folder / f"part-{n:06d}.parquet"
            if src.exists():
                dst = self.quarantine_dir / f"{folder.name}-{src.name}"
                os.replace(src, dst)
                moved.append(src)
        return moved

    def unreadable_parts(self, full: bool = False) -> list[tuple[int, Path, str]]:
        """Runs parts that cannot be read (their run ids; every column with ``full``),
        with the reason."""
        bad = []
        for n, p in self.runs_parts():
            try:
                if full:
                    pq.read_table(p)
                else:
                    pq.read_table(p, columns=["run_id"])
            except _READ_ERRORS as exc:
                bad.append((n, p, brief(exc)))
        for n, p in self.series_parts():
            if full:
                try:
                    pq.read_table(p)
                except _READ_ERRORS as exc:
                    bad.append((n, p, brief(exc)))
        return bad

    def part_schemas(self) -> list[tuple[Path, pa.Schema]]:
        """The schema of every readable runs part."""
        out = []
        for _, p in self.runs_parts():
            with contextlib.suppress(*_READ_ERRORS):
                out.append((p, pq.read_schema(p)))
        return out

    def check_schemas(self, expected: pa.Schema | None = None) -> None:
        """Refuse a store whose runs parts do not all have one schema (or not ``expected``):
        plain Parquet readers would silently drop or retype columns."""
        schemas = self.part_schemas()
        if expected is None and schemas:
            expected = schemas[0][1]
        if expected is None:
            return
        for p, schema in schemas:
            if not schema.equals(expected, check_metadata=False):
                want, got = set(expected.names), set(schema.names)
                diff = sorted(want ^ got)[:4] or [f for f in schema.names
                                                  if schema.field(f) != expected.field(f)][:4]
                raise UserError(f"{p}: its columns differ from the other parts' "
                                f"({', '.join(diff)}); parts of different schemas are not mixed",
                                hint="was the store written by another version of wargame?")

    def write_points(self, table: pa.Table) -> None:
        write_table(self.points_path, table)

    def write_batch(self, part: int, runs: pa.Table, series: pa.Table | None,
                    schema: pa.Schema) -> None:
        """Write one batch: time series first, then the runs part that commits both. A
        runs table whose schema is not the sweep's is a bug and never reaches the disk."""
        if not runs.schema.equals(schema, check_metadata=True):
            raise ValueError(f"runs batch does not have the sweep's schema:\n{runs.schema}")
        name = f"part-{part:06d}.parquet"
        if series is not None and series.num_rows:
            write_table(self.ts_dir / name, series)
        write_table(self.runs_dir / name, runs)

    def done_mask(self, total: int) -> np.ndarray:
        """Which run ids (0 .. total-1) are stored (ok or failed): a resume skips them.
        One boolean per run, so that a resume of millions of runs stays small."""
        done = np.zeros(total, dtype=bool)
        for _, p in self.runs_parts():
            ids = pq.read_table(p, columns=["run_id"]).column("run_id").to_numpy()
            ids = ids[(ids >= 0) & (ids < total)]
            done[ids] = True
        return done

    def count_runs(self) -> tuple[int, int]:
        """(runs stored, of which failed), each run id counted once."""
        import pyarrow.compute as pc

        ids, failed = [], []
        for _, p in self.runs_parts():
            with contextlib.suppress(*_READ_ERRORS):
                t = pq.read_table(p, columns=["run_id", "status"])
                ids.append(t.column("run_id").to_numpy())
                is_failed = pc.equal(t.column("status"), "failed").to_numpy(
                    zero_copy_only=False).astype(bool)
                failed.append(ids[-1][is_failed])
        if not ids:
            return 0, 0
        return (len(np.unique(np.concatenate(ids))), len(np.unique(np.concatenate(failed))))

    def read_run(self, run_id: int) -> dict[str, Any] | None:
        """The stored row of one run (its first copy), or None."""
        for _, p in self.runs_parts():
            with contextlib.suppress(*_READ_ERRORS):
                t = pq.read_table(p, filters=[("run_id", "=", run_id)])
                if t.num_rows:
                    return t.slice(0, 1).to_pandas().iloc[0].to_dict()
        return None

    def _skipped(self, path: Path, exc: BaseException) -> None:
        warnings.warn(StoreWarning(
            f"{path}: unreadable part skipped ({brief(exc)}); `wargame store repair "
            f"{self.root}` moves it aside and --resume re-runs its runs"), stacklevel=3)

    def checked_parts(self, duplicates: str = "refuse") -> tuple[list[Path], list[Path]]:
        """The committed runs and series parts a reader may open, for any reader (this
        class, pandas, DuckDB): an unreadable runs part is left out, with its series twin,
        and named in a :class:`StoreWarning`; parts of different schemas are refused; run
        ids stored twice are refused (``duplicates="refuse"``, with the repair command as
        hint) or let through (``"keep"``). Reads footers and run ids only."""
        runs: list[Path] = []
        ids: list[np.ndarray] = []
        bad: set[int] = set()
        first: pa.Schema | None = None
        for n, p in self.runs_parts():
            try:
                schema = pq.read_schema(p)
                ids.append(pq.read_table(p, columns=["run_id"]).column("run_id").to_numpy())
            except _READ_ERRORS as exc:
                self._skipped(p, exc)
                bad.add(n)
                continue
            if first is None:
                first = schema
            elif not schema.equals(first, check_metadata=False):
                self.check_schemas()  # raises, naming the part that differs
            runs.append(p)
        if duplicates == "refuse" and ids:
            unique, counts = np.unique(np.concatenate(ids), return_counts=True)
            twice = unique[counts > 1].tolist()
            if twice:
                shown = ", ".join(map(str, twice[:5])) + (" ..." if len(twice) > 5 else "")
                raise UserError(
                    f"{self.root}: {len(twice)} runs are stored more than once (run_id "
                    f"{shown}); two sweeps wrote this store at once",
                    hint=f"wargame store repair {self.root} keeps one copy of each",
                )
        return runs, [p for n, p in self.series_parts() if n not in bad]

    def _read(self, paths: list[Path], columns: list[str] | None = None) -> list[pa.Table]:
        tables = []
        for p in paths:
            try:
                tables.append(pq.read_table(p, columns=columns))
            except _READ_ERRORS as exc:  # a footer that reads, data that does not
                self._skipped(p, exc)
        return tables

    def read_runs(self, duplicates: str = "refuse", columns: list[str] | None = None) -> Any:
        """All committed run rows (or only ``columns`` of them, run_id always included) as
        a pandas DataFrame sorted by run_id, under the rules of :meth:`checked_parts`."""
        import pandas as pd

        if columns is not None and "run_id" not in columns:
            columns = ["run_id", *columns]
        tables = self._read(self.checked_parts(duplicates)[0], columns)
        if not tables:
            return pd.DataFrame()
        frame = pa.concat_tables(tables).to_pandas()
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)

    def check_readable(self, manifest: dict[str, Any], columns: Iterable[str]) -> None:
        """Refuse a manifest or runs that this code did not write in a shape it reads:
        the design's parameters, the id, status and outcome ``columns`` of the runs must be
        there (a DataFrame of the runs will do as ``columns``)."""
        from sim.batch.tables import ID_COLUMNS, STATUS_COLUMNS
        from sim.core.outcomes import NAMES

        design = manifest.get("design")
        params = design.get("params") if isinstance(design, dict) else None
        if not (isinstance(params, list) and all(isinstance(p, dict) and isinstance(
                p.get("name"), str) for p in params)):
            raise UserError(f"{self.manifest_path}: no readable design (design.params)",
                            hint=f"wargame store repair {self.root} rebuilds the manifest")
        have = set(columns)
        want = [*ID_COLUMNS, *STATUS_COLUMNS, *NAMES, *(p["name"] for p in params)]
        missing = [c for c in want if c not in have]
        if missing:
            raise UserError(f"{self.runs_dir}: the parts lack columns this wargame reads "
                            f"({', '.join(missing[:4])})",
                            hint="was the store written by another version of wargame?")

    def read_series(self) -> Any:
        """The weekly series of committed runs (None if the store holds none), sorted by
        run and week, under the rules of :meth:`checked_parts`."""
        tables = self._read(self.checked_parts(duplicates="keep")[1])
        if not tables:
            return None
        frame = pa.concat_tables(tables).to_pandas()
        return frame.sort_values(["run_id", "week"], kind="stable").reset_index(drop=True)
