"""Figures. Matplotlib only, drawn headless (Agg); functions return figures and never
write files themselves unless given a path by the caller.

They are drawn for a reader who did not build the model: titles and axis labels in words
with units (from the outcome and series declarations, not variable names alone), numbers
with thousands separators and never in scientific notation, every probability with its
Monte Carlo band (Wilson's, :func:`~sim.analysis.uncertainty.wilson_interval`), and each
outcome drawn by what it is (:func:`~sim.analysis.summary.chart_of`): a yes/no as a
probability, a few whole numbers as bars, a week as the share of runs in which the event
has happened by then (the runs in which it never did counted, not dropped), and only
continuous quantities as histograms. ``tests/test_figures.py`` draws every figure and
checks that no text leaves its canvas and no two tick labels overlap.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.analysis.run_plots import (
    draw_area,
    draw_casualties,
    draw_escalation,
    draw_perception,
    draw_rewards,
    draw_rungs,
    rung_thresholds,
    stack_week_axes,
)
from sim.analysis.style import (
    PALETTE,
    RUNG_COLOURS,
    SERIES_WORDS,
    SET_COLOURS,
    VALUE_NAMES,
    band,
    error_bars,
    fmt_interval,
    fmt_number,
    fmt_share,
    inches,
    number_axis,
    outcome_title,
    share_axis,
    unit_words,
    value_label,
    words,
    wrap_title,
)
from sim.analysis.uncertainty import wilson_interval
from sim.core.actors.south_korea import ROK_RUNGS, RUNG_DEFENSIVE, RUNG_OFFENSIVE
from sim.core.outcomes import BY_NAME

if TYPE_CHECKING:
    from sim.analysis.sensitivity import Sensitivity
    from sim.analysis.summary import Distribution
    from sim.core.scenario import Scenario


# ---------------------------------------------------------------- one run
def plot_run(series: Mapping[str, np.ndarray], title: str,
             marks: Sequence[tuple[int, str]] = (),
             thresholds: np.ndarray | None = None) -> Figure:
    """The main weekly series of one run. Seoul has two panels: perception against the
    rung thresholds (``thresholds`` from :func:`rung_thresholds`; without them, perception
    alone), and the rung it stands on. ``marks`` are the injects (week, what happened): a
    dotted line on every panel, numbered, and listed under the panels, so that a move and
    what followed it are read together."""
    w = series["week"]
    fig = plt.figure(figsize=(15, 9.4 if marks else 8.8), layout="constrained")
    fig.suptitle(title)
    grid = fig.add_gridspec(2, 3)
    draw_area(fig.add_subplot(grid[0, 0]), series)
    draw_casualties(fig.add_subplot(grid[0, 1]), series)
    rewards = grid[0, 2].subgridspec(3, 1, hspace=0.08)
    first = fig.add_subplot(rewards[0])
    stacked = [first, *(fig.add_subplot(rewards[i], sharex=first) for i in (1, 2))]
    draw_rewards(stacked, series)
    stack_week_axes(stacked)

    ax = fig.add_subplot(grid[1, 0])
    ax.plot(w, series["nk_prestige"], color=PALETTE["north_korea"], label="Kim's prestige")
    ax.plot(w, series["nk_experience"], color=PALETTE["north_korea"], ls="--",
            label="NK combat experience")
    ax.plot(w, series["russia_desperation"], color=PALETTE["russia"], label="Russian desperation")
    ax.plot(w, series["tech_level"], color=PALETTE["grey"], label="technology transferred")
    ax.plot(w, series["china_restraint"], color=PALETTE["china"], label="China's restraint")
    ax.set(title="Actors' states", xlabel="week", ylabel="level (0 to 1)", ylim=(0, 1.45))
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.legend(fontsize=7, loc="upper center", ncol=2)  # above the 0-1 lines

    seoul = grid[1, 1].subgridspec(2, 1, height_ratios=[2, 1], hspace=0.06)
    perception = fig.add_subplot(seoul[0])
    draw_perception(perception, series, thresholds)
    rung = fig.add_subplot(seoul[1], sharex=perception)
    draw_rungs(rung, series, fontsize=7, color=PALETTE["south_korea"])
    rung.set_ylabel("rung")
    stack_week_axes([perception, rung])

    draw_escalation(fig.add_subplot(grid[1, 2]), series)
    if marks:
        for ax in fig.axes:
            for i, (week, _) in enumerate(marks, start=1):
                ax.axvline(week, color=PALETTE["grey"], ls=":", lw=1.2)
                ax.text(week, 1.0, f" {i}", transform=ax.get_xaxis_transform(), fontsize=8,
                        va="top", color=PALETTE["grey"])
        listed = "   ".join(f"{i}: week {week}, {text}"
                            for i, (week, text) in enumerate(marks, start=1))
        fig.supxlabel(textwrap.fill(listed, 190), fontsize=8, x=0.01, ha="left")
    return fig


def plot_scenario_run(series: Mapping[str, np.ndarray], scenario: Scenario,
                      title: str) -> Figure:
    """:func:`plot_run` of a run of ``scenario``: its injects marked, Seoul's perception
    against the thresholds the scenario gives each rung."""
    marks = [(inj.week, inj.describe().removeprefix("inject: "))
             for inj in scenario.inject if inj.week is not None]
    weeks = len(series["week"]) - 1
    return plot_run(series, title, marks, rung_thresholds(scenario, weeks))


# ---------------------------------------------------------------- distributions
def plot_outcome_distribution(dist: Distribution, unit: str, meaning: str,
                              label: str) -> Figure:
    """One outcome's distribution over the runs, drawn as its chart says
    (:func:`~sim.analysis.summary.chart_of`); ``unit`` and ``meaning`` are the outcome's
    declared unit and doc, ``label`` names the result set."""
    title = words(meaning)
    runs = f"{dist.runs:,} runs ({label})"
    if dist.chart == "flag":
        return _flag_figure(dist, title, runs)
    if dist.chart == "week":
        return _week_figure(dist, title, runs)
    if dist.chart == "bars":
        return _bars_figure(dist, title, unit, runs)
    return _level_figure(dist, title, unit, runs)


def _flag_figure(dist: Distribution, title: str, runs: str) -> Figure:
    """A yes/no outcome: the probability of each answer with its 95% interval."""
    fig = plt.figure(figsize=(8, 2.4))
    inches(fig, left=2.6, right=0.3, top=0.7, bottom=0.55)
    ax = fig.add_subplot()
    yes = float(dist.point_counts[dist.points == 1].sum())
    k = np.array([yes, dist.values - yes])
    p = k / dist.values
    lo, hi = wilson_interval(k, dist.values)
    ax.barh([0, 1], p, xerr=error_bars(p, lo, hi), color=[PALETTE["russia"], PALETTE["grey"]],
            height=0.6, capsize=4)
    ax.set_yticks([0, 1], [f"yes: {fmt_interval(p[i], lo[i], hi[i])}" if i == 0 else
                           f"no: {fmt_interval(p[i], lo[i], hi[i])}" for i in (0, 1)])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="share of runs (95% interval)")
    share_axis(ax.xaxis)
    fig.suptitle(wrap_title(f"{title}: {runs}", 80), fontsize=10)
    return fig


def _bars_figure(dist: Distribution, title: str, unit: str, runs: str) -> Figure:
    """A few whole numbers (a rung, waves, prisoners): the share of runs at each value,
    and the share reaching at least each value, both with 95% intervals."""
    name = dist.name
    names = VALUE_NAMES.get(name)
    lo_v = 0 if names is not None else int(dist.points.min())
    hi_v = len(names) - 1 if names is not None else int(dist.points.max())
    x = np.arange(lo_v, hi_v + 1)
    k = np.array([dist.point_counts[dist.points == v].sum() for v in x], dtype=float)
    n = float(dist.values)
    at_least = k[::-1].cumsum()[::-1]
    fig = plt.figure(figsize=(10, 3.9))
    inches(fig, left=0.75, right=0.25, top=0.75, bottom=0.95 if names else 0.6)
    ax1, ax2 = fig.subplots(1, 2)
    p = k / n
    lo, hi = wilson_interval(k, n)
    ax1.bar(x, p, yerr=error_bars(p, lo, hi), color=PALETTE["nato"], capsize=3 if len(x) <= 12
            else 0, width=0.7)
    ax1.set(ylabel="share of runs", title="share of runs at exactly this value")
    x2 = x[1:]
    p2, (lo2, hi2) = at_least[1:] / n, wilson_interval(at_least[1:], n)
    ax2.errorbar(x2, p2, yerr=error_bars(p2, lo2, hi2), fmt="o-", color=PALETTE["russia"],
                 capsize=3, ms=4)
    ax2.set(ylabel="share of runs", title="share of runs at this value or higher")
    for ax in (ax1, ax2):
        ax.set_ylim(0, 1.12 if len(x) <= 8 else 1.0)
        ax.set_xlim(lo_v - 0.6, hi_v + 0.6)
        share_axis(ax.yaxis)
        if names is not None:
            ax.set_xticks(x, [textwrap.fill(value_label(name, v), 11) for v in x],
                          fontsize=8)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
            ax.set_xlabel(unit_words(unit))
    if len(x) <= 8:  # the numbers themselves, above the bars
        for xi, pi, hii in zip(x, p, hi, strict=True):
            ax1.annotate(fmt_share(pi), (xi, hii), xytext=(0, 2), textcoords="offset points",
                         ha="center", fontsize=8)
        for xi, pi in zip(x2, p2, strict=True):
            ax2.annotate(fmt_share(pi), (xi, pi), xytext=(5, 4), textcoords="offset points",
                         ha="left", fontsize=8)
    fig.suptitle(wrap_title(f"{title}: {runs}; bars and points with 95% intervals", 110),
                 fontsize=10)
    return fig


def _week_figure(dist: Distribution, title: str, runs: str) -> Figure:
    """When an event first happened: the share of all runs in which it has happened by
    each week (cumulative incidence, with its 95% band), and by week of the event. The
    runs in which it never happened stay in the denominator and are stated: a median over
    only the runs where it happened would describe a different, luckier world."""
    horizon = dist.horizon
    weeks = np.arange(horizon + 1)
    by_week = np.array([dist.point_counts[dist.points == w].sum() for w in weeks], float)
    n = float(dist.runs)
    never = n - dist.values
    never_lo, never_hi = wilson_interval(never, n)
    cum = np.cumsum(by_week)
    fig = plt.figure(figsize=(10, 3.9))
    inches(fig, left=0.75, right=0.25, top=0.8, bottom=0.6)
    ax1, ax2 = fig.subplots(1, 2)
    band(ax1, weeks, cum, n, PALETTE["ukraine"])
    ax1.axhline(0.5, color=PALETTE["grey"], ls=":", lw=1)
    half = np.flatnonzero(cum / n >= 0.5)
    if dist.values == dist.runs:
        said = f"in every run, by week {int(dist.points.max())}"
    else:
        said = f"never (by week {horizon}): {fmt_interval(never / n, never_lo, never_hi)}"
    said += (f"\nhalf of all runs by week {weeks[half[0]]}" if len(half) else
             "\nfewer than half of all runs: no median week")
    ax1.text(0.02, 0.96, said, transform=ax1.transAxes, va="top", fontsize=8,
             bbox={"facecolor": "white", "edgecolor": "#cccccc", "alpha": 0.9})
    ax1.set(xlabel="week", ylabel="share of all runs", ylim=(0, 1.02), xlim=(0, horizon),
            title="happened by week t (95% band)")
    share_axis(ax1.yaxis)
    ax2.bar(weeks, by_week / n, width=0.9, color=PALETTE["nato"])
    ax2.set(xlabel="week", ylabel="share of all runs", xlim=(-0.8, horizon + 0.8),
            title="first happened in week t")
    share_axis(ax2.yaxis)
    fig.suptitle(wrap_title(f"{title}: {runs}; never by week {horizon} in "
                            f"{fmt_share(never / n)}", 110), fontsize=10)
    return fig


def _level_figure(dist: Distribution, title: str, unit: str, runs: str) -> Figure:
    """A continuous quantity or a large count: histogram (share of runs per bin) and
    ECDF, the median (with its 95% interval) and the middle 90% of runs marked."""
    fig = plt.figure(figsize=(10, 3.9))
    inches(fig, left=0.75, right=0.3, top=0.8, bottom=0.6)
    ax1, ax2 = fig.subplots(1, 2)
    xlabel = unit_words(unit)
    if dist.values == 0:
        for ax in (ax1, ax2):
            ax.text(0.5, 0.5, "no run has a value", ha="center", transform=ax.transAxes)
        fig.suptitle(wrap_title(f"{title}: {runs}", 110), fontsize=10)
        return fig
    ax1.stairs(dist.counts / dist.runs, dist.edges, fill=True, color=PALETTE["nato"],
               alpha=0.8)
    ax2.step(dist.ecdf_x, dist.ecdf_p, where="post", color=PALETTE["neutral"])
    for ax in (ax1, ax2):
        ax.axvspan(dist.q05, dist.q95, color=PALETTE["china"], alpha=0.15)
        ax.axvspan(dist.median_lo, dist.median_hi, color=PALETTE["russia"], alpha=0.3)
        ax.axvline(dist.median, color=PALETTE["russia"], lw=1.5)
        ax.set_xlabel(xlabel)
        number_axis(ax.xaxis)
        share_axis(ax.yaxis)
    ax1.set(ylabel="share of runs per bin", title="histogram")
    ax2.set(ylabel="share of runs at or below", title="cumulative (ECDF)", ylim=(0, 1.02))
    fig.suptitle(wrap_title(f"{title}: {runs}", 110) + "\n" + (
        f"red: median {fmt_number(dist.median)} (95% CI {fmt_number(dist.median_lo)} to "
        f"{fmt_number(dist.median_hi)}); orange: middle 90% of runs, "
        f"{fmt_number(dist.q05)} to {fmt_number(dist.q95)}"), fontsize=10)
    return fig


# ---------------------------------------------------------------- over time
def plot_fan_charts(bands: Mapping[str, Any], label: str, n_runs: int) -> Figure:
    """Median and 50%/90% bands across runs of the main series (``bands``: series name →
    table with columns q05, q25, q50, q75, q95 indexed by week)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.4), layout="constrained")
    fig.suptitle(f"Main weekly series across {n_runs:,} runs ({label}): median, middle 50% "
                 "and middle 90% of runs at each week")
    for ax, (series, b) in zip(axes.flat, bands.items(), strict=True):
        doc, unit = SERIES_WORDS[series]
        w = b.index.to_numpy()
        ax.fill_between(w, b["q05"], b["q95"], color=PALETTE["nato"], alpha=0.25, lw=0)
        ax.fill_between(w, b["q25"], b["q75"], color=PALETTE["nato"], alpha=0.5, lw=0)
        ax.plot(w, b["q50"], color=PALETTE["neutral"])
        ax.set(title=words(doc), xlabel="week", ylabel=unit_words(unit))
        ax.set_ylim(bottom=0)
        number_axis(ax.yaxis)
    handles = [Patch(color=PALETTE["nato"], alpha=0.25, label="middle 90% of runs"),
               Patch(color=PALETTE["nato"], alpha=0.5, label="middle 50%"),
               Line2D([], [], color=PALETTE["neutral"], label="median")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=9)
    return fig


