"""What the browser view draws for a model state: plain functions, no Solara.

The adapter turns an :class:`~sim.core.model.EscalationModel` into things to draw (who holds
each sector, unit markers, the weekly series, South Korea's ladder, the event log, a status
line) and draws them on matplotlib figures. :mod:`sim.view.app` wraps these in Mesa's SolaraViz;
the tests call them directly, without a browser. Figures are built with
``matplotlib.figure.Figure`` (not pyplot) because Solara renders from several threads.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.run_plots import (
    draw_area,
    draw_casualties,
    draw_escalation,
    draw_rewards,
    draw_rungs,
    stack_week_axes,
)
from sim.analysis.style import PALETTE
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.model import Unit
from sim.core.units import Side

if TYPE_CHECKING:
    from sim.core.model import EscalationModel

#: Colour and marker per side: North Korean units differ from Russian ones in both.
SIDE_STYLE: dict[Side, tuple[str, str, str]] = {
    Side.UKRAINE: ("Ukrainian unit", PALETTE["ukraine"], "o"),
    Side.RUSSIA: ("Russian unit", PALETTE["russia"], "s"),
    Side.NORTH_KOREA: ("North Korean unit", PALETTE["north_korea"], "^"),
}
#: Sector fill by holder (light tints of the side colours, so markers stay visible).
HOLDER_FILL: dict[Side, str] = {Side.UKRAINE: "#cfe3f1", Side.RUSSIA: "#f6d9c6"}
#: Marker area (points²) of a unit at full strength.
FULL_MARKER = 160.0


@dataclass(frozen=True)
class UnitMarker:
    """One active unit as drawn: position (km), side and size."""

    x_km: float
    y_km: float
    side: Side
    strength: float
    size: float


def sector_km(model: EscalationModel) -> float:
    """Side of a square sector in km (sectors are ``front.sector_km2`` each)."""
    return math.sqrt(model.config.front.sector_km2)


def sector_holders(model: EscalationModel) -> np.ndarray:
    """Who holds each sector, shape (columns, rows), values :class:`Side`.

    Ukraine holds the first ``depth[c]`` rows of column ``c`` counted from the border
    (row 0); the rest is Russian-held.
    """
    rows = np.arange(model.rows)
    held = rows[None, :] < model.depth[:, None]
    return np.where(held, int(Side.UKRAINE), int(Side.RUSSIA)).astype(np.int8)


def unit_markers(model: EscalationModel) -> list[UnitMarker]:
    """Active units from Mesa's agent set, each at its cell, spread on a k x k lattice within
    the cell so that units sharing a sector do not hide each other. Marker area is
    proportional to strength, divided by k so that a crowded sector stays readable."""
    km = sector_km(model)
    full = model.config.front.unit_size
    by_cell: dict[tuple[int, int], list[Unit]] = {}
    for unit in model.agents_by_type.get(Unit, []):
        if unit.active and unit.strength > 0:
            by_cell.setdefault(tuple(unit.cell.coordinate), []).append(unit)
    markers = []
    for (col, row), units in sorted(by_cell.items()):
        k = math.ceil(math.sqrt(len(units)))
        for i, unit in enumerate(sorted(units, key=lambda u: (u.side, u.slot))):
            fx, fy = (i % k + 0.5) / k, (i // k + 0.5) / k
            markers.append(UnitMarker(
                x_km=(col + fx) * km, y_km=(row + fy) * km, side=unit.side,
                strength=unit.strength,
                size=FULL_MARKER * min(1.0, unit.strength / full) / k,
            ))
    return markers


def current_date(model: EscalationModel) -> dt.date | None:
    """Calendar date of the model's current week (None past the calendar's end, 9999)."""
    return week_date(model, model.week)


def week_date(model: EscalationModel, week: int) -> dt.date | None:
    """Calendar date of ``week``; None when a late start date runs past year 9999."""
    try:
        return model.start_date + dt.timedelta(weeks=week)
    except OverflowError:
        return None


def _date_label(date: dt.date | None) -> str:
    return f"{date:%d %b %Y}" if date is not None else "after 9999"


def event_log(model: EscalationModel) -> list[str]:
    """The run's events, oldest first: 'week 12 (20 Jan 2025): South Korea approves ...'."""
    return [
        f"week {week} ({_date_label(week_date(model, week))}): {text}"
        for week, text in model.events
    ]


