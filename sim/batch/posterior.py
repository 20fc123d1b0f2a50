"""A calibration's posterior, as the other commands read it: the weighted sample, the prior it
came from, weighted quantiles and deterministic weighted resampling.

Layout of a calibration folder (written by :mod:`sim.batch.abc`)::

    manifest.json       kind "calibration": scenario, record, prior, settings, seeds,
                        versions, per-generation figures, status
    posterior.parquet   the last generation: one row per particle, one column per
                        parameter (scenario values), weight (sums to 1), distance
    <name>-calibrated.toml   the scenario at the posterior median, [sweep] = 90 % intervals

Everything here is numpy and pandas (no pyabc), so ``wargame sweep --design posterior`` and
``wargame hindcast`` stay quick to start.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.specs import ParamSpec, PosteriorSpec, spec_from_dict
from sim.errors import UserError

MANIFEST = "manifest.json"
POSTERIOR = "posterior.parquet"


@dataclass
class Posterior:
    """A loaded posterior sample."""

    root: Path
    manifest: dict[str, Any]
    specs: list[ParamSpec]
    values: pd.DataFrame
    weights: np.ndarray
    digest: str

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    def points(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """The parameter values of the given rows, as scenario overrides."""
        out = []
        for i in rows:
            row = self.values.iloc[int(i)]
            out.append({s.name: plain_value(row[s.name], s) for s in self.specs})
        return out


def plain_value(v: Any, s: ParamSpec) -> Any:
    """A value read from a posterior table as the scenario takes it: a category's own
    value (not its text), a whole number as an int, else a float."""
    if s.values is not None:
        return next((c for c in s.values if c == v or str(c) == str(v)), v)
    return int(v) if s.kind == "int" else float(v)


def read_manifest(root: Path) -> dict[str, Any]:
    path = Path(root) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{root}: not a calibration folder (no {MANIFEST})") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a readable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != "calibration":
        raise UserError(f"{path}: not a calibration manifest (kind="
                        f"{manifest.get('kind') if isinstance(manifest, dict) else None})",
                        hint="give the folder `wargame calibrate` wrote")
    return manifest


def load_posterior(root: str | Path) -> Posterior:
    """Load a finished calibration's posterior; a missing, foreign or unfinished folder is
    a UserError (exit 2)."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: no such calibration folder")
    manifest = read_manifest(root)
    path = root / POSTERIOR
    if not path.is_file():
        raise UserError(f"{root}: the calibration has no posterior yet (status "
                        f"{manifest.get('status')})",
                        hint="finish it with `wargame calibrate ... --resume`")
    try:
        frame = pd.read_parquet(path)
        specs = [spec_from_dict(d) for d in manifest["prior"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: unreadable posterior ({exc})") from None
    missing = [s.name for s in specs if s.name not in frame.columns]
    if missing or "weight" not in frame.columns or not len(frame):
        raise UserError(f"{path}: not a posterior sample (missing {missing or ['weight']})")
    w = frame["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise UserError(f"{path}: weights must be finite, non-negative and not all zero")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return Posterior(root, manifest, specs, frame[[s.name for s in specs]], w / w.sum(), digest)


def resample(weights: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` row indices drawn with replacement in proportion to ``weights``, the same for
    the same seed (numpy's Generator, seeded)."""
    w = np.asarray(weights, dtype=float)
    return np.random.default_rng(seed).choice(len(w), size=n, replace=True, p=w / w.sum())


def weighted_quantile(x: np.ndarray, w: np.ndarray | None, q: float | np.ndarray
                      ) -> np.ndarray:
    """Weighted quantile by interpolating the weighted CDF at the mid-points of each
    sample's weight (the rule pyabc's ``weighted_quantile`` uses for its epsilon); equal
    weights give the usual 'hazen' quantile."""
    x = np.asarray(x, dtype=float)
    w = np.full(len(x), 1.0 / max(len(x), 1)) if w is None else np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order] / w.sum()
    cdf = np.cumsum(ws) - 0.5 * ws
    return np.interp(q, cdf, xs)


def category_shares(values: pd.Series, w: np.ndarray, spec: ParamSpec) -> dict[Any, float]:
    """Posterior probability of each value of a categorical parameter."""
    assert spec.values is not None
    strs = values.astype(str).to_numpy()
    return {v: float(w[strs == str(v)].sum() / w.sum()) for v in spec.values}


# ---------------------------------------------------------------- the sweep design
def posterior_specs(root: str | Path) -> list[ParamSpec]:
    """The swept parameters of ``wargame sweep --design posterior --posterior DIR``."""
    post = load_posterior(root)
    return [PosteriorSpec(s.name, s.kind, s.low, s.high, s.levels, s.values,
                          source=str(Path(root)), digest=post.digest) for s in post.specs]


def posterior_points(specs: list[ParamSpec], samples: int | None, seed: int
                     ) -> list[dict[str, Any]]:
    """``samples`` points resampled from the posterior by weight (the same for the same
    seed): the particles themselves, correlations kept, no jitter. Points repeat where a
    particle is drawn more than once; each point then runs with its own seeds."""
    if samples is None or samples < 1:
        raise UserError("--samples: design 'posterior' needs a whole number >= 1")
    sources = {getattr(s, "source", None) for s in specs}
    if len(sources) != 1 or None in sources or "" in sources:
        raise UserError("--design posterior: give the calibration folder with --posterior DIR")
    root = sources.pop()
    post = load_posterior(root)
    digest = {getattr(s, "digest", "") for s in specs}
    if digest != {post.digest}:
        raise UserError(f"{root}: its posterior changed since this sweep was planned",
                        hint="write the sweep to another --out")
    if [s.name for s in specs] != post.names:
        raise UserError(f"{root}: the posterior's parameters differ from the sweep's")
    return post.points(resample(post.weights, samples, seed))
