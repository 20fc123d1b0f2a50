"""Every figure the commands draw, rendered on small stores and checked the way a reader
would notice a fault: no text outside its canvas (a clipped title or label), no two tick
labels of one axis overlapping ("10000120001400016000"), no title over another title or
over tick labels. Also: each outcome is drawn by its kind, every probability with its
Monte Carlo band, numbers with thousands separators.

Figures are drawn with Agg at the resolution they are saved at; the stores are small (a
few hundred short runs), so the whole file takes seconds."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.analysis import plots, run_plots, style
from sim.analysis.commands import figure_jobs
from sim.analysis.results import from_frames, load_results
from sim.analysis.summary import chart_of, distributions
from sim.analysis.uncertainty import wilson_interval
from sim.cli import main
from sim.core.actors.south_korea import ROK_RUNGS
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
TOLERANCE = 1.0  # pixels: antialiasing of a glyph's edge is not a clipped label


def _visible(text: Text) -> bool:
    if not text.get_visible() or not text.get_text().strip():
        return False
    artist = text
    while artist is not None:  # a text inside a hidden axes or legend is not drawn
        if not artist.get_visible():
            return False
        artist = getattr(artist, "axes", None) if artist is not text.axes else None
    return True


def _tick_labels(axis) -> list[Text]:
    """The tick labels an axis draws (those of ticks inside its view)."""
    lo, hi = sorted(axis.get_view_interval())
    span = hi - lo
    out = []
    for tick in axis.get_major_ticks():
        label = tick.label1
        if _visible(label) and lo - 1e-9 * span <= tick.get_loc() <= hi + 1e-9 * span:
            out.append(label)
    return out


def problems(fig: Figure) -> list[str]:
    """What a reader would see wrong in ``fig``: texts outside the canvas, tick labels of
    one axis overlapping, titles overlapping each other or tick labels."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.set_dpi(style.SAVE_DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    found = []
    drawn = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for t in _tick_labels(axis)}
    undrawn = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
               for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]
               for t in (tick.label1, tick.label2) if id(t) not in drawn}
    for text in fig.findobj(Text):
        if id(text) in undrawn or not _visible(text):
            continue
        b = text.get_window_extent(renderer)
        if (b.x0 < -TOLERANCE or b.y0 < -TOLERANCE or b.x1 > width + TOLERANCE
                or b.y1 > height + TOLERANCE):
            found.append(f"clipped: {text.get_text()!r}")
    ticks = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            labels = _tick_labels(axis)
            ticks += labels
            boxes = [t.get_window_extent(renderer).expanded(1.0, 1.0) for t in labels]
            for (ta, a), (tb, b) in itertools.combinations(zip(labels, boxes,
                                                               strict=True), 2):
                if _overlap(a, b):
                    found.append(f"tick labels overlap: {ta.get_text()!r} and "
                                 f"{tb.get_text()!r}")
    titles = [ax.title for ax in fig.axes if ax.get_visible() and _visible(ax.title)]
    if fig._suptitle is not None and _visible(fig._suptitle):
        titles.append(fig._suptitle)
    tboxes = [t.get_window_extent(renderer) for t in titles]
    for (ta, a), (tb, b) in itertools.combinations(zip(titles, tboxes, strict=True), 2):
        if _overlap(a, b):
            found.append(f"titles overlap: {ta.get_text()!r} and {tb.get_text()!r}")
    for t, a in zip(titles, tboxes, strict=True):
        for tick in ticks:
            if _overlap(a, tick.get_window_extent(renderer)):
                found.append(f"title {t.get_text()!r} over tick label {tick.get_text()!r}")
    return found


