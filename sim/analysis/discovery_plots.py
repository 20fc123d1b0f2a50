"""The trade-off figure of scenario discovery (EMA Workbench's ``show_tradeoff``): every
box PRIM's peeling offered, coverage against density, so that the reader sees what a
denser rule costs in coverage, where the chosen box sits, and whether any box reached
the density target at all. CART's leaves, when asked for, are drawn on the same axes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.boxes import pct
from sim.analysis.discovery import View
from sim.analysis.style import PALETTE, save_figure, wrap_title

Printed = tuple[float, float, int]
"""The rule a method printed: its coverage, density and number of restrictions."""


def plot_tradeoff(views: dict[str, View], printed: dict[str, Printed], base_rate: float,
                  min_density: float, title: str) -> Figure:
    """Coverage (x) against density (y) of PRIM's trajectory, coloured by the number of
    restricted parameters, and of CART's leaves; the chosen boxes ringed, the rules
    printed (the chosen boxes less their marginal restrictions) starred; the density
    target and the base rate as lines."""
    fig = Figure(figsize=(8, 6.4), layout="constrained")
    ax = fig.subplots()
    if "PRIM" in views:
        boxes, chosen = views["PRIM"]
        ax.plot(boxes["coverage"], boxes["density"], color=PALETTE["grey"], lw=0.8, zorder=1)
        points = ax.scatter(boxes["coverage"], boxes["density"], c=boxes["res_dim"],
                            cmap="viridis", s=22, zorder=2, label="PRIM's boxes, peeled "
                            "from right to left")
        fig.colorbar(points, ax=ax, label="restricted parameters")
        _ring(ax, boxes, chosen, PALETTE["russia"], "PRIM's chosen box")
        _star(ax, printed["PRIM"], PALETTE["russia"], "PRIM's rule (pruned)")
    if "CART" in views:
        leaves, chosen = views["CART"]
        ax.scatter(leaves["coverage"], leaves["density"], marker="x", s=36,
                   color=PALETTE["neutral"], zorder=2, label="CART's leaves")
        _ring(ax, leaves, chosen, PALETTE["south_korea"], "CART's chosen leaf")
        _star(ax, printed["CART"], PALETTE["south_korea"], "CART's rule (pruned)")
    ax.axhline(min_density, ls="--", color=PALETTE["russia"], lw=1,
               label=f"density target {pct(min_density)}")
    ax.axhline(base_rate, ls=":", color=PALETTE["neutral"], lw=1,
               label=f"base rate {pct(base_rate)}")
    ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="coverage (share of the event's runs in "
           "the box)", ylabel="density (share of the box's runs with the event)")
    ax.set_title(wrap_title(title, 80), fontsize=10)
    fig.legend(fontsize=7, loc="outside lower center", ncols=2)
    return fig


def _ring(ax: Axes, boxes: pd.DataFrame, i: int, colour: str, label: str) -> None:
    row = boxes.iloc[i]
    ax.scatter([row["coverage"]], [row["density"]], s=160, facecolors="none",
               edgecolors=colour, linewidths=2, zorder=3,
               label=f"{label}: density {pct(row['density'])}, coverage "
               f"{pct(row['coverage'])}, {_restrictions(int(row['res_dim']))}")


def _star(ax: Axes, printed: Printed, colour: str, label: str) -> None:
    coverage, density, n = printed
    ax.scatter([coverage], [density], marker="*", s=140, color=colour, zorder=4,
               label=f"{label}: density {pct(density)}, coverage {pct(coverage)}, "
               f"{_restrictions(n)}")


def _restrictions(n: int) -> str:
    return f"{n} restriction" + ("" if n == 1 else "s")


def save_tradeoff(views: dict[str, View], printed: dict[str, Printed], base_rate: float,
                  min_density: float, title: str, stem: Path,
                  formats: tuple[str, ...]) -> list[Path]:
    """Draw and save the figure (a module-level function, so that a worker can)."""
    fig = plot_tradeoff(views, printed, base_rate, min_density, title)
    return save_figure(fig, stem, formats)
