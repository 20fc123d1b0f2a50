"""South Korea: threat perception, the graded ladder, and covert diplomacy.

Threat perception moves toward what Seoul sees: North Korean troops (as far as the
disguise lets them be seen), the combat experience they gain, and technology Russia hands
the North. Covert diplomacy with Beijing damps it and raises every threshold. The ladder
follows the article: statements and sanctions, non-lethal aid, defensive weapons to Kyiv,
then offensive weapons "if the threshold is exceeded"; it only climbs ("step by step with
the North's moves"). Seoul starts on ``initial_rung`` (non-lethal aid, flowing since
2022-23: the record). North Korean troops fighting inside Ukraine proper, should it come to
that after Kursk, add to the threat Seoul perceives (``weight_ukraine_proper``): the rung
that could move Seoul.

How domestic politics act on the ladder is one of two rival stories (``ladder``):

* ``threshold`` (the article's ladder, and the model's rule through January 2025): the
  thresholds decide, and a domestic crisis freezes the whole ladder from ``crisis_week``
  for ``crisis_weeks`` (martial law on 3 December 2024, the impeachment on 14 December:
  "the weapons question froze", the record).
* ``politics`` (the record: an acting government from the impeachment; the Constitutional
  Court removed the President on 4 April 2025 and an election was set for week 31; Seoul
  stayed at non-lethal aid throughout): an acting government, from
  ``crisis_week`` until a new government takes office in ``new_government_week``, makes
  statements and sends non-lethal aid but does not cross to weapons; the new government
  then follows the thresholds for weapons shifted by ``new_government_shift``, either way
  (who would win was not known by 30 April 2025).

A ``rok_freeze`` inject (a control team's move, or a played game) freezes the ladder in
either story.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import model_validator

from sim.core.actors.north_korea import nk_mean_experience, visibility
from sim.core.actors.russia import PER_10K
from sim.core.arith import clamp
from sim.core.declarations import Actor, Event, Outcome, Series
from sim.core.params import Section, param

if TYPE_CHECKING:
    from sim.core.state import BatchState

ROK_RUNGS: tuple[str, ...] = (
    "none",
    "statements",
    "nonlethal_aid",
    "defensive_weapons",
    "offensive_weapons",
)
"""South Korea's rungs, index = rung number."""

ROK_RUNG_EVENTS: tuple[str, ...] = (
    "",
    "South Korea issues statements and sanctions",
    "South Korea approves non-lethal aid to Ukraine",
    "South Korea approves defensive weapons for Ukraine",
    "South Korea approves offensive weapons for Ukraine",
)
"""What the event log says when South Korea first reaches each rung."""

RUNG_DEFENSIVE, RUNG_OFFENSIVE = 3, 4


