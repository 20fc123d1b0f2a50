"""State actors: one Mesa agent per state, each with one decision rule per week.

Rules are deliberately simple and written out here so that an analyst can read what the
model assumes. Every coefficient is a scenario parameter (see :mod:`sim.scenario` for its
unit and source). The model steps the actors in a fixed order after the week's fighting:
Russia, North Korea, Ukraine, China, South Korea, NATO/US.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.escalation import highest_rung
from sim.units import Side

if TYPE_CHECKING:
    from sim.model import EscalationModel

PER_10K = 10_000.0
"""Troop counts enter perception and technology transfer per 10,000 soldiers, the order of
the reported first wave (10,000-12,000, sources.md)."""

WEEKS_PER_MONTH = 52.0 / 12.0


def clamp01(x: float) -> float:
    """``x`` limited to [0, 1], as a Python float (np.clip on a scalar costs ~10 µs, and the
    actors clamp four levels a week in every run)."""
    return min(1.0, max(0.0, float(x)))


class StateActor(mesa.Agent):
    """Common base: typed access to the model."""

    model: EscalationModel


class Russia(StateActor):
    """Desperation rises with Ukrainian-held Kursk territory and with recent losses; the
    reward package to Pyongyang grows with North Korea's contribution and Russia's need."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        p = model.config.russia
        self.desperation = p.initial_desperation
        self.loss_ewm = 0.0  # smoothed weekly Russian + North Korean casualties
        self.finance_musd = 0.0
        self.food_t = 0.0
        self.fuel_bbl = 0.0
        self.tech_level = 0.0
        self.tech_gain_week = 0.0

    def step(self) -> None:
        m = self.model
        p = m.config.russia
        # Desperation: D0 moved by the area Ukraine still holds (relative to the start) and
        # by losses relative to a 'normal' 2%/week of the initial Russian force.
        self.loss_ewm = 0.5 * self.loss_ewm + 0.5 * (m.week_casualties[Side.RUSSIA]
                                                     + m.week_casualties[Side.NORTH_KOREA])
        loss_ref = max(0.02 * m.config.russia.troops_kursk, 1.0)
        area_ratio = m.area_km2 / m.initial_area_km2 if m.initial_area_km2 > 0 else 0.0
        loss_ratio = min(2.0, self.loss_ewm / loss_ref)
        self.desperation = clamp01(
            p.initial_desperation
            + p.desperation_area_weight * (area_ratio - 1.0)
            + p.desperation_loss_weight * (loss_ratio - 1.0) * 0.5
        )
        need = 0.5 + self.desperation
        troops = m.nk.troops_in_russia
        self.finance_musd += p.finance_usd_per_soldier_month * troops / WEEKS_PER_MONTH / 1e6 * need
        self.food_t += p.food_tonnes_per_1000_week * troops / 1000.0 * need
        self.fuel_bbl += p.fuel_barrels_week + p.fuel_barrels_per_1000_week * troops / 1000.0 * need
        restraint = m.china.restraint * m.config.china.restraint_effect
        gain = p.tech_transfer_rate * min(2.0, troops / PER_10K) * self.desperation
        gain *= 1.0 - restraint
        self.tech_gain_week = min(gain, 1.0 - self.tech_level)
        self.tech_level += self.tech_gain_week
        m.replenish(Side.RUSSIA, p.replacement_rate * need * m.week_casualties[Side.RUSSIA])