def plot_rung_probabilities(rungs: Any, retaken: Any, label: str, n_runs: int) -> Figure:
    """Escalation over time: the share of runs on each of Seoul's rungs by week (stacked);
    the share in which Seoul has sent defensive weapons or more, and offensive weapons,
    each with its 95% band on an axis of its own (a share of a few percent is a hairline
    on the stack, or beside a share of thirty); and the share in which Kursk has been
    retaken."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.2), layout="constrained")
    fig.suptitle(f"Escalation over time across {n_runs:,} runs ({label})")
    w = rungs.index.to_numpy()
    ax = axes[0, 0]
    ax.stackplot(w, rungs.to_numpy().T, colors=RUNG_COLOURS[: rungs.shape[1]])
    ax.set(title="South Korea's rung: share of runs", xlabel="week", ylabel="share of runs",
           ylim=(0, 1), xlim=(w.min(), w.max()))
    share_axis(ax.yaxis)
    ax.legend(handles=[Patch(color=c, label=r.replace("_", " "))
                       for c, r in zip(RUNG_COLOURS, rungs.columns, strict=False)],
              loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=5, fontsize=8,
              frameon=False)
    for ax, first, colour, what in (
            (axes[0, 1], RUNG_DEFENSIVE, PALETTE["china"], "defensive weapons or more"),
            (axes[1, 0], RUNG_OFFENSIVE, PALETTE["russia"], "offensive weapons")):
        k = np.rint(rungs.iloc[:, first:].sum(axis=1).to_numpy() * n_runs)
        band(ax, w, k, n_runs, colour)
        top = float(np.nanmax(wilson_interval(k, n_runs)[1]))
        ax.set(title=f"Seoul has sent {what} by week t (95% band)", xlabel="week",
               ylabel="share of runs", xlim=(w.min(), w.max()),
               ylim=(0, min(1.0, max(top * 1.3, 0.01))))
        share_axis(ax.yaxis)
        lo, hi = wilson_interval(k[-1], n_runs)
        ax.text(0.02, 0.96, f"by week {w.max()}: {fmt_interval(k[-1] / n_runs, lo, hi)} of "
                "runs", transform=ax.transAxes, va="top", fontsize=8)

    ax = axes[1, 1]
    weeks = retaken.index.to_numpy()
    k = np.rint(retaken.to_numpy() * n_runs)
    band(ax, weeks, k, n_runs, PALETTE["ukraine"])
    never = n_runs - k[-1]
    lo, hi = wilson_interval(never, n_runs)
    ax.text(0.02, 0.96, f"never (by week {weeks.max()}): "
            f"{fmt_interval(never / n_runs, lo, hi)} of runs", transform=ax.transAxes,
            va="top", fontsize=8)
    ax.set(title="Kursk fully retaken by week t (95% band)", xlabel="week",
           ylabel="share of runs", ylim=(0, 1.02), xlim=(weeks.min(), weeks.max()))
    share_axis(ax.yaxis)
    return fig


# ---------------------------------------------------------------- parameters
def plot_param_scatter(runs: Any, params: list[str], outcome: str, unit: str,
                       label: str, total: int | None = None) -> Figure:
    """Each swept parameter against an outcome, coloured by South Korea's highest rung.
    ``runs`` may be a sample of ``total`` runs (the title says so): beyond a few thousand
    dots a panel shows nothing more, and costs seconds to draw."""
    n = len(params)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False,
                             layout="constrained")
    shown = (f"; {len(runs):,} of {total:,} runs, sampled at random"
             if total and total > len(runs) else f"; {len(runs):,} runs")
    fig.suptitle(wrap_title(f"{outcome_title(outcome)} against each swept parameter "
                            f"({label}{shown}); colour: South Korea's highest rung",
                            45 * cols))
    rung = runs["rok_max_rung"].astype(int).to_numpy()
    y = runs[outcome].to_numpy(dtype=float)
    for ax, p in zip(axes.flat, params, strict=False):
        x = runs[p]
        if not pd.api.types.is_numeric_dtype(x):
            cats = sorted(x.unique())
            x = x.map({c: i for i, c in enumerate(cats)}) + np.random.default_rng(0).uniform(
                -0.15, 0.15, len(x))
            ax.set_xticks(range(len(cats)), cats)
        else:
            number_axis(ax.xaxis, 4)
        x = np.asarray(x, dtype=float)
        # one marker line per rung (higher rungs on top): a fraction of the cost of a
        # scatter with a colour per dot, and the same picture
        for r, colour in enumerate(RUNG_COLOURS):
            m = rung == r
            if m.any():
                ax.plot(x[m], y[m], "o", ms=2.6, color=colour, alpha=0.7, mec="none")
        ax.set_xlabel(p, fontsize=8)
        ax.set_ylabel(unit_words(unit), fontsize=8)
        number_axis(ax.yaxis)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=r.replace("_", " "))
               for c, r in zip(RUNG_COLOURS, ROK_RUNGS, strict=True)]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8)
    return fig


# ---------------------------------------------------------------- comparison
def plot_compare(dists: Mapping[str, Mapping[str, Distribution]],
                 samples: Mapping[str, pd.DataFrame], outcomes: list[str],
                 note: str = "") -> Figure:
    """Each outcome across result sets, drawn by its kind: a yes/no as the probability of
    yes with its 95% interval; a few whole numbers (Seoul's rung) as the share of runs
    reaching at least each value, with intervals; a week as the share of runs in which the
    event has happened by each week, with bands; a level as violins with the median and
    the middle 90% (``samples``: runs of each set, at most a fixed number, for the
    violins). ``dists`` are each set's distributions (:func:`summary.distributions`);
    ``note`` ends the title (which runs were compared)."""
    names = list(dists)
    colours = {s: SET_COLOURS[i % len(SET_COLOURS)] for i, s in enumerate(names)}
    n = len(outcomes)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.9 * rows), squeeze=False,
                             layout="constrained")
    fig.suptitle(wrap_title("Outcomes by result set (95% Monte Carlo intervals; violins: "
                            f"median and middle 90% of runs{note})", 60 * cols))
    for ax, o in zip(axes.flat, outcomes, strict=False):
        chart = compare_chart([dists[s][o] for s in names])
        if chart == "flag":
            for i, s in enumerate(names):
                d = dists[s][o]
                k = float(d.point_counts[d.points == 1].sum())
                lo, hi = wilson_interval(k, d.values)
                p = k / d.values
                ax.errorbar([i], [p], yerr=error_bars(p, lo, hi), fmt="o", capsize=4,
                            color=colours[s])
            ax.set(ylim=(0, 1), ylabel="share of runs", xlim=(-0.6, len(names) - 0.4))
            ax.set_xticks([])
            share_axis(ax.yaxis)
        elif chart == "week":
            for s in names:
                d = dists[s][o]
                weeks = np.arange(d.horizon + 1)
                k = np.array([d.point_counts[d.points <= w].sum() for w in weeks])
                band(ax, weeks, k, d.runs, colours[s])
            ax.set(ylim=(0, 1.02), xlabel="week", ylabel="share of runs by week t")
            share_axis(ax.yaxis)
        elif chart == "bars":
            _compare_bars(ax, o, [dists[s][o] for s in names],
                          [colours[s] for s in names])
        else:
            data = [samples[s][o].dropna().to_numpy(dtype=float) for s in names]
            pos = [i for i, d in enumerate(data) if len(d) > 1 and np.ptp(d) > 0]
            if pos:
                parts = ax.violinplot([data[i] for i in pos], positions=pos,
                                      showextrema=False)
                for body, i in zip(parts["bodies"], pos, strict=True):
                    body.set_facecolor(colours[names[i]])
                    body.set_alpha(0.35)
            for i, d in enumerate(data):
                if len(d):
                    q05, med, q95 = np.quantile(d, [0.05, 0.5, 0.95])
                    ax.vlines(i, q05, q95, color=PALETTE["neutral"], lw=1)
                    ax.hlines(med, i - 0.2, i + 0.2, color=colours[names[i]], lw=2.5)
            ax.set_xticks([])
            ax.set(xlim=(-0.6, len(names) - 0.4), ylabel=unit_words(BY_NAME[o].unit))
            number_axis(ax.yaxis)
        ax.set_title(wrap_title(outcome_title(o), 56), fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles = [Patch(color=colours[s], label=s) for s in names]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(names), 4),
               fontsize=9)
    return fig


def compare_chart(dists: Sequence[Distribution]) -> str:
    """How one outcome is drawn across sets: by its chart where every set agrees, else as
    violins (a count of prisoners can span a few values in one set and hundreds in
    another)."""
    charts = {d.chart for d in dists}
    return charts.pop() if len(charts) == 1 else "level"


def _compare_bars(ax: Axes, name: str, dists: list[Distribution],
                  colours: list[str]) -> None:
    """The share of runs reaching at least each value of a small count, one bar per set
    at each value, with 95% intervals."""
    names = VALUE_NAMES.get(name)
    lo_v = 0 if names is not None else int(min(d.points.min() for d in dists if d.values))
    hi_v = (len(names) - 1 if names is not None
            else int(max(d.points.max() for d in dists if d.values)))
    x = np.arange(lo_v + 1, hi_v + 1)
    width = 0.8 / len(dists)
    for j, (d, colour) in enumerate(zip(dists, colours, strict=True)):
        k = np.array([d.point_counts[d.points >= v].sum() for v in x], dtype=float)
        p = k / d.values
        lo, hi = wilson_interval(k, d.values)
        ax.bar(x + (j - (len(dists) - 1) / 2) * width, p, width, yerr=error_bars(p, lo, hi),
               color=colour, capsize=2)
    labels = [textwrap.fill(value_label(name, v), 11) for v in x]
    ax.set_xticks(x, labels, fontsize=7 if names else 8)
    if names is None:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.set(ylim=(0, 1), ylabel="share of runs reaching at least")
    share_axis(ax.yaxis)


# ---------------------------------------------------------------- sensitivity
def plot_sensitivity(sens: Sensitivity, label: str) -> Figure:
    """Bar chart of Sobol S1/ST (with confidence) or of the model-free ranking (with the
    two samples' spread). Numbers that cannot be trusted are not drawn: the chart says
    why instead (a constant outcome, too few samples, a surrogate that explains nothing);
    single unreliable Sobol indices are left out and their parameter marked."""
    from sim.analysis.sensitivity import unreadable

    table = sens.table
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 2.0), layout="constrained")
    y = np.arange(len(table))
    names = list(table.index)
    whole = sens.warning and (sens.method == "forest" or unreadable(table).all())
    what = outcome_title(sens.outcome) if sens.outcome in BY_NAME else sens.outcome
    if sens.method == "sobol":
        title = wrap_title(what, 60) + f"\nSobol indices ({label})"
        if not whole:
            ok = ~unreadable(table)
            s1, st = table["S1"].where(ok), table["ST"].where(ok)
            ax.barh(y - 0.2, s1, 0.4, xerr=table["S1_conf"].where(ok), color=PALETTE["nato"],
                    label="first order S1")
            ax.barh(y + 0.2, st, 0.4, xerr=table["ST_conf"].where(ok),
                    color=PALETTE["russia"], label="total ST")
            names = [n if k else f"{n} (unreliable)" for n, k in zip(names, ok, strict=True)]
        ax.set(xlabel="Sobol index (share of variance)")
    else:
        r2 = float(table["surrogate_r2"].iloc[0])
        title = (wrap_title(what, 60) + "\n" + wrap_title(
            f"model-free importance ({label}): random-forest permutation importance, not "
            f"a variance share; the surrogate's R² on runs it did not see: {r2:.2f}", 64))
        if not whole:
            ax.barh(y, table["importance"], 0.6, xerr=table["spread"], color=PALETTE["nato"],
                    label="permutation importance (± spread of two samples)")
        ax.set(xlabel="drop in the surrogate's R² when the parameter is shuffled")
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    if whole:
        ax.text(0.5, 0.5, wrap_title(sens.warning, 60), ha="center", va="center",
                transform=ax.transAxes, fontsize=9, color=PALETTE["russia"])
    else:
        ax.legend(fontsize=8)
    return fig
