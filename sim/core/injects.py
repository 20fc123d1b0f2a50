"""What the moves do: injects applied to the runs of a batch in their week.

The engine applies the injects due in a week to the runs they belong to at the start of
that week, before the week's fighting (:func:`apply`), so an inject changes a run from its
week on and never before. The moves and their fields are declared in
:mod:`sim.core.moves`; each has a handler here that changes the batch state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors.north_korea import pull_back
from sim.core.moves import Inject
from sim.core.units import deploy

if TYPE_CHECKING:
    from sim.core.state import BatchState

Entry = tuple[np.ndarray, Inject, np.ndarray | None]
"""One planned inject: the runs it applies to, the inject, and (for ``nk_wave``) the slot
group its troops deploy into, per run."""


def waves_ordered(injects: tuple[Inject, ...]) -> list[Inject]:
    """A run's ``nk_wave`` injects in the order they fire (by week, then as listed)."""
    return sorted((i for i in injects if i.move == "nk_wave"), key=lambda i: i.week)


def plan(injects_by_run: list[tuple[Inject, ...]], wave_group0: int
         ) -> dict[int, list[Entry]]:
    """week -> planned injects, for the runs of a batch. A run's k-th ``nk_wave`` inject
    deploys into slot group ``wave_group0 + k`` (laid out by :mod:`sim.core.state`)."""
    rows: dict[int, list[int]] = {}
    lists: dict[int, tuple[Inject, ...]] = {}
    for r, injects in enumerate(injects_by_run):
        if injects:
            rows.setdefault(id(injects), []).append(r)
            lists[id(injects)] = injects
    out: dict[int, list[Entry]] = {}
    for key, runs in rows.items():
        waves = waves_ordered(lists[key])
        for inj in lists[key]:
            group = None
            if inj.move == "nk_wave":
                group = np.full(len(runs), wave_group0 + waves.index(inj))
            out.setdefault(int(inj.week), []).append((np.array(runs), inj, group))
    return out


def apply(s: BatchState) -> None:
    """Fire the injects due at the start of this week in the runs they belong to."""
    for rows, inj, group in s.inject_plan.get(s.week, ()):
        for name, value in inj.set.items():
            s.p.columns[name][rows] = value
        if inj.set:
            s.any_linear = bool((s.p.combat.law == "linear").any())
        if inj.move == "nk_wave":
            _nk_wave(s, rows, inj, group)
        elif inj.move:
            _MOVES[inj.move](s, rows, inj)


def _rok_approve(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    rok = s.rok
    for r in range(1, int(inj.rung) + 1):
        first = rows[rok.rung[rows] < r]
        rok.rung_week[first, r] = s.week
    rok.rung[rows] = np.maximum(rok.rung[rows], inj.rung)


def _rok_freeze(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    """The ladder's next ``weeks`` weekly updates are frozen: those at the end of weeks w
    to w + weeks - 1 (the rule runs once the week's fighting is over, when the state
    stands at the next week)."""
    s.p.south_korea.crisis_week[rows] = s.week + 1
    s.p.south_korea.crisis_weeks[rows] = inj.weeks


def _nk_wave(s: BatchState, rows: np.ndarray, inj: Inject, groups: np.ndarray) -> None:
    nk = s.nk
    which = np.zeros(s.runs, dtype=bool)
    which[rows] = True
    group = np.full(s.runs, -1)
    group[rows] = groups
    troops = np.full(s.runs, float(inj.troops))
    p = s.p.north_korea
    deploy(s.units, which, group, troops, s.p.front.unit_size, p.troop_quality,
           p.initial_experience, s.depth)
    s.refresh_columns()
    nk.sent[rows] += inj.troops
    nk.kursk_sent[rows] += inj.troops
    nk.waves[rows] += 1
    nk.injected_waves[rows] += 1
    s.units.touch()


def _nk_pull_back(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    which = np.zeros(s.runs, dtype=bool)
    which[rows] = True
    pull_back(s, which)


def _nk_return(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    resting = ~np.isnan(s.nk.rest_until[rows])
    s.nk.rest_until[rows[resting]] = s.week


def _nato_raise(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    s.nato.rung[rows] = 2


def _russia_tech(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    s.ru.tech_level[rows] = np.maximum(s.ru.tech_level[rows], inj.level)


def _china_press(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    base = s.p.china.restraint_base
    base[rows] = np.maximum(base[rows], inj.level)


_MOVES = {"rok_approve": _rok_approve, "rok_freeze": _rok_freeze,
          "nk_pull_back": _nk_pull_back, "nk_return": _nk_return, "nato_raise": _nato_raise,
          "russia_tech": _russia_tech, "china_press": _china_press}


def extend_plan(s: BatchState, rows: np.ndarray, more: list[Inject],
                first_group: np.ndarray) -> None:
    """Add injects (a branch's variant) to a running batch, for the runs ``rows``. Their
    ``nk_wave`` moves deploy into slot groups ``first_group`` onwards (reserved by
    :func:`sim.core.state.new_state`)."""
    waves = waves_ordered(tuple(more))
    for inj in more:
        group = first_group + waves.index(inj) if inj.move == "nk_wave" else None
        s.inject_plan.setdefault(int(inj.week), []).append((rows, inj, group))
