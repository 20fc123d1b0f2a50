"""The week's fighting on the Kursk front: attrition, breakthrough, morale, learning,
prisoners and the ineffective-unit rule. These are the units' rules; they run over every
run of a batch at once.

Attrition follows a Lanchester law applied column by column (one contested sector per
column: the Ukrainian front-line sector and the Russian-held sector facing it):

* ``square`` (default), aimed fire: a side's weekly casualties are proportional to the
  enemy's *effective* strength, ``C_A = k * D_eff * defence_multiplier * X_A`` and
  ``C_D = k * A_eff``, where ``X_A`` is the attackers' mean exposure in the column (1 for
  Russian units; more for North Korean units new to drone war, and more again while they
  assault across open ground: aimed fire finds exposed targets). The Kursk fighting was
  dominated by drone-spotted artillery and FPV drones, i.e. fire aimed at detected targets,
  which is the square law's premise.
* ``linear``, area fire: casualties also scale with the target's own density,
  ``C_A = k * D_eff * defence_multiplier * X_A * P_A / P_ref``, with ``P_ref`` the mean
  personnel per column at the start (so the two laws agree at the start). Offered because
  the choice is uncertain; sweep ``combat.law`` to see how much it matters.

Effective strength is personnel x quality x experience x equipment x morale x
coordination (each factor documented in :func:`effectiveness`). A column's losses are shared
among its units by strength x exposure (:func:`exposure`). The front grinds: each week the
attacker gains the share of a sector that the probability of passing
``breakthrough_ratio`` under log-normal fog of war gives (less what the defender's
counter-attacks win back); a sector changes hands when the gains add up to one
(:func:`_advance`). While Russia masses an offensive against a cut salient (Ukraine's
``collapse`` rule, :mod:`sim.core.actors.ukraine`), the attackers' effective strength is
multiplied by ``ukraine.offensive_strength``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.core import rng
from sim.core.actors.ukraine import offensive
from sim.core.arith import clamp
from sim.core.declarations import Outcome, Part, Series
from sim.core.params import Section, param
from sim.core.units import INEFFECTIVE_SHARE, Side, Units

if TYPE_CHECKING:
    from sim.core.state import BatchState

class CombatSection(Section):
    """Attrition and breakthrough on contested sectors."""

    law: Literal["square", "linear"] = param(
        "square", unit="category", kind="assumption",
        source="modeller: aimed (drone-spotted) fire -> Lanchester square law; 'linear' "
        "(area fire) is the alternative to sweep",
        doc="Lanchester law for weekly attrition.",
    )
    attrition: float = param(
        0.01, ge=0, le=0.5, unit="casualties/effective strength/week", kind="calibrated",
        source="calibrated: 1,000 -> 700 km² Aug-Oct 2024 (article) with Russian forces only",
        doc="Weekly casualties inflicted per unit of effective enemy strength.",
    )
    defence_multiplier: float = param(
        2.5, ge=1, le=5, unit="x", kind="assumption",
        source="modeller: prepared positions; attackers lose more than defenders",
        doc="Defender's firepower advantage.",
    )
    breakthrough_ratio: float = param(
        3.2, ge=1, le=10, unit="ratio", kind="calibrated",
        source="calibrated: 1,000 -> 700 km² Aug-Oct 2024 (article), with Ukraine replacing "
        "80 % of its losses",
        doc="Attacker/defender effective-strength ratio at which a week's fighting gains half "
        "a sector (the fog-blurred ratio passes it half the time).",
    )
    counterattack_ratio: float = param(
        3.0, ge=1, le=10, unit="ratio", kind="assumption", source="modeller",
        doc="Defender/attacker ratio at which Ukraine's counter-attacks win back half a "
        "sector a week.",
    )
    noise: float = param(
        0.35, ge=0, le=2, unit="log-sd", kind="assumption", source="modeller",
        doc="Fog of war (log-normal sd): how sharply the weekly gain rises with the force "
        "ratio, and how much a week's gain varies around its expectation.",
    )
    morale_recovery: float = param(
        0.1, ge=0, le=1, unit="1/week", kind="assumption", source="modeller",
        doc="Share of lost morale a unit recovers each week.",
    )


QUALITY_FLOOR = 0.5
"""Quality and experience enter effectiveness as ``0.5 + q`` and ``0.5 + x``, so that
neither can zero a unit out: a raw but well-trained unit still fights (modeller's
choice; a unit with both at 1 is 2.25 times one with both at 0)."""

MORALE_LOSS_PER_LOSS = 2.0
"""Morale falls by twice the share of its strength a unit lost in the week (a unit that
loses a quarter of its men loses half its morale; modeller's choice)."""

MORALE_FLOOR = 0.2
"""Morale never falls below 0.2: units in the line keep some cohesion (modeller's)."""


def effectiveness(u: Units, equipment_ua: np.ndarray, coordination_penalty: np.ndarray
                  ) -> np.ndarray:
    """Effective strength of every slot (zero for units out of the line).

    North Korean units also lose ``coordination_penalty * (1 - experience)`` to the
    language barrier with Russian command. Only Ukrainian units carry an equipment
    multiplier (Western and South Korean supplies); Russian and North Korean equipment is
    the reference (1.0).
    """
    exp = u.experience
    eff = u.strength * (QUALITY_FLOOR + u.quality) * (QUALITY_FLOOR + exp) * u.morale
    nk = u.side == Side.NORTH_KOREA
    eff = np.where(nk, eff * (1.0 - coordination_penalty[:, None] * (1.0 - exp)), eff)
    eff = np.where(u.side == Side.UKRAINE, eff * equipment_ua[:, None], eff)
    return np.where(u.active, eff, 0.0)


def exposure(u: Units, drone_vulnerability: np.ndarray, assault: np.ndarray) -> np.ndarray:
    """Relative exposure to fire of every slot: 1 for Ukrainian and Russian units. North
    Korean units without drone-war experience are hit harder, ``1 + (drone_vulnerability -
    1) * (1 - experience)``, and, once the contingent is committed to the assault, more again
    (infantry in dense formations across open ground): ``1 + (assault - 1) * (1 -
    experience)`` times, so a unit that has learned drone war has also learned not to cross
    open ground massed. Why: the record's casualties (~3,000-4,000 by mid-January, ~4,000 by
    February, ~4,700-5,500 by the end of April) slowed while the troops went on fighting
    through the March offensive."""
    unlearned = 1.0 - u.experience
    nk_v = ((1.0 + (drone_vulnerability[:, None] - 1.0) * unlearned)
            * (1.0 + (assault[:, None] - 1.0) * unlearned))
    return np.where(u.side == Side.NORTH_KOREA, nk_v, 1.0)


def fight(s: BatchState) -> None:
    """One week of fighting on every column Ukraine still holds part of, in every run.

    Random draws (sites of :mod:`sim.core.rng`): the fog of war per column, casualties per
    unit, prisoners per run.
    """
    p, u = s.p, s.units
    before = u.strength.copy()
    pers = np.where(u.active, before, 0.0)
    s.week_start_personnel = s.personnel()
    d_eff, a_eff = s.by_column(effectiveness(u, s.ua.equipment,
                                             p.north_korea.coordination_penalty))
    massed = offensive(s)  # Russia's offensive against a cut salient (ukraine.salient)
    if massed.any():
        a_eff = a_eff * np.where(massed, p.ukraine.offensive_strength, 1.0)[:, None]

    contact = (s.depth > 0) & (a_eff > 0)
    # Exposed personnel: strength x exposure. The attackers' losses in a column scale with
    # their mean exposure (fire finds exposed targets), and are shared by exposed strength.
    assault = np.where(s.nk.assaulting, p.north_korea.assault_exposure, 1.0)
    exposed = pers * exposure(u, p.north_korea.drone_vulnerability, assault)
    exposed_flat = s.column_sums(exposed)  # (defender's, attackers'), padding bin last
    exp_att = s.by_column_view(exposed_flat)[1]
    d_pers, a_pers = s.by_column(pers)
    mean_exposure = np.divide(exp_att, a_pers, out=np.ones_like(exp_att), where=a_pers > 0)
    k = p.combat.attrition[:, None]
    cas_flat = np.zeros(exposed_flat.shape)  # casualties per column, laid out as the sums
    cas = s.by_column_view(cas_flat)
    np.multiply(k, a_eff, out=cas[0])
    np.multiply(k * d_eff * p.combat.defence_multiplier[:, None], mean_exposure, out=cas[1])
    if s.any_linear:
        linear = (p.combat.law == "linear")[:, None]
        ref = np.maximum(s.reference_personnel, 1.0)[:, None]
        cas[:] = np.where(linear, cas * np.stack([d_pers, a_pers]) / ref, cas)
    cas *= contact  # only contested columns fight

    front = s.flat_front
    col_cas = cas_flat[front]
    col_exp = exposed_flat[front]
    lam = np.divide(col_cas * exposed, col_exp, out=np.zeros_like(exposed),
                    where=col_exp > 0)
    # One hash for the week's draws: fog per column, casualties per unit, prisoners.
    draws = rng.week_uniforms(s.keys, s.week, s.fight_ids)
    cols = s.columns
    casualties = np.minimum(rng.poisson(lam, draws[:, cols:-1]), pers)

    change = _advance(s, a_eff, d_eff, contact, rng.normal(draws[:, :cols]))
    _apply_losses(s, before, casualties, contact, draws[:, -1])
    _move_front(s, change)


def _advance(s: BatchState, a_eff: np.ndarray, d_eff: np.ndarray, contact: np.ndarray,
             fog: np.ndarray) -> np.ndarray:
    """The front grinds: in every contested column the attacker gains, each week, the
    share of a sector that the probability of passing ``breakthrough_ratio`` with its force
    ratio blurred by log-normal fog of ``noise`` gives, ``Phi(ln(ratio / threshold) /
    noise)``, less what the defender's counter-attacks win back (the same with the
    defender's ratio and ``counterattack_ratio``), times a log-normal fog-of-war factor of
    mean 1; a sector changes hands when the gains add up to a whole one. The expected
    advance is the probability of a breakthrough at that ratio, so on average the front
    moves as if each week's fighting took a sector with that probability; but the gains
    accumulate, as the Kursk front's did, instead of coming all or nothing. Returns -1
    (Ukraine loses a sector), +1 (retakes one) or 0 per column."""
    ndtr = _normal_cdf()
    c = s.p.combat
    sigma = np.maximum(c.noise, _TINY)[:, None]  # no fog: a step at the threshold
    log_ratio = np.log(np.maximum(a_eff, _TINY)) - np.log(np.maximum(d_eff, _TINY))
    gain = ndtr((log_ratio - np.log(c.breakthrough_ratio)[:, None]) / sigma)
    back = ndtr((-log_ratio - np.log(c.counterattack_ratio)[:, None]) / sigma)
    luck = np.exp(sigma * fog - sigma * sigma / 2.0)
    s.progress = np.where(contact, s.progress + (gain - back) * luck, s.progress)
    change = np.where(s.progress >= 1.0, -1, 0)
    change = np.where((s.progress <= -1.0) & (s.depth < s.rows), 1, change)
    s.progress = np.clip(s.progress + change, -1.0, 1.0)
    return change


@functools.cache
def _normal_cdf() -> Callable[[np.ndarray], np.ndarray]:
    """scipy's standard normal CDF, imported on first use: reading a scenario (which
    imports this module for its section) never imports scipy."""
    from scipy.special import ndtr

    return ndtr


_TINY = 1e-300
"""Stands in for zero under a logarithm or a division (a column with no defender left:
the attacker's ratio is effectively infinite)."""


def _apply_losses(s: BatchState, before: np.ndarray, casualties: np.ndarray,
                  contact: np.ndarray, prisoner_draw: np.ndarray) -> None:
    """Casualties, prisoners, morale, learning and the ineffective-unit rule."""
    p, u = s.p, s.units
    u.strength = np.maximum(before - casualties, 0.0)
    s.week_casualties = s.by_side(casualties)
    s.casualties += s.week_casualties

    # Prisoners: each North Korean casualty is taken alive with capture_probability (a
    # Poisson count with that mean, capped at the casualties: prisoners are rare).
    nk_cas = s.week_casualties[:, Side.NORTH_KOREA]
    s.week_prisoners = np.minimum(
        rng.poisson(nk_cas * p.north_korea.capture_probability, prisoner_draw), nk_cas)
    s.prisoners += s.week_prisoners

    lost = np.divide(casualties, before, out=np.zeros_like(before), where=before > 0)
    morale = u.morale - MORALE_LOSS_PER_LOSS * lost
    morale += p.combat.morale_recovery[:, None] * (1.0 - morale)
    u.morale = clamp(morale, MORALE_FLOOR, 1.0)
    # North Korean units learn in contact; the others' experience is fixed.
    learns = contact.ravel()[s.flat_column] & (u.side == Side.NORTH_KOREA) & u.active
    lr = p.north_korea.learning_rate[:, None]
    u.experience = np.where(learns, u.experience + lr * (1.0 - u.experience), u.experience)
    u.active &= u.strength >= INEFFECTIVE_SHARE * p.front.unit_size[:, None]
    u.touch()
    s.contact = contact


def _move_front(s: BatchState, change: np.ndarray) -> None:
    """Sectors change hands; units on columns Ukraine no longer holds shift to the nearest
    held column (ties: the lower index); Kursk is retaken when nothing is held."""
    if not change.any():
        s.week_area_retaken = np.zeros(s.runs)
        return
    old_area = s.area
    s.layout_version += 1
    s.depth = clamp(s.depth + change, 0, s.rows)
    s.area = area = s.depth.sum(axis=1) * s.p.front.sector_km2
    s.week_area_retaken = np.maximum(0.0, old_area - area)
    lost = s.depth == 0
    held = ~lost
    on_lost = lost.ravel()[s.flat_column] & held.any(axis=1)[:, None] & (s.units.side >= 0)
    if on_lost.any():
        dist = np.abs(_COLUMNS[: s.columns, None] - _COLUMNS[None, : s.columns])  # from, to
        nearest = np.argmin(np.where(held[:, None, :], dist[None], np.inf), axis=2)
        u = s.units
        u.column = np.where(on_lost, nearest.ravel()[s.flat_column], u.column)
        s.refresh_columns()
    newly = np.isnan(s.retaken_week) & (area <= 0) & (s.initial_area > 0)
    s.retaken_week[newly] = s.week


_COLUMNS = np.arange(64, dtype=float)


PART = Part(
    section="combat", params=CombatSection,
    outcomes=(
        Outcome("casualties_ukraine", "count", "personnel",
                "Ukrainian casualties (killed, wounded, captured)",
                lambda s: s.casualties[:, Side.UKRAINE]),
        Outcome("casualties_russia", "count", "personnel", "Russian casualties",
                lambda s: s.casualties[:, Side.RUSSIA]),
        Outcome("casualties_north_korea", "count", "personnel", "North Korean casualties",
                lambda s: s.casualties[:, Side.NORTH_KOREA]),
        Outcome("nk_prisoners", "count", "personnel", "North Korean soldiers taken prisoner",
                lambda s: s.prisoners),
    ),
    series=(
        Series("casualties_ukraine", "personnel", "Ukrainian casualties, cumulative",
               lambda s: s.casualties[:, Side.UKRAINE]),
        Series("casualties_russia", "personnel", "Russian casualties, cumulative",
               lambda s: s.casualties[:, Side.RUSSIA]),
        Series("casualties_north_korea", "personnel", "North Korean casualties, cumulative",
               lambda s: s.casualties[:, Side.NORTH_KOREA]),
        Series("nk_prisoners", "personnel", "North Korean soldiers taken prisoner, cumulative",
               lambda s: s.prisoners),
        Series("personnel_ukraine", "personnel", "Ukrainian soldiers in the line",
               lambda s: s.personnel()[:, Side.UKRAINE]),
        Series("personnel_russia", "personnel", "Russian soldiers in the line",
               lambda s: s.personnel()[:, Side.RUSSIA]),
    ),
)
"""The fighting as a part of the model (:mod:`sim.core.parts`)."""
