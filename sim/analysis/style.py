"""How the figures speak: colours (Okabe-Ito, colour-blind safe), numbers and probabilities
as a reader writes them, titles and units in words from the declarations, and saving at the
resolution ``tests/test_figures.py`` checks. Every figure module draws with these, so a
rule about how a number reads is stated once.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.analysis.uncertainty import wilson_interval
from sim.core.actors.nato import NATO_RUNGS
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.outcomes import BY_NAME
from sim.core.series import SERIES

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

RUNG_COLOURS = ["#DDDDDD", "#56B4E9", "#009E73", "#E69F00", "#D55E00"]
"""Ladder rungs 0-4, light to alarming (Okabe-Ito)."""

SET_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
               "#000000", "#F0E442")
"""One colour per result set in a comparison (Okabe-Ito; the first is the reference)."""

VALUE_NAMES: dict[str, tuple[str, ...]] = {"rok_max_rung": ROK_RUNGS,
                                           "nato_max_rung": NATO_RUNGS}
"""Outcomes whose whole numbers have names: the bars are labelled by the rung, not 2.0."""

SERIES_WORDS: dict[str, tuple[str, str]] = {s.name: (s.doc, s.unit) for s in SERIES}

_UNIT_WORDS = {"0/1": "yes or no", "0-1": "level, 0 to 1", "0-100": "index, 0 to 100",
               "rung 0-4": "rung", "rung 0-2": "rung", "x": "multiplier",
               "category": "category"}


# ---------------------------------------------------------------- words and numbers
def fmt_number(x: float, _pos: object = None) -> str:
    """A number as a reader writes it: thousands separated, whole numbers without a
    decimal point, never in scientific notation ("5,760", not "5.76e+03")."""
    if not np.isfinite(x):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if float(x).is_integer():
        return f"{x:.0f}"
    return f"{x:.3g}"


def fmt_share(p: float) -> str:
    """A probability as a percentage, with the digits a small or large one needs (0.43 %
    must not print as 0 %)."""
    if not np.isfinite(p):
        return "-"
    pct = 100 * p
    if pct in (0.0, 100.0) or 10 <= pct <= 99:
        return f"{pct:.0f}%"
    return f"{pct:.2g}%" if pct < 10 else f"{pct:.1f}%"


def fmt_interval(p: float, lo: float, hi: float) -> str:
    """A probability with its 95% interval: "36% [34%-38%]"."""
    return f"{fmt_share(p)} [{fmt_share(lo)}-{fmt_share(hi)}]"


def unit_words(unit: str) -> str:
    """A declared unit as an axis label says it ("0-100" is an index from 0 to 100)."""
    return _UNIT_WORDS.get(unit, unit)


def words(doc: str) -> str:
    """A declaration's doc as a title: capitalised, without notes for programmers such as
    "(NaN: never)"."""
    text = re.sub(r"\s*\(NaN[^)]*\)", "", doc).strip()
    return text[:1].upper() + text[1:]


def outcome_title(name: str) -> str:
    """An outcome in words with its unit: "Highest weekly escalation index (index, 0 to
    100)"."""
    o = BY_NAME[name]
    unit = unit_words(o.unit)
    return words(o.doc) + ("" if o.kind in ("flag", "week", "category") or unit in ("rung",)
                           else f" ({unit})")


def value_label(name: str, value: float) -> str:
    """A whole-number value of an outcome as a bar's label: the rung's name where it has
    one, else the number."""
    names = VALUE_NAMES.get(name)
    if names is not None and 0 <= value < len(names) and float(value).is_integer():
        return names[int(value)].replace("_", " ")
    return fmt_number(value)


def number_axis(axis: Axis, bins: int = 5) -> None:
    """At most ``bins`` + 1 round ticks labelled with thousands separators: the default
    locator packs five-digit labels until they run together."""
    axis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(fmt_number))


def _percent_tick(x: float, _pos: object = None) -> str:
    return f"{round(100 * x, 4):g}%"


def share_axis(axis: Axis) -> None:
    """Probabilities as percentages, with no more decimals than the ticks have (2.5%, not
    2.50%)."""
    axis.set_major_formatter(FuncFormatter(_percent_tick))


def wrap_title(text: str, width: int) -> str:
    """Break a long title into lines of at most ``width`` characters: a title wider than
    its figure is laid out (and measured, at every draw) as one enormous line."""
    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def inches(fig: Figure, left: float, right: float, top: float, bottom: float,
            wspace: float = 0.25) -> None:
    """Fixed margins in inches: the outcome figures (one per outcome, ~26 per store) skip
    the layout engine, which costs more than drawing them; the margins fit their titles,
    which are wrapped to the figure's width, and tests/test_figures.py checks it."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h,
                        bottom=bottom / h, wspace=wspace)


def error_bars(p: np.ndarray | float, lo: np.ndarray | float,
         hi: np.ndarray | float) -> np.ndarray:
    """An interval as error-bar lengths below and above the estimate (never negative:
    the bounds of a share of 0 or 1 round to a hair beyond it)."""
    return np.maximum(np.array([np.subtract(p, lo), np.subtract(hi, p)], dtype=float)
                      .reshape(2, -1), 0.0)


def band(ax: Axes, x: np.ndarray, k: np.ndarray, n: float, colour: str,
          label: str | None = None, step: bool = True) -> None:
    """A share ``k / n`` by ``x`` as a line with its 95% Wilson band."""
    lo, hi = wilson_interval(k, n)
    where = "post" if step else None
    ax.fill_between(x, lo, hi, color=colour, alpha=0.25, lw=0, step=where)
    if step:
        ax.step(x, k / n, where="post", color=colour, lw=1.6, label=label)
    else:
        ax.plot(x, k / n, color=colour, lw=1.6, label=label)


SAVE_DPI = 120
"""The resolution figures are saved at (tests/test_figures.py measures them at it)."""


def save_figure(fig: Figure, path: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``, and close it."""
    out = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        fig.savefig(target, dpi=SAVE_DPI)
        out.append(target)
    plt.close(fig)
    return out
