"""Figures. Matplotlib only, drawn headless (Agg); functions return figures and never
write files themselves unless given a path by the caller."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.summary import FAN_SERIES
from sim.core.actors.south_korea import ROK_RUNGS

if TYPE_CHECKING:
    from sim.analysis.sensitivity import Sensitivity
    from sim.analysis.summary import Distribution

#: Okabe-Ito colour-blind-safe palette.
PALETTE = {
    "ukraine": "#0072B2",
    "russia": "#D55E00",
    "north_korea": "#CC79A7",
    "south_korea": "#009E73",
    "china": "#E69F00",
    "nato": "#56B4E9",
    "neutral": "#000000",
    "grey": "#999999",
}


# ---------------------------------------------------------------- one run
# Panels shared by the run figure below and the browser view (sim.view.adapter).
def draw_area(ax: Any, series: Mapping[str, np.ndarray]) -> None:
    """Ukrainian-held area of Kursk by week."""
    ax.plot(series["week"], series["ukraine_area_km2"], color=PALETTE["ukraine"])
    ax.set(title="Ukrainian-held area of Kursk", xlabel="week", ylabel="km²")
    ax.set_ylim(bottom=0)


def draw_casualties(ax: Any, series: Mapping[str, np.ndarray]) -> None:
    """Cumulative casualties by side, and North Korean prisoners."""
    w = series["week"]
    for key, side in (("casualties_ukraine", "ukraine"), ("casualties_russia", "russia"),
                      ("casualties_north_korea", "north_korea")):
        ax.plot(w, series[key], color=PALETTE[side], label=side.replace("_", " ").title())
    ax.plot(w, series["nk_prisoners"], color=PALETTE["north_korea"], ls=":",
            label="North Korean prisoners")
    ax.set(title="Cumulative casualties by side", xlabel="week", ylabel="personnel")
    ax.legend(fontsize=8)


def draw_rewards(ax: Any, series: Mapping[str, np.ndarray]) -> None:
    """Russia's cumulative rewards to Pyongyang by kind, scaled to share one axis."""
    w = series["week"]
    ax.plot(w, series["reward_finance_musd"], color=PALETTE["russia"], label="finance (USD m)")
    ax.plot(w, series["reward_food_t"] / 1000, color=PALETTE["china"], label="food (kt)")
    ax.plot(w, series["reward_fuel_bbl"] / 1e5, color=PALETTE["neutral"],
            label="fuel (100k bbl)")
    ax.set(title="Cumulative Russian rewards to Pyongyang", xlabel="week", ylabel="amount")
    ax.legend(fontsize=8)


def draw_rungs(ax: Any, series: Mapping[str, np.ndarray], fontsize: float | None = None,
               **line: Any) -> None:
    """South Korea's ladder rung by week as a step chart, the rungs named on the axis."""
    ax.step(series["week"], series["rok_rung"], where="post", **line)
    ax.set_yticks(range(len(ROK_RUNGS)), [r.replace("_", " ") for r in ROK_RUNGS],
                  fontsize=fontsize)
    ax.set_ylim(-0.2, len(ROK_RUNGS) - 0.8)


def draw_escalation(ax: Any, series: Mapping[str, np.ndarray]) -> None:
    """The weekly escalation index (formula in sim.core.escalation)."""
    ax.plot(series["week"], series["escalation_index"], color=PALETTE["neutral"])
    ax.set(title="Escalation index", xlabel="week", ylabel="index (0-100)", ylim=(0, 100))