class NorthKorea(StateActor):
    """Kim's prestige rides on how his soldiers fare (the article). Every few weeks after the
    first units arrive he reinforces, holds or draws down, from prestige, Russia's demand
    (its desperation) and China's pressure for restraint."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        p = model.config.north_korea
        self.prestige = p.initial_prestige
        self.prestige_min = p.initial_prestige
        self.sent = float(p.troops_in_russia)
        self.withdrawn = 0.0
        self.waves = 0
        self.drawdowns = 0
        self.deployed = False

    @property
    def troops_in_russia(self) -> float:
        """Soldiers sent, less casualties and those brought home."""
        m = self.model
        return max(0.0, self.sent - m.casualties[Side.NORTH_KOREA] - self.withdrawn)

    @property
    def in_combat(self) -> float:
        return self.model.units.personnel(Side.NORTH_KOREA)

    def step(self) -> None:
        m = self.model
        p = m.config.north_korea
        if not self.deployed:
            return
        in_contact = self.in_combat > 0 and m.area_km2 > 0
        retaken_share = m.week_area_retaken_km2 / m.initial_area_km2 if m.initial_area_km2 else 0
        before = m.week_start_personnel[Side.NORTH_KOREA]
        cas_share = m.week_casualties[Side.NORTH_KOREA] / before if before > 0 else 0.0
        self.prestige += (
            (p.prestige_success_gain * retaken_share if in_contact else 0.0)
            - p.prestige_casualty_sensitivity * cas_share
            - p.prestige_prisoner_sensitivity * m.week_prisoners
            + p.prestige_tech_gain * m.ru.tech_gain_week
        )
        self.prestige = clamp01(self.prestige)
        self.prestige_min = min(self.prestige_min, self.prestige)

        since = m.week - p.arrival_week
        if since <= 0 or since % p.decision_interval_weeks:
            return
        if self.prestige < p.drawdown_prestige and self.in_combat > 0:
            self.withdrawn += m.withdraw(Side.NORTH_KOREA, p.drawdown_share)
            self.drawdowns += 1
        elif (
            self.prestige >= p.reinforce_prestige
            and self.waves < p.max_waves
            and p.wave_size > 0
            and m.area_km2 > 0
        ):
            restraint = m.china.restraint * m.config.china.restraint_effect
            if m.rng.random() < m.ru.desperation * (1.0 - restraint):
                m.deploy_north_koreans(p.wave_size)
                self.sent += p.wave_size
                self.waves += 1


class Ukraine(StateActor):
    """Holds the salient; replaces part of its losses; its equipment is Western support
    raised by NATO's rung and by South Korean weapons once delivered."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        self.equipment = model.config.ukraine.western_support

    def step(self) -> None:
        m = self.model
        p = m.config.ukraine
        boost = 0.0
        if m.rok.delivered(3):
            boost += p.rok_defensive_boost
        if m.rok.delivered(4):
            boost += p.rok_offensive_boost
        nato = m.config.nato.support_increase if m.nato.rung >= 2 else 0.0
        self.equipment = p.western_support * (1.0 + nato) * (1.0 + boost)
        m.replenish(Side.UKRAINE, p.replacement_rate * m.week_casualties[Side.UKRAINE])


class China(StateActor):
    """Beijing presses Pyongyang and Moscow for restraint: a baseline, more as escalation
    rises, more again as Seoul's covert diplomacy reaches a receptive Beijing."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        self.restraint = model.config.china.restraint_base

    def step(self) -> None:
        m = self.model
        p = m.config.china
        self.restraint = clamp01(
            p.restraint_base
            + p.restraint_sensitivity * m.escalation_index / 100.0
            + p.receptiveness * m.config.south_korea.diplomacy_effort
        )


class SouthKorea(StateActor):
    """Threat perception moves toward what Seoul sees: North Korean troops (as far as the
    disguise lets them be seen), the combat experience they gain, and technology Russia
    hands the North. Covert diplomacy with Beijing damps it and raises every threshold.
    The ladder only climbs ("step by step with the North's moves")."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        p = model.config.south_korea
        self.perception = p.initial_perception
        self.thresholds = (
            p.statement_threshold, p.nonlethal_threshold,
            p.defensive_threshold, p.offensive_threshold,
        )
        self.rung = 0
        self.rung_week: dict[int, int] = {}
        self._update_rung()

    @property
    def diplomacy_success(self) -> float:
        """How much covert diplomacy achieves (0-1): effort times Beijing's receptiveness."""
        m = self.model
        return m.config.south_korea.diplomacy_effort * m.config.china.receptiveness

    def delivered(self, rung: int) -> bool:
        """Whether weapons approved at ``rung`` have reached Ukrainian units."""
        week = self.rung_week.get(rung)
        lag = self.model.config.south_korea.delivery_weeks
        return week is not None and self.model.week >= week + lag

    def step(self) -> None:
        m = self.model
        p = m.config.south_korea
        seen = m.visibility
        target = (
            p.weight_troops * m.nk.troops_in_russia * seen / PER_10K
            + p.weight_experience * m.nk_mean_experience() * seen
            + p.weight_tech * m.ru.tech_level
        ) * (1.0 - p.diplomacy_damping * self.diplomacy_success)
        self.perception += p.perception_rate * (target - self.perception)
        self.perception = clamp01(self.perception)
        self._update_rung()

    def _update_rung(self) -> None:
        raise_by = self.model.config.south_korea.diplomacy_threshold_raise * self.diplomacy_success
        shifted = tuple(t + raise_by for t in self.thresholds)
        new = highest_rung(self.perception, shifted)
        for r in range(self.rung + 1, new + 1):
            self.rung_week[r] = self.model.week
        self.rung = max(self.rung, new)


class Nato(StateActor):
    """NATO/US: condemns once North Korean troops are seen (Rutte, in the article), and
    raises support to Ukraine once enough are seen fighting."""

    def __init__(self, model: EscalationModel) -> None:
        super().__init__(model)
        self.rung = 0

    def step(self) -> None:
        m = self.model
        seen = m.visibility
        if m.nk.troops_in_russia * seen > 0:
            self.rung = max(self.rung, 1)
        if m.nk.in_combat * seen >= m.config.nato.support_trigger_troops > 0 or (
            m.config.nato.support_trigger_troops == 0 and self.rung >= 1
        ):
            self.rung = 2
