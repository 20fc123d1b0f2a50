"""The robustness figure of a policy sweep: regret of each policy across the futures, per
outcome, and the share of futures in which each satisfices (or is the best)."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.policies import PolicyComparison

COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2",
           "#F0E442")


def plot_robustness(c: PolicyComparison, label: str) -> Figure:
    """Box plots of regret (per outcome; 0 = the best policy in that future) and bars of
    the satisficing share (with its standard error), or of P(best) per outcome."""
    outcomes = list(c.regrets)
    n = len(outcomes) + 1
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.4 * cols, 3.4 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    fig.suptitle(f"{label}: {len(c.policies)} policies on the same {c.futures:,} futures")
    for ax, o in zip(axes, outcomes, strict=False):
        r = c.regrets[o]
        ax.boxplot([r[p].to_numpy() for p in c.policies], showfliers=False)
        ax.set_xticks(range(1, len(c.policies) + 1), c.policies, rotation=20, fontsize=8)
        ax.set(title=f"regret: {o}", ylabel="shortfall against the best policy")
    ax = axes[len(outcomes)]
    x = np.arange(len(c.policies))
    if c.satisficing is not None:
        s = c.satisficing.reindex(c.policies)
        ax.bar(x, s["share_satisficing"], yerr=s["share_satisficing_se"], color=COLOURS[: len(x)])
        crit = textwrap.fill(" and ".join(map(str, c.criteria)), 40)
        ax.set(title=f"futures satisficing\n{crit}", ylabel="share of futures", ylim=(0, 1))
    else:
        width = 0.8 / len(outcomes)
        for k, o in enumerate(outcomes):
            ax.bar(x + k * width, c.regret_summaries[o].reindex(c.policies)["p_best"],
                   width, label=o, color=COLOURS[k % len(COLOURS)])
        ax.set(title="P(best policy in a future)", ylabel="share of futures", ylim=(0, 1))
        ax.legend(fontsize=7)
    ax.set_xticks(x, c.policies, rotation=20, fontsize=8)
    for extra in axes[len(outcomes) + 1:]:
        extra.axis("off")
    return fig
