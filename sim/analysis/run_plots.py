"""The panels of one run's figure, shared by the run figure
(:func:`sim.analysis.plots.plot_run`) and the browser view (:mod:`sim.view.adapter`): the
front, casualties, rewards, Seoul's perception against its rung thresholds and its rung,
the escalation index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes

from sim.analysis.style import PALETTE, RUNG_COLOURS, number_axis
from sim.core.actors.south_korea import ROK_RUNGS

if TYPE_CHECKING:
    from sim.core.scenario import Scenario


def draw_area(ax: Axes, series: Mapping[str, np.ndarray]) -> None:
    """Ukrainian-held area of Kursk by week."""
    ax.plot(series["week"], series["ukraine_area_km2"], color=PALETTE["ukraine"])
    ax.set(title="Ukrainian-held area of Kursk", xlabel="week", ylabel="km²")
    ax.set_ylim(bottom=0)
    number_axis(ax.yaxis)


def draw_casualties(ax: Axes, series: Mapping[str, np.ndarray]) -> None:
    """Cumulative casualties by side, and North Korean prisoners."""
    w = series["week"]
    for key, side in (("casualties_ukraine", "ukraine"), ("casualties_russia", "russia"),
                      ("casualties_north_korea", "north_korea")):
        ax.plot(w, series[key], color=PALETTE[side], label=side.replace("_", " ").title())
    ax.plot(w, series["nk_prisoners"], color=PALETTE["north_korea"], ls=":",
            label="North Korean prisoners")
    ax.set(title="Casualties by side, cumulative", xlabel="week", ylabel="soldiers")
    number_axis(ax.yaxis)
    ax.legend(fontsize=8, loc="upper left")


REWARDS: tuple[tuple[str, str, float, str], ...] = (
    ("reward_finance_musd", "finance", 1.0, "USD million"),
    ("reward_food_t", "food", 1e-3, "thousand tonnes"),
    ("reward_fuel_bbl", "oil", 1e-3, "thousand barrels"),
)
"""Russia's rewards to Pyongyang, each on its own axis in its own unit (series, name,
scale from the declared unit, unit drawn)."""


def draw_rewards(axes: Sequence[Axes], series: Mapping[str, np.ndarray]) -> None:
    """Russia's cumulative rewards to Pyongyang, one axis per kind (``axes``: three,
    stacked on a shared week axis, whose inner tick labels the caller hides): finance,
    food and oil have no common unit, and rescaled onto one axis of "amount" a reader
    cannot tell which is which."""
    w = series["week"]
    colours = (PALETTE["russia"], PALETTE["china"], PALETTE["neutral"])
    for ax, (key, name, scale, unit), colour in zip(axes, REWARDS, colours, strict=True):
        ax.plot(w, series[key] * scale, color=colour)
        ax.set_ylabel(f"{name}\n({unit})", fontsize=8)
        ax.set_ylim(bottom=0)
        number_axis(ax.yaxis, 2)
        ax.tick_params(labelsize=8)
    axes[0].set_title("Russian rewards to Pyongyang, cumulative")


def stack_week_axes(axes: Sequence[Axes]) -> None:
    """Axes stacked on one week axis: the week is labelled once, under the lowest."""
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("week")


def draw_rungs(ax: Axes, series: Mapping[str, np.ndarray], fontsize: float | None = None,
               **line: Any) -> None:
    """South Korea's ladder rung by week as a step chart, the rungs named on the axis."""
    ax.step(series["week"], series["rok_rung"], where="post", **line)
    ax.set_yticks(range(len(ROK_RUNGS)), [r.replace("_", " ") for r in ROK_RUNGS],
                  fontsize=fontsize)
    ax.set_ylim(-0.3, len(ROK_RUNGS) - 0.7)


def draw_perception(ax: Axes, series: Mapping[str, np.ndarray],
                    thresholds: np.ndarray | None) -> None:
    """Seoul's threat perception against the perception each rung needs (``thresholds``:
    weeks + 1 rows, one column per rung 1-4, see :func:`rung_thresholds`): Seoul's own
    rule climbs to a rung in the week perception crosses its line (unless a crisis
    freezes the ladder), which is what a reader checks this panel for."""
    w = series["week"]
    ax.plot(w, series["rok_perception"], color=PALETTE["neutral"], lw=2,
            label="threat perception")
    top = 1.0
    if thresholds is not None:
        for r in range(1, len(ROK_RUNGS)):
            t = thresholds[:, r - 1]
            ax.step(w, t, where="post", color=RUNG_COLOURS[r], ls="--", lw=1.2)
            ax.annotate(ROK_RUNGS[r].replace("_", " "), (w[-1], t[-1]), fontsize=7,
                        xytext=(-2, 2), textcoords="offset points", ha="right",
                        va="bottom", color="#555555")
        top = max(top, float(np.nanmax(thresholds)) + 0.08)
    ax.set(title="South Korea: threat perception\nagainst the rung thresholds",
           ylabel="perception (0 to 1)", ylim=(0, top))
    ax.legend(fontsize=8, loc="upper left")


def draw_escalation(ax: Axes, series: Mapping[str, np.ndarray]) -> None:
    """The weekly escalation index (formula in sim.core.escalation)."""
    ax.plot(series["week"], series["escalation_index"], color=PALETTE["neutral"])
    ax.set(title="Escalation index", xlabel="week", ylabel="index, 0 to 100", ylim=(0, 100))


def rung_thresholds(scenario: Scenario, weeks: int) -> np.ndarray:
    """The perception Seoul's rule needs for each rung 1-4, week by week (shape (weeks + 1,
    4)): the scenario's thresholds raised by covert diplomacy, and changed from an
    inject's week on where one sets them. Read off the model itself, stepped week by week
    (:func:`sim.core.actors.south_korea.thresholds`, what the rule compares perception with), so
    the figure cannot disagree with the rule; they depend on parameters only, not on luck,
    so any seed gives them."""
    from sim.core.actors import south_korea
    from sim.core.model import EscalationModel

    model = EscalationModel(scenario, rng=0, weeks=weeks)
    rows = [south_korea.thresholds(model.state)[0]]
    while model.week < weeks:
        model.step()
        rows.append(south_korea.thresholds(model.state)[0])
    return np.array(rows, dtype=float)
