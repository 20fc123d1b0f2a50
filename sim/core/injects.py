"""Injects: moves made at a chosen week, as a wargame's control team makes them.

A scenario's ``[[inject]]`` entries (and ``--inject`` on the command line) each fire at one
week (or date): they change parameters from then on (``set``) and/or make one move from a
small, closed vocabulary. The engine applies them to the runs of a batch at the start of
their week, before the week's fighting, so an inject changes a run from its week on and
never before. Moves:

========================  ===================  ==============================================
move                      fields               what happens
========================  ===================  ==============================================
``rok_approve``           ``rung`` (1-4)       Seoul approves that rung now (the ladder
                                               only climbs)
``rok_freeze``            ``weeks``            Seoul's ladder is frozen for ``weeks`` weeks
``nk_wave``               ``troops``           Pyongyang sends a wave of ``troops`` to Kursk
                                               (on top of the waves it decides itself)
``nk_pull_back``                               North Korean units leave the line to rest
``nk_return``                                  resting North Korean units return
``nato_raise``                                 the US/NATO raise support to Ukraine (rung 2)
``russia_tech``           ``level`` (0-1)      Russia hands over technology up to ``level``
``china_press``           ``level`` (0-1)      Beijing's baseline pressure for restraint
                                               rises to at least ``level``
========================  ===================  ==============================================
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from sim.core.state import BatchState

Move = Literal["rok_approve", "rok_freeze", "nk_wave", "nk_pull_back", "nk_return",
               "nato_raise", "russia_tech", "china_press"]

#: The fields each move takes (all of them required).
MOVE_FIELDS: dict[str, tuple[str, ...]] = {
    "rok_approve": ("rung",), "rok_freeze": ("weeks",), "nk_wave": ("troops",),
    "nk_pull_back": (), "nk_return": (), "nato_raise": (), "russia_tech": ("level",),
    "china_press": ("level",),
}
_MOVE_ARGS = ("rung", "weeks", "troops", "level")


class Inject(BaseModel):
    """One inject: a week (or date), parameter changes and/or a move."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    week: int | None = Field(None, ge=0, le=520)
    date: dt.date | None = None
    move: Move | None = None
    rung: int | None = Field(None, ge=1, le=4)
    weeks: int | None = Field(None, ge=1, le=520)
    troops: int | None = Field(None, ge=1, le=100_000)
    level: float | None = Field(None, ge=0, le=1)
    set: dict[str, float | int | str] = Field(default_factory=dict)
    note: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _shape(self) -> Inject:
        if (self.week is None) == (self.date is None):
            raise ValueError("give the week or the date it fires, not both")
        if self.move is None and not self.set:
            raise ValueError(f"expected a move (one of {', '.join(MOVE_FIELDS)}) and/or set")
        wants = MOVE_FIELDS.get(self.move, ()) if self.move else ()
        for name in _MOVE_ARGS:
            given = getattr(self, name) is not None
            if name in wants and not given:
                raise ValueError(f"move '{self.move}' needs {name}")
            if given and name not in wants:
                raise ValueError(f"{name} does not go with "
                                 + (f"move '{self.move}'" if self.move else "no move"))
        return self

    def at_week(self, start: dt.date) -> Inject:
        """The same inject with its date turned into a week (whole weeks after ``start``)."""
        if self.date is None:
            return self
        days = (self.date - start).days
        if days < 0:
            raise ValueError(f"date {self.date} is before the scenario's start {start}")
        return self.model_copy(update={"week": days // 7, "date": None})

    def describe(self) -> str:
        """What the event log says."""
        what = {
            "rok_approve": lambda: f"Seoul approves rung {self.rung}",
            "rok_freeze": lambda: f"Seoul freezes its ladder for {self.weeks} weeks",
            "nk_wave": lambda: f"Pyongyang sends {self.troops:,} more troops to Kursk",
            "nk_pull_back": lambda: "North Korean units are ordered off the line",
            "nk_return": lambda: "resting North Korean units are ordered back to the line",
            "nato_raise": lambda: "the US/NATO raise support to Ukraine",
            "russia_tech": lambda: f"Russia hands over technology up to level {self.level:g}",
            "china_press": lambda: f"Beijing presses for restraint (level {self.level:g})",
        }
        parts = [what[self.move]()] if self.move else []
        if self.set:
            parts.append("set " + ", ".join(f"{k}={v}" for k, v in self.set.items()))
        text = "; ".join(parts)
        return f"inject: {text}" + (f" ({self.note})" if self.note else "")


def parse_inject(text: str) -> dict[str, Any]:
    """``--inject 'week=8,move=rok_approve,rung=4'`` (values in TOML syntax where they
    parse; ``set.<dotted.name>=value`` for a parameter change) to an inject table."""
    from sim.core.scenario import parse_value
    from sim.errors import UserError

    out: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UserError(f"--inject {text!r}: expected key=value pairs, e.g. "
                            "'week=8,move=rok_approve,rung=4'")
        key = key.strip()
        if key.startswith("set."):
            out.setdefault("set", {})[key[4:]] = parse_value(value.strip())
        else:
            out[key] = parse_value(value.strip())
    return out


# ----------------------------------------------------------------- in the engine
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
    from sim.core.units import deploy

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
    from sim.core.north_korea import pull_back

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
