"""Enough runs: adaptive replicates stop at the first round whose standard error is at
the target, on a synthetic outcome of known variance, and on a real sweep."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch.adaptive import replicate_rounds, verdict
from sim.cli import main
from tests.conftest import ROOT


def test_rounds_double_up_to_the_most() -> None:
    assert replicate_rounds(10, 100) == [10, 20, 40, 80, 100]
    assert replicate_rounds(10, 10) == [10]
    assert replicate_rounds(50, 20) == [20]


@pytest.mark.parametrize("target", [0.05, 0.02, 0.01])
def test_rounds_stop_where_a_known_variance_says(target: float) -> None:
    """A flag with p = 0.5 at every point has sd 0.5 and range 1: the error with n
    replicates is about 0.5 / sqrt(n). The first round of 10, 20, 40, ... whose n makes
    that at most the target is where the rounds stop (checked up to sampling error)."""
    rng = np.random.default_rng(1)
    points, most = 5, 10_000
    values = rng.random((points, most)) < 0.5
    stop = None
    for reps in replicate_rounds(10, most):
        runs = pd.DataFrame({"point_id": np.repeat(np.arange(points), reps),
                             "kursk_retaken": values[:, :reps].ravel().astype(float)})
        if verdict(runs, ("kursk_retaken",), reps).met(target):
            stop = reps
            break
    expected = next(n for n in replicate_rounds(10, most) if 0.5 / np.sqrt(n) <= target)
    assert stop in (expected, 2 * expected)  # the sample sd may sit a hair above 0.5
    assert verdict(runs, ("kursk_retaken",), stop).outcome == "kursk_retaken"


def test_a_constant_outcome_never_decides() -> None:
    runs = pd.DataFrame({"point_id": [0, 0, 1, 1], "a": [1.0, 1.0, 1.0, 1.0],
                         "b": [0.0, 10.0, 5.0, 5.0]})
    v = verdict(runs, ("a", "b"), 2)
    assert v.outcome == "b" and v.point_id == 0
    assert v.max_se == pytest.approx(np.std([0, 10], ddof=1) / np.sqrt(2) / 10)


def test_a_sweep_adds_replicates_until_the_target(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    args = ["sweep", str(ROOT / "scenarios" / "baseline.toml"), "--samples", "4",
            "--target-se", "0.1", "--max-replicates", "80", "--weeks", "16",
            "--se-outcome", "casualties_north_korea", "--quiet", "--executor", "serial",
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    m = json.loads((out / "manifest.json").read_text())
    reps = m["adaptive"]["replicates"]
    assert m["status"] == "complete" and m["adaptive"]["met"]
    assert m["adaptive"]["decided_by"] == "casualties_north_korea"
    assert f"target met with {reps} replicates" in printed
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 4 * reps and runs["replicate"].max() == reps - 1
    # The round before would not have done: its error is above the target.
    if reps > 10:
        half = runs[runs["replicate"] < reps // 2]
        assert not verdict(half, ("casualties_north_korea",), reps // 2).met(0.1)
    # A resume of a finished adaptive sweep runs nothing more.
    assert main([*args, "--resume"]) == 0
    assert len(pd.read_parquet(out / "runs")) == len(runs)
