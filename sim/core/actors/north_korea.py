"""North Korea: the 11th Army ("Storm Corps") deployment and Kim's prestige.

Kim's prestige rides on how his soldiers fare (the article). The Kursk contingent enters
the line in two steps, as the record shows: a vanguard at ``arrival_week`` (first contact
in week 1), the main body at ``assault_week`` (sustained large-scale assaults from week 6).
After heavy losses its units are pulled back to rest and refit, and return after
``rest_weeks`` (the record: pulled off the line from mid-January 2025). Every
``decision_interval_weeks`` after arrival Pyongyang reinforces, holds or draws down, from
prestige, Russia's demand (its desperation) and China's pressure for restraint. The
disguise (troops presented as Buryats and Yakuts, the article) makes the deployment visible
to outsiders only gradually.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import model_validator

from sim.core import rng
from sim.core.arith import clamp, row_sum, whole_sum
from sim.core.declarations import Actor, Event, Outcome, Series
from sim.core.params import Section, param
from sim.core.units import (
    GROUP_NK_MAIN,
    GROUP_NK_VANGUARD,
    GROUP_NK_WAVE0,
    INEFFECTIVE_SHARE,
    Side,
    deploy,
    enter_line,
    withdraw,
)

if TYPE_CHECKING:
    from sim.core.paramtable import Params
    from sim.core.state import BatchState


class NorthKoreaSection(Section):
    """Pyongyang: the 11th Army ('Storm Corps') deployment and Kim's prestige."""

    troops_in_russia: int = param(
        11_000, ge=0, le=100_000, unit="personnel", kind="reported",
        source="reported: ~10,000-12,000 (South Korean NIS, US DoD, late Oct-Nov 2024)",
        doc="North Korean troops sent to Russia in the first wave.",
    )
    troops_to_kursk: int = param(
        11_000, ge=0, le=100_000, unit="personnel", kind="reported",
        source="record: ~11,000 had moved to Kursk by late October (NIS, Nov 2024); up to "
        "8,000 (US Secretary of State, 31 Oct 2024); range 8,000-11,000",
        doc="Of those, the troops committed to the Kursk front.",
    )
    arrival_week: int = param(
        1, ge=0, le=52, unit="weeks", kind="reported",
        source="record: first contact with Ukrainian forces in week 1 (Ukraine's defence "
        "minister to KBS, 4-5 Nov 2024; US State Dept, 12 Nov: 'begun engaging'), weeks 1-2",
        doc="Week the first North Korean units (the vanguard) enter combat.",
    )
    vanguard_share: float = param(
        0.15, ge=0, le=1, unit="share", kind="assumption",
        source="modeller: a probing force of one or two battalions per axis before the main "
        "assault; the record has first contact in week 1 but sustained assaults only in week 6",
        doc="Share of the Kursk contingent in the line from arrival_week, before the main "
        "body joins the assault.",
    )
    assault_week: int = param(
        5, ge=0, le=52, unit="weeks", kind="reported",
        source="record: North Korean troops in sustained, large-scale assaults in week 6 (ISW, "
        "6 Dec 2024; Pentagon, 16 Dec; NIS, 19 Dec), weeks 5-7",
        doc="Week the main body of the Kursk contingent is committed to sustained assaults "
        "(the assault fought in week 5 shows in the state at week 6, as reported).",
    )
    troop_quality: float = param(
        0.8, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'well-equipped, highly trained mobile light infantry' "
        "(level is the modeller's; Russian line infantry = 0.5)",
        doc="Training quality of the Storm Corps units.",
    )
    initial_experience: float = param(
        0.0, ge=0, le=1, unit="0-1", kind="assumption",
        source="design brief: elite, but no recent combat experience (North Korea has fought "
        "no war since 1953)",
        doc="Combat experience on arrival.",
    )
    learning_rate: float = param(
        0.08, ge=0, le=1, unit="1/week", kind="assumption",
        source="modeller: experience closes ~8% of its gap per week in contact",
        doc="How fast experience grows with weeks in contact.",
    )
    coordination_penalty: float = param(
        0.3, ge=0, le=0.9, unit="share", kind="assumption",
        source="design: language barrier with Russian command",
        doc="Effectiveness lost to coordination at zero experience (shrinks with experience).",
    )
    drone_vulnerability: float = param(
        2.0, ge=1, le=4, unit="x casualties", kind="assumption",
        source="design: no experience of drone war",
        doc="Casualty multiplier at zero experience (shrinks to 1 with experience).",
    )
    disguise_weeks: int = param(
        4, ge=0, le=52, unit="weeks", kind="assumption",
        source="article: 'disguised as Buryats and Yakuts and sent to the front in civilian cars'",
        doc="Weeks over which the deployment stays (partly) deniable to outside observers.",
    )
    assault_exposure: float = param(
        4.0, ge=1, le=8, unit="x exposure", kind="calibrated",
        source="record: ~1,100 North Korean casualties by week 7 and ~3,000 by week 11 (NIS, "
        "JCS, 19 Dec 2024-13 Jan 2025) after sustained assaults began in week 6; the model "
        "without it gives a fifth of that",
        doc="How much more exposed to fire North Korean infantry is while assaulting (dense "
        "formations across open ground): multiplies their share and their column's losses.",
    )
    capture_probability: float = param(
        0.0007, ge=0, le=0.05, unit="per casualty", kind="reported",
        source="record: two wounded soldiers captured alive by 11 Jan 2025 (a third died of "
        "wounds) against ~3,000 casualties (Zelensky; NIS): 2/3,000; soldiers were reported "
        "to avoid capture",
        doc="Probability that a North Korean casualty is taken prisoner alive.",
    )
    pullback_loss_share: float = param(
        0.35, ge=0, le=1, unit="share", kind="calibrated",
        source="record: units pulled off the line from mid-January 2025 (weeks 11-13) after "
        "heavy losses (NYT ~30 Jan; NIS 4 Feb), when ~3,000-4,000 of ~11,000 had been hit; the "
        "share is set so the model pulls back in weeks 11-13",
        doc="Share of the Kursk contingent lost since it last entered the line at which its "
        "units are pulled back to rest and refit (0: never).",
    )
    rest_weeks: int = param(
        4, ge=1, le=52, unit="weeks", kind="assumption",
        source="modeller: rest and refit before returning to the line (no return was reported "
        "by 31 Jan 2025)",
        doc="Weeks North Korean units spend off the line before they return.",
    )
    initial_prestige: float = param(
        0.6, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'the prestige of the Pyongyang leader ... depends on the military "
        "cooperation with Putin'",
        doc="Kim's prestige at the start.",
    )
    prestige_casualty_sensitivity: float = param(
        1.0, ge=0, le=10, unit="prestige per casualty share", kind="assumption",
        source="article: 'a possible failure of his soldiers ... could damage his image'",
        doc="Prestige lost per share of the deployed force lost in a week.",
    )
    prestige_prisoner_sensitivity: float = param(
        0.002, ge=0, le=0.1, unit="prestige per prisoner", kind="assumption",
        source="modeller: a captured soldier is public proof of the deployment",
        doc="Prestige lost per North Korean prisoner.",
    )
    prestige_success_gain: float = param(
        0.4, ge=0, le=10, unit="prestige per area share", kind="assumption",
        source="article: prestige rides on how the soldiers fare",
        doc="Prestige gained per share of the initial Kursk area retaken while in contact.",
    )
    prestige_tech_gain: float = param(
        0.3, ge=0, le=5, unit="prestige per tech level", kind="assumption",
        source="article: Kim seeks 'access to Russian military technologies'",
        doc="Prestige gained per unit of technology level received.",
    )
    decision_interval_weeks: int = param(
        4, ge=1, le=26, unit="weeks", kind="assumption",
        source="modeller",
        doc="How often Pyongyang decides to reinforce, hold or draw down.",
    )
    wave_size: int = param(
        4_000, ge=0, le=50_000, unit="personnel", kind="assumption",
        source="modeller: half the first wave committed to Kursk",
        doc="Troops in each reinforcement wave.",
    )
    max_waves: int = param(
        2, ge=0, le=10, unit="waves", kind="assumption",
        source="modeller",
        doc="Most reinforcement waves Pyongyang will send.",
    )
    reinforce_prestige: float = param(
        0.45, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller",
        doc="Prestige at or above which Pyongyang considers reinforcing.",
    )
    drawdown_prestige: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller",
        doc="Prestige below which Pyongyang draws troops down.",
    )
    drawdown_share: float = param(
        0.5, ge=0, le=1, unit="share", kind="assumption",
        source="modeller",
        doc="Share of remaining troops withdrawn in a draw-down.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> NorthKoreaSection:
        """Parameters that bound one another (checked for injects and policies too)."""
        if self.troops_to_kursk > self.troops_in_russia:
            raise ValueError("troops_to_kursk must not exceed troops_in_russia")
        if self.drawdown_prestige > self.reinforce_prestige:
            raise ValueError("drawdown_prestige must not exceed reinforce_prestige")
        if self.assault_week < self.arrival_week:
            raise ValueError("assault_week must not come before arrival_week")
        return self


@dataclass(eq=False)  # arrays: compared by identity, never by value
class NorthKoreaState:
    """Per-run arrays."""

    prestige: np.ndarray
    prestige_min: np.ndarray
    sent: np.ndarray  # soldiers sent to Russia
    kursk_sent: np.ndarray  # of those, sent to the Kursk front (first contingent and waves)
    withdrawn: np.ndarray  # soldiers brought home
    waves: np.ndarray  # reinforcement waves sent (decided, and ordered by injects)
    injected_waves: np.ndarray  # of those, ordered by injects
    drawdowns: np.ndarray
    deployed: np.ndarray  # bool: the vanguard has entered combat
    assaulting: np.ndarray  # bool: the main body has been committed to the assault
    loss_mark: np.ndarray  # North Korean casualties when the units last entered the line
    rest_until: np.ndarray  # week the resting units return (NaN: none resting)
    pullbacks: np.ndarray  # times the units were pulled back to rest

    def troops_in_russia(self, s: BatchState) -> np.ndarray:
        """Soldiers sent, less casualties and those brought home (casualties, waves and
        draw-downs all change the units, so the value is kept per change of the units)."""
        return s.memo("troops_in_russia", lambda: np.maximum(
            0.0, self.sent - s.casualties[:, Side.NORTH_KOREA] - self.withdrawn))

    def troops_in_kursk(self, s: BatchState) -> np.ndarray:
        """Soldiers sent to the Kursk front (in the line, waiting or resting), less
        casualties and those brought home."""
        return np.maximum(0.0, self.kursk_sent - s.casualties[:, Side.NORTH_KOREA]
                          - self.withdrawn)

    @staticmethod
    def in_combat(s: BatchState) -> np.ndarray:
        """North Korean soldiers in the line."""
        return s.personnel()[:, Side.NORTH_KOREA]

    @staticmethod
    def resting(s: BatchState) -> np.ndarray:
        """North Korean soldiers pulled off the line, resting."""
        u = s.units
        return np.where(u.resting, u.strength, 0.0).sum(axis=1)

    @staticmethod
    def in_contact(s: BatchState) -> np.ndarray:
        """1 where North Korean units fought Ukrainian forces this week, else 0."""
        u = s.units
        nk = u.active & (u.side == Side.NORTH_KOREA)
        return (nk & s.contact.ravel()[s.flat_column]).any(axis=1).astype(float)


def vanguard_personnel(p: Params) -> np.ndarray:
    """Soldiers of the Kursk contingent in its vanguard."""
    return np.rint(p.north_korea.vanguard_share * p.north_korea.troops_to_kursk)


def init(s: BatchState) -> NorthKoreaState:
    p = s.p.north_korea
    z = np.zeros(s.runs)
    no = np.zeros(s.runs, dtype=bool)
    return NorthKoreaState(
        prestige=p.initial_prestige.astype(float).copy(),
        prestige_min=p.initial_prestige.astype(float).copy(),
        sent=p.troops_in_russia.astype(float), kursk_sent=p.troops_to_kursk.astype(float),
        withdrawn=z.copy(), waves=np.zeros(s.runs, dtype=np.int64),
        injected_waves=np.zeros(s.runs, dtype=np.int64),
        drawdowns=np.zeros(s.runs, dtype=np.int64), deployed=no.copy(), assaulting=no.copy(),
        loss_mark=z.copy(), rest_until=np.full(s.runs, np.nan),
        pullbacks=np.zeros(s.runs, dtype=np.int64),
    )


def nk_mean_experience(s: BatchState) -> np.ndarray:
    """Strength-weighted mean experience of North Korean units in the line (0 if none)."""

    def compute() -> np.ndarray:
        u = s.units
        w = np.where(u.active & (u.side == Side.NORTH_KOREA), u.strength, 0.0)
        total = whole_sum(w)
        return np.divide(row_sum(w * u.experience), total, out=np.zeros(s.runs),
                         where=total > 0)

    return s.memo("nk_mean_experience", compute)


def visibility(s: BatchState) -> np.ndarray:
    """How far outside observers can see the deployment (0-1): the disguise keeps it
    partly deniable for ``disguise_weeks``."""
    w = s.p.north_korea.disguise_weeks
    return s.memo("visibility", lambda: np.where(
        w == 0, 1.0, np.minimum(1.0, (s.week + 1) / np.maximum(w, 1))), per_week=True)


def enter(s: BatchState) -> None:
    """Units due in the line at the start of this week: the vanguard at ``arrival_week``,
    the main body at ``assault_week``, and units whose rest is over."""
    p, nk, u = s.p.north_korea, s.nk, s.units
    size, depth = s.p.front.unit_size, s.depth
    entered = False
    due = ~nk.deployed & (s.week >= p.arrival_week)
    if due.any():
        entered = True
        nk.deployed |= due
        deploy(u, due, np.full(s.runs, GROUP_NK_VANGUARD), vanguard_personnel(s.p), size,
               p.troop_quality, p.initial_experience, depth)
    due = nk.deployed & ~nk.assaulting & (s.week >= p.assault_week)
    if due.any():
        entered = True
        nk.assaulting |= due
        deploy(u, due, np.full(s.runs, GROUP_NK_MAIN),
               p.troops_to_kursk - vanguard_personnel(s.p), size, p.troop_quality,
               p.initial_experience, depth)
    back = s.week >= nk.rest_until  # NaN compares False
    if back.any():
        entered = True
        returning = u.resting & back[:, None]
        u.resting &= ~returning
        fit = returning & (u.strength >= INEFFECTIVE_SHARE * size[:, None])
        enter_line(u, fit, depth)
        nk.rest_until[back] = np.nan
        nk.loss_mark = np.where(back, s.casualties[:, Side.NORTH_KOREA], nk.loss_mark)
    if entered:
        s.refresh_columns()


def step(s: BatchState) -> None:
    """Prestige; the pull-back after heavy losses; then (at decision weeks) draw down, or
    reinforce."""
    p, nk = s.p.north_korea, s.nk
    on = nk.deployed
    in_combat = nk.in_combat(s)
    in_contact = (in_combat > 0) & (s.area > 0)
    retaken_share = np.divide(s.week_area_retaken, s.initial_area, out=np.zeros(s.runs),
                              where=s.initial_area > 0)
    before = s.week_start_personnel[:, Side.NORTH_KOREA]
    cas_share = np.divide(s.week_casualties[:, Side.NORTH_KOREA], before,
                          out=np.zeros(s.runs), where=before > 0)
    change = (np.where(in_contact, p.prestige_success_gain * retaken_share, 0.0)
              - p.prestige_casualty_sensitivity * cas_share
              - p.prestige_prisoner_sensitivity * s.week_prisoners
              + p.prestige_tech_gain * s.ru.tech_gain_week)
    nk.prestige = np.where(on, clamp(nk.prestige + change, 0.0, 1.0), nk.prestige)
    nk.prestige_min = np.minimum(nk.prestige_min, nk.prestige)
    _pull_back(s, in_combat)

    since = s.week - p.arrival_week
    decide = on & (since > 0) & (since % p.decision_interval_weeks == 0)
    if not decide.any():
        return
    in_combat = nk.in_combat(s)
    down = decide & (nk.prestige < p.drawdown_prestige) & (in_combat > 0)
    if down.any():
        draws = rng.uniforms(s.keys, rng.Site.WITHDRAW, s.week, s.units.uid)
        nk.withdrawn += withdraw(s.units, down, Side.NORTH_KOREA, p.drawdown_share, draws)
        nk.drawdowns += down
        s.units.touch()
    restraint = s.china.restraint * s.p.china.restraint_effect
    decided = nk.waves - nk.injected_waves
    may = (decide & ~down & (nk.prestige >= p.reinforce_prestige) & (decided < p.max_waves)
           & (p.wave_size > 0) & (s.area > 0))
    if may.any():
        u = rng.uniform_per_run(s.keys, rng.Site.REINFORCE, s.week)
        send = may & (u < s.ru.desperation * (1.0 - restraint))
        if send.any():
            deploy(s.units, send, GROUP_NK_WAVE0 + decided, p.wave_size.astype(float),
                   s.p.front.unit_size, p.troop_quality, p.initial_experience, s.depth)
            s.refresh_columns()
            nk.sent += np.where(send, p.wave_size, 0)
            nk.kursk_sent += np.where(send, p.wave_size, 0)
            nk.waves += send
            s.units.touch()


def _pull_back(s: BatchState, in_combat: np.ndarray) -> None:
    """Once the contingent in the assault has lost ``pullback_loss_share`` of the Kursk
    contingent since it last entered the line, its units come off the line to rest (the
    contingent rests as a whole: not again while some of it is resting; a wave that arrives
    meanwhile fights on)."""
    p, nk = s.p.north_korea, s.nk
    lost = s.casualties[:, Side.NORTH_KOREA] - nk.loss_mark
    pull = (nk.assaulting & (in_combat > 0) & (p.pullback_loss_share > 0)
            & np.isnan(nk.rest_until) & (lost >= p.pullback_loss_share * nk.kursk_sent))
    if pull.any():
        pull_back(s, pull)


def pull_back(s: BatchState, which: np.ndarray) -> None:
    """The North Korean units in the line in the runs ``which`` leave it to rest for
    ``rest_weeks``."""
    nk, u = s.nk, s.units
    leaving = u.active & (u.side == Side.NORTH_KOREA) & which[:, None]
    u.active &= ~leaving
    u.resting |= leaving
    u.touch()
    nk.rest_until = np.where(which, s.week + s.p.north_korea.rest_weeks, nk.rest_until)
    nk.pullbacks += which


ACTOR = Actor(
    key="nk", name="North Korea", section="north_korea", params=NorthKoreaSection,
    state=NorthKoreaState, init=init, step=step,
    outcomes=(
        Outcome("nk_prestige_end", "level", "0-1", "Kim's prestige at the horizon",
                lambda s: s.nk.prestige),
        Outcome("nk_prestige_min", "level", "0-1", "Kim's lowest prestige during the run",
                lambda s: s.nk.prestige_min),
        Outcome("nk_waves", "count", "waves", "North Korean reinforcement waves sent",
                lambda s: s.nk.waves),
        Outcome("nk_drawdowns", "count", "count", "North Korean draw-downs",
                lambda s: s.nk.drawdowns),
        Outcome("nk_experience_end", "level", "0-1",
                "mean combat experience of North Korean units at the end", nk_mean_experience),
    ),
    series=(
        Series("nk_troops_in_russia", "personnel", "North Korean soldiers in Russia",
               lambda s: s.nk.troops_in_russia(s)),
        Series("nk_troops_in_kursk", "personnel",
               "North Korean soldiers sent to the Kursk front (in the line, waiting or "
               "resting)", lambda s: s.nk.troops_in_kursk(s)),
        Series("nk_troops_in_combat", "personnel", "North Korean soldiers in the line",
               NorthKoreaState.in_combat),
        Series("nk_troops_resting", "personnel",
               "North Korean soldiers pulled off the line to rest and refit",
               NorthKoreaState.resting),
        Series("nk_in_contact", "0/1", "North Korean units fought Ukrainian forces this week",
               NorthKoreaState.in_contact),
        Series("nk_assaulting", "0/1",
               "the North Korean main body is committed to sustained assaults",
               lambda s: s.nk.assaulting.astype(float)),
        Series("nk_experience", "0-1",
               "mean combat experience of North Korean units in the line", nk_mean_experience),
        Series("nk_prestige", "0-1", "Kim's prestige", lambda s: s.nk.prestige),
        Series("nk_waves", "waves", "reinforcement waves sent", lambda s: s.nk.waves),
    ),
    events=(
        Event.rises(lambda s: s.nk.deployed, "North Korean units enter combat in Kursk"),
        Event.rises(lambda s: s.nk.assaulting,
                    "North Korea's main body joins sustained assaults"),
        Event.rises(lambda s: s.nk.pullbacks,
                    "North Korean units are pulled back to rest after heavy losses"),
        Event.falls(lambda s: s.units.resting.any(axis=1),
                    "North Korean units return to the line"),
        Event.rises(lambda s: s.nk.waves,
                    lambda waves: f"North Korea sends reinforcement wave {waves}"),
        Event.rises(lambda s: s.nk.drawdowns, "North Korea draws troops down"),
    ),
)
"""Pyongyang in the registry (:mod:`sim.core.actors`)."""
