"""Figures: the reused outcome-distribution figure draws exactly what a fresh one does,
whatever it drew before; long titles are wrapped."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.image import imread

from sim.analysis import plots
from sim.analysis.render import FigureJob, render
from sim.analysis.results import from_frames
from sim.analysis.summary import distributions


def test_the_reused_outcome_figure_equals_a_fresh_one(tmp_path) -> None:
    rng = np.random.default_rng(2)
    n = 300
    runs = pd.DataFrame({
        "escalation_peak": rng.normal(45, 8, n),  # continuous
        "rok_max_rung": rng.integers(1, 5, n),  # a few values
        "week_rung_4": np.full(n, np.nan),  # never happened: drawn as a message
        "retaken_week": np.where(rng.random(n) < 0.4, np.nan, rng.integers(5, 40, n)),
    })
    dists = distributions(from_frames(runs), list(runs.columns))
    jobs = [FigureJob(f"outcome_{name}", "plot_outcome_distribution", (d, "u", name, "t"))
            for name, d in dists.items()]
    reused = tmp_path / "reused"
    fresh = tmp_path / "fresh"
    reused.mkdir()
    fresh.mkdir()
    render(jobs, reused, ("png",))  # one figure, drawn four times over
    for job in jobs:
        plots.save_figure(plots.plot_outcome_distribution(*job.args), fresh / job.stem)
    for job in jobs:
        a, b = imread(reused / f"{job.stem}.png"), imread(fresh / f"{job.stem}.png")
        assert a.shape == b.shape
        assert np.array_equal(a, b), job.stem


def test_long_titles_are_wrapped_to_the_width_given() -> None:
    text = "x " * 100
    wrapped = plots.wrap_title(text, 45)
    assert max(len(line) for line in wrapped.split("\n")) <= 45
    assert plots.wrap_title("short", 45) == "short"
