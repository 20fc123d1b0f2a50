"""Figures of a calibration folder (``wargame calibrate``): prior versus posterior marginals
and pairs, epsilon and acceptance rate per generation, and posterior-predictive fan charts
of every series the observations read, with the observations drawn as points with their
ranges.

Functions return figures; :func:`write_calibration_figures` saves them into
``<folder>/figures/``. Everything is read from the folder's files, never recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.style import PALETTE, number_axis, plt, save_figure, unit_words, words, wrap_title
from sim.batch.observations import Entry
from sim.batch.posterior import POSTERIOR, category_shares, read_manifest
from sim.batch.specs import ParamSpec, spec_from_dict
from sim.core.series import SERIES
from sim.errors import UserError

PRIOR_COLOUR = PALETTE["grey"]
POST_COLOUR = PALETTE["ukraine"]
OBS_COLOUR = PALETTE["russia"]
_UNITS = {s.name: (s.doc, s.unit) for s in SERIES}


@dataclass
class CalibrationFolder:
    """What the figures and the summary read from a calibration folder."""

    root: Path
    manifest: dict[str, Any]
    specs: list[ParamSpec]
    entries: list[Entry]
    posterior: pd.DataFrame
    values: pd.DataFrame | None  # predictive values: ensemble, run, obs:<id>
    bands: pd.DataFrame | None  # predictive weekly quantiles: ensemble, series, week, qNN

    @property
    def weeks(self) -> int:
        return int(self.manifest["spec"]["weeks"])


def load_calibration(root: str | Path) -> CalibrationFolder:
    """Read a finished calibration folder; UserError if it is not one."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest.get("status") != "complete" or not (root / POSTERIOR).is_file():
        raise UserError(f"{root}: the calibration is not finished (status "
                        f"{manifest.get('status')})",
                        hint="finish it with `wargame calibrate ... --resume`")
    try:
        specs = [spec_from_dict(d) for d in manifest["prior"]]
        entries = [Entry(**e) for e in manifest["observations"]]
        post = pd.read_parquet(root / POSTERIOR)
        values = _maybe(root / "predictive_values.parquet")
        bands = _maybe(root / "predictive_series.parquet")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{root}: unreadable calibration folder ({exc})") from None
    return CalibrationFolder(root, manifest, specs, entries, post, values, bands)


