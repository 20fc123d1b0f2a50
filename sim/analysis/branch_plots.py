"""The figure of a what-if branch: the main series of every variant over the same
replicates, diverging from the branch week (median line, 50 % and 90 % bands across
replicates)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.style import number_axis
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.series import SERIES_INDEX

#: Okabe-Ito colours for up to eight variants (the first is the reference).
VARIANT_COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7",
                   "#0072B2", "#F0E442")

BRANCH_SERIES: dict[str, tuple[str, str]] = {
    "ukraine_area_km2": ("Ukrainian-held area of Kursk", "km²"),
    "casualties_north_korea": ("North Korean casualties, cumulative", "soldiers"),
    "rok_rung": ("South Korea's rung", ""),
    "escalation_index": ("Escalation index", "index, 0 to 100"),
}


def plot_branches(series: Mapping[str, np.ndarray], at_week: int, title: str) -> Figure:
    """``series``: variant -> array (replicates, weeks + 1, series) in ``SERIES`` order."""
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2)
    fig.suptitle(title)
    for ax, (name, (label, unit)) in zip(axes.flat, BRANCH_SERIES.items(), strict=True):
        for k, (variant, block) in enumerate(series.items()):
            colour = VARIANT_COLOURS[k % len(VARIANT_COLOURS)]
            values = block[:, :, SERIES_INDEX[name]]
            weeks = np.arange(values.shape[1])
            q05, q25, q50, q75, q95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95],
                                                  axis=0)
            after = weeks >= at_week
            ax.fill_between(weeks[after], q05[after], q95[after], color=colour, alpha=0.12)
            ax.fill_between(weeks[after], q25[after], q75[after], color=colour, alpha=0.25)
            ax.plot(weeks[after], q50[after], color=colour, lw=1.6, label=variant)
            if k == 0:  # the shared trunk, once
                ax.plot(weeks[: at_week + 1], q50[: at_week + 1], color="#777777", lw=1.6,
                        label="before the branch")
        ax.axvline(at_week, color="#777777", ls=":", lw=1)
        ax.set(title=label, xlabel="week", ylabel=unit)
        if name == "rok_rung":
            ax.set_yticks(range(len(ROK_RUNGS)), [r.replace("_", " ") for r in ROK_RUNGS],
                          fontsize=8)
        else:
            number_axis(ax.yaxis)
    axes[0, 0].legend(fontsize=8)
    return fig