def status_line(model: EscalationModel) -> str:
    """Where the run stands, in one line (the page's step counter): the week about to be
    played and its first day, and the state at the end of the week before."""
    when = (f"Week {model.week} of {model.horizon} ({_date_label(current_date(model))})"
            if model.week <= model.horizon else f"Week {model.horizon} played (the horizon)")
    return (
        f"{when} · "
        f"Ukrainian-held {model.area_km2:,.0f} km² · "
        f"South Korea: {ROK_RUNGS[model.rok.rung].replace('_', ' ')} · "
        f"escalation index {model.escalation_index:.0f}"
    )


# ----------------------------------------------------------------- figures
def map_figure(model: EscalationModel) -> Figure:
    """The Kursk map: sectors coloured by holder, units sized by strength, by side."""
    km = sector_km(model)
    holders = sector_holders(model)
    cols, rows = holders.shape
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    palette = np.array([to_rgb(HOLDER_FILL[Side(s)]) for s in sorted(HOLDER_FILL)])
    fill = palette[holders.T]  # (rows, columns, rgb)
    ax.imshow(fill, origin="lower", extent=(0, cols * km, 0, rows * km), aspect="auto")
    ax.set_xticks(np.arange(cols + 1) * km, minor=True)
    ax.set_yticks(np.arange(rows + 1) * km, minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    markers = unit_markers(model)
    for side, (label, colour, shape) in SIDE_STYLE.items():
        ms = [m for m in markers if m.side == side]
        if ms:
            ax.scatter([m.x_km for m in ms], [m.y_km for m in ms], s=[m.size for m in ms],
                       c=colour, marker=shape, edgecolors="black", linewidths=0.4,
                       label=label, zorder=3)
    handles = [Patch(facecolor=HOLDER_FILL[Side.UKRAINE], label="held by Ukraine"),
               Patch(facecolor=HOLDER_FILL[Side.RUSSIA], label="held by Russia")]
    handles += [Line2D([], [], marker=shape, color=colour, linestyle="", markeredgecolor="black",
                       label=label) for label, colour, shape in SIDE_STYLE.values()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8,
              frameon=False)
    ax.set(xlabel="km along the front", ylabel="km north of the border",
           title=f"Kursk front, week {model.week}: {model.area_km2:,.0f} km² Ukrainian-held")
    return fig


def _chart(draw, model: EscalationModel) -> Figure:
    """One panel of :mod:`sim.analysis.run_plots` on its own figure, over the whole horizon."""
    fig = Figure(figsize=(5.2, 3.2), layout="constrained")
    ax = fig.add_subplot()
    draw(ax, model.series())
    ax.set_xlim(0, model.horizon)
    return fig


def area_figure(model: EscalationModel) -> Figure:
    """Ukrainian-held area of Kursk by week (y axis fixed to the starting area)."""
    fig = _chart(draw_area, model)
    fig.axes[0].set_ylim(0, max(model.initial_area_km2, 1.0) * 1.05)
    return fig


def casualties_figure(model: EscalationModel) -> Figure:
    """Cumulative casualties by side, and North Korean prisoners."""
    return _chart(draw_casualties, model)


def rewards_figure(model: EscalationModel) -> Figure:
    """Russia's cumulative rewards by kind and the technology level, each on its own axis
    in its own unit, stacked on one week axis."""
    series = model.series()
    fig = Figure(figsize=(5.2, 4.4), layout="constrained")
    axes = fig.subplots(4, 1, sharex=True)
    draw_rewards(axes[:3], series)
    axes[3].plot(series["week"], series["tech_level"], color=PALETTE["north_korea"])
    axes[3].set_ylabel("technology\n(0 to 1)", fontsize=8)
    axes[3].set(ylim=(0, 1), xlim=(0, model.horizon))
    axes[3].tick_params(labelsize=8)
    stack_week_axes(axes)
    return fig


def escalation_figure(model: EscalationModel) -> Figure:
    """The weekly escalation index (0-100, formula in :mod:`sim.core.escalation`)."""
    return _chart(draw_escalation, model)


def rung_figure(model: EscalationModel) -> Figure:
    """South Korea's ladder rung by week, as a labelled step chart."""

    def draw(ax, series) -> None:
        draw_rungs(ax, series, color=PALETTE["south_korea"])
        ax.set(title="South Korea's escalation ladder", xlabel="week")

    return _chart(draw, model)


#: The chart builders of the page, in order.
CHARTS = (area_figure, casualties_figure, rewards_figure, escalation_figure, rung_figure)
