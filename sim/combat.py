"""Weekly attrition and breakthrough on the contested sectors of the Kursk front.

Attrition follows a Lanchester law applied column by column (one contested sector per
column: the Ukrainian front-line sector and the Russian-held sector facing it):

* ``square`` (default), aimed fire: a side's weekly casualties are proportional to the
  enemy's *effective* strength, ``C_A = k * D_eff * defence_multiplier`` and
  ``C_D = k * A_eff``. The Kursk fighting was dominated by drone-spotted artillery and
  FPV drones, i.e. fire aimed at detected targets, which is the square law's premise.
* ``linear``, area fire: casualties also scale with the target's own density,
  ``C_A = k * D_eff * defence_multiplier * P_A / P_ref``, with ``P_ref`` the mean
  personnel per column at the start (so the two laws agree at the start). Offered because
  the choice is uncertain; sweep ``combat.law`` to see how much it matters.

Effective strength is personnel x quality x experience x equipment x morale x
coordination (each factor documented in :func:`effectiveness`). A sector changes hands
when the attacker's effective-strength ratio, blurred by log-normal fog of war, passes
``breakthrough_ratio`` (or the defender's passes ``counterattack_ratio``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.units import Side, UnitTable


@dataclass(frozen=True)
class CombatParams:
    """The combat parameters of a scenario, unpacked once per run."""

    law: str
    attrition: float
    defence_multiplier: float
    breakthrough_ratio: float
    counterattack_ratio: float
    noise: float
    reference_personnel: float
    coordination_penalty: float
    drone_vulnerability: float


def effectiveness(
    table: UnitTable, equipment_ua: float, coordination_penalty: float
) -> np.ndarray:
    """Effective strength of every used row (zero for inactive units).

    quality and experience enter as ``0.5 + q`` and ``0.5 + x`` so that neither factor can
    zero a unit out: a raw but well-trained unit still fights. North Korean units also lose
    ``coordination_penalty * (1 - experience)`` to the language barrier with Russian
    command. Only Ukrainian units carry an equipment multiplier (Western and South Korean
    supplies); Russian and North Korean equipment is the reference (1.0).
    """
    n = table.n
    side = table.side[:n]
    exp = table.experience[:n]
    eff = (
        table.strength[:n]
        * (0.5 + table.quality[:n])
        * (0.5 + exp)
        * table.morale[:n]
    )
    nk = side == Side.NORTH_KOREA
    eff[nk] *= 1.0 - coordination_penalty * (1.0 - exp[nk])
    eff[side == Side.UKRAINE] *= equipment_ua
    eff[~table.active[:n]] = 0.0
    return eff


def vulnerability(table: UnitTable, drone_vulnerability: float) -> np.ndarray:
    """Relative exposure to fire: North Korean units without drone-war experience are hit
    harder, ``1 + (drone_vulnerability - 1) * (1 - experience)``; everyone else 1."""
    n = table.n
    v = np.ones(n)
    nk = table.side[:n] == Side.NORTH_KOREA
    v[nk] = 1.0 + (drone_vulnerability - 1.0) * (1.0 - table.experience[:n][nk])
    return v


@dataclass
class WeekResult:
    """What one week of fighting did: casualties per unit row and front movement."""

    casualties: np.ndarray  # per used row, personnel
    depth_change: np.ndarray  # per column: -1 sector lost by Ukraine, +1 retaken, 0
    contact: np.ndarray  # per column: True where both sides were engaged


def fight_week(
    table: UnitTable,
    depth: np.ndarray,
    rows: int,
    equipment_ua: float,
    params: CombatParams,
    rng: np.random.Generator,
) -> WeekResult:
    """One week of fighting on every column Ukraine still holds part of.

    Random draws, in a fixed order: one standard normal per column (fog of war), then one
    Poisson draw per used unit row (casualties). The order never depends on the data, so a
    seed gives the same numbers whatever else changes.
    """
    n = table.n
    columns = len(depth)
    eff = effectiveness(table, equipment_ua, params.coordination_penalty)
    side = table.side[:n]
    col = table.column[:n]
    is_def = side == Side.UKRAINE
    held = depth > 0

    d_eff = np.bincount(col[is_def], weights=eff[is_def], minlength=columns)
    a_eff = np.bincount(col[~is_def], weights=eff[~is_def], minlength=columns)
    active = table.active[:n]
    pers = np.where(active, table.strength[:n], 0.0)
    d_pers = np.bincount(col[is_def], weights=pers[is_def], minlength=columns)
    a_pers = np.bincount(col[~is_def], weights=pers[~is_def], minlength=columns)

    contact = held & (a_eff > 0)
    k = params.attrition
    cas_att = k * d_eff * params.defence_multiplier
    cas_def = k * a_eff
    if params.law == "linear":
        ref = max(params.reference_personnel, 1.0)
        cas_att = cas_att * a_pers / ref
        cas_def = cas_def * d_pers / ref
    cas_att = np.where(contact, cas_att, 0.0)
    cas_def = np.where(contact, cas_def, 0.0)

    # Spread each column's casualties over its units by strength x exposure.
    vul = vulnerability(table, params.drone_vulnerability)
    exposure = pers * vul
    exp_def = np.bincount(col[is_def], weights=exposure[is_def], minlength=columns)
    exp_att = np.bincount(col[~is_def], weights=exposure[~is_def], minlength=columns)
    col_cas = np.where(is_def, cas_def[col], cas_att[col])
    col_exp = np.where(is_def, exp_def[col], exp_att[col])
    share = np.divide(exposure, col_exp, out=np.zeros(n), where=col_exp > 0)

    fog = rng.standard_normal(columns)
    casualties = np.minimum(rng.poisson(col_cas * share), pers).astype(float)

    ratio = np.divide(a_eff, d_eff, out=np.full(columns, np.inf), where=d_eff > 0)
    ratio = ratio * np.exp(params.noise * fog)
    change = np.zeros(columns, dtype=np.int64)
    change[contact & (ratio > params.breakthrough_ratio)] = -1
    counter = contact & (ratio * params.counterattack_ratio < 1.0) & (depth < rows)
    change[counter] = 1
    return WeekResult(casualties=casualties, depth_change=change, contact=contact)
