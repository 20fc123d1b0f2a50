"""A rolling-origin study's evaluation as tables and figures: the skill table (per origin,
against the prior, persistence and the trend, with coverage), fan charts from each origin
against the record, and the PIT histogram.

Everything is read from :class:`sim.batch.forecast_scores.Evaluation` and the study's
stored weekly bands, so the figures and the README's table are the numbers the scores are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.style import (
    PALETTE,
    SERIES_WORDS,
    fmt_number,
    number_axis,
    save_figure,
    unit_words,
    words,
    wrap_title,
)
from sim.batch.forecast import ForecastDir
from sim.batch.forecast_scores import Evaluation
from sim.batch.observations import Entry

POST, PRIOR, KNOWN, LATER = PALETTE["ukraine"], PALETTE["grey"], "#000000", PALETTE["russia"]


def origin_date(start: str, week: int) -> str:
    """The last day of the origin's week, as a date."""
    import datetime as dt

    return (dt.date.fromisoformat(start) + dt.timedelta(days=7 * week + 6)).isoformat()


def _pct(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:+.0%}".replace("+", "+" if x > 0 else "")


def skill_table(ev: Evaluation) -> pd.DataFrame:
    """One row per origin and one for all: observations scored, the posterior's mean
    scaled CRPS, its CRPS skill against the prior, persistence and the trend (with the
    number of observations where each is defined), the posterior's 50 % and 90 % coverage
    (the prior's 90 % beside it), the effective size of the calibration's final population
    (the forecast's members are its particles, so this is how many independent members
    the forecast really has), and the Brier scores on the events."""
    rows = []
    for r in ev.summary.to_dict("records"):
        n = r["observations"]
        label = "all" if r["origin"] == "all" else (
            f"end of week {r['origin']} ({origin_date(ev.start_date, int(r['origin']))})")
        rows.append({
            "origin": label, "observations": n,
            "CRPS (scaled)": f"{r['crps_posterior']:.2f}",
            "skill vs prior": _pct(r["skill_prior"]),
            "vs persistence": f"{_pct(r['skill_persistence'])} (n={r['n_persistence']})",
            "vs trend": f"{_pct(r['skill_trend'])} (n={r['n_trend']})",
            "50 % coverage": f"{round(r['coverage50_posterior'] * n)}/{n}",
            "90 % coverage": f"{round(r['coverage90_posterior'] * n)}/{n}",
            "prior 90 % coverage": f"{round(r['coverage90_prior'] * n)}/{n}",
            "posterior ESS": "-" if r["origin"] == "all" else
            f"{ev.manifest['origins'][str(r['origin'])]['calibration']['ess']:.0f}",
            "events": r["events"],
            "Brier (prior, persistence)": "-" if not r["events"] else
            f"{r['brier_posterior']:.2f} ({r['brier_prior']:.2f}, {r['brier_persistence']:.2f})",
        })
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A table as GitHub markdown (for the README and the report)."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(frame.columns))) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join([head, rule, *body]) + "\n"


def _draw_entry(ax: Any, e: Entry, colour: str, filled: bool) -> None:
    """A value observation: its best value with its range."""
    ax.errorbar([e.week], [e.best], yerr=[[e.best - e.low], [e.high - e.best]], fmt="o",
                color=colour, mfc=colour if filled else "white", ms=5, capsize=3, zorder=5)


