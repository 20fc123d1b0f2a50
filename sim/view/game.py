"""Playing South Korea: a person makes Seoul's moves at decision weeks, the other states
follow their rules, and the game can be saved as a scenario that replays it exactly.

How the player's control is expressed, so that a saved game is an ordinary scenario:

* a ``rok_freeze`` inject at week 0 for the whole horizon switches Seoul's own ladder rule
  off (the rule never climbs by itself; the ladder still only climbs);
* each decision is one inject at its week: ``rok_approve`` with the rung the player
  approves (when above the current rung) and/or ``set`` of
  ``south_korea.diplomacy_effort`` (when the effort changes). A decision to hold at the same
  effort needs no inject.

The game adds these injects to the running model (:func:`sim.core.injects.extend_plan`),
and the saved game is the base scenario plus the same injects, so ``wargame run
saved.toml --seed N`` makes the same weeks happen with the same random numbers (a run's
random numbers depend only on its seed and the week): tests/test_game.py checks outcomes
and event log for equality.

At each decision week the game also says what Seoul's own rule would do there
(:class:`Advice`): threat perception against each rung's threshold, raised by diplomacy
(:func:`sim.core.actors.south_korea.thresholds`), and whether the scenario's domestic
politics would hold the ladder that week (:func:`sim.core.actors.south_korea.domestic_hold`).
Plain Python, no Solara: :mod:`sim.view.app` wires its buttons to :meth:`Game.decide` and
:meth:`Game.play_on`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import tomli_w

from sim.core.actors import south_korea
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.injects import extend_plan
from sim.core.model import EscalationModel
from sim.core.moves import Inject
from sim.core.scenario import Scenario, validate_scenario
from sim.errors import UserError
from sim.view import DEFAULT_DECIDE_EVERY

#: Notes on the injects a game writes (shown in the event log; they also mark a saved game).
FREEZE_NOTE = "South Korea is played: its own ladder rule is off"
PLAYER_NOTE = "player"
EFFORT = "south_korea.diplomacy_effort"
#: Parameters only the player sets while South Korea is played: an inject in the base
#: scenario that changed them would take Seoul's moves out of the player's hands (a
#: crisis window that ends would switch the rule back on).
PLAYER_PARAMS = (EFFORT, "south_korea.crisis_week", "south_korea.crisis_weeks")
#: Parameters that act only through Seoul's own ladder rule, which a played game switches
#: off: a saved game does not sweep them (they would change nothing).
RULE_PARAMS = tuple(f"south_korea.{name}" for name in (
    "statement_threshold", "nonlethal_threshold", "defensive_threshold",
    "offensive_threshold", "diplomacy_threshold_raise", "ladder", "new_government_week",
    "new_government_shift"))
#: The longest ``rok_freeze`` an inject can make (its schema's bound).
MAX_FREEZE_WEEKS = int(next(m.le for m in Inject.model_fields["weeks"].metadata
                            if getattr(m, "le", None) is not None))
#: The effort is kept to this many decimals (the page's slider moves in 0.05 steps).
EFFORT_DECIMALS = 2


def rung_label(rung: int) -> str:
    """'defensive weapons' for rung 3."""
    return ROK_RUNGS[rung].replace("_", " ")


def check_playable(base: Scenario, origin: str = "scenario") -> None:
    """Refuse a scenario whose own injects already move South Korea (a saved game among
    them): the player would not be the one deciding. Raises :class:`UserError`."""
    for i, inj in enumerate(base.inject):
        if inj.note == FREEZE_NOTE:
            raise UserError(
                f"{origin}: inject[{i}]: this is a saved game (South Korea was played)",
                hint="replay it with `wargame run FILE --seed N`, or watch it with "
                     "`wargame serve FILE` without --play")
        touched = [k for k in inj.set if k in PLAYER_PARAMS]
        if inj.move in ("rok_approve", "rok_freeze") or touched:
            what = inj.move if inj.move in ("rok_approve", "rok_freeze") else touched[0]
            raise UserError(
                f"{origin}: inject[{i}] ({what}) moves South Korea, which --play "
                "south_korea leaves to the player",
                hint="remove South Korea's injects from the scenario to play it")


def played_scenario(base: Scenario) -> Scenario:
    """The scenario a game runs: ``base`` with Seoul's own rule frozen from week 0 (its
    injects, if any, kept before the freeze).

    A freeze at week 0 for ``weeks + 1`` weeks covers every weekly update of the rule, the
    last one in the horizon week ``weeks``.
    """
    check_playable(base)
    if base.weeks + 1 > MAX_FREEZE_WEEKS:
        raise UserError(f"--play south_korea: weeks: expected a horizon of at most "
                        f"{MAX_FREEZE_WEEKS - 1} weeks to play, got {base.weeks}")
    return base.with_injects(
        [{"week": 0, "move": "rok_freeze", "weeks": base.weeks + 1, "note": FREEZE_NOTE}],
        origin="--play south_korea")


def decision_weeks(horizon: int, every: int) -> tuple[int, ...]:
    """Weeks at which the player decides: 0, every, 2*every, ... up to the horizon week."""
    if every < 1:
        raise UserError(f"--decide-every: expected a whole number of weeks >= 1, got {every}")
    return tuple(range(0, horizon + 1, every))


@dataclass(frozen=True)
class Advice:
    """What Seoul's own rule would do at a decision week, and why."""

    week: int
    rung: int  # the rung Seoul stands on
    perception: float  # threat perception, 0-1
    thresholds: tuple[float, ...]  # perception rungs 1-4 need (raised by diplomacy)
    reached: int  # highest rung whose threshold perception reached (0: none)
    crisis: tuple[int, int] | None  # the window of the domestic hold (first, last week), if on
    limit: int = len(ROK_RUNGS) - 1  # the highest rung that hold allows (0: frozen)

    @property
    def frozen(self) -> bool:
        """The scenario's domestic crisis would freeze the whole ladder this week."""
        return self.crisis is not None and self.limit == 0

    @property
    def would_approve(self) -> int:
        """The rung the rule would have Seoul stand on at this point (it only climbs)."""
        return max(self.rung, min(self.reached, self.limit))

    def text(self) -> str:
        """One paragraph for the page."""
        levels = ", ".join(f"{rung_label(r)} {t:.2f}" for r, t in
                           enumerate(self.thresholds, start=1))
        because = (f"threat perception {self.perception:.2f} against the thresholds "
                   f"({levels})")
        reach = (f"reaches rung {self.reached} ({rung_label(self.reached)})" if self.reached
                 else "reaches no rung")
        if self.crisis is not None and self.reached > self.limit:
            first, last = self.crisis
            why = ("the scenario's domestic crisis freezes the ladder" if self.frozen else
                   "an acting government does not cross to weapons")
            return (f"The model's rule: {because} {reach}, but {why} in weeks {first}-{last}: "
                    f"it would stand on {rung_label(self.would_approve)}.")
        verb = ("approve" if self.would_approve > self.rung else "hold at")
        return (f"The model's rule: {because} {reach}: it would {verb} "
                f"{rung_label(self.would_approve)} (rung {self.would_approve}).")


