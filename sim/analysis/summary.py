"""The numbers behind the figures: outcome quantiles and distributions, probabilities of
rungs, fan-chart bands and comparison tables.

Every function is a query over a :class:`~sim.analysis.results.ResultSet`: DuckDB scans
the Parquet parts and returns a few hundred numbers, never the runs themselves. Quantiles
are exact (``quantile_cont``: linear interpolation between order statistics, the same
rule as numpy's and pandas' default), so they equal what pandas computes on the whole
table loaded in memory. A missing value (NaN or NULL: a week outcome whose event never
happened) is left out of quantiles and counted aside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.results import ResultSet, _ident
from sim.core.outcomes import BY_NAME, NUMERIC
from sim.core.south_korea import ROK_RUNGS

NUMERIC_OUTCOMES: list[str] = list(NUMERIC)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

FAN_SERIES: dict[str, tuple[str, str]] = {
    "ukraine_area_km2": ("Ukrainian-held area of Kursk", "km²"),
    "casualties_north_korea": ("North Korean casualties (cumulative)", "personnel"),
    "reward_finance_musd": ("Russian finance to Pyongyang (cumulative)", "USD million"),
    "escalation_index": ("Escalation index", "index (0-100)"),
}
"""The weekly series of the fan chart: title and unit."""

EXACT_ECDF_VALUES = 2000
"""An outcome with at most this many distinct values gets its histogram, ECDF and density
line from exact (value, count) pairs. Above it (continuous levels of large stores), from
counts in ``FINE_BINS`` equal bins: the ECDF is then exact at the 1,001 bin edges, the
histogram's 40 bins are sums of 25 fine bins, and the density line is computed from the
bin counts. Counts and rungs always fall in the first case."""

FINE_BINS = 1000
DISPLAY_BINS = 40


def _qlist(qs: tuple[float, ...]) -> str:
    return "[" + ", ".join(repr(float(q)) for q in qs) + "]"


def describe_outcomes(rs: ResultSet, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per outcome: runs, mean, 5% / median / 95% quantiles, and the share missing (a week
    outcome is missing when the event never happened)."""
    names = list(outcomes or NUMERIC_OUTCOMES)
    aggs = []
    for i, name in enumerate(names):
        v = f"num({_ident(name)})"
        aggs += [f"count({v}) AS n{i}", f"avg({v}) AS m{i}",
                 f"quantile_cont({v}, [0.05, 0.5, 0.95]) AS q{i}"]
    row = rs.query(f"SELECT count(*) AS runs, {', '.join(aggs)} FROM runs").iloc[0]
    total = int(row["runs"])
    rows = []
    for i, name in enumerate(names):
        n = int(row[f"n{i}"])
        q = list(row[f"q{i}"]) if n else [np.nan] * 3
        rows.append({
            "outcome": name, "unit": BY_NAME[name].unit, "runs": total,
            "mean": float(row[f"m{i}"]) if n else np.nan,
            "q05": float(q[0]), "median": float(q[1]), "q95": float(q[2]),
            "missing_share": (total - n) / total if total else np.nan,
        })
    return pd.DataFrame(rows).set_index("outcome")


@dataclass
class Distribution:
    """Everything the distribution figure of one outcome draws (small arrays only)."""

    name: str
    runs: int  # all runs, with or without a value
    values: int  # runs with a value
    edges: np.ndarray  # histogram bin edges
    counts: np.ndarray  # runs per bin
    ecdf_x: np.ndarray  # ECDF: share of all runs with a value <= ecdf_x is ecdf_p
    ecdf_p: np.ndarray
    kde_x: np.ndarray  # density line (empty when the values do not vary)
    kde_y: np.ndarray
    q05: float
    median: float
    q95: float
    exact: bool  # True: from every distinct value; False: from FINE_BINS bin counts


