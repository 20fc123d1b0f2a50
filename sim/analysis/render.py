"""Figures as jobs: the name of a drawing function in :mod:`sim.analysis.plots` and its
(small, already computed) data, drawn and saved in worker processes when there are
several (:mod:`sim.analysis.parallel`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.analysis.parallel import Workers


@dataclass
class FigureJob:
    """One figure to draw: ``plots.<draw>(*args, **kwargs)`` saved as ``stem``.<fmt>."""

    stem: str
    draw: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    cost: float = 1.0  # relative drawing time: the costly ones are started first


def draw_and_save(job: FigureJob, folder: Path, formats: tuple[str, ...]) -> list[Path]:
    """Draw one figure and save it in each format (in a worker or in this process)."""
    from sim.analysis import plots
    from sim.analysis.style import save_figure

    fig = getattr(plots, job.draw)(*job.args, **job.kwargs)
    return save_figure(fig, folder / job.stem, formats)


def render(jobs: list[FigureJob], folder: Path, formats: tuple[str, ...],
           workers: Workers | None = None,
           advance: Callable[[], None] | None = None) -> list[Path]:
    """Draw ``jobs`` into ``folder``; returns the files in the order of ``jobs``.
    ``advance`` is called once per finished figure (for a progress bar)."""
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].cost)  # longest first
    done = (workers or Workers(1)).map(draw_and_save,
                                       [(jobs[i], folder, formats) for i in order], advance)
    by_job = dict(zip(order, done, strict=True))
    return [p for i in range(len(jobs)) for p in by_job[i]]
