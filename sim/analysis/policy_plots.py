"""The robustness figure of a policy sweep: regret of each policy across the futures, per
outcome, and the share of futures in which each satisfices (or is the best)."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.policies import PolicyComparison
from sim.analysis.style import (
    error_bars,
    number_axis,
    outcome_title,
    share_axis,
    unit_words,
    wrap_title,
)
from sim.analysis.uncertainty import wilson_interval
from sim.core.outcomes import BY_NAME

COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2",
           "#F0E442")


def plot_robustness(c: PolicyComparison, label: str) -> Figure:
    """Box plots of regret (per outcome; 0 = the best policy in that future) and bars of
    the satisficing share, or of P(best) per outcome, each with its 95% Wilson interval
    over the futures."""
    outcomes = list(c.regrets)
    n = len(outcomes) + 1
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.6 * cols, 3.7 * rows + (0.8 if c.satisficing is None else 0)),
                 layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    fig.suptitle(f"{label}: {len(c.policies)} policies on the same {c.futures:,} futures")
    x = np.arange(len(c.policies))
    for ax, o in zip(axes, outcomes, strict=False):
        r = c.regrets[o]
        ax.boxplot([r[p].to_numpy() for p in c.policies], positions=x, showfliers=False)
        unit = unit_words(BY_NAME[o].unit) if o in BY_NAME else ""
        ax.set_title(wrap_title(f"Regret: {outcome_title(o) if o in BY_NAME else o}", 44),
                     fontsize=9)
        ax.set_ylabel("shortfall against the best policy"
                      + (f"\n({unit})" if unit and unit != "yes or no" else ""), fontsize=8)
        number_axis(ax.yaxis)
    ax = axes[len(outcomes)]
    if c.satisficing is not None:
        s = c.satisficing.reindex(c.policies)
        k = s["share_satisficing"].to_numpy() * s["futures"].to_numpy()
        lo, hi = wilson_interval(k, s["futures"].to_numpy())
        p = s["share_satisficing"].to_numpy()
        ax.bar(x, p, yerr=error_bars(p, lo, hi), color=COLOURS[: len(x)], capsize=4)
        crit = textwrap.fill(" and ".join(map(str, c.criteria)), 40)
        ax.set_title(f"futures satisficing (95% interval)\n{crit}", fontsize=9)
    else:
        width = 0.8 / len(outcomes)
        for j, o in enumerate(outcomes):
            p = c.regret_summaries[o].reindex(c.policies)["p_best"].to_numpy()
            lo, hi = wilson_interval(np.rint(p * c.futures), c.futures)
            ax.bar(x + (j - (len(outcomes) - 1) / 2) * width, p, width,
                   yerr=error_bars(p, lo, hi), capsize=2, color=COLOURS[j % len(COLOURS)],
                   label=outcome_title(o) if o in BY_NAME else o)
        ax.set_title("P(best policy in a future), 95% intervals", fontsize=9)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1,
                  frameon=False)
    ax.set(ylabel="share of futures", ylim=(0, 1.05))
    share_axis(ax.yaxis)
    for a in axes[:n]:
        a.set_xticks(x, c.policies, rotation=20 if len(x) > 3 else 0, fontsize=8)
    for extra in axes[n:]:
        extra.axis("off")
    return fig
