"""The numbers behind the figures: quantiles, probabilities of rungs, fan-chart bands and
comparison tables. Pure functions of the loaded tables, so they are tested directly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.outcomes import BY_NAME, NUMERIC
from sim.core.south_korea import ROK_RUNGS

NUMERIC_OUTCOMES: list[str] = list(NUMERIC)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def describe_outcomes(runs: pd.DataFrame, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per outcome: runs, mean, 5% / median / 95% quantiles, and the share missing (a week
    outcome is missing when the event never happened)."""
    rows = []
    for name in outcomes or NUMERIC_OUTCOMES:
        v = pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float)
        ok = v[~np.isnan(v)]
        q = np.quantile(ok, [0.05, 0.5, 0.95]) if len(ok) else [np.nan] * 3
        rows.append({
            "outcome": name, "unit": BY_NAME[name].unit, "runs": len(v), "mean":
            float(ok.mean()) if len(ok) else np.nan, "q05": q[0], "median": q[1], "q95": q[2],
            "missing_share": float(np.isnan(v).mean()) if len(v) else np.nan,
        })
    return pd.DataFrame(rows).set_index("outcome")


def rung_probabilities(ts: pd.DataFrame) -> pd.DataFrame:
    """P(South Korea is on rung k at week t): rows = weeks, columns = rung names."""
    counts = pd.crosstab(ts["week"], ts["rok_rung"].astype(int), normalize="index")
    counts = counts.reindex(columns=range(len(ROK_RUNGS)), fill_value=0.0)
    counts.columns = list(ROK_RUNGS)
    return counts


def max_rung_probabilities(runs: pd.DataFrame) -> pd.Series:
    """P(South Korea's highest rung reaches at least k), k = 1..4, by rung name."""
    top = runs["rok_max_rung"].astype(int).to_numpy()
    return pd.Series({f"P({ROK_RUNGS[k]})": float((top >= k).mean())
                      for k in range(1, len(ROK_RUNGS))})


def retaken_by_week(runs: pd.DataFrame, horizon: int) -> pd.Series:
    """P(Kursk fully retaken by week t), t = 0..horizon (NaN retaken_week: never)."""
    w = pd.to_numeric(runs["retaken_week"], errors="coerce").to_numpy(dtype=float)
    weeks = np.arange(horizon + 1)
    p = [(np.nan_to_num(w, nan=np.inf) <= t).mean() for t in weeks]
    return pd.Series(p, index=pd.Index(weeks, name="week"), name="P(retaken)")


def fan_bands(ts: pd.DataFrame, series: str) -> pd.DataFrame:
    """Quantiles of one series across runs, per week (columns q05, q25, q50, q75, q95)."""
    g = ts.groupby("week")[series]
    out = pd.DataFrame({f"q{int(q * 100):02d}": g.quantile(q) for q in QUANTILES})
    return out


def compare_table(named_runs: dict[str, pd.DataFrame], outcomes: list[str]) -> pd.DataFrame:
    """Median and 5-95% interval of each outcome in each result set, and whether the
    interval does not overlap the first set's (the reference)."""
    rows = []
    ref_name = next(iter(named_runs))
    ref = describe_outcomes(named_runs[ref_name], outcomes)
    for name, runs in named_runs.items():
        d = describe_outcomes(runs, outcomes)
        for o in outcomes:
            lo, hi = d.loc[o, "q05"], d.loc[o, "q95"]
            rlo, rhi = ref.loc[o, "q05"], ref.loc[o, "q95"]
            disjoint = bool(name != ref_name and (lo > rhi or hi < rlo))
            rows.append({"outcome": o, "set": name, "runs": len(runs),
                         "median": d.loc[o, "median"], "q05": lo, "q95": hi,
                         "differs_from_" + ref_name: disjoint})
    return pd.DataFrame(rows)


def compare_rungs(named_runs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """P(highest rung ≥ k) for each result set: rows = sets."""
    return pd.DataFrame({n: max_rung_probabilities(r) for n, r in named_runs.items()}).T
