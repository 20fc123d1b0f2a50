"""`wargame calibrate` on a synthetic truth: simulate at known parameters, build a record
from the series with noise and ranges, calibrate, and find the truth again; a killed
calibration resumes to the same posterior; the posterior feeds `wargame sweep --design
posterior` and `wargame hindcast`.

Kept quick (the whole file is about half a minute on two cores): an 8-week horizon, 150
particles, six generations, the serial executor."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w

from sim.cli import main
from sim.core.engine import run_batch
from sim.core.scenario import load_scenario
from sim.core.series import SERIES_INDEX

TRUTH = {"russia.troops_kursk": 30000, "ukraine.troops_kursk": 12000,
         "north_korea.capture_probability": 0.03, "north_korea.arrival_week": 3,
         "combat.law": "square", "north_korea.troop_quality": 0.8}
SCENARIO = """name = "synthetic"
weeks = 10

[sweep]
"russia.troops_kursk" = { low = 20000, high = 50000 }
"ukraine.troops_kursk" = { low = 8000, high = 20000 }
"north_korea.capture_probability" = { low = 0.0, high = 0.05 }
"north_korea.arrival_week" = { low = 1, high = 5 }
"combat.law" = { values = ["square", "linear"] }
"north_korea.troop_quality" = { low = 0.4, high = 1.0 }
"""
WEEKS = 10
ARGS = ["--population", "150", "--generations", "6", "--executor", "serial",
        "--predictive-runs", "200", "--seed", "3", "--no-figures", "--quiet"]


def synthetic_record(scenario_path: Path) -> dict:
    """The truth's median over 40 seeds, perturbed by 3 % noise, with ranges of +-10-30 %
    (the record's disagreement between sources), and the week of first contact."""
    truth = load_scenario(scenario_path).with_overrides(TRUTH)
    res = run_batch([truth] * 40, np.arange(40), weeks=WEEKS)
    series = np.stack([res.series_block(i) for i in range(40)])
    rng = np.random.default_rng(5)
    obs = []
    for name, week, rel in (("ukraine_area_km2", 4, 0.1), ("ukraine_area_km2", 10, 0.15),
                            ("casualties_north_korea", 5, 0.15),
                            ("casualties_north_korea", 10, 0.15), ("nk_prisoners", 10, 0.15)):
        v = float(np.median(series[:, week, SERIES_INDEX[name]])) * (1 + rng.normal(0, 0.03))
        obs.append({"id": f"{name}_w{week}", "quantity": name, "series": name, "week": week,
                    "kind": "level" if name == "ukraine_area_km2" else "cumulative",
                    "best": v, "low": v * (1 - rel), "high": v * (1 + rel),
                    "source": "synthetic truth", "reported": "-"})
    in_line = series[:, :, SERIES_INDEX["nk_troops_in_combat"]] >= 1
    first = int(np.median(in_line.argmax(axis=1)))
    obs.append({"id": "first_contact", "quantity": "first week in the line",
                "series": "nk_troops_in_combat", "kind": "event_week", "best": first,
                "low": first, "high": first, "source": "synthetic truth", "reported": "-"})
    return {"name": "synthetic", "observation": obs}


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("synthetic")
    scenario = root / "synthetic.toml"
    scenario.write_text(SCENARIO)
    record = root / "record.toml"
    record.write_text(tomli_w.dumps(synthetic_record(scenario)))
    out = root / "cal"
    assert main(["calibrate", str(scenario), "--record", str(record), "--out", str(out),
                 *ARGS]) == 0
    return {"root": root, "scenario": scenario, "record": record, "out": out,
            "manifest": json.loads((out / "manifest.json").read_text())}


def params(manifest: dict) -> dict[str, dict]:
    return {p["name"]: p for p in manifest["posterior"]["parameters"]}


def test_synthetic_truth_is_recovered(calibrated) -> None:
    """The truth lies in the posterior's 90 % intervals for most parameters, and the
    parameters the record informs (capture probability, arrival week) are pinned down far
    more tightly than their priors."""
    p = params(calibrated["manifest"])
    inside = []
    for name, truth in TRUTH.items():
        if "shares" in p[name]:
            inside.append(p[name]["shares"][truth] >= 0.05)
        else:
            inside.append(p[name]["q05"] <= truth <= p[name]["q95"])
    assert sum(inside) >= 5, p
    assert p["north_korea.capture_probability"]["narrowing"] < 0.5
    # An integer of five values: the 90 % interval holds at most the truth and its two
    # neighbours (it is the first week of contact, give or take the other entries' pull).
    assert p["north_korea.arrival_week"]["narrowing"] <= 0.5
    # The weakly informed ones stay wide: the posterior does not collapse for no reason.
    assert p["north_korea.troop_quality"]["narrowing"] > 0.6
    assert 0.2 < p["combat.law"]["shares"]["square"] < 0.8


def test_generations_tighten_and_the_posterior_matches_the_record(calibrated) -> None:
    m = calibrated["manifest"]
    gens = m["generations"]
    eps = [g["epsilon"] for g in gens[1:]]
    assert gens[0]["epsilon"] is None and len(gens) == 6
    assert all(b < a for a, b in itertools.pairwise(eps)), eps
    post = pd.read_parquet(calibrated["out"] / "posterior.parquet")
    assert len(post) == 150 and abs(post["weight"].sum() - 1) < 1e-9
    assert (post["distance"] <= eps[-1]).all()
    bands = {(b["ensemble"], b["id"]): b for b in m["observation_bands"]}
    for e in m["observations"]:
        assert bands[("posterior", e["id"])]["overlaps_range"], e["id"]
        assert bands[("posterior", e["id"])]["share_in_range"] >= \
            bands[("prior", e["id"])]["share_in_range"], e["id"]
    assert m["status"] == "complete" and m["simulations"] == sum(g["simulations"] for g in gens)


def test_calibrated_scenario_follows_the_posterior(calibrated) -> None:
    m = calibrated["manifest"]
    sc = load_scenario(calibrated["out"] / m["calibrated_scenario"])
    p = params(m)
    assert sc.name == "synthetic-calibrated"
    share = sc.sweep["north_korea.capture_probability"]
    assert share.low == pytest.approx(p["north_korea.capture_probability"]["q05"], rel=1e-5)
    assert share.high == pytest.approx(p["north_korea.capture_probability"]["q95"], rel=1e-5)
    assert sc.north_korea.arrival_week == round(p["north_korea.arrival_week"]["median"])
    assert sc.combat.law == p["combat.law"]["mode"]
    text = (calibrated["out"] / m["calibrated_scenario"]).read_text()
    assert "--design posterior --posterior" in text


def test_summary_figures_and_report(calibrated, capsys) -> None:
    from sim.analysis.calibration import observation_summary, parameter_summary
    from sim.analysis.calibration_plots import write_calibration_figures

    m = calibrated["manifest"]
    assert list(parameter_summary(m).index) == list(TRUTH)
    obs = observation_summary(m)
    assert obs["band overlaps range"].all() and len(obs) == 6
    files = write_calibration_figures(calibrated["out"])
    assert {f.stem for f in files} == {"marginals", "pairs", "generations", "predictive"}
    assert all(f.stat().st_size > 10_000 for f in files)
    # `wargame report` on the calibration folder: one self-contained page
    assert main(["report", str(calibrated["out"])]) == 0
    assert "report.html" in capsys.readouterr().out
    html = (calibrated["out"] / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4
    assert "north_korea.capture_probability" in html and "Provenance" in html


def test_existing_folder_needs_resume_and_the_same_calibration(calibrated, tmp_path,
                                                                capsys) -> None:
    out = calibrated["out"]
    args = ["calibrate", str(calibrated["scenario"]), "--record", str(calibrated["record"])]
    assert main([*args, "--out", str(out), *ARGS]) == 2  # exists: needs --resume
    assert "--resume" in capsys.readouterr().err
    other = [*ARGS[:-6], "--seed", "4", "--no-figures", "--quiet"]
    assert main([*args, "--out", str(out), *other, "--resume"]) == 2
    assert "differs in seed" in capsys.readouterr().err


def test_killed_calibration_resumes_to_the_same_posterior(calibrated, tmp_path) -> None:
    """SIGKILL once the second generation is stored, then --resume: the rounds written
    before the kill are kept as they were, and the posterior equals the uninterrupted
    calibration's."""
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "calibrate", str(calibrated["scenario"]), "--record",
           str(calibrated["record"]), "--out", str(out), *ARGS]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = out / "generations" / "gen-0001" / "population.parquet"
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and not (out / "posterior.parquet").exists()
    kept = {p: p.read_bytes() for p in out.glob("generations/*/*.parquet")}
    assert kept
    assert main(["calibrate", str(calibrated["scenario"]), "--record",
                 str(calibrated["record"]), "--out", str(out), *ARGS, "--resume"]) == 0
    assert all(p.read_bytes() == b for p, b in kept.items())
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"),
                                  pd.read_parquet(calibrated["out"] / "posterior.parquet"))


