"""The numbers behind the figures: against hand-computed values on small tables, and the
streamed (DuckDB) summaries of a real store against pandas on the whole store loaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.analysis.results import from_frames, load_results
from sim.analysis.summary import (
    FAN_SERIES,
    QUANTILES,
    compare_table,
    describe_outcomes,
    distributions,
    fan_bands,
    max_rung_probabilities,
    retaken_by_week,
    rung_probabilities,
    with_uncertainty,
)
from sim.analysis.uncertainty import quantile_ci_levels
from sim.cli import main
from sim.core.outcomes import NUMERIC
from tests.conftest import ROOT


def test_describe_outcomes_quantiles_and_missing_share() -> None:
    runs = pd.DataFrame({"casualties_russia": np.arange(101, dtype=float),
                         "retaken_week": [np.nan] * 25 + [10.0] * 76})
    d = describe_outcomes(from_frames(runs), ["casualties_russia", "retaken_week"])
    assert d.loc["casualties_russia", "median"] == 50
    assert d.loc["casualties_russia", "q05"] == pytest.approx(5)
    assert d.loc["casualties_russia", "q95"] == pytest.approx(95)
    assert d.loc["retaken_week", "missing_share"] == pytest.approx(25 / 101)
    assert d.loc["retaken_week", "median"] == 10
    # each quantile with its distribution-free 95% interval: the order statistics at
    # n*q -/+ 1.96*sqrt(n*q*(1-q)) (here 101 values 0..100, so value = rank)
    half = 1.959963984540054 * np.sqrt(0.25 / 101) * 100
    assert d.loc["casualties_russia", "median_lo"] == pytest.approx(50 - half)
    assert d.loc["casualties_russia", "median_hi"] == pytest.approx(50 + half)
    assert d.loc["casualties_russia", "mean_se"] == pytest.approx(
        np.arange(101).std(ddof=1) / np.sqrt(101))


def test_quantile_intervals_cover_the_truth_and_shrink_with_runs() -> None:
    """The 95% interval of the median of a standard normal holds 0 in about 95% of
    stores, and four times the runs halve its width. The store's interval is DuckDB's
    linear quantiles at the levels of ``quantile_ci_levels`` (checked on one store of each
    size), so the coverage is counted over many samples with numpy's, which are the same."""
    rng = np.random.default_rng(0)
    widths = {}
    for n in (100, 400):
        levels = quantile_ci_levels(0.5, n)
        one = rng.normal(size=n)
        d = describe_outcomes(from_frames(pd.DataFrame({"escalation_peak": one})),
                              ["escalation_peak"]).iloc[0]
        np.testing.assert_allclose([d["median_lo"], d["median_hi"]],
                                   np.quantile(one, levels), rtol=1e-12)
        samples = rng.normal(size=(2000, n))
        lo, hi = np.quantile(samples, levels, axis=1)
        assert 0.92 <= np.mean((lo <= 0) & (hi >= 0)) <= 0.98
        widths[n] = np.mean(hi - lo)
    assert widths[400] / widths[100] == pytest.approx(0.5, abs=0.03)


def test_with_uncertainty_joins_each_estimate_to_its_interval() -> None:
    frame = pd.DataFrame({"unit": ["km²"], "median": [50.0], "median_lo": [40.0],
                          "median_hi": [60.5], "probability": [0.25],
                          "probability_se": [0.0125]}, index=["x"])
    shown = with_uncertainty(frame)
    assert list(shown.columns) == ["unit", "median [95% CI]", "probability ± se"]
    assert shown.loc["x", "median [95% CI]"] == "50 [40, 60.5]"
    assert shown.loc["x", "probability ± se"] == "0.25 ± 0.0125"


def test_rung_probabilities_over_time() -> None:
    ts = pd.DataFrame({"run_id": [0, 0, 1, 1, 2, 2, 3, 3], "week": [0, 1] * 4,
                       "rok_rung": [0, 1, 0, 3, 1, 4, 0, 4]})
    p = rung_probabilities(from_frames(pd.DataFrame({"run_id": range(4)}), ts))
    assert p.loc[0, "none"] == pytest.approx(0.75)
    assert p.loc[0, "statements"] == pytest.approx(0.25)
    assert p.loc[1, "offensive_weapons"] == pytest.approx(0.5)
    assert p.loc[1, "defensive_weapons"] == pytest.approx(0.25)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_max_rung_and_retaken_by_week() -> None:
    runs = pd.DataFrame({"rok_max_rung": [1, 3, 3, 4], "retaken_week": [2, 5, np.nan, 5]})
    weeks = pd.DataFrame({"run_id": 0, "week": range(7)})
    rs = from_frames(runs, weeks)
    p = max_rung_probabilities(rs)
    assert p.loc["P(defensive_weapons)", "probability"] == 0.75
    assert p.loc["P(offensive_weapons)", "probability"] == 0.25
    assert p.loc["P(offensive_weapons)", "probability_se"] == pytest.approx(
        np.sqrt(0.25 * 0.75 / 4))
    assert list(retaken_by_week(rs)) == [0, 0, 0.25, 0.25, 0.25, 0.75, 0.75]


def test_fan_bands() -> None:
    ts = pd.DataFrame({"run_id": np.repeat(np.arange(101), 2), "week": [0, 1] * 101,
                       "escalation_index": np.column_stack([np.zeros(101),
                                                            np.arange(101)]).ravel()})
    b = fan_bands(from_frames(pd.DataFrame({"run_id": range(101)}), ts), "escalation_index")
    assert b.loc[1, "q50"] == 50
    assert b.loc[1, "q25"] == 25
    assert b.loc[1, "q95"] == 95
    assert (b.loc[0] == 0).all()


