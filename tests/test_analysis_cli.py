"""plot / analyze / compare / report on real stores made by `wargame sweep` and `wargame
run`: the files appear, and the numbers in them equal a direct computation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sensitivity import outcome_values, sobol_indices
from sim.analysis.summary import describe_outcomes
from sim.batch.designs import salib_problem
from sim.cli import main
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
LOW = str(ROOT / "scenarios" / "low-threshold.toml")


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("stores")
    out = {"lhs": base / "lhs", "low": base / "low", "sobol": base / "sobol",
           "run": base / "run"}
    common = ["--replicates", "2", "--weeks", "30", "--quiet", "--executor", "serial"]
    assert main(["sweep", BASELINE, "--design", "lhs", "--samples", "30", *common,
                 "--out", str(out["lhs"])]) == 0
    assert main(["sweep", LOW, "--design", "lhs", "--samples", "10", *common,
                 "--out", str(out["low"])]) == 0
    assert main(["sweep", BASELINE, "--design", "sobol", "--samples", "8",
                 "--param", "north_korea.troop_quality=0.3:1.0",
                 "--param", "russia.tech_transfer_rate=0:0.05",
                 "--param", "south_korea.offensive_threshold=0.5:0.9",
                 "--replicates", "1", "--weeks", "20", "--quiet", "--executor", "serial",
                 "--no-timeseries", "--out", str(out["sobol"])]) == 0
    assert main(["run", BASELINE, "--seed", "3", "--out", str(out["run"])]) == 0
    return out


def test_plot_writes_every_figure_and_a_summary_matching_the_runs(stores) -> None:
    d = stores["lhs"]
    assert main(["plot", str(d)]) == 0
    figs = d / "figures"
    for name in ("fan_charts", "rung_probabilities", "scatter_escalation_peak",
                 "outcome_escalation_peak", "outcome_retaken_week"):
        assert (figs / f"{name}.png").stat().st_size > 5_000
        assert (figs / f"{name}.svg").exists()
    summary = pd.read_csv(figs / "outcome_summary.csv", index_col=0)
    runs = pd.read_parquet(d / "runs")
    v = runs["escalation_peak"].to_numpy()
    assert summary.loc["escalation_peak", "median"] == pytest.approx(np.median(v))
    assert summary.loc["escalation_peak", "q95"] == pytest.approx(np.quantile(v, 0.95))


def test_plot_on_a_single_run_folder(stores) -> None:
    assert main(["plot", str(stores["run"])]) == 0
    assert (stores["run"] / "figures" / "run.png").exists()


def test_analyze_model_free_ranking_and_discovery(stores, capsys) -> None:
    d = stores["lhs"]
    assert main(["analyze", str(d), "--outcome", "escalation_peak", "--event",
                 "escalation_peak>=40"]) == 0
    out = capsys.readouterr().out
    assert "model-free ranking" in out and "scenario discovery" in out
    table = pd.read_csv(d / "analysis" / "sensitivity_forest_escalation_peak.csv",
                        index_col=0)
    assert set(table.index) == {p["name"] for p in json.loads(
        (d / "manifest.json").read_text())["design"]["params"]}
    text = (d / "analysis" / "discovery.txt").read_text()
    assert "escalation_peak>=40" in text or "happens in" in text


def test_analyze_sobol_equals_direct_computation(stores) -> None:
    d = stores["sobol"]
    assert main(["analyze", str(d), "--outcome", "rok_perception_end"]) == 0
    table = pd.read_csv(d / "analysis" / "sensitivity_sobol_rok_perception_end.csv",
                        index_col=0)
    manifest = json.loads((d / "manifest.json").read_text())
    runs = pd.read_parquet(d / "runs").sort_values("run_id")
    y = outcome_values(runs, "rok_perception_end", 20)
    direct = sobol_indices(salib_problem(manifest["design"]["params"]), y, False)
    np.testing.assert_allclose(table["ST"], direct["ST"])
    np.testing.assert_allclose(table["S1"], direct["S1"])


def test_compare_table_matches_each_store(stores, tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(stores["lhs"]), str(stores["low"]), "--out", str(out)]) == 0
    assert "P(South Korea's highest rung >= k)" in capsys.readouterr().out
    table = pd.read_csv(out / "compare_outcomes.csv")
    low_runs = pd.read_parquet(stores["low"] / "runs")
    row = table[(table["set"] == "low-threshold") & (table["outcome"] == "rok_max_rung")]
    assert row["median"].item() == pytest.approx(np.median(low_runs["rok_max_rung"]))
    rungs = pd.read_csv(out / "compare_rungs.csv", index_col=0)
    assert rungs.loc["low-threshold", "P(offensive_weapons)"] == pytest.approx(
        (low_runs["rok_max_rung"] >= 4).mean())
    assert (out / "compare.png").exists()


def test_report_is_self_contained(stores) -> None:
    d = stores["lhs"]
    assert main(["report", str(d)]) == 0
    page = (d / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 20
    assert "Scenario discovery" in page and "Provenance" in page
    runs = pd.read_parquet(d / "runs")
    median = describe_outcomes(runs).loc["casualties_ukraine", "median"]
    assert f"{median:.4g}" in page
    assert "src=\"http" not in page


@pytest.mark.parametrize("command", ["plot", "analyze", "report"])
def test_folders_that_are_not_stores_exit_2(tmp_path, capsys, command) -> None:
    assert main([command, str(tmp_path / "missing")]) == 2
    assert "no such result folder" in capsys.readouterr().err
    (tmp_path / "junk").mkdir()
    assert main([command, str(tmp_path / "junk")]) == 2
    assert "not a result folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    (empty / "runs").mkdir(parents=True)
    (empty / "manifest.json").write_text(json.dumps({"kind": "sweep"}))
    assert main([command, str(empty)]) == 2
    assert "no stored runs" in capsys.readouterr().err


def test_analyze_needs_a_sweep(stores, capsys) -> None:
    assert main(["analyze", str(stores["run"])]) == 2
    assert "needs a sweep" in capsys.readouterr().err