def distributions(rs: ResultSet, outcomes: list[str] | None = None) -> dict[str,
                                                                              Distribution]:
    """The histogram, ECDF, density line and quantiles of each outcome."""
    names = list(outcomes or NUMERIC_OUTCOMES)
    aggs = []
    for i, name in enumerate(names):
        v = f"num({_ident(name)})"
        aggs += [f"count({v}) AS n{i}", f"min({v}) AS lo{i}", f"max({v}) AS hi{i}",
                 f"approx_count_distinct({v}) AS d{i}",
                 f"quantile_cont({v}, [0.05, 0.5, 0.95]) AS q{i}"]
    row = rs.query(f"SELECT count(*) AS runs, {', '.join(aggs)} FROM runs").iloc[0]
    total = int(row["runs"])
    out = {}
    for i, name in enumerate(names):
        n = int(row[f"n{i}"])
        if n == 0:
            empty = np.array([])
            out[name] = Distribution(name, total, 0, empty, empty, empty, empty, empty, empty,
                                     np.nan, np.nan, np.nan, True)
            continue
        lo, hi, q = float(row[f"lo{i}"]), float(row[f"hi{i}"]), list(row[f"q{i}"])
        out[name] = _distribution(rs, name, total, n, lo, hi, int(row[f"d{i}"]), q)
    return out


def _distribution(rs: ResultSet, name: str, total: int, n: int, lo: float, hi: float,
                  distinct: int, q: list[float]) -> Distribution:
    v = f"num({_ident(name)})"
    if distinct <= EXACT_ECDF_VALUES * 0.9:  # the estimate errs by a few percent
        vc = rs.query(f"SELECT {v} AS v, count(*) AS c FROM runs WHERE {v} IS NOT NULL "
                      "GROUP BY v ORDER BY v")
        values, counts = vc["v"].to_numpy(float), vc["c"].to_numpy(float)
        bins = min(DISPLAY_BINS, max(5, len(values)))
        hist, edges = np.histogram(values, bins=bins, weights=counts)
        ecdf_x, ecdf_p = values, np.cumsum(counts) / total
        kde_points, kde_weights, exact = values, counts, True
    else:
        fine_edges, fine = _binned(rs, v, lo, hi, FINE_BINS)
        group = FINE_BINS // DISPLAY_BINS
        edges, hist = fine_edges[::group], fine.reshape(DISPLAY_BINS, group).sum(axis=1)
        ecdf_x, ecdf_p = fine_edges, np.concatenate([[0.0], np.cumsum(fine)]) / total
        kde_points, kde_weights = (fine_edges[:-1] + fine_edges[1:]) / 2, fine
        keep = kde_weights > 0
        kde_points, kde_weights, exact = kde_points[keep], kde_weights[keep], False
    kde_x = kde_y = np.array([])
    if hi > lo and n > 5 and len(kde_points) > 1:
        kde_x = np.linspace(lo, hi, 200)
        kde_y = weighted_kde(kde_points, kde_weights, n, kde_x)
    return Distribution(name, total, n, edges, hist.astype(float), ecdf_x, ecdf_p, kde_x,
                        kde_y, float(q[0]), float(q[1]), float(q[2]), exact)


def weighted_kde(points: np.ndarray, weights: np.ndarray, n: int,
                 at: np.ndarray) -> np.ndarray:
    """A Gaussian kernel density of ``n`` runs given as distinct values (or bin centres)
    and their counts, evaluated ``at`` points; Scott's bandwidth (sd x n^-1/5), as
    ``scipy.stats.gaussian_kde`` uses for the runs themselves. Written out because it is
    four lines, and importing ``scipy.stats`` costs a second per command."""
    w = weights / weights.sum()
    mean = float(np.sum(w * points))
    sd = float(np.sqrt(np.sum(w * (points - mean) ** 2) * n / max(n - 1, 1)))
    if sd == 0:
        return np.array([])
    h = sd * n ** -0.2
    z = (at[:, None] - points[None, :]) / h
    return (np.exp(-0.5 * z * z) @ w) / (h * np.sqrt(2 * np.pi))