def test_compare_marks_disjoint_intervals_only() -> None:
    a = pd.DataFrame({"escalation_peak": np.linspace(10, 20, 50)})
    b = pd.DataFrame({"escalation_peak": np.linspace(30, 40, 50)})
    c = pd.DataFrame({"escalation_peak": np.linspace(15, 35, 50)})
    t = compare_table({k: from_frames(v) for k, v in {"a": a, "b": b, "c": c}.items()},
                      ["escalation_peak"]).set_index("set")
    assert list(t["differs_from_a"]) == [False, True, False]
    assert t.loc["b", "median"] == pytest.approx(35)


def test_distribution_of_a_count_is_exact_and_of_a_level_is_binned() -> None:
    rng = np.random.default_rng(1)
    n = 5000
    runs = pd.DataFrame({"rok_max_rung": rng.integers(0, 5, n),
                         "escalation_peak": rng.normal(40, 8, n)})
    d = distributions(from_frames(runs), ["rok_max_rung", "escalation_peak"])
    rung, peak = d["rok_max_rung"], d["escalation_peak"]
    assert rung.exact and not peak.exact
    np.testing.assert_array_equal(rung.counts, np.histogram(runs["rok_max_rung"], 5)[0])
    np.testing.assert_allclose(rung.ecdf_p[-1], 1.0)
    counts, edges = np.histogram(runs["escalation_peak"], 40)
    np.testing.assert_allclose(peak.edges, edges)
    # numpy closes only the last bin on the right; so does the streamed count, so at most
    # a value lying exactly on an inner edge (none here) could fall differently
    np.testing.assert_array_equal(peak.counts, counts)
    # the binned ECDF is exact at every fine edge
    at = peak.ecdf_x[::97]
    expected = [(runs["escalation_peak"] <= x).mean() for x in at]
    np.testing.assert_allclose(peak.ecdf_p[::97], expected, atol=1 / n)


# ---------------------------------------------------------------- a real store
@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A small sweep whose runs are spread over several Parquet parts, plus the debris
    a killed sweep can leave (a .tmp file and a timeseries part with no runs twin)."""
    out = tmp_path_factory.mktemp("streamed") / "store"
    assert main(["sweep", str(ROOT / "scenarios" / "baseline.toml"), "--design", "lhs",
                 "--samples", "40", "--replicates", "3", "--weeks", "20", "--quiet",
                 "--executor", "serial", "--chunk-size", "30", "--batch-rows", "30",
                 "--out", str(out)]) == 0
    parts = sorted((out / "runs").glob("part-*.parquet"))
    ts = pd.read_parquet(out / "timeseries")
    (out / "timeseries" / ".part-000099.parquet.tmp").write_bytes(b"not parquet")
    ts.assign(escalation_index=1e9).to_parquet(out / "timeseries" / "part-000098.parquet")
    first = pq.read_table(parts[0])  # a failed batch, in the store's own schema
    runs = first.to_pandas()
    failed = runs.head(5).assign(run_id=runs["run_id"].head(5) + 10_000, status="failed",
                                 escalation_peak=1e9, casualties_russia=10**9)
    pq.write_table(pa.Table.from_pandas(failed, schema=first.schema, preserve_index=False),
                   out / "runs" / "part-000097.parquet")
    return out, len(parts)


def _loaded(out):
    """The whole store the plain way: every committed part into pandas."""
    runs = pd.concat([pd.read_parquet(p) for p in sorted((out / "runs").glob("part-*"))])
    runs = runs[runs["status"] == "ok"]
    ts = pd.concat([pd.read_parquet(out / "timeseries" / p.name)
                    for p in sorted((out / "runs").glob("part-*"))
                    if (out / "timeseries" / p.name).exists()])
    return runs, ts


def test_streamed_quantiles_equal_pandas_on_the_whole_store(store) -> None:
    out, n_parts = store
    assert n_parts > 1
    runs, ts = _loaded(out)
    rs = load_results(out)
    assert rs.n_runs == len(runs) == 120
    assert rs.n_failed == 5
    # quantile_cont is linear interpolation between order statistics, pandas' default:
    # equal to floating-point rounding
    for series in FAN_SERIES:
        bands = fan_bands(rs, series)
        expected = ts.groupby("week")[series].quantile(list(QUANTILES)).unstack()
        np.testing.assert_allclose(bands.to_numpy(), expected.to_numpy(), rtol=1e-12,
                                   atol=1e-9)
    d = describe_outcomes(rs)
    for name in NUMERIC:
        v = pd.to_numeric(runs[name]).dropna()
        assert d.loc[name, "median"] == pytest.approx(v.median(), rel=1e-12, nan_ok=True)
        assert d.loc[name, "q05"] == pytest.approx(v.quantile(0.05), rel=1e-12, nan_ok=True)
        assert d.loc[name, "q95"] == pytest.approx(v.quantile(0.95), rel=1e-12, nan_ok=True)
    p = rung_probabilities(rs)
    expected = pd.crosstab(ts["week"], ts["rok_rung"].astype(int), normalize="index")
    for k in expected.columns:
        np.testing.assert_allclose(p.iloc[:, k], expected[k])


def test_frame_samples_are_deterministic_and_disjoint(store) -> None:
    rs = load_results(store[0])
    a = rs.frame(["escalation_peak"], sample=30, seed=4)
    b = rs.frame(["escalation_peak"], sample=30, seed=4, offset=30)
    assert len(a) == len(b) == 30
    assert not set(a["run_id"]) & set(b["run_id"])
    assert a.equals(rs.frame(["escalation_peak"], sample=30, seed=4))
    assert not a["run_id"].equals(rs.frame(["escalation_peak"], sample=30, seed=5)["run_id"])
