"""The calibration checked on synthetic truths (simulation-based calibration, Talts et al.
2018): draw parameters from the prior, simulate a record from them with the real record's
pattern, calibrate on it, and ask whether the posterior's intervals hold the truth as
often as they say. ``python benchmarks/coverage.py`` runs it; this module holds the parts
that the tests check.

- :func:`synthetic_entries`: the real record's entries (the same series, kinds, weeks,
  range widths and distance scales) with each range centred on the value the truth's run
  simulated. An event that did not happen by the horizon is "the week after" (the
  convention the distance already uses), so its range sits past the horizon.
- :func:`check_case`: per parameter, whether the truth lies in the posterior's central
  50 % and 90 % intervals (weighted quantiles), and its SBC rank among ``draws``
  posterior draws (resampled by weight; ties, common for whole numbers, broken at random,
  as SBC requires). For a category: the posterior probability of the true value, and
  whether the true value is inside the smallest set of values holding 50 % and 90 % of
  the posterior probability.
- :func:`summarise`: coverage per parameter and pooled, with binomial standard errors
  (pooled: the standard error of the per-case means, since a case's parameters share its
  record), and a chi-square test of each rank histogram's uniformity.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.observations import Entry, Record, censor
from sim.batch.posterior import resample, weighted_quantile
from sim.batch.priors import Prior
from sim.batch.specs import ParamSpec

RANK_BINS = 10
"""Bins of the rank histograms (the uniformity test and the figure)."""


def synthetic_entries(entries: list[Entry], values: np.ndarray, weeks: int) -> list[Entry]:
    """The entries with their ranges centred on one run's simulated ``values``."""
    v = censor(entries, values.reshape(1, -1), weeks)[0]
    out = []
    for e, x in zip(entries, v, strict=True):
        half = (e.high - e.low) / 2.0
        out.append(dataclasses.replace(e, best=float(x), low=float(x - half),
                                       high=float(x + half), source="synthetic truth",
                                       reported="-"))
    return out


def synthetic_record(record: Record, entries: list[Entry], case: int) -> tuple[Record, str]:
    """A record holding ``entries`` (already resolved), and its text for the calibration's
    folder (the entries as data: an event past the horizon has no record-file form)."""
    import tomli_w

    doc = {"name": f"{record.name}-synthetic-{case}", "start_date": record.start_date,
           "observation": [dataclasses.asdict(e) for e in entries]}
    text = ("# A synthetic record (simulation-based calibration): the entries as resolved,\n"
            "# ranges centred on a run at parameters drawn from the prior.\n"
            + tomli_w.dumps(doc))
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    return Record(f"synthetic-{case}", doc["name"], "synthetic", record.start_date,
                  entries, [], digest), text


def _smallest_set(shares: dict[Any, float], level: float) -> set[str]:
    """The fewest category values whose posterior probability reaches ``level``."""
    keep, total = set(), 0.0
    for value, p in sorted(shares.items(), key=lambda kv: -kv[1]):
        if total >= level:
            break
        keep.add(str(value))
        total += p
    return keep


def check_case(prior: Prior, truth: dict[str, Any], post: pd.DataFrame, seed: int,
               draws: int = 99) -> list[dict[str, Any]]:
    """One case's checks, one row per parameter (``post``: the posterior sample with a
    ``weight`` column)."""
    w = post["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    rng = np.random.default_rng(seed)
    rows = resample(w, draws, int(rng.integers(2**32)))
    rows_out = []
    for s in prior.specs:
        t = truth[s.name]
        row: dict[str, Any] = {"parameter": s.name, "truth": t}
        if s.values is not None:
            col = post[s.name].astype(str).to_numpy()
            shares = {str(v): float(w[col == str(v)].sum()) for v in s.values}
            row.update(p_truth=shares[str(t)], in50=str(t) in _smallest_set(shares, 0.5),
                       in90=str(t) in _smallest_set(shares, 0.9))
        else:
            x = post[s.name].to_numpy(dtype=float)
            q05, q25, q75, q95 = weighted_quantile(x, w, np.array([0.05, 0.25, 0.75, 0.95]))
            sample = x[rows]
            below, ties = int((sample < t).sum()), int((sample == t).sum())
            row.update(in50=bool(q25 <= t <= q75), in90=bool(q05 <= t <= q95),
                       rank=below + int(rng.integers(0, ties + 1)), draws=draws,
                       width90=float((q95 - q05) / prior.width(s)))
        rows_out.append(row)
    return rows_out


def summarise(checks: pd.DataFrame, specs: tuple[ParamSpec, ...]) -> dict[str, Any]:
    """Coverage of the 50 % and 90 % intervals per parameter and pooled (with standard
    errors), and each continuous parameter's rank-histogram uniformity (chi-square)."""
    from scipy.stats import chisquare

    out: dict[str, Any] = {"cases": int(checks["case"].nunique()), "parameters": []}
    for s in specs:
        c = checks[checks["parameter"] == s.name]
        n = len(c)
        row: dict[str, Any] = {"parameter": s.name, "cases": n}
        for level in (50, 90):
            p = float(c[f"in{level}"].mean())
            row[f"coverage{level}"] = p
            row[f"se{level}"] = float(np.sqrt(p * (1 - p) / n)) if n else np.nan
        if s.values is None:
            bins = np.floor(c["rank"].to_numpy() / (c["draws"].to_numpy() + 1)
                            * RANK_BINS).astype(int)
            counts = np.bincount(bins, minlength=RANK_BINS)
            row["rank_counts"] = counts.tolist()
            row["uniform_p"] = float(chisquare(counts).pvalue)
            row["width90"] = float(c["width90"].mean())
        else:
            row["p_truth"] = float(c["p_truth"].mean())
            row["p_prior"] = 1.0 / len(s.values)
        out["parameters"].append(row)
    per_case = checks.groupby("case")[["in50", "in90"]].mean()
    for level in (50, 90):
        col = per_case[f"in{level}"]
        out[f"coverage{level}"] = float(col.mean())
        out[f"se{level}"] = float(col.std(ddof=1) / np.sqrt(len(col))) if len(col) > 1 \
            else np.nan
    return out