def _binned(rs: ResultSet, v: str, lo: float, hi: float, bins: int) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Counts in ``bins`` equal bins over [lo, hi], the right edge closed (numpy's rule)."""
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    scale = bins / (hi - lo)
    b = rs.query(f"SELECT least(floor(({v} - ?) * ?), ?)::INT AS b, count(*) AS c FROM runs "
                 f"WHERE {v} IS NOT NULL GROUP BY b", [lo, scale, bins - 1])
    counts = np.zeros(bins)
    counts[b["b"].to_numpy(int)] = b["c"].to_numpy(float)
    return edges, counts


def rung_probabilities(rs: ResultSet) -> pd.DataFrame:
    """P(South Korea is on rung k at week t): rows = weeks, columns = rung names."""
    c = rs.query("SELECT week, rok_rung::INT AS rung, count(*) AS n FROM series "
                 "GROUP BY ALL")
    table = c.pivot_table(index="week", columns="rung", values="n", aggfunc="sum",
                          fill_value=0).sort_index()
    table = table.reindex(columns=range(len(ROK_RUNGS)), fill_value=0).astype(float)
    table = table.div(table.sum(axis=1), axis=0)
    table.columns = list(ROK_RUNGS)
    table.columns.name = None
    return table


def max_rung_probabilities(rs: ResultSet) -> pd.Series:
    """P(South Korea's highest rung reaches at least k), k = 1..4, by rung name."""
    c = rs.query("SELECT rok_max_rung::INT AS r, count(*) AS n FROM runs GROUP BY r")
    total = c["n"].sum()
    return pd.Series({f"P({ROK_RUNGS[k]})": float(c.loc[c["r"] >= k, "n"].sum() / total)
                      for k in range(1, len(ROK_RUNGS))})


def retaken_by_week(rs: ResultSet) -> pd.Series:
    """P(Kursk fully retaken by week t), t = 0..horizon (a missing week: never)."""
    c = rs.query("SELECT num(retaken_week) AS w, count(*) AS n FROM runs GROUP BY w")
    total = c["n"].sum()
    weeks = np.arange(rs.horizon + 1)
    w = c["w"].to_numpy(dtype=float)
    n = c["n"].to_numpy(dtype=float)
    p = [n[np.nan_to_num(w, nan=np.inf) <= t].sum() / total for t in weeks]
    return pd.Series(p, index=pd.Index(weeks, name="week"), name="P(retaken)")


def fan_bands(rs: ResultSet, series: str) -> pd.DataFrame:
    """Quantiles of one series across runs, per week (columns q05, q25, q50, q75, q95)."""
    b = rs.query(f"SELECT week, quantile_cont(num({_ident(series)}), {_qlist(QUANTILES)}) "
                 "AS q FROM series GROUP BY week ORDER BY week")
    q = np.array(b["q"].tolist(), dtype=float).reshape(len(b), len(QUANTILES))
    return pd.DataFrame(q, index=pd.Index(b["week"].astype(int).to_numpy(), name="week"),
                        columns=[f"q{round(x * 100):02d}" for x in QUANTILES])


def compare_table(named: dict[str, ResultSet], outcomes: list[str]) -> pd.DataFrame:
    """Median and 5-95% interval of each outcome in each result set, and whether the
    interval does not overlap the first set's (the reference)."""
    rows = []
    ref_name = next(iter(named))
    described = {name: describe_outcomes(rs, outcomes) for name, rs in named.items()}
    ref = described[ref_name]
    for name, rs in named.items():
        d = described[name]
        for o in outcomes:
            lo, hi = d.loc[o, "q05"], d.loc[o, "q95"]
            rlo, rhi = ref.loc[o, "q05"], ref.loc[o, "q95"]
            disjoint = bool(name != ref_name and (lo > rhi or hi < rlo))
            rows.append({"outcome": o, "set": name, "runs": rs.n_runs,
                         "median": d.loc[o, "median"], "q05": lo, "q95": hi,
                         "differs_from_" + ref_name: disjoint})
    return pd.DataFrame(rows)


def compare_rungs(named: dict[str, ResultSet]) -> pd.DataFrame:
    """P(highest rung ≥ k) for each result set: rows = sets."""
    return pd.DataFrame({n: max_rung_probabilities(rs) for n, rs in named.items()}).T