def _maybe(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def _param_title(name: str) -> str:
    """A parameter's name as a panel title: broken after its actor where it is too long
    for a panel ("north_korea.\ncoordination_penalty")."""
    return name.replace(".", ".\n", 1) if len(name) > 28 else name


def _grid(n: int, cols: int = 4) -> tuple[Figure, np.ndarray]:
    cols = min(cols, max(n, 1))
    rows = int(np.ceil(max(n, 1) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows),
                             constrained_layout=True, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


# ---------------------------------------------------------------- parameters
def plot_marginals(cf: CalibrationFolder) -> Figure:
    """Each parameter: the uniform prior against the weighted posterior histogram, with
    the posterior median and 90 % interval marked."""
    from sim.batch.posterior import weighted_quantile

    w = cf.posterior["weight"].to_numpy()
    fig, axes = _grid(len(cf.specs))
    fig.suptitle(f"{cf.manifest['scenario_name']}: prior (grey) and posterior (blue), "
                 f"{len(cf.posterior)} particles")
    for ax, s in zip(axes.flat, cf.specs, strict=False):
        if s.values is not None:
            shares = category_shares(cf.posterior[s.name], w, s)
            x = np.arange(len(s.values))
            ax.bar(x - 0.2, [1 / len(s.values)] * len(s.values), 0.4, color=PRIOR_COLOUR,
                   label="prior")
            ax.bar(x + 0.2, [shares[v] for v in s.values], 0.4, color=POST_COLOUR,
                   label="posterior")
            ax.set_xticks(x, [str(v) for v in s.values])
            ax.set(ylabel="probability", ylim=(0, 1))
            ax.set_title(_param_title(s.name), fontsize=9)
            continue
        assert s.low is not None and s.high is not None
        v = cf.posterior[s.name].to_numpy(dtype=float)
        lo, hi = (s.low - 0.5, s.high + 0.5) if s.kind == "int" else (s.low, s.high)
        bins = np.linspace(lo, hi, 26) if s.kind != "int" or hi - lo > 25 else \
            np.arange(lo, hi + 1)
        ax.hist(v, bins=bins, weights=w, density=True, color=POST_COLOUR, alpha=0.75,
                label="posterior")
        ax.hlines(1 / (hi - lo), lo, hi, color=PRIOR_COLOUR, lw=2, label="prior")
        q05, q50, q95 = weighted_quantile(v, w, np.array([0.05, 0.5, 0.95]))
        ax.axvline(q50, color=PALETTE["neutral"], lw=1)
        ax.axvspan(q05, q95, color=POST_COLOUR, alpha=0.12)
        ax.set(ylabel="density", xlim=(lo, hi))
        ax.set_title(_param_title(s.name), fontsize=9)
        number_axis(ax.xaxis, 4)
    axes.flat[0].legend(fontsize=8)
    return fig


def _numeric(cf: CalibrationFolder, s: ParamSpec, jitter: np.random.Generator) -> np.ndarray:
    if s.values is not None:
        idx = np.array([[str(v) for v in s.values].index(str(x)) for x in cf.posterior[s.name]])
        return idx + jitter.uniform(-0.15, 0.15, len(idx))
    return cf.posterior[s.name].to_numpy(dtype=float)


def plot_pairs(cf: CalibrationFolder, most: int = 6) -> Figure:
    """Pairs of the parameters the data narrowed most (posterior 90 % width against prior
    width; categories by the share of their most probable value): weighted scatter, so
    that correlations the marginals hide (e.g. a force ratio) show."""
    from sim.batch.posterior import weighted_quantile

    w = cf.posterior["weight"].to_numpy()

    def narrowing(s: ParamSpec) -> float:
        if s.values is not None:
            shares = category_shares(cf.posterior[s.name], w, s)
            return 1.0 - max(shares.values())
        assert s.low is not None and s.high is not None
        q = weighted_quantile(cf.posterior[s.name].to_numpy(dtype=float), w,
                              np.array([0.05, 0.95]))
        return float((q[1] - q[0]) / (s.high - s.low))

    chosen = sorted(cf.specs, key=narrowing)[:most]
    n = len(chosen)
    fig, axes = plt.subplots(n, n, figsize=(2.4 * n + 1, 2.4 * n + 1), constrained_layout=True,
                             squeeze=False)
    fig.suptitle("posterior pairs (point size = weight) of the most narrowed parameters")
    rng = np.random.default_rng(0)
    cols = [_numeric(cf, s, rng) for s in chosen]
    size = 4 + 60 * w / w.max()
    for i in range(n):
        for j in range(n):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(cols[i], bins=20, weights=w, color=POST_COLOUR, alpha=0.75)
            else:
                ax.scatter(cols[j], cols[i], s=size, color=POST_COLOUR, alpha=0.35, lw=0)
            for s, axis in ((chosen[j], ax.xaxis), (chosen[i], ax.yaxis)):
                if s.values is not None and (axis is ax.xaxis or i != j):
                    axis.set_ticks(range(len(s.values)), [str(v) for v in s.values])
                elif s.values is None:
                    number_axis(axis, 3)
            if i == n - 1:
                ax.set_xlabel(chosen[j].name, fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(chosen[i].name, fontsize=8)
            ax.tick_params(labelsize=7)
    return fig


def plot_generations(cf: CalibrationFolder) -> Figure:
    """Epsilon (log scale) and the acceptance rate per generation."""
    gens = cf.manifest["generations"]
    t = [g["t"] for g in gens]
    eps = [np.nan if g["epsilon"] is None else g["epsilon"] for g in gens]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    ax1.plot(t, eps, "o-", color=POST_COLOUR)
    if any(e > 0 for e in eps if not np.isnan(e)):
        ax1.set_yscale("symlog", linthresh=0.01)
    ax1.set(title="epsilon per generation (generation 0: the prior, no threshold)",
            xlabel="generation", ylabel="epsilon (range units)")
    ax2.plot(t, [100 * g["acceptance_rate"] for g in gens], "o-", color=PALETTE["russia"])
    for g in gens:
        ax2.annotate(f"{g['simulations']:,}", (g["t"], 100 * g["acceptance_rate"]),
                     fontsize=7, textcoords="offset points", xytext=(0, 5), ha="center")
    ax2.set(title="acceptance rate (labels: runs simulated)", xlabel="generation",
            ylabel="% of runs accepted", ylim=(0, 105))
    for ax in (ax1, ax2):
        ax.set_xticks(t)
    return fig


# ---------------------------------------------------------------- predictive
def _draw_observation(ax: Any, e: Entry, k: int) -> None:
    """One observation; ``k`` staggers the labels of several event weeks on one panel."""
    if e.kind == "event_week":
        ax.errorbar([e.best], [e.threshold], xerr=[[e.best - e.low], [e.high - e.best]],
                    fmt="D", color=OBS_COLOUR, capsize=4, zorder=5)
        ax.annotate(f"{e.id} (>= {e.threshold:g})", (e.best, e.threshold), fontsize=7,
                    textcoords="offset points", xytext=(4, 6 + 10 * k), color=OBS_COLOUR)
        return
    if e.kind == "rung":
        ax.hlines(e.best, e.since, e.week, color=OBS_COLOUR, lw=1, ls=":")
    ax.errorbar([e.week], [e.best], yerr=[[e.best - e.low], [e.high - e.best]], fmt="o",
                color=OBS_COLOUR, capsize=4, zorder=5)


def plot_predictive(cf: CalibrationFolder) -> Figure:
    """One panel per series the observations read: the prior (grey) and posterior (blue) predictive
    5-95 % bands, the posterior 25-75 % band and median, and each observation with its
    range (diamonds with horizontal bars: event weeks; dotted: a rung's window).
    Observations on outcomes get a panel of their own (5-95 % bands at the horizon)."""
    if cf.bands is None or cf.values is None:
        raise UserError(f"{cf.root}: no predictive ensembles stored")
    series = list(dict.fromkeys(e.target for e in cf.entries if not e.on_outcome))
    on_outcomes = [e for e in cf.entries if e.on_outcome]
    n = len(series) + (1 if on_outcomes else 0)
    fig, axes = _grid(n, cols=3)
    fig.suptitle(wrap_title(f"{cf.manifest['scenario_name']}: predictive bands, prior (grey) "
                            "and posterior (blue), against the record (points with ranges)",
                            130))
    for ax, name in zip(axes.flat, series, strict=False):
        for label, colour, alpha in (("prior", PRIOR_COLOUR, 0.3), ("posterior", POST_COLOUR,
                                                                     0.3)):
            b = cf.bands[(cf.bands["ensemble"] == label) & (cf.bands["series"] == name)]
            if not len(b):
                continue
            ax.fill_between(b["week"], b["q05"], b["q95"], color=colour, alpha=alpha,
                            lw=0, label=f"{label} 5-95%")
            if label == "posterior":
                ax.fill_between(b["week"], b["q25"], b["q75"], color=colour, alpha=0.45,
                                lw=0, label="posterior 25-75%")
                ax.plot(b["week"], b["q50"], color=colour, lw=1.2)
        events = 0
        for e in cf.entries:
            if e.target == name and not e.on_outcome:
                _draw_observation(ax, e, events)
                events += e.kind == "event_week"
        if events:
            ax.margins(y=0.12 + 0.05 * events)  # room for the labels
        doc, unit = _UNITS.get(name, (name, ""))
        ax.set(xlabel="week", ylabel=unit_words(unit), xlim=(0, cf.weeks))
        # the doc in words, wrapped to the panel (long ones ran into their neighbours)
        ax.set_title(f"{wrap_title(words(doc), 40)}\n({name})", fontsize=9)
        if unit.startswith("rung") or unit in ("waves", "0/1"):  # whole numbers
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            number_axis(ax.yaxis, 4)
    if on_outcomes:
        ax = axes.flat[len(series)]
        y = np.arange(len(on_outcomes))
        for k, (label, colour) in enumerate((("prior", PRIOR_COLOUR),
                                             ("posterior", POST_COLOUR))):
            v = cf.values[cf.values["ensemble"] == label]
            for i, e in enumerate(on_outcomes):
                x = v[f"obs:{e.id}"].dropna().to_numpy()
                if len(x):
                    q = np.quantile(x, [0.05, 0.95])
                    ax.hlines(i + 0.15 * (k * 2 - 1), q[0], q[1], color=colour, lw=5)
        for i, e in enumerate(on_outcomes):
            ax.errorbar([e.best], [i], xerr=[[e.best - e.low], [e.high - e.best]], fmt="o",
                        color=OBS_COLOUR, capsize=4)
        ax.set_yticks(y, [e.id for e in on_outcomes], fontsize=8)
        ax.set(title="outcomes at the horizon: 5-95% bands", xlabel="value")
    axes.flat[0].legend(fontsize=7)
    return fig


def write_calibration_figures(root: str | Path, formats: tuple[str, ...] = ("png",),
                              target: Path | None = None) -> list[Path]:
    """Every calibration figure into ``target`` (default ``<root>/figures/``); returns the
    files."""
    cf = load_calibration(root)
    target = target or cf.root / "figures"
    target.mkdir(exist_ok=True)
    out: list[Path] = []
    for name, fn in (("marginals", plot_marginals), ("pairs", plot_pairs),
                     ("generations", plot_generations), ("predictive", plot_predictive)):
        out += save_figure(fn(cf), target / name, formats)
    return out