def test_posterior_design_draws_from_the_posterior(calibrated, tmp_path) -> None:
    """A hand-made posterior of three particles weighted 0.8/0.15/0.05: the sweep's points
    are those particles, in about those shares, the same for the same seed."""
    folder = tmp_path / "post"
    folder.mkdir()
    prior = [{"name": "north_korea.troop_quality", "kind": "float", "low": 0.4, "high": 1.0,
              "levels": None, "values": None},
             {"name": "combat.law", "kind": "category", "low": None, "high": None,
              "levels": None, "values": ["square", "linear"]}]
    (folder / "manifest.json").write_text(json.dumps(
        {"kind": "calibration", "status": "complete", "prior": prior}))
    pd.DataFrame({"north_korea.troop_quality": [0.5, 0.7, 0.9],
                  "combat.law": ["square", "linear", "square"],
                  "weight": [0.8, 0.15, 0.05]}).to_parquet(folder / "posterior.parquet")

    def sweep(out: Path, seed: int) -> pd.DataFrame:
        assert main(["sweep", str(calibrated["scenario"]), "--design", "posterior",
                     "--posterior", str(folder), "--samples", "300", "--replicates", "1",
                     "--weeks", "1", "--executor", "serial", "--seed", str(seed),
                     "--no-timeseries", "--out", str(out), "--quiet"]) == 0
        return pd.read_parquet(out / "points.parquet")

    a, b, c = sweep(tmp_path / "a", 1), sweep(tmp_path / "b", 1), sweep(tmp_path / "c", 2)
    pairs = set(zip(a["north_korea.troop_quality"], a["combat.law"], strict=True))
    assert pairs <= {(0.5, "square"), (0.7, "linear"), (0.9, "square")}
    share = (a["north_korea.troop_quality"] == 0.5).mean()
    assert 0.72 < share < 0.88, share
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    runs = pd.read_parquet(tmp_path / "a" / "runs")
    assert len(runs) == 300 and (runs["status"] == "ok").all()


