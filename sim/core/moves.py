"""The schemas of the moves: injects (made at a chosen week, as a wargame's control team makes
them) and policies (named sets of lever values and injects).

What each move does to a running batch is in :mod:`sim.core.injects`; how ``--inject`` and
``--policies`` are read on the command line is in :mod:`sim.cli.moves`. This module only
says what a valid move is, so the scenario schema can hold moves without importing the
rules.

A scenario's ``[[inject]]`` entries (and ``--inject`` on the command line) each fire at one
week (or date): they change parameters from then on (``set``) and/or make one move from a
small, closed vocabulary. The engine applies them to the runs of a batch at the start of
their week, before the week's fighting, so an inject changes a run from its week on and
never before: an inject at week w shows in the series at week w (the state at the end of
week w) and the outcomes date it w. Moves:

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
``support_pause``         ``weeks``,           the US pauses aid and intelligence to Ukraine
                          ``level`` (0-1)      for ``weeks`` weeks: its Western support falls
                                               to ``level`` of what it was
``nk_after_kursk``        ``role``             North Korea's forces take ``role`` (home,
                                               support, ukraine) after Kursk: at once if
                                               Kursk is retaken, else as soon as it is
========================  ===================  ==============================================
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Move = Literal["rok_approve", "rok_freeze", "nk_wave", "nk_pull_back", "nk_return",
               "nato_raise", "russia_tech", "china_press", "support_pause", "nk_after_kursk"]
Role = Literal["home", "support", "ukraine"]
"""What North Korea's forces can do after Kursk (``sim.core.actors.north_korea.ROLES``
less "none")."""

#: The fields each move takes (all of them required).
MOVE_FIELDS: dict[str, tuple[str, ...]] = {
    "rok_approve": ("rung",), "rok_freeze": ("weeks",), "nk_wave": ("troops",),
    "nk_pull_back": (), "nk_return": (), "nato_raise": (), "russia_tech": ("level",),
    "china_press": ("level",), "support_pause": ("weeks", "level"),
    "nk_after_kursk": ("role",),
}
_MOVE_ARGS = ("rung", "weeks", "troops", "level", "role")


class Inject(BaseModel):
    """One inject: a week (or date), parameter changes and/or a move."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    week: int | None = Field(None, ge=0, le=520)
    date: dt.date | None = None
    move: Move | None = None
    rung: int | None = Field(None, ge=1, le=4)
    weeks: int | None = Field(None, ge=1, le=521)  # a 520-week horizon plays 521 weeks
    troops: int | None = Field(None, ge=1, le=100_000)
    level: float | None = Field(None, ge=0, le=1)
    role: Role | None = None
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
            "support_pause": lambda: (f"the US pauses aid and intelligence to Ukraine for "
                                      f"{self.weeks} weeks (support at {self.level:g})"),
            "nk_after_kursk": lambda: f"North Korea's forces are ordered to role '{self.role}' "
                                      "after Kursk",
        }
        parts = [what[self.move]()] if self.move else []
        if self.set:
            parts.append("set " + ", ".join(f"{k}={v}" for k, v in self.set.items()))
        text = "; ".join(parts)
        return f"inject: {text}" + (f" ({self.note})" if self.note else "")


class Policy(BaseModel):
    """A named policy: lever values and/or injects."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    description: str = Field("", max_length=500)
    set: dict[str, float | int | str] = Field(default_factory=dict)
    inject: list[Inject] = Field(default_factory=list)


BASELINE_POLICY = "status-quo"
"""The name under which a policy sweep also runs the scenario as written (no lever
changed, no inject added), unless the scenario names a policy so itself."""
