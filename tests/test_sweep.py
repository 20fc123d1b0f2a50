"""Sweeps as a user runs them: stored rows equal single runs, results do not depend on the
executor or worker count, failures are recorded, and an interrupted sweep resumes with
nothing lost and nothing duplicated."""

from __future__ import annotations

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

from sim.batch.runner import run_scenario
from sim.cli import main
from sim.core.scenario import load_scenario
from sim.core.seeds import derive_seed
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SMALL = ["--design", "lhs", "--samples", "6", "--replicates", "3", "--weeks", "12", "--quiet"]


def sweep(out: Path, *extra: str) -> int:
    return main(["sweep", BASELINE, *SMALL, "--out", str(out), *extra])


def runs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)


def comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["duration_s"])


def test_sweep_store_layout_and_rows_equal_single_runs(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert sweep(out, "--executor", "serial") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["runs_total"] == manifest["runs_done"] == 18
    assert manifest["versions"]["mesa"].startswith("3.")
    df = runs(out)
    assert list(df["run_id"]) == list(range(18))
    assert (df["status"] == "ok").all()
    assert "north_korea.troop_quality" in df and "escalation_peak" in df
    ts = pd.read_parquet(out / "timeseries")
    assert len(ts) == 18 * 13 and set(ts["run_id"]) == set(range(18))
    # Any row is one ordinary run with the derived seed and the point's parameters.
    row = df.iloc[7]
    params = [p["name"] for p in manifest["design"]["params"]]
    sc = load_scenario(BASELINE).with_overrides(
        {p: (row[p].item() if hasattr(row[p], "item") else row[p]) for p in params})
    assert row["seed"] == derive_seed(0, int(row["point_id"]), int(row["replicate"]))
    single = run_scenario(sc, int(row["seed"]), weeks=12).outcomes
    assert single["casualties_russia"] == row["casualties_russia"]
    assert single["rok_max_rung"] == row["rok_max_rung"]


def test_replicates_are_independent_streams(tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert main(["sweep", BASELINE, "--param", "north_korea.troop_quality=0.8:0.9:2",
                 "--design", "grid", "--replicates", "6", "--weeks", "12", "--quiet",
                 "--executor", "serial", "--out", str(out)]) == 0
    df = runs(out)
    assert df["seed"].nunique() == len(df)
    for _, g in df.groupby("point_id"):
        assert g["casualties_russia"].nunique() > 1  # replicates differ


def test_one_two_workers_and_dask_give_identical_results(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    assert sweep(tmp_path / "serial", "--executor", "serial") == 0
    assert sweep(tmp_path / "pool", "--executor", "process", "--workers", "2",
                 "--chunk-size", "2") == 0
    assert sweep(tmp_path / "dask", "--executor", "dask", "--workers", "2") == 0
    ref = comparable(runs(tmp_path / "serial"))
    pd.testing.assert_frame_equal(ref, comparable(runs(tmp_path / "pool")))
    pd.testing.assert_frame_equal(ref, comparable(runs(tmp_path / "dask")))
    ts = [pd.read_parquet(tmp_path / d / "timeseries").sort_values(["run_id", "week"])
          .reset_index(drop=True) for d in ("serial", "dask")]
    pd.testing.assert_frame_equal(*ts)


def test_failing_runs_are_recorded_and_the_sweep_goes_on(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    # defensive_threshold above the offensive one (0.65) is an invalid scenario: those
    # points fail validation inside the run; the others must still be stored.
    code = main(["sweep", BASELINE, "--design", "grid", "--param",
                 "south_korea.defensive_threshold=0.3:0.9:4", "--replicates", "2", "--weeks",
                 "8", "--quiet", "--executor", "serial", "--out", str(out)])
    assert code == 1
    df = runs(out)
    assert len(df) == 8
    failed = df[df["status"] == "failed"]
    assert len(failed) == 4 and failed["error"].str.contains("rise rung by rung").all()
    assert (df.loc[df["status"] == "ok", "error"] == "").all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["runs_failed"] == 4
    assert "4 runs failed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--param", "north_korea.troop_qualty=0:1"], "is not a parameter"),
        (["--param", "north_korea.troop_quality=0.9:0.3"], "low < high"),
        (["--param", "north_korea.troop_quality=0.5:3"], "bounds"),
        (["--replicates", "0"], "--replicates"),
        (["--design", "sobol", "--samples", "12"], "power of two"),
        (["--set", "combat.law=cubic"], "combat.law"),
    ],
)
def test_bad_input_exits_2_before_anything_runs(tmp_path, capsys, args, fragment) -> None:
    out = tmp_path / "s"
    assert main(["sweep", BASELINE, "--quiet", "--out", str(out), *args]) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


def test_existing_store_needs_resume_and_resume_must_match(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    assert sweep(out, "--executor", "serial") == 0
    assert sweep(out, "--executor", "serial") == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["sweep", BASELINE, "--design", "lhs", "--samples", "7", "--replicates", "3",
                 "--weeks", "12", "--quiet", "--out", str(out), "--resume"]) == 2
    assert "cannot resume" in capsys.readouterr().err
    before = runs(out)
    assert sweep(out, "--executor", "serial", "--resume") == 0  # nothing left to do
    pd.testing.assert_frame_equal(before, runs(out))


def _spawn_sweep(out: Path, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "sim", "sweep", BASELINE, "--design", "lhs", "--samples",
            "30", "--replicates", "4", "--weeks", "20", "--quiet", "--executor", "serial",
            "--batch-rows", "8", "--chunk-size", "2", "--out", str(out), *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_parts(out: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else []
        if len(parts) >= n:
            return
        if proc.poll() is not None:
            pytest.fail("the sweep finished before it could be interrupted")
        time.sleep(0.05)
    pytest.fail("no part files appeared")


def test_resume_after_sigkill_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    full = tmp_path / "full"
    ref = _spawn_sweep(full)
    assert ref.wait(timeout=300) == 0, ref.stderr.read()

    out = tmp_path / "killed"
    proc = _spawn_sweep(out)
    _wait_for_parts(out, 2, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = runs(out)
    assert 0 < len(partial) < 120
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    resumed = _spawn_sweep(out, "--resume")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    final = runs(out)
    assert final["run_id"].is_unique and len(final) == 120
    pd.testing.assert_frame_equal(comparable(runs(full)), comparable(final))
    ts_full = pd.read_parquet(full / "timeseries").sort_values(["run_id", "week"])
    ts_res = pd.read_parquet(out / "timeseries").sort_values(["run_id", "week"])
    assert len(ts_res) == len(ts_full) == 120 * 21
    np.testing.assert_array_equal(ts_full.to_numpy(), ts_res.to_numpy())
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_ctrl_c_flushes_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "s"
    proc = _spawn_sweep(out)
    _wait_for_parts(out, 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "--resume" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["runs_done"] == len(runs(out)) > 0


def test_rerun_from_sweep_reproduces_the_row(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    assert sweep(out, "--executor", "serial") == 0
    capsys.readouterr()
    assert main(["run", "--from-sweep", str(out), "--run-id", "11",
                 "--out", str(tmp_path / "r")]) == 0
    assert "reproduces the stored row exactly" in capsys.readouterr().out
    stored = runs(out).set_index("run_id").loc[11]
    rerun = json.loads((tmp_path / "r" / "outcomes.json").read_text())["outcomes"]
    assert rerun["casualties_ukraine"] == stored["casualties_ukraine"]
