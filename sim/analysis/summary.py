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
from sim.analysis.uncertainty import proportion_se, quantile_ci_levels, wilson_interval
from sim.core.actors.south_korea import ROK_RUNGS, RUNG_DEFENSIVE, RUNG_OFFENSIVE
from sim.core.outcomes import BY_NAME, NUMERIC

NUMERIC_OUTCOMES: list[str] = list(NUMERIC)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

FAN_SERIES: tuple[str, ...] = ("ukraine_area_km2", "casualties_north_korea",
                               "reward_finance_musd", "escalation_index")
"""The weekly series of the fan chart (titled by their declarations in sim.core.series)."""

EXACT_ECDF_VALUES = 2000
"""A level with at most this many distinct values gets its histogram and ECDF from exact
(value, count) pairs. Above it (continuous levels of large stores), from counts in
``FINE_BINS`` equal bins: the ECDF is then exact at the 1,001 bin edges and the
histogram's 40 bins are sums of 25 fine bins. Flags, weeks and small counts are always
counted value by value."""

FINE_BINS = 1000
DISPLAY_BINS = 40


def _qlist(qs: tuple[float, ...]) -> str:
    return "[" + ", ".join(repr(float(q)) for q in qs) + "]"


def describe_outcomes(rs: ResultSet, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per outcome: runs, mean and its Monte Carlo standard error, the 5% / median / 95%
    quantiles each with its 95% confidence interval (``q05_lo``, ``q05_hi``, ...; see
    :func:`quantile_ci_levels`), and the share missing (a week outcome is missing when the
    event never happened)."""
    names = list(outcomes or NUMERIC_OUTCOMES)
    counts = rs.query("SELECT count(*) AS runs, " + ", ".join(
        f"count(num({_ident(name)})) AS n{i}" for i, name in enumerate(names))
        + " FROM runs").iloc[0]
    total = int(counts["runs"])
    aggs = []
    for i, name in enumerate(names):
        v, n = f"num({_ident(name)})", int(counts[f"n{i}"])
        levels = [lv for q in (0.05, 0.5, 0.95) for lv in (q, *quantile_ci_levels(q, n))]
        aggs += [f"avg({v}) AS m{i}", f"stddev_samp({v}) AS s{i}",
                 f"quantile_cont({v}, {_qlist(tuple(levels))}) AS q{i}"]
    row = rs.query(f"SELECT {', '.join(aggs)} FROM runs").iloc[0]
    rows = []
    for i, name in enumerate(names):
        n = int(counts[f"n{i}"])
        q = [float(x) for x in row[f"q{i}"]] if n else [np.nan] * 9
        sd = float(row[f"s{i}"]) if n > 1 else np.nan
        line = {"outcome": name, "unit": BY_NAME[name].unit, "runs": total,
                  "mean": float(row[f"m{i}"]) if n else np.nan,
                  "mean_se": sd / np.sqrt(n) if n > 1 else np.nan}
        for j, label in enumerate(("q05", "median", "q95")):
            line.update({label: q[3 * j], f"{label}_lo": q[3 * j + 1],
                           f"{label}_hi": q[3 * j + 2]})
        line["missing_share"] = (total - n) / total if total else np.nan
        rows.append(line)
    return pd.DataFrame(rows).set_index("outcome")


def with_uncertainty(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """A table for reading: each column ``c`` with companions ``c_lo`` and ``c_hi``
    becomes one text column "c [lo, hi]", and one with ``c_se`` becomes "c ± se". The
    numbers stay numbers in the CSV files; this is what the console and the report
    show, so that no estimate is printed without its Monte Carlo uncertainty."""
    def fmt(v: object) -> str:
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
            return str(v)
        if np.isnan(v):
            return "-"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}"

    out = {}
    cols = list(frame.columns)
    for c in cols:
        if any(c == f"{b}{sfx}" for b in cols for sfx in ("_lo", "_hi", "_se")):
            continue
        if f"{c}_lo" in cols and f"{c}_hi" in cols:
            out[f"{c} [95% CI]"] = [
                "-" if pd.isna(v) else f"{fmt(v)} [{fmt(lo)}, {fmt(hi)}]"
                for v, lo, hi in zip(frame[c], frame[f"{c}_lo"], frame[f"{c}_hi"],
                                     strict=True)]
        elif f"{c}_se" in cols:
            out[f"{c} ± se"] = ["-" if pd.isna(v) else f"{fmt(v)} ± {fmt(se)}"
                                for v, se in zip(frame[c], frame[f"{c}_se"], strict=True)]
        else:
            out[c] = list(frame[c])
    return pd.DataFrame(out, index=frame.index)


SMALL_COUNT_SPAN = 50
"""A count whose values span at most this many whole numbers (Seoul's highest rung, waves,
draw-downs, prisoners) is drawn as one bar per value with its Monte Carlo interval; a
wider one (casualties) as a histogram, where a bar per soldier would show nothing."""


def chart_of(name: str, lo: float, hi: float) -> str:
    """Which chart shows an outcome, chosen by its kind (:mod:`sim.core.outcomes`):
    ``flag`` (the probability of yes, with its interval), ``bars`` (small whole numbers:
    the probability of each value), ``week`` (when an event first happened: the share of
    runs in which it has happened by each week, "never" counted, not dropped) or
    ``level`` (continuous quantities and large counts: histogram and ECDF). A histogram
    with a smoothing line over 0/1 or 2/3/4 would draw densities that no run has."""
    kind = BY_NAME[name].kind
    if kind in ("flag", "week"):
        return kind
    if kind == "count" and hi - lo <= SMALL_COUNT_SPAN:
        return "bars"
    return "level"


HEADLINE_EVENTS: tuple[tuple[str, str], ...] = (
    ("kursk_retaken = 1", "Kursk fully retaken by the horizon"),
    (f"rok_max_rung >= {RUNG_DEFENSIVE}", "South Korea sends defensive weapons (or more)"),
    (f"rok_max_rung >= {RUNG_OFFENSIVE}", "South Korea sends offensive weapons"),
)
"""The probabilities a principal asks about first (condition on the runs, words)."""

HEADLINE_LEVELS: tuple[str, ...] = ("ukraine_area_end_km2", "casualties_north_korea",
                                    "escalation_peak")
"""The quantities a principal asks about first: the ground, the North's losses, how far
the escalation went."""


def headline(rs: ResultSet, policy: str | None = None) -> pd.DataFrame:
    """The report's key numbers, over all runs or one policy's: each probability of
    ``HEADLINE_EVENTS`` with its 95% Wilson interval, and the median of each quantity of
    ``HEADLINE_LEVELS`` with its 95% interval and the middle 90% of runs (``q05``,
    ``q95``). Rows by measure; columns ``kind`` (probability or median), ``estimate``,
    ``lo``, ``hi``, ``q05``, ``q95``, ``unit``, ``runs``."""
    where, params = ("WHERE policy = ?", [policy]) if policy is not None else ("", [])
    counts = rs.query("SELECT count(*) AS n, " + ", ".join(
        [f"count(*) FILTER ({cond}) AS e{i}" for i, (cond, _) in enumerate(HEADLINE_EVENTS)]
        + [f"count(num({_ident(o)})) AS n{i}" for i, o in enumerate(HEADLINE_LEVELS)])
        + f" FROM runs {where}", params).iloc[0]
    n = int(counts["n"])
    rows = {}
    for i, (_, label) in enumerate(HEADLINE_EVENTS):
        k = int(counts[f"e{i}"])
        lo, hi = wilson_interval(k, n)
        rows[label] = {"kind": "probability", "estimate": k / n if n else np.nan,
                       "lo": float(lo), "hi": float(hi), "q05": np.nan, "q95": np.nan,
                       "unit": "", "runs": n}
    levels = {i: (0.05, 0.5, 0.95, *quantile_ci_levels(0.5, int(counts[f"n{i}"])))
              for i in range(len(HEADLINE_LEVELS))}
    q = rs.query("SELECT " + ", ".join(
        f"quantile_cont(num({_ident(o)}), {_qlist(levels[i])}) AS q{i}"
        for i, o in enumerate(HEADLINE_LEVELS)) + f" FROM runs {where}", params).iloc[0]
    for i, o in enumerate(HEADLINE_LEVELS):
        q05, med, q95, lo, hi = ([float(x) for x in q[f"q{i}"]] if counts[f"n{i}"]
                                 else [np.nan] * 5)
        rows[BY_NAME[o].doc] = {"kind": "median", "estimate": med, "lo": lo, "hi": hi,
                                "q05": q05, "q95": q95, "unit": BY_NAME[o].unit, "runs": n}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "measure"
    return frame


@dataclass
class Distribution:
    """Everything the distribution figure of one outcome draws (small arrays only)."""

    name: str
    chart: str  # see chart_of
    runs: int  # all runs, with or without a value
    values: int  # runs with a value (a week outcome: runs in which the event happened)
    horizon: int  # the runs' last week (a week outcome's "never" means "not by then")
    points: np.ndarray  # distinct values, when exact (every chart but a binned level)
    point_counts: np.ndarray  # runs with each of them
    edges: np.ndarray  # histogram bin edges
    counts: np.ndarray  # runs per bin
    ecdf_x: np.ndarray  # ECDF: share of all runs with a value <= ecdf_x is ecdf_p
    ecdf_p: np.ndarray
    q05: float
    median: float
    q95: float
    median_lo: float  # the median's 95% confidence interval (see quantile_ci_levels)
    median_hi: float
    exact: bool  # True: from every distinct value; False: from FINE_BINS bin counts


def distributions(rs: ResultSet, outcomes: list[str] | None = None) -> dict[str,
                                                                              Distribution]:
    """The figure data of each outcome: its chart (:func:`chart_of`), the runs with each
    value or histogram and ECDF, and its quantiles with the median's interval."""
    names = list(outcomes or NUMERIC_OUTCOMES)
    aggs = []
    for i, name in enumerate(names):
        v = f"num({_ident(name)})"
        aggs += [f"count({v}) AS n{i}", f"min({v}) AS lo{i}", f"max({v}) AS hi{i}",
                 f"approx_count_distinct({v}) AS d{i}"]
    row = rs.query(f"SELECT count(*) AS runs, {', '.join(aggs)} FROM runs").iloc[0]
    total = int(row["runs"])
    # the quantiles' levels depend on each outcome's count of values: a second scan
    levels = {i: (0.05, 0.5, 0.95, *quantile_ci_levels(0.5, int(row[f"n{i}"])))
              for i in range(len(names))}
    quantiles = rs.query("SELECT " + ", ".join(
        f"quantile_cont(num({_ident(name)}), {_qlist(levels[i])}) AS q{i}"
        for i, name in enumerate(names)) + " FROM runs").iloc[0]
    out = {}
    for i, name in enumerate(names):
        n = int(row[f"n{i}"])
        if n == 0:
            empty = np.array([])
            out[name] = Distribution(name, chart_of(name, 0, 0), total, 0, rs.horizon, empty,
                                     empty, empty, empty, empty, empty, *[np.nan] * 5, True)
            continue
        lo, hi = float(row[f"lo{i}"]), float(row[f"hi{i}"])
        out[name] = _distribution(rs, name, total, n, lo, hi, int(row[f"d{i}"]),
                                  [float(q) for q in quantiles[f"q{i}"]])
    return out


def _distribution(rs: ResultSet, name: str, total: int, n: int, lo: float, hi: float,
                  distinct: int, q: list[float]) -> Distribution:
    v = f"num({_ident(name)})"
    chart = chart_of(name, lo, hi)
    empty = np.array([])
    # whole numbers (flags, weeks, small counts) are always counted value by value
    if chart != "level" or distinct <= EXACT_ECDF_VALUES * 0.9:  # the estimate errs a bit
        vc = rs.query(f"SELECT {v} AS v, count(*) AS c FROM runs WHERE {v} IS NOT NULL "
                      "GROUP BY v ORDER BY v")
        values, counts = vc["v"].to_numpy(float), vc["c"].to_numpy(float)
        bins = min(DISPLAY_BINS, max(5, len(values)))
        hist, edges = np.histogram(values, bins=bins, weights=counts)
        ecdf_x, ecdf_p = values, np.cumsum(counts) / total
        points, point_counts, exact = values, counts, True
    else:
        fine_edges, fine = _binned(rs, v, lo, hi, FINE_BINS)
        group = FINE_BINS // DISPLAY_BINS
        edges, hist = fine_edges[::group], fine.reshape(DISPLAY_BINS, group).sum(axis=1)
        ecdf_x, ecdf_p = fine_edges, np.concatenate([[0.0], np.cumsum(fine)]) / total
        points, point_counts, exact = empty, empty, False
    return Distribution(name, chart, total, n, rs.horizon, points, point_counts, edges,
                        hist.astype(float), ecdf_x, ecdf_p, *q, exact)


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


def max_rung_probabilities(rs: ResultSet) -> pd.DataFrame:
    """P(South Korea's highest rung reaches at least k), k = 1..4: rows by rung name
    ("P(statements)", ...), columns ``probability`` and ``probability_se`` (its Monte
    Carlo standard error over the runs)."""
    c = rs.query("SELECT rok_max_rung::INT AS r, count(*) AS n FROM runs GROUP BY r")
    total = int(c["n"].sum())
    rows = {}
    for k in range(1, len(ROK_RUNGS)):
        p = float(c.loc[c["r"] >= k, "n"].sum() / total) if total else np.nan
        rows[f"P({ROK_RUNGS[k]})"] = {"probability": p,
                                      "probability_se": proportion_se(p, total)}
    return pd.DataFrame.from_dict(rows, orient="index")


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
    """Median and 5-95% interval of each outcome in each result set (each with its 95%
    confidence interval), and whether the 5-95% interval does not overlap the first set's
    (the reference)."""
    rows = []
    ref_name = next(iter(named))
    described = {name: describe_outcomes(rs, outcomes) for name, rs in named.items()}
    ref = described[ref_name]
    keep = [f"{q}{sfx}" for q in ("median", "q05", "q95") for sfx in ("", "_lo", "_hi")]
    for name, rs in named.items():
        d = described[name]
        for o in outcomes:
            lo, hi = d.loc[o, "q05"], d.loc[o, "q95"]
            rlo, rhi = ref.loc[o, "q05"], ref.loc[o, "q95"]
            disjoint = bool(name != ref_name and (lo > rhi or hi < rlo))
            rows.append({"outcome": o, "set": name, "runs": rs.n_runs,
                         **{k: d.loc[o, k] for k in keep},
                         "differs_from_" + ref_name: disjoint})
    return pd.DataFrame(rows)


def compare_rungs(named: dict[str, ResultSet]) -> pd.DataFrame:
    """P(highest rung ≥ k) for each result set: rows = sets, a column per rung and its
    standard error (``P(rung)_se``)."""
    rows = {}
    for n, rs in named.items():
        p = max_rung_probabilities(rs)
        rows[n] = {**{k: p.loc[k, "probability"] for k in p.index},
                   **{f"{k}_se": p.loc[k, "probability_se"] for k in p.index}}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    order = [c for k in max_rung_labels() for c in (k, f"{k}_se")]
    return frame[order]


def max_rung_labels() -> list[str]:
    """The row labels of :func:`max_rung_probabilities`."""
    return [f"P({ROK_RUNGS[k]})" for k in range(1, len(ROK_RUNGS))]