def test_hindcast_scores_the_posterior_against_the_prior(calibrated, capsys) -> None:
    out = calibrated["out"]
    assert main(["hindcast", str(out), "--record", str(calibrated["record"]), "--from", "5",
                 "--runs", "200", "--executor", "serial"]) == 0
    summary = json.loads((out / "hindcast-from-week-5" / "summary.json").read_text())
    assert set(summary["summary"]) == {"posterior", "prior"}
    assert summary["summary"]["posterior"]["observations"] == 3  # weeks 8 only
    # The calibration saw these observations: the hindcast says it is in-sample, and the
    # posterior beats the prior on them.
    assert any("not an out-of-sample test" in n for n in summary["notes"])
    assert summary["skill"]["crps_skill"] > 0
    assert "CRPS skill vs prior" in capsys.readouterr().out


def test_calibrate_rejects_bad_settings(calibrated, capsys) -> None:
    args = ["calibrate", str(calibrated["scenario"]), "--record", str(calibrated["record"]),
            "--check"]
    for extra, fragment in ((["--population", "5"], "--population"),
                            (["--alpha", "1.5"], "--alpha"),
                            (["--until", "yesterday"], "--until"),
                            (["--until", "2024-01-01"], "before week 0")):
        assert main([*args, *extra]) == 2
        assert fragment in capsys.readouterr().err
    no_sweep = calibrated["root"] / "fixed.toml"
    no_sweep.write_text('name = "fixed"\n')
    assert main(["calibrate", str(no_sweep), "--record", str(calibrated["record"]),
                 "--check"]) == 2
    assert "nothing to sweep" in capsys.readouterr().err


def test_workers_do_not_change_the_posterior(calibrated, tmp_path) -> None:
    """Two generations on the serial executor and on a pool of two processes: the same
    particles, weights and distances (seeds are fixed per candidate, acceptance follows
    candidate order, not the order results arrive in)."""
    small = ["--population", "60", "--generations", "2", "--predictive-runs", "20",
             "--seed", "9", "--no-figures", "--quiet"]
    base = ["calibrate", str(calibrated["scenario"]), "--record", str(calibrated["record"])]
    assert main([*base, "--out", str(tmp_path / "serial"), "--executor", "serial",
                 *small]) == 0
    assert main([*base, "--out", str(tmp_path / "pool"), "--executor", "process",
                 "--workers", "2", *small]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "serial" / "posterior.parquet"),
                                  pd.read_parquet(tmp_path / "pool" / "posterior.parquet"))