def _overlap(a, b) -> bool:
    """Whether two boxes overlap by more than the tolerance in both directions."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE
            and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE)


def check(fig: Figure) -> Figure:
    found = problems(fig)
    matplotlib.pyplot.close(fig)
    assert not found, "\n".join(found)
    return fig


# ---------------------------------------------------------------- stores
@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A small Latin hypercube of the baseline with weekly series (every outcome kind)."""
    out = tmp_path_factory.mktemp("figures") / "lhs"
    assert main(["sweep", BASELINE, "--design", "lhs", "--samples", "40", "--replicates",
                 "3", "--weeks", "40", "--quiet", "--executor", "serial", "--out",
                 str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def policy_store(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("figures") / "policies"
    assert main(["sweep", BASELINE, "--policies", "hold,arm-week-8", "--samples", "6",
                 "--replicates", "3", "--weeks", "20", "--quiet", "--executor", "serial",
                 "--out", str(out)]) == 0
    return out


# ---------------------------------------------------------------- the checks themselves
def test_the_check_catches_clipped_and_overlapping_text() -> None:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.set_title("a title far too long to fit on a figure three inches wide, so clipped")
    ax.set_xticks(range(8), [f"{x:,}" for x in range(100_000, 900_000, 100_000)])
    found = problems(fig)
    assert any(p.startswith("clipped") for p in found)
    assert any(p.startswith("tick labels overlap") for p in found)


# ---------------------------------------------------------------- distributions
def test_each_outcome_is_drawn_by_its_kind_and_nothing_is_clipped(store) -> None:
    rs = load_results(store)
    jobs = [j for j in figure_jobs(rs) if j.draw == "plot_outcome_distribution"]
    charts = {j.args[0].name: j.args[0].chart for j in jobs}
    assert charts["kursk_retaken"] == "flag"
    assert charts["rok_max_rung"] == "bars" and charts["nk_waves"] == "bars"
    assert charts["retaken_week"] == "week" and charts["week_rung_1"] == "week"
    assert charts["casualties_north_korea"] == "level"  # a large count: a histogram
    assert charts["escalation_peak"] == "level"
    for job in jobs:
        check(plots.plot_outcome_distribution(*job.args))


def test_a_flag_is_a_probability_with_its_interval(store) -> None:
    rs = load_results(store)
    d = distributions(rs, ["kursk_retaken"])["kursk_retaken"]
    fig = plots.plot_outcome_distribution(d, "0/1", "Kursk fully retaken by the horizon",
                                          "t")
    runs = pd.read_parquet(store / "runs")
    k = int(runs["kursk_retaken"].sum())
    lo, hi = wilson_interval(k, len(runs))
    label = fig.axes[0].get_yticklabels()[0].get_text()
    assert label == f"yes: {style.fmt_interval(k / len(runs), lo, hi)}"
    check(fig)


def test_a_week_states_never_and_gives_no_median_below_one_half() -> None:
    """Kursk retaken in 30 of 100 runs: "never" is 70 %, and no median week is drawn
    (the runs where it happened would give one; the curve never reaches 0.5)."""
    weeks = np.r_[np.full(30, 12.0), np.full(70, np.nan)]
    rs = from_frames(pd.DataFrame({"retaken_week": weeks}))
    d = distributions(rs, ["retaken_week"])["retaken_week"]
    fig = plots.plot_outcome_distribution(d, "week", "week Kursk was fully retaken", "t")
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "never (by week 52): 70% [" in text and "no median week" in text
    check(fig)
    # an event in every run, at week 0 (Seoul's starting rung): said so, on a week axis
    rs = from_frames(pd.DataFrame({"week_rung_1": np.zeros(50)}))
    d = distributions(rs, ["week_rung_1"])["week_rung_1"]
    fig = plots.plot_outcome_distribution(d, "week", "week South Korea first reached", "t")
    assert "in every run, by week 0" in fig.axes[0].texts[0].get_text()
    assert fig.axes[0].get_xlim() == (0, 52)
    check(fig)


def test_small_counts_are_bars_per_value_and_large_ones_have_separators() -> None:
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"rok_max_rung": rng.choice([2, 3, 4], 500, p=[0.6, 0.39, 0.01]),
                         "casualties_russia": rng.integers(1000, 46000, 500)})
    d = distributions(from_frames(runs), list(runs.columns))
    assert chart_of("rok_max_rung", 2, 4) == "bars"
    fig = plots.plot_outcome_distribution(d["rok_max_rung"], "rung 0-4",
                                          "South Korea's highest rung", "t")
    names = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels()]
    assert names == ["none", "statements", "nonlethal aid", "defensive weapons",
                     "offensive weapons"]
    check(fig)
    fig = plots.plot_outcome_distribution(d["casualties_russia"], "personnel",
                                          "Russian casualties", "t")
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and not any("e+" in t for t in ticks)
    assert "e+0" not in fig._suptitle.get_text()
    check(fig)


def test_number_formats() -> None:
    assert style.fmt_number(5760.0) == "5,760"
    assert style.fmt_number(12000.0) == "12,000"
    assert style.fmt_number(2.5) == "2.5"
    assert style.fmt_share(0.0085) == "0.85%"
    assert style.fmt_share(0.36) == "36%"
    assert style.fmt_share(0.0) == "0%"


def test_long_titles_are_wrapped_to_the_width_given() -> None:
    text = "x " * 100
    wrapped = style.wrap_title(text, 45)
    assert max(len(line) for line in wrapped.split("\n")) <= 45
    assert style.wrap_title("short", 45) == "short"


# ---------------------------------------------------------------- the other figures
def test_fan_charts_rung_probabilities_and_scatter_are_readable(store) -> None:
    rs = load_results(store)
    jobs = {j.stem: j for j in figure_jobs(rs)}
    for stem in ("fan_charts", "rung_probabilities", "scatter_escalation_peak"):
        job = jobs[stem]
        check(getattr(plots, job.draw)(*job.args))


def test_rung_probabilities_give_offensive_weapons_a_panel_and_a_band() -> None:
    """Offensive weapons in 1 % of runs are drawn on an axis of their own, with the 95 %
    band around them, not as a hairline on the stack."""
    weeks = np.arange(11)
    shares = np.zeros((11, 5))
    shares[:, 2] = 0.6
    shares[:, 3] = 0.39
    shares[:, 4] = 0.01
    rungs = pd.DataFrame(shares, index=weeks, columns=list(ROK_RUNGS))
    retaken = pd.Series(np.linspace(0, 0.3, 11), index=weeks)
    fig = plots.plot_rung_probabilities(rungs, retaken, "t", 1000)
    offensive = next(ax for ax in fig.axes if "offensive" in ax.get_title())
    assert offensive.get_ylim()[1] < 0.05  # scaled to the share, not to 1
    assert offensive.collections  # the band
    check(fig)