def plot_fan_charts(root: Path, ev: Evaluation) -> Figure:
    """Rows: the observed series with a value observation after some origin; columns:
    the origins. Each panel: the prior's 5-95 % band (grey), the continued posterior's
    5-95 % and 25-75 % bands and median (blue), the origin (dashed), the observations known
    by it (black) and those after it, which are scored (open, orange)."""
    import matplotlib.pyplot as plt

    folder = ForecastDir(root)
    origins = sorted(int(o) for o in ev.scores["origin"].unique())
    series = list(dict.fromkeys(e.target for e in ev.entries
                                if not e.on_outcome and e.kind != "event_week"))
    prior = pd.read_parquet(folder.bands(None))
    fig, axes = plt.subplots(len(series), len(origins), squeeze=False,
                             figsize=(2.9 * len(origins) + 0.8, 2.3 * len(series) + 1.0),
                             sharey="row", layout="constrained")
    fig.suptitle(wrap_title("Forecasts from each origin (columns) against the record: prior "
                            "5-95 % (grey), posterior continued from the origin 5-95 % and "
                            "25-75 % (blue); observations known at the origin (black) and "
                            "scored after it (open, orange)", int(fig.get_figwidth() * 11)),
                 fontsize=10)
    for c, origin in enumerate(origins):
        bands = pd.read_parquet(folder.bands(origin))
        for r, name in enumerate(series):
            ax = axes[r, c]
            pb = prior[prior["series"] == name]
            ax.fill_between(pb["week"], pb["q05"], pb["q95"], color=PRIOR, alpha=0.3, lw=0)
            b = bands[bands["series"] == name]
            ax.fill_between(b["week"], b["q05"], b["q95"], color=POST, alpha=0.25, lw=0)
            ax.fill_between(b["week"], b["q25"], b["q75"], color=POST, alpha=0.45, lw=0)
            ax.plot(b["week"], b["q50"], color=POST, lw=1.1)
            ax.axvline(origin, color="k", ls="--", lw=0.8)
            for e in ev.entries:
                if e.target == name and e.kind != "event_week":
                    later = e.week > origin
                    _draw_entry(ax, e, LATER if later else KNOWN, not later)
            if r == 0:
                ax.set_title(f"origin: end of week {origin}\n"
                             f"({origin_date(ev.start_date, origin)})", fontsize=9)
            if c == 0:
                doc, unit = SERIES_WORDS.get(name, (name, ""))
                ax.set_ylabel(f"{wrap_title(words(doc), 28)}\n({unit_words(unit)})",
                              fontsize=8)
            ax.set_xlim(0, ev.manifest["weeks"])
            number_axis(ax.yaxis, 4)
            ax.yaxis.set_major_formatter(fmt_number)
            if r == len(series) - 1:
                ax.set_xlabel("week")
    return fig


def plot_pit(ev: Evaluation, bins: int = 10) -> Figure:
    """The PIT histograms of the posterior and the prior over every scored observation
    of every origin, against the flat line of an honest forecast and its 90 % binomial
    band (with few observations only gross miscalibration shows)."""
    import matplotlib.pyplot as plt
    from scipy.stats import binom

    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.2), sharey=True, layout="constrained")
    for ax, name, colour in zip(axes, ("posterior", "prior"), (POST, PRIOR), strict=True):
        p = ev.scores.loc[ev.scores["forecaster"] == name, "pit"].to_numpy(dtype=float)
        n = len(p)
        counts, edges = np.histogram(p, bins=bins, range=(0, 1))
        ax.bar(edges[:-1], counts, width=1 / bins, align="edge", color=colour, alpha=0.7,
               edgecolor="white")
        lo, hi = binom.ppf([0.05, 0.95], n, 1 / bins)
        ax.axhspan(lo, hi, color="k", alpha=0.08, lw=0, label="90 % band if honest")
        ax.axhline(n / bins, color="k", lw=0.8)
        ax.set(title=f"{name}: {n} observations (all origins)", xlabel="PIT", xlim=(0, 1))
    axes[0].set_ylabel("observations")
    axes[0].legend(fontsize=7, loc="upper center")
    return fig


def write_outputs(target: Path, root: Path, ev: Evaluation, figures: bool = True) -> None:
    """Everything the evaluation writes into ``target``: ``scores.csv`` (per origin,
    observation and forecaster), ``events.csv``, ``summary.csv`` and ``summary.json`` (per
    origin), ``table.md`` (the README's table) and the figures."""
    from sim.batch.store import atomic_write_bytes

    atomic_write_bytes(target / "scores.csv", ev.scores.to_csv(index=False).encode())
    atomic_write_bytes(target / "events.csv", ev.events.to_csv(index=False).encode())
    atomic_write_bytes(target / "summary.csv", ev.summary.to_csv(index=False).encode())
    meta = {"study": str(root), "origins": ev.manifest.get("origins"),
            "summary": ev.summary.to_dict("records")}
    atomic_write_bytes(target / "summary.json",
                       (json.dumps(meta, indent=2, default=str) + "\n").encode())
    atomic_write_bytes(target / "table.md", markdown(skill_table(ev)).encode())
    if figures:
        save_figure(plot_fan_charts(root, ev), target / "fan_charts")
        save_figure(plot_pit(ev), target / "pit")