def plot_run(series: Mapping[str, np.ndarray], title: str,
             marks: Sequence[tuple[int, str]] = ()) -> Figure:
    """The main weekly series of one run on six panels. ``marks`` are the injects (week,
    what happened): a dotted line on every panel, numbered, and listed under the panels,
    so that a move and what followed it are read together."""
    w = series["week"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.6 if marks else 8),
                             constrained_layout=True)
    fig.suptitle(title)
    draw_area(axes[0, 0], series)
    draw_casualties(axes[0, 1], series)
    draw_rewards(axes[0, 2], series)

    ax = axes[1, 0]
    ax.plot(w, series["nk_prestige"], color=PALETTE["north_korea"], label="Kim's prestige")
    ax.plot(w, series["nk_experience"], color=PALETTE["north_korea"], ls="--",
            label="NK combat experience")
    ax.plot(w, series["russia_desperation"], color=PALETTE["russia"], label="Russian desperation")
    ax.plot(w, series["tech_level"], color=PALETTE["grey"], label="technology transferred")
    ax.plot(w, series["china_restraint"], color=PALETTE["china"], label="China's restraint")
    ax.set(title="Actors' states", xlabel="week", ylabel="level (0-1)", ylim=(0, 1.05))
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    ax.plot(w, series["rok_perception"], color=PALETTE["south_korea"], label="threat perception")
    ax.set(title="South Korea", xlabel="week", ylabel="perception (0-1)", ylim=(0, 1.05))
    ax2 = ax.twinx()
    draw_rungs(ax2, series, fontsize=7, color=PALETTE["neutral"], label="ladder rung")
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="lower right", fontsize=8)

    draw_escalation(axes[1, 2], series)
    if marks:
        for ax in axes.flat:
            for i, (week, _) in enumerate(marks, start=1):
                ax.axvline(week, color=PALETTE["grey"], ls=":", lw=1.2)
                ax.text(week, 1.0, f" {i}", transform=ax.get_xaxis_transform(), fontsize=8,
                        va="top", color=PALETTE["grey"])
        listed = "   ".join(f"{i}: week {week}, {text}"
                            for i, (week, text) in enumerate(marks, start=1))
        fig.supxlabel(textwrap.fill(listed, 190), fontsize=8, x=0.01, ha="left")
    return fig


def save_figure(fig: Figure, path: Path, formats: tuple[str, ...] = ("png",),
                close: bool = True) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``; closes the figure unless
    it is to be drawn again (``close=False``)."""
    out = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        fig.savefig(target, dpi=120)
        out.append(target)
    if close:
        plt.close(fig)
    return out


# ---------------------------------------------------------------- distributions
RUNG_COLOURS = ["#DDDDDD", "#56B4E9", "#009E73", "#E69F00", "#D55E00"]
"""Ladder rungs 0-4, light to alarming (Okabe-Ito)."""

def wrap_title(text: str, width: int) -> str:
    """Break a long title into lines of at most ``width`` characters: a title wider than
    its figure is laid out (and measured, at every draw) as one enormous line."""
    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


class OutcomeDistributionFigure:
    """The figure of one outcome's distribution: histogram (with a density line where the
    values vary) and ECDF, the median and the 5-95% interval marked; runs without a value
    (the event never happened) counted aside.

    Built once and redrawn for each outcome (:meth:`draw`): a sweep has ~26 of these
    figures, and building a figure's axes (ticks, spines, labels) is about a third of the
    cost of drawing one. For the same reason: fixed margins rather than a layout engine,
    and the histogram as one stepped patch rather than a rectangle per bin (together
    0.2 s to under 0.1 s a figure)."""

    def __init__(self) -> None:
        self.fig, (self.ax1, self.ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.84, wspace=0.22)

    def _clear(self) -> None:
        for ax in (self.ax1, self.ax2):
            for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
                artist.remove()
            if ax.get_legend() is not None:
                ax.get_legend().remove()
            ax.relim()
            ax.set_autoscale_on(True)

    def draw(self, dist: Distribution, unit: str, meaning: str, label: str) -> Figure:
        """The figure of ``dist`` (computed by :func:`summary.distributions`)."""
        self._clear()
        fig, ax1, ax2 = self.fig, self.ax1, self.ax2
        never = 1.0 - dist.values / dist.runs if dist.runs else 0.0
        fig.suptitle(wrap_title(f"{meaning} ({label}, {dist.runs} runs"
                                + (f"; never in {never:.0%}" if never > 0 else "") + ")",
                                110), fontsize=10)
        ax1.set(xlabel=f"{dist.name} ({unit})", ylabel="density", title="histogram")
        ax2.set(xlabel=f"{dist.name} ({unit})", ylabel="share of runs ≤ x", title="ECDF")
        if dist.values == 0:
            for ax in (ax1, ax2):
                ax.text(0.5, 0.5, "no run reached this event", ha="center",
                        transform=ax.transAxes)
                ax.set(xlim=(0, 1), ylim=(0, 1))  # an empty axes' limits
            return fig
        widths = np.diff(dist.edges)
        density = dist.counts / (dist.counts.sum() * widths)
        ax1.stairs(density, dist.edges, fill=True, color=PALETTE["nato"], alpha=0.7)
        if len(dist.kde_x):
            ax1.plot(dist.kde_x, dist.kde_y, color=PALETTE["neutral"], lw=1)
        ax2.step(dist.ecdf_x, dist.ecdf_p, where="post", color=PALETTE["neutral"])
        for ax in (ax1, ax2):
            ax.axvspan(dist.q05, dist.q95, color=PALETTE["china"], alpha=0.15, label="5-95%")
            ax.axvline(dist.median, color=PALETTE["russia"], lw=1.5,
                       label=f"median {dist.median:.3g}")
        ax1.autoscale_view()
        ax2.autoscale_view()
        ax2.set_ylim(0, 1.02)
        ax2.legend(fontsize=8, loc="lower right")
        return fig


def plot_outcome_distribution(dist: Distribution, unit: str, meaning: str,
                              label: str) -> Figure:
    """One outcome's distribution in a figure of its own (see
    :class:`OutcomeDistributionFigure`)."""
    return OutcomeDistributionFigure().draw(dist, unit, meaning, label)


def plot_fan_charts(bands: Mapping[str, Any], label: str, n_runs: int) -> Figure:
    """Median and 50%/90% bands across runs of the main series (``bands``: series name →
    table with columns q05, q25, q50, q75, q95 indexed by week)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), constrained_layout=True)
    fig.suptitle(f"Main series across {n_runs} runs ({label}): median, 50% and 90% bands")
    for ax, (series, (title, unit)) in zip(axes.flat, FAN_SERIES.items(), strict=True):
        b = bands[series]
        w = b.index.to_numpy()
        ax.fill_between(w, b["q05"], b["q95"], color=PALETTE["nato"], alpha=0.25, label="90%")
        ax.fill_between(w, b["q25"], b["q75"], color=PALETTE["nato"], alpha=0.5, label="50%")
        ax.plot(w, b["q50"], color=PALETTE["neutral"], label="median")
        ax.set(title=title, xlabel="week", ylabel=unit)
        ax.set_ylim(bottom=0)
    axes[0, 0].legend(fontsize=8)
    return fig