def test_the_run_figure_shows_perception_against_the_thresholds(baseline) -> None:
    from sim.batch.runner import run_scenario

    sc = baseline.with_injects([{"week": 8, "move": "rok_approve", "rung": 4},
                                {"week": 10, "set": {"south_korea.diplomacy_effort": 0.9}}])
    result = run_scenario(sc, 3, weeks=30)
    fig = plots.plot_scenario_run(result.series, sc, "baseline, seed 3")
    perception = next(ax for ax in fig.axes if "perception" in ax.get_title())
    labels = [t.get_text() for t in perception.texts]
    assert "offensive weapons" in labels and "defensive weapons" in labels
    thresholds = run_plots.rung_thresholds(sc, 30)
    assert thresholds.shape == (31, 4)
    # the diplomacy set at week 10 raises every threshold from then on, not before
    assert (thresholds[12] > thresholds[9]).all() and (thresholds[:9] == thresholds[0]).all()
    rewards = [ax.get_ylabel() for ax in fig.axes if "\n(" in ax.get_ylabel()]
    assert rewards == ["finance\n(USD million)", "food\n(thousand tonnes)",
                       "oil\n(thousand barrels)"]
    check(fig)


def test_compare_figure_by_kind(store, tmp_path) -> None:
    from sim.analysis.compare import compare_results, write_compare

    rs = load_results(store)
    other = load_results(store)
    outcomes = ["escalation_peak", "rok_max_rung", "kursk_retaken", "retaken_week",
                "casualties_north_korea"]
    c = compare_results([rs, other], outcomes)
    dists = {k: distributions(v, outcomes) for k, v in c.named.items()}
    samples = {k: v.frame(["escalation_peak", "casualties_north_korea"])
               for k, v in c.named.items()}
    check(plots.plot_compare(dists, samples, outcomes))
    write_compare(c, tmp_path / "cmp")
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 10_000


def test_sensitivity_charts_are_readable() -> None:
    """The chart of each kind of sensitivity (its numbers are tested in
    test_sensitivity): a ranking over the baseline's parameters, Sobol indices with an
    unreliable one, and a warning in place of the numbers."""
    from sim.analysis.sensitivity import Sensitivity
    from sim.core.scenario import load_scenario

    names = list(load_scenario(BASELINE).sweep)
    rng = np.random.default_rng(0)
    v = np.sort(rng.uniform(0, 0.4, len(names)))[::-1]
    forest = pd.DataFrame({"importance": v, "spread": v / 10, "surrogate_r2": 0.8},
                          index=pd.Index(names, name="parameter"))
    sobol = pd.DataFrame({"S1": v / 2, "S1_conf": v / 10, "ST": v, "ST_conf": v / 10,
                          "note": ["", "unreliable: interval wider than ±0.2",
                                   *[""] * (len(names) - 2)]},
                         index=pd.Index(names, name="parameter"))
    for sens in (Sensitivity("escalation_peak", "forest", forest, "n"),
                 Sensitivity("rok_max_rung", "sobol", sobol, "n"),
                 Sensitivity("tech_level", "forest", forest, "n",
                             "the surrogate explains nothing: held-out R² -0.1")):
        check(plots.plot_sensitivity(sens, "baseline"))


def test_policy_branch_and_view_figures_are_readable(policy_store, baseline) -> None:
    from sim.analysis.branch_plots import plot_branches
    from sim.analysis.policies import POLICY_OUTCOMES, compare_policies
    from sim.analysis.policy_plots import plot_robustness
    from sim.batch.branch import run_branches
    from sim.core.model import EscalationModel
    from sim.core.moves import Policy
    from sim.view import adapter

    rs = load_results(policy_store)
    check(plot_robustness(compare_policies(rs, POLICY_OUTCOMES), rs.name))
    variants = {"straight": Policy(),
                "arm": Policy.model_validate({"inject": [
                    {"week": 6, "move": "rok_approve", "rung": 4}]})}
    short = baseline.model_copy(update={"inject": []}).with_overrides({"weeks": 16})
    result = run_branches(short, 5, variants, 6, 0)  # (the baseline's pause is at week 18)
    check(plot_branches(result.series, 5, "baseline: 2 variants from week 5"))
    model = EscalationModel(baseline, rng=1, weeks=12).run()
    for chart in (*adapter.CHARTS, adapter.map_figure):
        check(chart(model))


def test_calibration_figures_are_readable() -> None:
    from sim.analysis import calibration_plots as cp

    cf = cp.load_calibration(ROOT / "calibrations" / "baseline")
    for draw in (cp.plot_marginals, cp.plot_pairs, cp.plot_generations, cp.plot_predictive):
        check(draw(cf))