@dataclass(frozen=True)
class Decision:
    """One of the player's decisions, beside what the rule would have done."""

    week: int
    rung: int  # the rung Seoul stands on after the decision
    effort: float
    rule_rung: int  # what the rule would have stood on
    inject: Inject | None  # None: held at the same effort

    def text(self) -> str:
        return (f"week {self.week}: {rung_label(self.rung)}, diplomacy effort "
                f"{self.effort:.2f} (the model's rule: {rung_label(self.rule_rung)})")


class Game:
    """A game in which a person plays South Korea on ``model``, a run of
    ``played_scenario(base)``; ``decide_every`` weeks between decisions."""

    def __init__(self, model: EscalationModel, base: Scenario,
                 decide_every: int = DEFAULT_DECIDE_EVERY) -> None:
        if model.config != played_scenario(base):
            raise ValueError("the model must run played_scenario(base)")
        if model.week != 0:
            raise ValueError("a game starts at week 0")
        self.model, self.base = model, base
        self.decision_weeks = decision_weeks(model.horizon, decide_every)
        self.decisions: list[Decision] = []
        # The game takes over the model's step (as Mesa itself wraps it), so that whoever
        # steps the model (Mesa's Step and Play buttons) stops at a decision week.
        self._advance = model.step
        model.step = self.step  # type: ignore[method-assign]
        self._sync_running()

    @classmethod
    def new(cls, base: Scenario, seed: int, decide_every: int = DEFAULT_DECIDE_EVERY
            ) -> Game:
        """A game on a fresh :class:`EscalationModel`."""
        return cls(EscalationModel(played_scenario(base), rng=seed), base, decide_every)

    # ----------------------------------------------------------------- where it stands
    @property
    def week(self) -> int:
        return self.model.week

    @property
    def over(self) -> bool:
        """The horizon week has been played."""
        return self.model.week > self.model.horizon

    @property
    def awaiting(self) -> bool:
        """The game stands at a decision week the player has not decided yet."""
        decided = bool(self.decisions) and self.decisions[-1].week == self.week
        return not self.over and self.week in self.decision_weeks and not decided

    @property
    def rung(self) -> int:
        """The rung Seoul stands on."""
        return int(self.model.state.rok.rung[0])

    @property
    def effort(self) -> float:
        """The covert-diplomacy effort in force."""
        return float(self.model.state.p.south_korea.diplomacy_effort[0])

    def options(self) -> list[int]:
        """The rungs the player may approve: the current one (hold) up to offensive weapons
        (the ladder only climbs)."""
        return list(range(self.rung, len(ROK_RUNGS)))

    def next_decision_week(self) -> int:
        """The next decision week after the current week (past the horizon if none)."""
        return next((w for w in self.decision_weeks if w > self.week), self.model.horizon + 1)

    def advice(self) -> Advice:
        """What Seoul's own rule would do now (the same functions the rule runs)."""
        s = self.model.state
        limit, first, last = (x[0] for x in south_korea.domestic_hold(s))
        return Advice(
            week=self.week, rung=self.rung, perception=float(s.rok.perception[0]),
            thresholds=tuple(float(t) for t in south_korea.thresholds(s)[0]),
            reached=int(south_korea.rule_rung(s)[0]),
            crisis=None if np.isnan(first) else (int(first), int(last)), limit=int(limit))

    # ----------------------------------------------------------------- moves
    def decide(self, rung: int, effort: float) -> Decision:
        """The player's move at this decision week: stand on ``rung`` (the current one holds)
        with covert-diplomacy effort ``effort`` (0-1) from now on. Takes effect at the start
        of this week, before its fighting, as any inject does."""
        if not self.awaiting:
            raise UserError(f"week {self.week} is not a decision week waiting for South Korea"
                            + (" (the game is over)" if self.over else ""))
        if rung not in self.options():
            raise UserError(f"rung: expected {self.rung}-{len(ROK_RUNGS) - 1} (the ladder "
                            f"only climbs from {rung_label(self.rung)}), got {rung}")
        if not 0.0 <= effort <= 1.0:
            raise UserError(f"diplomacy effort: expected 0-1, got {effort}")
        effort = round(float(effort), EFFORT_DECIMALS)
        fields: dict = {}
        if rung > self.rung:
            fields.update(move="rok_approve", rung=int(rung))
        if effort != self.effort:
            fields["set"] = {EFFORT: effort}
        inject = (Inject(week=self.week, note=PLAYER_NOTE, **fields) if fields else None)
        if inject is not None:
            extend_plan(self.model.state, rows=np.array([0]), more=[inject],
                        first_group=np.zeros(1, dtype=np.int64))
        decision = Decision(self.week, int(rung), effort, self.advice().would_approve, inject)
        self.decisions.append(decision)
        self._sync_running()
        return decision

    def step(self) -> bool:
        """One week, unless a decision is waiting or the run is over (then nothing: False).
        This is the model's ``step`` while the game lasts."""
        if self.awaiting or self.over:
            self._sync_running()
            return False
        self._advance()
        self._sync_running()
        return True

    def play_on(self) -> int:
        """Play the weeks up to the next decision week (or the horizon); the other states
        follow their rules. Returns the weeks played."""
        played = 0
        while self.step():
            played += 1
        return played

    def _sync_running(self) -> None:
        """``model.running`` is False while a decision waits, so Mesa's Play stops there."""
        self.model.running = not (self.awaiting or self.over)

    # ----------------------------------------------------------------- saving
    @property
    def moves(self) -> list[Inject]:
        """The player's moves so far, as injects."""
        return [d.inject for d in self.decisions if d.inject is not None]

    def saved_scenario(self) -> Scenario:
        """The game as a scenario: the base's values, the freeze and the player's moves.
        ``wargame run`` of it with the game's seed replays the game.

        The base's ``[sweep]`` ranges stay (``wargame sweep`` then plays the same moves
        across the base's futures) except for the parameters the player held
        (:data:`PLAYER_PARAMS`) and those of the switched-off rule (:data:`RULE_PARAMS`);
        its levers and policies, alternatives to the line played, do not.
        """
        start = dt.date.fromisoformat(self.base.start_date)
        when = start + dt.timedelta(weeks=self.week)
        data = self.model.config.model_dump()
        data["name"] = f"{self.base.name}-played"
        data["description"] = (
            f"'{self.base.name}' with South Korea played by a person, seed "
            f"{self.model.seed}, saved at the start of week {self.week} ({when:%d %b %Y}) after "
            f"{len(self.decisions)} decisions. Replay: wargame run FILE --seed "
            f"{self.model.seed}")
        data["inject"] = [*data["inject"], *(m.model_dump() for m in self.moves)]
        data["sweep"] = {k: v for k, v in data["sweep"].items()
                         if k not in PLAYER_PARAMS + RULE_PARAMS}
        data["levers"], data["policies"] = {}, {}
        return validate_scenario(data, "saved game")

    def to_toml(self) -> str:
        """The saved game as a scenario file (see :meth:`saved_scenario`)."""
        sc = self.saved_scenario()
        data = sc.model_dump(exclude={"inject"}, exclude_none=True)
        for table in ("sweep", "levers", "policies"):
            if not data[table]:
                del data[table]
        data["inject"] = [i.model_dump(exclude_none=True, exclude_defaults=True)
                          for i in sc.inject]
        header = (f"# A game of '{self.base.name}' with South Korea played, seed "
                  f"{self.model.seed}, saved at the start of week {self.week} (the run plays "
                  f"weeks 0-{self.model.horizon}).\n"
                  "# Seoul's own ladder rule is frozen for the whole run (the first "
                  "rok_freeze inject);\n# the player's moves are the injects noted "
                  f"'{PLAYER_NOTE}'. Replay it exactly:\n"
                  f"#   wargame run FILE --seed {self.model.seed}\n")
        return header + tomli_w.dumps(data)

    def filename(self) -> str:
        """A file name for the download: base, seed and week."""
        return f"{self.base.name}-rok-seed{self.model.seed}-week{self.week}.toml"