class SouthKoreaSection(Section):
    """Seoul: threat perception, the graded ladder, and covert diplomacy."""

    initial_rung: int = param(
        2, ge=0, le=4, unit="rung 0-4", kind="reported",
        source="record: demining vehicles, body armour and gas masks sent since 2022-23, "
        "'not a reaction to the deployment': Seoul stands on the non-lethal aid rung at week 0",
        doc="The ladder rung Seoul stands on before the deployment (2: non-lethal aid).",
    )
    crisis_week: int = param(
        5, ge=0, le=520, unit="week", kind="reported",
        source="record: martial law declared and lifted on 3 Dec 2024 (week 5), the President "
        "impeached on 14 Dec; 'the weapons question froze'",
        doc="Week a domestic crisis in Seoul begins: it freezes the ladder (threshold), or an "
        "acting government holds it below weapons (politics).",
    )
    crisis_weeks: int = param(
        16, ge=0, le=520, unit="weeks", kind="assumption",
        source="modeller: an acting government makes no new commitments until the crisis is "
        "resolved; how long that would take was unknown in January 2025 (0: no crisis)",
        doc="threshold: weeks the ladder stays frozen from crisis_week.",
    )
    initial_perception: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Threat perception at the start.",
    )
    perception_rate: float = param(
        0.3, ge=0.01, le=1, unit="1/week", kind="assumption", source="modeller",
        doc="Share of the gap to the perceived threat closed each week.",
    )
    weight_troops: float = param(
        0.35, ge=0, le=2, unit="per 10,000 troops", kind="assumption",
        source="article: 'the threat could prompt South Korea to increase its support'",
        doc="Perceived threat per 10,000 North Korean troops seen deployed.",
    )
    weight_experience: float = param(
        0.25, ge=0, le=2, unit="per experience", kind="assumption",
        source="design: combat experience the North gains",
        doc="Perceived threat from the North's mean combat experience.",
    )
    weight_tech: float = param(
        0.6, ge=0, le=3, unit="per tech level", kind="assumption",
        source="article: Seoul feared 'Russia could provide Pyongyang with advanced technology'",
        doc="Perceived threat per unit of technology transferred to the North.",
    )
    statement_threshold: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Perception to issue statements and sanctions (rung 1).",
    )
    nonlethal_threshold: float = param(
        0.3, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Perception to send non-lethal aid (rung 2).",
    )
    defensive_threshold: float = param(
        0.45, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'Seoul will consider sending defensive weapons' (level is the modeller's)",
        doc="Perception to send defensive weapons to Ukraine (rung 3).",
    )
    offensive_threshold: float = param(
        0.65, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'if the threshold is exceeded, offensive weapons may also be sent'",
        doc="Perception to send offensive weapons to Ukraine (rung 4).",
    )
    delivery_weeks: int = param(
        4, ge=0, le=52, unit="weeks", kind="assumption", source="modeller",
        doc="Weeks between approving a weapons rung and the weapons reaching Ukrainian units.",
    )
    diplomacy_effort: float = param(
        0.5, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'increase covert diplomacy with China and Russia'",
        doc="Intensity of covert diplomacy with Beijing and Moscow.",
    )
    diplomacy_damping: float = param(
        0.25, ge=0, le=1, unit="share", kind="assumption", source="modeller",
        doc="Share of the perceived threat that fully successful diplomacy removes.",
    )
    diplomacy_threshold_raise: float = param(
        0.1, ge=0, le=0.5, unit="0-1", kind="assumption", source="modeller",
        doc="How far fully successful diplomacy raises every rung's threshold.",
    )
    ladder: Literal["threshold", "politics"] = param(
        "threshold", unit="category", kind="assumption",
        source="threshold: the article's ladder and the December crisis freeze; politics: "
        "the record (an acting government after the impeachment of 14 Dec 2024 stayed at "
        "non-lethal aid; the President removed 4 Apr 2025, an election set for week 31)",
        doc="How Seoul's domestic politics act on the ladder (the module docstring of "
        "sim/core/actors/south_korea.py).",
    )
    new_government_week: int = param(
        31, ge=0, le=520, unit="week", kind="reported",
        source="record: the presidential election was set, in April 2025, for week 31 of the "
        "run (a date scheduled and reported before 30 April 2025); the winner of an election "
        "held because the office is vacant takes office at once",
        doc="politics: week a new government takes office and the acting government's hold "
        "on weapons ends.",
    )
    new_government_shift: float = param(
        0.0, ge=-0.3, le=0.3, unit="0-1", kind="assumption",
        source="modeller: a new government may be more or less willing to arm Ukraine than "
        "the thresholds say; its sign was unknown on 30 April 2025",
        doc="politics: shift of the weapons thresholds (rungs 3-4) under the new government.",
    )
    weight_ukraine_proper: float = param(
        0.3, ge=0, le=2, unit="per 10,000 troops", kind="assumption",
        source="modeller: Seoul's stated trigger was the North's moves ('step by step', "
        "sources.md); North Korean troops fighting inside Ukraine proper would be a new one",
        doc="Further perceived threat per 10,000 North Korean troops seen fighting inside "
        "Ukraine proper.",
    )

    @model_validator(mode="after")
    def _rungs_rise(self) -> SouthKoreaSection:
        """The rule reads the rungs reached as a prefix (:func:`rule_rung`)."""
        rungs = [self.statement_threshold, self.nonlethal_threshold,
                 self.defensive_threshold, self.offensive_threshold]
        if any(b < a for a, b in itertools.pairwise(rungs)):
            raise ValueError(
                "thresholds must rise rung by rung: statement <= nonlethal "
                f"<= defensive <= offensive, got {rungs}"
            )
        return self


@dataclass(eq=False)  # arrays: compared by identity, never by value
class SouthKoreaState:
    """Per-run arrays."""

    perception: np.ndarray  # 0-1 threat perception
    rung: np.ndarray  # 0-4, the highest rung reached
    rung_week: np.ndarray  # (runs, 5): week each rung was first reached, NaN if never
    freeze_until: np.ndarray  # first week the rule moves again after a rok_freeze (NaN: none)


def init(s: BatchState) -> SouthKoreaState:
    """Seoul stands on ``initial_rung`` before the deployment (non-lethal aid had flowed
    since 2022-23, the record): those rungs count as reached at week 0."""
    p = s.p.south_korea
    rung = p.initial_rung.astype(np.int64)
    rung_week = np.where(np.arange(len(ROK_RUNGS))[None, :] <= rung[:, None], 0.0, np.nan)
    rung_week[:, 0] = np.nan
    rok = SouthKoreaState(perception=p.initial_perception.astype(float).copy(), rung=rung,
                          rung_week=rung_week, freeze_until=np.full(s.runs, np.nan))
    s.rok = rok
    update_rung(s)
    return rok


def diplomacy_success(s: BatchState) -> np.ndarray:
    """How much covert diplomacy achieves (0-1): effort times Beijing's receptiveness."""
    return s.p.south_korea.diplomacy_effort * s.p.china.receptiveness


def delivered(s: BatchState, rung: int, week: int) -> np.ndarray:
    """Whether weapons approved at ``rung`` are with Ukrainian units in ``week``'s fighting
    (``delivery_weeks`` after the approval), per run."""
    approved = s.rok.rung_week[:, rung]
    return ~np.isnan(approved) & (week >= approved + s.p.south_korea.delivery_weeks)


def step(s: BatchState) -> None:
    p, rok = s.p.south_korea, s.rok
    seen = visibility(s)
    target = (
        p.weight_troops * s.nk.troops_in_russia(s) * seen / PER_10K
        + p.weight_ukraine_proper * s.nk.troops_in_ukraine(s) * seen / PER_10K
        + p.weight_experience * nk_mean_experience(s) * seen
        + p.weight_tech * s.ru.tech_level
    ) * (1.0 - p.diplomacy_damping * diplomacy_success(s))
    rok.perception = clamp(rok.perception + p.perception_rate * (target - rok.perception),
                             0.0, 1.0)
    update_rung(s)


def politics(s: BatchState) -> np.ndarray:
    """Whether the run's ladder follows the ``politics`` rule."""
    return s.memo("rok_politics", lambda: s.p.south_korea.ladder == "politics", per_week=True)


def domestic_hold(s: BatchState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What Seoul's domestic politics allow its rule this week, per run: the highest rung
    (0 while a crisis freezes the ladder under ``threshold``, 2 while an acting government
    does not cross to weapons under ``politics``, else 4), and the weeks (first, last) of
    that hold (NaN when there is none)."""
    p = s.p.south_korea
    pol = politics(s)
    end = np.where(pol, p.new_government_week, p.crisis_week + p.crisis_weeks)
    held = (s.week >= p.crisis_week) & (s.week < end)
    limit = np.where(held, np.where(pol, RUNG_DEFENSIVE - 1, 0), len(ROK_RUNGS) - 1)
    return (limit, np.where(held, p.crisis_week, np.nan),
            np.where(held, end - 1.0, np.nan))


def thresholds(s: BatchState) -> np.ndarray:
    """The perception each rung 1-4 needs, per run (shape (runs, 4)): the scenario's
    thresholds raised by what covert diplomacy achieves, and (``politics``, once the new
    government is in office) the weapons thresholds shifted by ``new_government_shift``
    (never below the rung beneath)."""
    p = s.p.south_korea

    def compute() -> np.ndarray:
        raise_by = p.diplomacy_threshold_raise * diplomacy_success(s)
        shift = np.where(politics(s) & (s.week >= p.new_government_week),
                         p.new_government_shift, 0.0)
        defensive = np.maximum(p.defensive_threshold + shift, p.nonlethal_threshold)
        offensive = np.maximum(p.offensive_threshold + shift, defensive)
        return np.stack([p.statement_threshold, p.nonlethal_threshold, defensive,
                         offensive], axis=1) + raise_by[:, None]

    return s.memo("thresholds", compute, per_week=True)


def rule_rung(s: BatchState) -> np.ndarray:
    """The highest rung whose threshold perception has reached (0 if none), per run, as if
    no crisis froze the ladder: what Seoul's own rule calls for now."""
    # Thresholds rise rung by rung (the schema checks it, for injects and policies too),
    # so the rungs reached are a prefix and their count is the highest one.
    return (s.rok.perception[:, None] >= thresholds(s)).sum(axis=1)


def update_rung(s: BatchState) -> None:
    """Climb to the highest rung whose threshold (raised by diplomacy) perception reached,
    as far as domestic politics allow, unless a ``rok_freeze`` holds the ladder."""
    rok = s.rok
    new = np.minimum(rule_rung(s), domestic_hold(s)[0])
    new = np.where(s.week < rok.freeze_until, 0, new)  # NaN compares False
    if not (new > rok.rung).any():
        return
    r = np.arange(1, len(ROK_RUNGS))
    first = (rok.rung[:, None] < r) & (new[:, None] >= r)
    rok.rung_week[:, 1:] = np.where(first, float(s.week), rok.rung_week[:, 1:])
    rok.rung = np.maximum(rok.rung, new)


def _rung_week(r: int) -> Outcome:
    return Outcome(f"week_rung_{r}", "week", "week",
                   f"week South Korea first reached '{ROK_RUNGS[r]}' (NaN: never)",
                   lambda s: s.rok.rung_week[:, r])


def _new_rungs(before: int, now: int) -> list[str]:
    """Every rung climbed since the log last looked, lowest first."""
    return [ROK_RUNG_EVENTS[r] for r in range(before + 1, now + 1)]


ACTOR = Actor(
    key="rok", name="South Korea", section="south_korea", params=SouthKoreaSection,
    state=SouthKoreaState, init=init, step=step,
    outcomes=(
        Outcome("rok_perception_end", "level", "0-1",
                "South Korean threat perception at the horizon", lambda s: s.rok.perception),
        Outcome("rok_max_rung", "count", "rung 0-4", "South Korea's highest rung",
                lambda s: s.rok.rung),
        Outcome("rok_max_rung_name", "category", "category",
                "South Korea's highest rung, by name",
                lambda s: np.array(ROK_RUNGS, dtype=object)[s.rok.rung]),
        *(_rung_week(r) for r in range(1, len(ROK_RUNGS))),
    ),
    series=(
        Series("rok_perception", "0-1", "South Korean threat perception",
               lambda s: s.rok.perception),
        Series("rok_rung", "rung 0-4", "South Korea's rung", lambda s: s.rok.rung),
    ),
    # Before the run the log knows only the rung Seoul already stood on. (The politics
    # rule's new government is a scheduled date, not an event of the run.)
    events=(Event(lambda s: s.rok.rung, _new_rungs,
                  known_at_start=lambda s: s.p.south_korea.initial_rung),),
)
"""Seoul in the registry (:mod:`sim.core.actors`)."""
