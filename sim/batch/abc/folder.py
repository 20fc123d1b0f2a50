"""The files of one calibration folder, and the round and population tables in them.

Layout (read by :mod:`sim.batch.posterior` and the analysis)::

    manifest.json                         spec, settings, per-generation figures, status
    record.toml                           the record the calibration was fitted to
    generations/gen-TTTT/round-RRRR.parquet   every candidate of a round: ``candidate``,
                                          ``seed``, ``status``, ``error``, ``x:<param>``
                                          (latent values), ``obs:<id>`` (simulated values)
    generations/gen-TTTT/population.parquet   the accepted candidates, with weight and
                                          distance
    posterior.parquet, <name>-calibrated.toml, predictive_*.parquet   (outputs.py)

Every file is written to a temporary name and renamed, so a killed calibration leaves
whole files; :meth:`CalibrationDir.clean_partial` removes the temporary ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.batch.observations import Entry
from sim.batch.posterior import MANIFEST
from sim.batch.priors import Prior
from sim.batch.store import write_manifest, write_table


class CalibrationDir:
    """The files of one calibration."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / MANIFEST
        self.gen_root = self.root / "generations"

    def gen(self, t: int) -> Path:
        return self.gen_root / f"gen-{t:04d}"

    def round_path(self, t: int, r: int) -> Path:
        return self.gen(t) / f"round-{r:04d}.parquet"

    def population_path(self, t: int) -> Path:
        return self.gen(t) / "population.parquet"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        from sim.batch.posterior import read_manifest

        return read_manifest(self.root)

    def write_manifest(self, m: dict[str, Any]) -> None:
        write_manifest(self.manifest_path, m)

    def clean_partial(self) -> None:
        for p in self.root.rglob(".*.tmp"):
            p.unlink()

    def all_rounds(self, t: int) -> pd.DataFrame:
        """Every candidate of generation ``t``, in round order."""
        parts = sorted(self.gen(t).glob("round-*.parquet"))
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def candidates_frame(prior: Prior, x: np.ndarray, entries: list[Entry], values: np.ndarray,
                     extra: dict[str, Any]) -> pd.DataFrame:
    """A round's table: ``extra`` columns, the latent parameters, the simulated values."""
    cols: dict[str, Any] = dict(extra)
    for j, name in enumerate(prior.names):
        cols[f"x:{name}"] = x[:, j]
    for j, e in enumerate(entries):
        cols[f"obs:{e.id}"] = values[:, j]
    return pd.DataFrame(cols)


def unpack(frame: pd.DataFrame, prior: Prior, entries: list[Entry]
           ) -> tuple[np.ndarray, np.ndarray]:
    """(latent parameters, simulated values) of a round or population table."""
    x = frame[[f"x:{n}" for n in prior.names]].to_numpy(dtype=float)
    v = frame[[f"obs:{e.id}" for e in entries]].to_numpy(dtype=float)
    return x, v


def accepted(frame: pd.DataFrame, eps: float) -> np.ndarray:
    """Candidates that ran and came within epsilon (generation 0: every one that ran)."""
    return (frame["status"].to_numpy() == "ok") & (frame["distance"].to_numpy() <= eps)


def write_frame(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as Parquet, atomically, making its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(path, pa.Table.from_pandas(frame, preserve_index=False))
