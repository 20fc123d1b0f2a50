"""plot / analyze / compare / report on real stores made by `wargame sweep` and `wargame
run`: the files appear, the numbers in them equal a direct computation, and the report
reuses what plot and analyze wrote until the store changes.

The sweep stores are built once per module, and `plot` and `analyze` run once on them
(fixtures): the report test reuses both, which is also what it tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.defaults import KEY_OUTCOMES
from sim.analysis.sensitivity import outcome_values, sobol_indices
from sim.analysis.style import fmt_share
from sim.batch.designs import salib_problem
from sim.cli import main
from sim.core.scenario import load_scenario
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


@pytest.fixture(scope="module")
def plotted(stores) -> Path:
    """`wargame plot` once on the LHS store (PNG, the default)."""
    assert main(["plot", str(stores["lhs"])]) == 0
    return stores["lhs"] / "figures"


@pytest.fixture(scope="module")
def analyzed(stores) -> tuple[Path, str]:
    """`wargame analyze` once on the LHS store with the defaults (the key outcomes, the
    'offensive' event), and what it printed."""
    import contextlib
    import io

    buffer = io.StringIO()  # the console writes to whatever sys.stdout is
    with contextlib.redirect_stdout(buffer):
        assert main(["analyze", str(stores["lhs"])]) == 0
    return stores["lhs"] / "analysis", buffer.getvalue()


def test_plot_writes_every_figure_and_a_summary_matching_the_runs(plotted) -> None:
    for name in ("fan_charts", "rung_probabilities", "scatter_escalation_peak",
                 "outcome_escalation_peak", "outcome_retaken_week"):
        assert (plotted / f"{name}.png").stat().st_size > 5_000
    assert not list(plotted.glob("*.svg"))  # PNG only unless --formats asks
    summary = pd.read_csv(plotted / "outcome_summary.csv", index_col=0)
    runs = pd.read_parquet(plotted.parent / "runs")
    v = runs["escalation_peak"].to_numpy()
    assert summary.loc["escalation_peak", "median"] == pytest.approx(np.median(v))
    assert summary.loc["escalation_peak", "q95"] == pytest.approx(np.quantile(v, 0.95))
    stamp = json.loads((plotted / "stamp.json").read_text())
    assert stamp["formats"] == ["png"]
    assert len(stamp["files"]) == len(list(plotted.glob("*.png")))


def test_plot_on_a_single_run_folder_in_the_formats_asked(stores) -> None:
    assert main(["plot", str(stores["run"]), "--formats", "svg,png"]) == 0
    assert (stores["run"] / "figures" / "run.png").exists()
    assert (stores["run"] / "figures" / "run.svg").read_text().lstrip().startswith("<?xml")


def test_report_adds_png_to_figures_of_the_same_store_and_keeps_their_svg(stores) -> None:
    d = stores["run"]
    assert main(["plot", str(d), "--formats", "svg"]) == 0
    assert not (d / "figures" / "run.png").exists()
    assert main(["report", str(d)]) == 0
    assert (d / "figures" / "run.svg").exists()
    assert (d / "figures" / "run.png").exists()
    assert (d / "report.html").read_text().count("data:image/png;base64,") == 1


def test_plot_refuses_unknown_formats(stores, capsys) -> None:
    assert main(["plot", str(stores["run"]), "--formats", "png,gif"]) == 2
    assert "--formats" in capsys.readouterr().err


def test_analyze_model_free_ranking_and_discovery(stores, analyzed) -> None:
    folder, out = analyzed
    assert "model-free ranking" in out
    assert "scenario discovery" in out
    assert "all 60 runs, split in two halves" in out
    names = {p["name"] for p in json.loads((stores["lhs"] / "manifest.json").read_text())
             ["design"]["params"]}
    for o in KEY_OUTCOMES:
        table = pd.read_csv(folder / f"sensitivity_forest_{o}.csv", index_col=0)
        assert set(table.index) == names
        assert (folder / f"sensitivity_{o}.png").exists()
    record = json.loads((folder / "analysis.json").read_text())
    assert record["event"] == "offensive"
    # 60 runs cannot hold 50 runs with the event and 50 without: no rule, and why
    runs = pd.read_parquet(stores["lhs"] / "runs")
    events = int((runs["rok_max_rung"] >= 4).sum())
    text = (folder / "discovery.txt").read_text().strip()
    assert text.startswith(f"too few events for a rule: {events} of 60 runs")
    assert text[:60] in out
    assert record["boxes"] == {} and record["discovery_note"] == text
    row = pd.read_csv(folder / "discovery.csv").iloc[0]
    assert row["verdict"] == "too few events" and row["warning"] == text
    assert not (folder / "discovery_tradeoff.png").exists()


def test_analyze_a_custom_event_with_cart(tmp_path, capsys) -> None:
    store = tmp_path / "low"  # 120 runs: an event in half of them has 50 runs either way
    assert main(["sweep", LOW, "--design", "lhs", "--samples", "60", "--replicates", "2",
                 "--weeks", "30", "--quiet", "--executor", "serial", "--out", str(store)]) == 0
    runs = pd.read_parquet(store / "runs")
    threshold = float(np.median(runs["escalation_peak"]))  # happens in about half
    assert main(["analyze", str(store), "--outcome", "escalation_peak",
                 "--event", f"escalation_peak>={threshold}", "--cart"]) == 0
    out = capsys.readouterr().out
    assert "scenario discovery (PRIM)" in out and "scenario discovery (CART, a second" in out
    folder = store / "analysis"
    share = (runs["escalation_peak"] >= threshold).mean()
    table = pd.read_csv(folder / "discovery.csv").set_index("method")
    assert list(table.index) == ["PRIM", "CART"]
    for method, row in table.iterrows():
        assert row["rule"].startswith(f"escalation_peak>={threshold} in ")
        assert f"times the base rate of {share:.0%} (95% CI " in row["rule"]
        assert row["base_rate"] == pytest.approx(share) and row["n_runs"] == len(runs)
        assert row["density_lo"] < row["density"] <= row["density_hi"]
        flagged = isinstance(row["warning"], str)  # an empty warning reads back as NaN
        assert row["verdict"] == (row["warning"].split(":")[0] if flagged else "rule")
        assert row["rule"] in (folder / "discovery.txt").read_text()
        assert f"Held out: {method} again on 10 random halves" in row["rule"]
    boxes = pd.read_csv(folder / "discovery_boxes.csv")
    assert set(boxes["method"]) == {"PRIM", "CART"}
    assert boxes.groupby("method")["chosen"].sum().tolist() == [1, 1]
    assert (folder / "discovery_tradeoff.png").stat().st_size > 10_000
    record = json.loads((folder / "analysis.json").read_text())
    assert set(record["boxes"]) == {"PRIM", "CART"} and record["methods"] == ["PRIM", "CART"]


def test_analyze_sobol_on_too_few_samples_says_unreliable(stores, capsys) -> None:
    d = stores["sobol"]
    assert main(["analyze", str(d), "--outcome", "rok_perception_end"]) == 0
    out = capsys.readouterr().out
    assert "unreliable: 8 base samples (needs at least 64)" in out
    table = pd.read_csv(d / "analysis" / "sensitivity_sobol_rok_perception_end.csv",
                        index_col=0)
    manifest = json.loads((d / "manifest.json").read_text())
    runs = pd.read_parquet(d / "runs").sort_values("run_id")
    y = outcome_values(runs, "rok_perception_end", 20)
    direct = sobol_indices(salib_problem(manifest["design"]["params"]), y, False)
    np.testing.assert_allclose(table["ST"], direct["ST"])
    np.testing.assert_allclose(table["S1"], direct["S1"])
    assert (table["note"] == direct["note"]).all()


def test_compare_table_matches_each_store(stores, tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(stores["lhs"]), str(stores["low"]), "--out", str(out)]) == 0
    assert "P(South Korea's highest rung >= k)" in capsys.readouterr().out
    table = pd.read_csv(out / "compare_outcomes.csv")
    low_runs = pd.read_parquet(stores["low"] / "runs")
    row = table[(table["set"] == "low-threshold") & (table["outcome"] == "rok_max_rung")]
    assert row["median"].item() == pytest.approx(np.median(low_runs["rok_max_rung"]))
    rungs = pd.read_csv(out / "compare_rungs.csv", index_col=0)
    share = (low_runs["rok_max_rung"] >= 4).mean()
    assert rungs.loc["low-threshold", "P(offensive_weapons)"] == pytest.approx(share)
    assert rungs.loc["low-threshold", "P(offensive_weapons)_se"] == pytest.approx(
        np.sqrt(share * (1 - share) / len(low_runs)))
    assert (out / "compare.png").exists()


def test_compare_states_each_design_and_warns_when_they_differ(stores, tmp_path,
                                                               capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(stores["lhs"]), str(stores["low"]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    designs = pd.read_csv(out / "compare_designs.csv", index_col=0)
    assert designs.loc["baseline", "runs"] == 60 and designs.loc["low-threshold", "runs"] == 20
    assert designs.loc["baseline", "design"] == "lhs, 30 points x 2 replicates"
    swept = len(load_scenario(ROOT / "scenarios" / "baseline.toml").sweep)
    assert designs.loc["baseline", "swept"] == swept
    assert designs.loc["low-threshold", "swept"] == 4
    assert ("warning: the sets do not sweep the same parameters (swept: baseline "
            f"{swept}, low-threshold 4)") in " ".join(printed.split())
    # too few runs of the baseline's hypercube lie near the values the other fixes
    assert main(["compare", str(stores["lhs"]), str(stores["low"]), "--shared-params",
                 "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "too few runs inside the parameter space every set covers" in err
    assert "sweep every scenario over the same parameters" in err


@pytest.fixture(scope="module")
def overlapping(tmp_path_factory) -> dict[str, Path]:
    """Two grids of the baseline: A over troop quality 0.3-1.0 and Seoul's offensive
    threshold 0.5-0.9, B over troop quality 0.5-1.0 only (the threshold fixed at 0.65)."""
    base = tmp_path_factory.mktemp("overlap")
    common = ["--design", "grid", "--replicates", "10", "--weeks", "4", "--quiet",
              "--executor", "serial", "--no-timeseries"]
    assert main(["sweep", BASELINE, *common, "--param", "north_korea.troop_quality=0.3:1:3",
                 "--param", "south_korea.offensive_threshold=0.5:0.9:21",
                 "--out", str(base / "a")]) == 0
    assert main(["sweep", BASELINE, *common, "--param", "north_korea.troop_quality=0.5:1:3",
                 "--out", str(base / "b")]) == 0
    return {"a": base / "a", "b": base / "b"}


def test_compare_shared_params_keeps_the_runs_every_set_covers(overlapping, tmp_path,
                                                               capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(overlapping["a"]), str(overlapping["b"]), "--shared-params",
                 "--outcome", "escalation_peak", "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "north_korea.troop_quality from 0.5 to 1" in printed
    assert "south_korea.offensive_threshold within 5% of its range around 0.65" in printed
    a = pd.read_parquet(overlapping["a"] / "runs")
    kept = a[(a["north_korea.troop_quality"] >= 0.5)
             & (a["south_korea.offensive_threshold"].between(0.65 - 0.02, 0.65 + 0.02))]
    assert len(kept) == 2 * 2 * 10  # 2 qualities x 2 thresholds x 10 replicates
    designs = pd.read_csv(out / "compare_designs.csv", index_col=0)
    assert list(designs["runs compared"]) == [len(kept), 30]
    table = pd.read_csv(out / "compare_outcomes.csv").set_index("set")
    assert table.iloc[0]["median"] == pytest.approx(kept["escalation_peak"].median())
    # one folder is a policy comparison: --shared-params needs several
    assert main(["compare", str(overlapping["a"]), "--shared-params"]) == 2


def test_report_is_self_contained_and_reuses_plot_and_analyze(stores, plotted,
                                                              analyzed) -> None:
    d = stores["lhs"]
    figures_before = {p.name: p.stat().st_mtime_ns for p in plotted.iterdir()}
    analysis_before = {p.name: p.stat().st_mtime_ns for p in analyzed[0].iterdir()}
    assert main(["report", str(d)]) == 0
    page = (d / "report.html").read_text()
    # every figure of plot and every chart of analyze (the sensitivity bars) embedded
    assert page.count("data:image/png;base64,") == (len(list(plotted.glob("*.png")))
                                                    + len(list(analyzed[0].glob("*.png"))))
    # it opens with the answer: the summary, then the contents, then the sections
    summary, contents = page.index("The answer in brief"), page.index("<h2>Contents</h2>")
    assert summary < contents < page.index("<h2 id='provenance'>Provenance</h2>")
    for anchor in ("provenance", "outcomes", "sensitivity", "discovery", "figures"):
        assert f"<a href='#{anchor}'>" in page and f"id='{anchor}'" in page
    head = page[summary:contents]
    runs = pd.read_parquet(d / "runs")
    share = (runs["rok_max_rung"] >= 3).mean()
    assert "South Korea sends defensive weapons (or more)</th>" in head
    assert f"{fmt_share(share)} [" in head
    assert "What drives it" in head and "Highest weekly escalation index" in head
    assert "Scenario discovery" in page
    median = float(np.median(runs["casualties_ukraine"]))
    assert (f"{median:,.0f}" if median >= 1000 else f"{median:.4g}") + " [" in page
    assert "src=\"http" not in page
    assert "all 60 runs, split in two halves" in page
    # nothing recomputed: both folders are as plot and analyze left them
    assert {p.name: p.stat().st_mtime_ns for p in plotted.iterdir()} == figures_before
    assert {p.name: p.stat().st_mtime_ns for p in analyzed[0].iterdir()} == analysis_before


def _runs_in_page(page: str) -> int:
    return int(re.search(r"<th>runs analysed</th>\s*<td>(\d+)</td>", page)[1])


def test_report_parts_are_recomputed_when_resume_adds_runs(tmp_path) -> None:
    d = tmp_path / "store"
    sweep = ["sweep", BASELINE, "--design", "lhs", "--samples", "12", "--replicates", "2",
             "--weeks", "12", "--quiet", "--executor", "serial", "--chunk-size", "8",
             "--batch-rows", "8", "--out", str(d)]
    assert main(sweep) == 0
    # as if the sweep had been killed before its last batch was committed
    last = sorted((d / "runs").glob("part-*.parquet"))[-1]
    last.unlink()
    (d / "timeseries" / last.name).unlink()
    assert main(["report", str(d)]) == 0
    assert _runs_in_page((d / "report.html").read_text()) == 16
    stamps = {f: json.loads((d / f / "stamp.json").read_text())["store"]
              for f in ("figures", "analysis")}
    fan = (d / "figures" / "fan_charts.png").stat().st_mtime_ns

    assert main(["report", str(d)]) == 0  # unchanged store: the same folders serve
    assert (d / "figures" / "fan_charts.png").stat().st_mtime_ns == fan

    assert main([*sweep, "--resume"]) == 0
    assert main(["report", str(d)]) == 0
    assert _runs_in_page((d / "report.html").read_text()) == 24
    for f, old in stamps.items():
        assert json.loads((d / f / "stamp.json").read_text())["store"] != old
    assert (d / "figures" / "fan_charts.png").stat().st_mtime_ns != fan
    summary = pd.read_csv(d / "figures" / "outcome_summary.csv", index_col=0)
    assert summary.loc["escalation_peak", "runs"] == 24
    note = json.loads((d / "analysis" / "analysis.json").read_text())["sensitivity"]
    assert note["escalation_peak"]["note"].startswith("all 24 runs")


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


def test_a_bad_event_exits_2_before_any_work(stores, capsys) -> None:
    assert main(["analyze", str(stores["low"]), "--event", "nonsense>>3"]) == 2
    assert "--event 'nonsense>>3'" in capsys.readouterr().err


@pytest.mark.parametrize("part", ["runs", "timeseries"])
def test_a_corrupt_part_is_named_and_the_rest_analysed(tmp_path, capsys, part) -> None:
    d = tmp_path / "store"
    assert main(["sweep", LOW, "--design", "lhs", "--samples", "10", "--replicates", "2",
                 "--weeks", "10", "--quiet", "--executor", "serial", "--chunk-size", "10",
                 "--batch-rows", "10", "--out", str(d)]) == 0
    target = sorted((d / part).glob("part-*.parquet"))[0]
    target.write_bytes(b"not parquet")
    assert main(["plot", str(d)]) == 0
    err = capsys.readouterr().err
    assert f"{target}: unreadable part skipped" in err
    assert "Traceback" not in err
    assert (d / "figures" / "outcome_escalation_peak.png").exists()