def plot_rung_probabilities(rungs: Any, retaken: Any, label: str, n_runs: int) -> Figure:
    """Stacked area of P(South Korea on rung k at week t), and P(Kursk retaken by t)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
    fig.suptitle(f"Escalation over time across {n_runs} runs ({label})")
    w = rungs.index.to_numpy()
    ax1.stackplot(w, rungs.to_numpy().T, labels=[c.replace("_", " ") for c in rungs.columns],
                  colors=RUNG_COLOURS[: rungs.shape[1]])
    ax1.set(title="South Korea's rung: share of runs", xlabel="week", ylabel="probability",
            ylim=(0, 1), xlim=(w.min(), w.max()))
    ax1.legend(fontsize=8, loc="upper left")
    ax2.step(retaken.index, retaken.to_numpy(), where="post", color=PALETTE["russia"])
    ax2.set(title="Kursk fully retaken by week t", xlabel="week", ylabel="probability",
            ylim=(0, 1.02))
    return fig


def plot_param_scatter(runs: Any, params: list[str], outcome: str, unit: str,
                       label: str, total: int | None = None) -> Figure:
    """Each swept parameter against an outcome, coloured by South Korea's highest rung.
    ``runs`` may be a sample of ``total`` runs (the title says so): beyond a few thousand
    dots a panel shows nothing more, and costs seconds to draw."""
    n = len(params)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False,
                             constrained_layout=True)
    shown = (f"; {len(runs)} of {total} runs, sampled at random"
             if total and total > len(runs) else "")
    fig.suptitle(wrap_title(f"{outcome} against the swept parameters ({label}); colour = "
                            f"South Korea's highest rung{shown}", 45 * cols))
    rung = runs["rok_max_rung"].astype(int).to_numpy()
    y = runs[outcome].to_numpy(dtype=float)
    for ax, p in zip(axes.flat, params, strict=False):
        x = runs[p]
        if not pd.api.types.is_numeric_dtype(x):
            cats = sorted(x.unique())
            x = x.map({c: i for i, c in enumerate(cats)}) + np.random.default_rng(0).uniform(
                -0.15, 0.15, len(x))
            ax.set_xticks(range(len(cats)), cats)
        x = np.asarray(x, dtype=float)
        # one marker line per rung (higher rungs on top): a fraction of the cost of a
        # scatter with a colour per dot, and the same picture
        for r, colour in enumerate(RUNG_COLOURS):
            m = rung == r
            if m.any():
                ax.plot(x[m], y[m], "o", ms=2.6, color=colour, alpha=0.7, mec="none")
        ax.set(xlabel=p, ylabel=f"{outcome} ({unit})")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=r.replace("_", " "))
               for c, r in zip(RUNG_COLOURS, ROK_RUNGS, strict=True)]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8)
    return fig


def plot_compare(named: Mapping[str, Any], outcomes: list[str], units: Mapping[str, str]) -> Figure:
    """Violins of each outcome, one per result set, side by side."""
    n = len(outcomes)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows), squeeze=False,
                             constrained_layout=True)
    fig.suptitle("Outcome distributions by scenario (violin; bar = median, whiskers = 5-95%)")
    names = list(named)
    for ax, o in zip(axes.flat, outcomes, strict=False):
        data = [named[k][o].to_numpy(dtype=float) for k in names]
        data = [d[~np.isnan(d)] for d in data]
        pos = [i for i, d in enumerate(data) if len(d) > 1 and np.ptp(d) > 0]
        if pos:
            ax.violinplot([data[i] for i in pos], positions=pos, showextrema=False)
        for i, d in enumerate(data):
            if len(d):
                q05, med, q95 = np.quantile(d, [0.05, 0.5, 0.95])
                ax.vlines(i, q05, q95, color=PALETTE["neutral"], lw=1)
                ax.hlines(med, i - 0.2, i + 0.2, color=PALETTE["russia"], lw=2)
        ax.set_xticks(range(len(names)), names, rotation=20, fontsize=8)
        ax.set(title=o, ylabel=units.get(o, ""))
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig


def plot_sensitivity(sens: Sensitivity, label: str) -> Figure:
    """Bar chart of Sobol S1/ST (with confidence) or of the model-free ranking (with the
    two samples' spread). Numbers that cannot be trusted are not drawn: the chart says
    why instead (a constant outcome, too few samples, a surrogate that explains nothing);
    single unreliable Sobol indices are left out and their parameter marked."""
    table = sens.table
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.8), constrained_layout=True)
    y = np.arange(len(table))
    names = list(table.index)
    whole = sens.warning and (sens.method == "forest" or (table["note"] != "").all())
    if sens.method == "sobol":
        title = f"Sobol indices of {sens.outcome} ({label})"
        if not whole:
            ok = (table["note"] == "").to_numpy()
            s1, st = table["S1"].where(ok), table["ST"].where(ok)
            ax.barh(y - 0.2, s1, 0.4, xerr=table["S1_conf"].where(ok), color=PALETTE["nato"],
                    label="first order S1")
            ax.barh(y + 0.2, st, 0.4, xerr=table["ST_conf"].where(ok),
                    color=PALETTE["russia"], label="total ST")
            names = [n if k else f"{n} (unreliable)" for n, k in zip(names, ok, strict=True)]
        ax.set(xlabel="Sobol index (share of variance)")
    else:
        r2 = float(table["surrogate_r2"].iloc[0])
        title = (wrap_title(f"Model-free importance for {sens.outcome} ({label})", 70)
                 + "\nrandom-forest permutation importance, not a variance share; "
                 f"\nsurrogate's R² on runs it did not see: {r2:.2f}")
        if not whole:
            ax.barh(y, table["importance"], 0.6, xerr=table["spread"], color=PALETTE["nato"],
                    label="permutation importance (± spread of two samples)")
        ax.set(xlabel="drop in the surrogate's R² when the parameter is shuffled")
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title)
    if whole:
        ax.text(0.5, 0.5, wrap_title(sens.warning, 60), ha="center", va="center",
                transform=ax.transAxes, fontsize=9, color=PALETTE["russia"])
    else:
        ax.legend(fontsize=8)
    return fig
