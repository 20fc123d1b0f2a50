"""Figures. Matplotlib only, drawn headless (Agg); functions return figures and never
write files themselves unless given a path by the caller."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.escalation import ROK_RUNGS

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


def plot_run(series: Mapping[str, np.ndarray], title: str) -> Figure:
    """The main weekly series of one run on six panels."""
    w = series["week"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
    fig.suptitle(title)

    ax = axes[0, 0]
    ax.plot(w, series["ukraine_area_km2"], color=PALETTE["ukraine"])
    ax.set(title="Ukrainian-held area of Kursk", xlabel="week", ylabel="km²")
    ax.set_ylim(bottom=0)

    ax = axes[0, 1]
    for key, side in (("casualties_ukraine", "ukraine"), ("casualties_russia", "russia"),
                      ("casualties_north_korea", "north_korea")):
        ax.plot(w, series[key], color=PALETTE[side], label=side.replace("_", " ").title())
    ax.plot(w, series["nk_prisoners"], color=PALETTE["north_korea"], ls=":",
            label="North Korean prisoners")
    ax.set(title="Cumulative casualties by side", xlabel="week", ylabel="personnel")
    ax.legend(fontsize=8)

    ax = axes[0, 2]
    ax.plot(w, series["reward_finance_musd"], color=PALETTE["russia"], label="finance (USD m)")
    ax.plot(w, series["reward_food_t"] / 1000, color=PALETTE["china"], label="food (kt)")
    ax.plot(w, series["reward_fuel_bbl"] / 1e5, color=PALETTE["neutral"],
            label="fuel (100k bbl)")
    ax.set(title="Cumulative Russian rewards to Pyongyang", xlabel="week", ylabel="amount")
    ax.legend(fontsize=8)

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
    ax2.step(w, series["rok_rung"], where="post", color=PALETTE["neutral"], label="ladder rung")
    ax2.set_yticks(range(len(ROK_RUNGS)), [r.replace("_", " ") for r in ROK_RUNGS], fontsize=7)
    ax2.set_ylim(-0.2, len(ROK_RUNGS) - 0.8)
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="lower right", fontsize=8)

    ax = axes[1, 2]
    ax.plot(w, series["escalation_index"], color=PALETTE["neutral"])
    ax.set(title="Escalation index", xlabel="week", ylabel="index (0-100)", ylim=(0, 100))
    return fig


def save_figure(fig: Figure, path: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``; closes the figure."""
    out = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        fig.savefig(target, dpi=120)
        out.append(target)
    plt.close(fig)
    return out
