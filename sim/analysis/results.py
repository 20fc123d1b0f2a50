"""Load a result folder (a sweep store or a single `wargame run` folder) for analysis.

Both kinds become a :class:`ResultSet`: the successful runs as one table (one row per
run), the weekly series as one long-by-run table (one row per run per week), and the
swept parameters. Anything else is a :class:`~sim.errors.UserError` (exit code 2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.store import Store
from sim.core.outcomes import NAMES
from sim.core.series import SERIES_NAMES
from sim.errors import UserError


@dataclass
class ResultSet:
    """A loaded result folder."""

    root: Path
    name: str
    kind: str  # "sweep" or "run"
    manifest: dict[str, Any]
    runs: pd.DataFrame  # status == ok only, sorted by run_id
    n_failed: int
    timeseries: pd.DataFrame | None
    params: list[dict[str, Any]] = field(default_factory=list)

    @property
    def param_names(self) -> list[str]:
        return [p["name"] for p in self.params]

    @property
    def horizon(self) -> int:
        if self.timeseries is not None and len(self.timeseries):
            return int(self.timeseries["week"].max())
        return int(self.manifest.get("design", {}).get("weeks") or 52)


def load_results(path: str | Path) -> ResultSet:
    """Load ``path``; a missing, foreign or empty folder raises UserError."""
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root}: no such result folder")
    if (root / "manifest.json").is_file():
        return _load_sweep(root)
    if (root / "outcomes.json").is_file():
        return _load_run(root)
    raise UserError(
        f"{root}: not a result folder (expected manifest.json from `wargame sweep` or "
        "outcomes.json from `wargame run`)"
    )


def _load_sweep(root: Path) -> ResultSet:
    store = Store(root)
    manifest = store.read_manifest()
    if manifest.get("kind") != "sweep":
        raise UserError(f"{root}/manifest.json: not a sweep manifest (kind={manifest.get('kind')})")
    store.check_format(manifest)
    runs = store.read_runs()  # committed parts only; refuses duplicates and mixed schemas
    if not len(runs):
        raise UserError(f"{root}: the sweep has no stored runs yet",
                        hint="run or resume it with `wargame sweep ... --resume`")
    store.check_readable(manifest, runs)  # the columns analysis reads are there
    failed = int((runs["status"] != "ok").sum())
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    if not len(ok):
        raise UserError(f"{root}: all {failed} stored runs failed; nothing to analyse",
                        hint="see the 'error' column of runs/")
    ts = store.read_series()
    if ts is not None:
        ts = ts[ts["run_id"].isin(ok["run_id"])].reset_index(drop=True)
    return ResultSet(root, manifest.get("scenario_name", root.name), "sweep", manifest, ok,
                     failed, ts, list(manifest.get("design", {}).get("params", [])))


def _load_run(root: Path) -> ResultSet:
    try:
        record = json.loads((root / "outcomes.json").read_text())
        outcomes = record["outcomes"]
        missing = sorted(set(NAMES) - set(outcomes))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{root}/outcomes.json: not a run record ({exc})") from None
    if missing:
        raise UserError(f"{root}/outcomes.json: not a run record of this wargame (no "
                        f"{', '.join(missing[:3])})")
    row = {k: (np.nan if v is None else v) for k, v in outcomes.items()}
    runs = pd.DataFrame([{"run_id": 0, "seed": record.get("seed"), **row}])
    ts = None
    if (root / "timeseries.csv").is_file():
        try:
            ts = pd.read_csv(root / "timeseries.csv")
        except (OSError, ValueError) as exc:
            raise UserError(f"{root}/timeseries.csv: unreadable ({exc})") from None
        if not set(SERIES_NAMES) <= set(ts.columns):
            raise UserError(f"{root}/timeseries.csv: not the weekly series of a run")
        ts.insert(0, "run_id", 0)
    manifest = {"kind": "run", "scenario_name": record.get("scenario", root.name),
                "base_seed": record.get("seed"), "scenario_hash": record.get("digest")}
    return ResultSet(root, str(record.get("scenario", root.name)), "run", manifest, runs, 0, ts)
