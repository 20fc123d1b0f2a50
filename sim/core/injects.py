"""What the moves do: injects applied to the runs of a batch in their week.

The engine applies the injects due in a week to the runs they belong to at the start of
that week, before the week's fighting (:func:`apply`), so an inject changes a run from its
week on and never before: it shows in that week's row of the series. The moves and their
fields are declared in :mod:`sim.core.moves`; each has a handler here that changes the
batch state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors import ukraine
from sim.core.actors.north_korea import ROLES, pull_back, send_wave
from sim.core.moves import Inject

if TYPE_CHECKING:
    from sim.core.state import BatchState

Entry = tuple[np.ndarray, Inject, np.ndarray | None]
"""One planned inject: the runs it applies to, the inject, and (for ``nk_wave``) the slot
group its troops deploy into, per run."""


def waves_ordered(injects: tuple[Inject, ...]) -> list[Inject]:
    """A run's ``nk_wave`` injects in the order they fire (by week, then as listed)."""
    return sorted((i for i in injects if i.move == "nk_wave"), key=lambda i: i.week)


def _same(injects: tuple[Inject, ...]) -> tuple:
    """What makes two runs' injects the same moves (the objects differ from scenario to
    scenario: a sweep's points each validate their own copy of the scenario's injects)."""
    return tuple((i.week, i.move, i.rung, i.weeks, i.troops, i.level, i.role,
                  tuple(i.set.items()), i.note) for i in injects)


def plan(injects_by_run: list[tuple[Inject, ...]], wave_group0: int
         ) -> dict[int, list[Entry]]:
    """week -> planned injects, for the runs of a batch, each applied at once to every run
    that has it. A run's k-th ``nk_wave`` inject deploys into slot group ``wave_group0 +
    k`` (laid out by :mod:`sim.core.state`)."""
    rows: dict[tuple, list[int]] = {}
    lists: dict[tuple, tuple[Inject, ...]] = {}
    keys: dict[int, tuple] = {}  # id of a run's tuple -> its key (replicates share one)
    for r, injects in enumerate(injects_by_run):
        if injects:
            key = keys.get(id(injects))
            if key is None:
                key = keys[id(injects)] = _same(injects)
            rows.setdefault(key, []).append(r)
            lists[key] = injects
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
    """The ladder's weekly updates of weeks w to w + weeks - 1 are frozen, whatever the
    ladder rule."""
    s.rok.freeze_until[rows] = s.week + inj.weeks


def _which(s: BatchState, rows: np.ndarray) -> np.ndarray:
    which = np.zeros(s.runs, dtype=bool)
    which[rows] = True
    return which


def _nk_wave(s: BatchState, rows: np.ndarray, inj: Inject, groups: np.ndarray) -> None:
    group = np.full(s.runs, -1)
    group[rows] = groups
    send_wave(s, _which(s, rows), np.full(s.runs, float(inj.troops)), group, injected=True)


def _nk_pull_back(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    pull_back(s, _which(s, rows), first_rest_week=s.week)


def _nk_return(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    resting = ~np.isnan(s.nk.rest_until[rows])
    s.nk.rest_until[rows[resting]] = s.week


def _nato_raise(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    s.nato.rung[rows] = np.maximum(s.nato.rung[rows], 2)


def _russia_tech(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    s.ru.tech_level[rows] = np.maximum(s.ru.tech_level[rows], inj.level)


def _china_press(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    base = s.p.china.restraint_base
    base[rows] = np.maximum(base[rows], inj.level)


def _support_pause(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    """Western support falls to ``level`` for the fighting of weeks w to w + weeks - 1."""
    ua = s.ua
    ua.pause_until[rows] = s.week + inj.weeks
    ua.pause_level[rows] = inj.level
    ua.equipment[rows] = ukraine.equipment(s, s.week)[rows]


def _nk_after_kursk(s: BatchState, rows: np.ndarray, inj: Inject) -> None:
    """North Korea's forces take the role after Kursk: this week if Kursk is retaken,
    else the week it is (:mod:`sim.core.actors.north_korea.after_kursk`)."""
    s.nk.forced_role[rows] = ROLES.index(inj.role)


_MOVES = {"rok_approve": _rok_approve, "rok_freeze": _rok_freeze,
          "nk_pull_back": _nk_pull_back, "nk_return": _nk_return, "nato_raise": _nato_raise,
          "russia_tech": _russia_tech, "china_press": _china_press,
          "support_pause": _support_pause, "nk_after_kursk": _nk_after_kursk}


def extend_plan(s: BatchState, rows: np.ndarray, more: list[Inject],
                first_group: np.ndarray) -> None:
    """Add injects (a branch's variant) to a running batch, for the runs ``rows``. Their
    ``nk_wave`` moves deploy into slot groups ``first_group`` onwards (reserved by
    :func:`sim.core.state.new_state`)."""
    waves = waves_ordered(tuple(more))
    for inj in more:
        group = first_group + waves.index(inj) if inj.move == "nk_wave" else None
        s.inject_plan.setdefault(int(inj.week), []).append((rows, inj, group))
