"""The Mesa model: the Kursk front, the units on it, and the states around it.

One step is one week. Order within a week: North Korean arrival, the week's fighting on
every contested column (:mod:`sim.combat`), then the state actors' rules
(:mod:`sim.actors`), the escalation index (:mod:`sim.escalation`), and data collection.
The model never writes files.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from sim.actors import China, Nato, NorthKorea, Russia, SouthKorea, Ukraine
from sim.combat import CombatParams, fight_week
from sim.escalation import ROK_RUNG_EVENTS, escalation_index
from sim.scenario import Scenario
from sim.units import Side, Unit, UnitTable

#: Model reporters collected each week (name -> model attribute), in column order.
SERIES: dict[str, str] = {
    "week": "week",
    "ukraine_area_km2": "area_km2",
    "casualties_ukraine": "casualties_ukraine",
    "casualties_russia": "casualties_russia",
    "casualties_north_korea": "casualties_north_korea",
    "nk_prisoners": "prisoners",
    "nk_troops_in_russia": "nk_troops_in_russia",
    "nk_troops_in_combat": "nk_in_combat",
    "nk_experience": "nk_experience",
    "nk_prestige": "nk_prestige",
    "nk_waves": "nk_waves",
    "russia_desperation": "russia_desperation",
    "reward_finance_musd": "reward_finance_musd",
    "reward_food_t": "reward_food_t",
    "reward_fuel_bbl": "reward_fuel_bbl",
    "tech_level": "tech_level",
    "rok_perception": "rok_perception",
    "rok_rung": "rok_rung",
    "china_restraint": "china_restraint",
    "nato_rung": "nato_rung",
    "ukraine_equipment": "ukraine_equipment",
    "personnel_ukraine": "personnel_ukraine",
    "personnel_russia": "personnel_russia",
    "escalation_index": "escalation_index",
}


class ScalarCollector(mesa.DataCollector):
    """Mesa's DataCollector for model reporters that are attribute names of scalars.

    Mesa deep-copies every reported value in case it is mutable; ours are numbers, and
    that copying was a third of a run's time. Same API (``model_vars``,
    ``get_model_vars_dataframe``), same values.
    """

    def collect(self, model: mesa.Model) -> None:
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for var, attr in self.model_reporters.items():
            self.model_vars[var].append(float(getattr(model, attr)))


def initial_depths(sectors: int, columns: int, rows: int) -> np.ndarray:
    """Spread ``sectors`` Ukrainian-held sectors over the columns, deepest in the middle.

    The salient was deepest along the Sudzha axis, in its middle; a triangular profile
    (largest-remainder rounding, capped at ``rows``) is the simplest shape with that property.
    """
    sectors = min(sectors, columns * rows)
    weights = 1.0 + np.minimum(np.arange(columns), np.arange(columns)[::-1])
    depth = np.zeros(columns, dtype=np.int64)
    remaining = sectors
    while remaining > 0:
        open_cols = depth < rows
        share = np.where(open_cols, weights, 0.0)
        ideal = remaining * share / share.sum()
        add = np.minimum(np.floor(ideal).astype(np.int64), rows - depth)
        if add.sum() == 0:  # hand out single sectors by largest remainder
            order = np.argsort(-(ideal - np.floor(ideal)), kind="stable")
            for c in order:
                if remaining and depth[c] < rows:
                    depth[c] += 1
                    remaining -= 1
            continue
        depth += add
        remaining -= int(add.sum())
    return depth


class EscalationModel(mesa.Model):
    """The Kursk deployment and the escalation around it.

    ``EscalationModel(scenario, rng=seed)``; ``step()`` advances one week; ``run()`` to the
    horizon; ``outcomes()`` gives the flat outcome record and ``series()`` the weekly
    time series. All randomness comes from ``self.rng``.
    """

    def __init__(
        self, scenario: Scenario | None = None, *, rng: Any = None, weeks: int | None = None
    ) -> None:
        super().__init__(rng=rng)
        cfg = scenario if scenario is not None else Scenario()
        self.config = cfg
        self.horizon = weeks if weeks is not None else cfg.weeks
        self.week = 0
        f = cfg.front
        self.rows = f.rows
        self.grid = OrthogonalMooreGrid((f.columns, f.rows), torus=False, random=self.random)
        self.depth = initial_depths(round(f.ukraine_held_km2 / f.sector_km2), f.columns, f.rows)
        self.initial_area_km2 = self.area_km2
        self.start_date = dt.date.fromisoformat(cfg.start_date)

        nk = cfg.north_korea
        capacity = (
            (cfg.ukraine.troops_kursk + cfg.russia.troops_kursk + nk.troops_to_kursk
             + nk.max_waves * nk.wave_size) // f.unit_size + 8
        )
        self.units = UnitTable(capacity)
        self._unit_agents: list[Unit] = []
        self._placed_row = np.zeros(0, dtype=np.int64)
        self.casualties = np.zeros(3)
        self.week_casualties = np.zeros(3)
        self.week_start_personnel = np.zeros(3)
        self.prisoners = 0
        self.week_prisoners = 0
        self.week_area_retaken_km2 = 0.0
        self.retaken_week: int | None = None

        self._add_units(Side.UKRAINE, cfg.ukraine.troops_kursk, cfg.ukraine.troop_quality,
                        cfg.ukraine.experience)
        self._add_units(Side.RUSSIA, cfg.russia.troops_kursk, cfg.russia.troop_quality,
                        cfg.russia.experience)
        personnel = np.array([self.units.personnel(s) for s in Side])
        self._combat = CombatParams(
            law=cfg.combat.law,
            attrition=cfg.combat.attrition,
            defence_multiplier=cfg.combat.defence_multiplier,
            breakthrough_ratio=cfg.combat.breakthrough_ratio,
            counterattack_ratio=cfg.combat.counterattack_ratio,
            noise=cfg.combat.noise,
            reference_personnel=float(personnel.sum()) / f.columns,
            coordination_penalty=nk.coordination_penalty,
            drone_vulnerability=nk.drone_vulnerability,
        )

        # State actors; created in stepping order. China before South Korea so that
        # Seoul's rule sees this week's restraint.
        self.ru = Russia(self)
        self.nk = NorthKorea(self)
        self.ua = Ukraine(self)
        self.china = China(self)
        self.rok = SouthKorea(self)
        self.nato = Nato(self)
        self._actors = (self.ru, self.nk, self.ua, self.china, self.rok, self.nato)
        self.escalation_index = self._escalation()
        self.events: list[tuple[int, str]] = []
        self._seen_rok_rung = self.rok.rung
        self._seen_nato_rung = self.nato.rung
        if nk.arrival_week == 0:
            self._arrive()

        self.datacollector = ScalarCollector(model_reporters=dict(SERIES))
        self.datacollector.collect(self)

    # ----------------------------------------------------------------- units
    def _columns_by_depth(self) -> np.ndarray:
        """Held columns, deepest first (ties: lower index), for allocating new units."""
        held = np.flatnonzero(self.depth > 0)
        return held[np.argsort(-self.depth[held], kind="stable")]

    def _add_units(self, side: Side, personnel: float, quality: float, experience: float) -> None:
        cols = self._columns_by_depth()
        rows = self.units.add(side, personnel, self.config.front.unit_size, quality,
                              experience, cols)
        if len(rows) == 0:
            return
        self._placed_row = np.concatenate([self._placed_row, np.full(len(rows), -1)])
        for r in rows:
            self._unit_agents.append(Unit(self, int(r), self._cell_for(int(r))))
            self._placed_row[r] = self._row_for(int(r))

    def _row_for(self, r: int) -> int:
        d = int(self.depth[self.units.column[r]])
        if self.units.side[r] == Side.UKRAINE:
            return max(d - 1, 0)
        return min(d, self.rows - 1)

    def _cell_for(self, r: int):
        return self.grid[(int(self.units.column[r]), self._row_for(r))]

    def _place_units(self) -> None:
        """Move unit agents whose front line moved (few per week: cheap)."""
        n = self.units.n
        d = self.depth[self.units.column[:n]]
        target = np.where(self.units.side[:n] == Side.UKRAINE,
                          np.maximum(d - 1, 0), np.minimum(d, self.rows - 1))
        col = self.units.column
        for r in np.flatnonzero(target != self._placed_row[:n]):
            self._unit_agents[r].cell = self.grid[(int(col[r]), int(target[r]))]
            self._placed_row[r] = target[r]

    def deploy_north_koreans(self, personnel: float) -> None:
        """Put North Korean troops into the line, on the deepest (main-effort) columns."""
        p = self.config.north_korea
        self._add_units(Side.NORTH_KOREA, personnel, p.troop_quality, p.initial_experience)

    def withdraw(self, side: Side, share: float) -> float:
        """Pull ``share`` of a side's active units out of the line (chosen at random);
        returns the personnel withdrawn."""
        idx = np.flatnonzero(self.units.mask(side))
        k = round(share * len(idx))
        if k == 0:
            return 0.0
        chosen = self.rng.choice(idx, size=k, replace=False)
        out = float(self.units.strength[chosen].sum())
        self.units.active[chosen] = False
        self.units.changed()
        return out

    def replenish(self, side: Side, personnel: float) -> None:
        """Top up a side's active units toward full strength, in proportion to their gaps."""
        if personnel <= 0:
            return
        t = self.units
        m = t.mask(side)
        gap = np.where(m, self.config.front.unit_size - t.strength[: t.n], 0.0).clip(min=0)
        total = gap.sum()
        if total <= 0:
            return
        t.strength[: t.n] += gap * min(1.0, personnel / total)
        t.changed()

    def _arrive(self) -> None:
        self.nk.deployed = True
        self.deploy_north_koreans(self.config.north_korea.troops_to_kursk)
        self.events.append((self.week, "North Korean units enter combat in Kursk"))

    # ----------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one week."""
        if self.week >= self.horizon:
            self.running = False
            return
        nk = self.config.north_korea
        if not self.nk.deployed and self.week >= nk.arrival_week:
            self._arrive()
        self._fight()
        self.week += 1
        for actor in self._actors:
            actor.step()
        self.escalation_index = self._escalation()
        self._log_events()
        self.datacollector.collect(self)
        if self.week >= self.horizon:
            self.running = False

    def run(self) -> EscalationModel:
        """Step to the horizon; returns the model for chaining."""
        while self.running and self.week < self.horizon:
            self.step()
        self.running = False
        return self

    def _fight(self) -> None:
        t = self.units
        n = t.n
        self.week_start_personnel = np.array([t.personnel(s) for s in Side])
        res = fight_week(t, self.depth, self.rows, self.ua.equipment, self._combat, self.rng)
        side = t.side[:n]
        before = t.strength[:n].copy()
        t.strength[:n] = np.maximum(before - res.casualties, 0.0)
        t.changed()
        self.week_casualties = np.bincount(side, weights=res.casualties, minlength=3)
        self.casualties += self.week_casualties
        nk_cas = int(self.week_casualties[Side.NORTH_KOREA])
        p = self.config.north_korea
        self.week_prisoners = int(self.rng.binomial(nk_cas, p.prisoner_share)) if nk_cas else 0
        self.prisoners += self.week_prisoners

        # Morale falls with the week's losses (twice the share lost) and recovers slowly.
        lost = np.divide(res.casualties, before, out=np.zeros(n), where=before > 0)
        morale = t.morale[:n] - 2.0 * lost
        morale += self.config.combat.morale_recovery * (1.0 - morale)
        t.morale[:n] = np.clip(morale, 0.2, 1.0)
        # North Korean units learn in contact; the others' experience is fixed.
        in_contact = res.contact[t.column[:n]] & (side == Side.NORTH_KOREA) & t.active[:n]
        t.experience[:n][in_contact] += p.learning_rate * (1.0 - t.experience[:n][in_contact])
        # Units below a tenth of full strength are combat-ineffective.
        t.active[:n] &= t.strength[:n] >= 0.1 * self.config.front.unit_size
        t.changed()

        old_area = self.area_km2
        self.depth = np.clip(self.depth + res.depth_change, 0, self.rows)
        self.week_area_retaken_km2 = max(0.0, old_area - self.area_km2)
        if (self.depth == 0).any():
            self._reassign_lost_columns()
        if self.retaken_week is None and self.area_km2 <= 0 < self.initial_area_km2:
            self.retaken_week = self.week + 1
        self._place_units()

    def _reassign_lost_columns(self) -> None:
        """Units in columns Ukraine no longer holds shift to the nearest held column."""
        held = np.flatnonzero(self.depth > 0)
        if len(held) == 0:
            return
        n = self.units.n
        col = self.units.column[:n]
        lost = self.depth[col] == 0
        if lost.any():
            dist = np.abs(col[lost][:, None] - held[None, :])
            self.units.column[:n][lost] = held[np.argmin(dist, axis=1)]

    def _escalation(self) -> float:
        e = self.config.escalation
        return escalation_index(
            rok_rung=self.rok.rung,
            nk_troops=self.nk.troops_in_russia,
            nk_reference_troops=e.nk_reference_troops,
            tech=self.ru.tech_level,
            nato_rung=self.nato.rung,
            desperation=self.ru.desperation,
            weights=(e.weight_rok, e.weight_nk, e.weight_tech, e.weight_nato,
                     e.weight_desperation),
        )

    def _log_events(self) -> None:
        w = self.week
        if self.rok.rung > self._seen_rok_rung:
            for r in range(self._seen_rok_rung + 1, self.rok.rung + 1):
                self.events.append((w, ROK_RUNG_EVENTS[r]))
            self._seen_rok_rung = self.rok.rung
        if self.nato.rung > self._seen_nato_rung:
            self.events.append((w, "NATO/US raise support to Ukraine" if self.nato.rung == 2
                                else "NATO/US condemn the deployment"))
            self._seen_nato_rung = self.nato.rung
        if self.retaken_week == w:
            self.events.append((w, "Kursk fully retaken by Russian and North Korean forces"))

    # ----------------------------------------------------------------- reporters
    @property
    def area_km2(self) -> float:
        """Ukrainian-held area of Kursk."""
        return float(self.depth.sum()) * self.config.front.sector_km2

    @property
    def visibility(self) -> float:
        """How far outside observers can see the deployment (0-1). The disguise as Buryats
        and Yakuts (the article) keeps it partly deniable for ``disguise_weeks``."""
        w = self.config.north_korea.disguise_weeks
        return 1.0 if w == 0 else min(1.0, (self.week + 1) / w)

    def nk_mean_experience(self) -> float:
        """Strength-weighted mean experience of North Korean units still in the line."""
        t = self.units
        m = t.mask(Side.NORTH_KOREA)
        s = t.strength[: t.n][m]
        return float((t.experience[: t.n][m] * s).sum() / s.sum()) if s.sum() > 0 else 0.0

    casualties_ukraine = property(lambda self: float(self.casualties[Side.UKRAINE]))
    casualties_russia = property(lambda self: float(self.casualties[Side.RUSSIA]))
    casualties_north_korea = property(lambda self: float(self.casualties[Side.NORTH_KOREA]))
    nk_troops_in_russia = property(lambda self: self.nk.troops_in_russia)
    nk_in_combat = property(lambda self: self.nk.in_combat)
    nk_experience = property(lambda self: self.nk_mean_experience())
    nk_prestige = property(lambda self: self.nk.prestige)
    nk_waves = property(lambda self: self.nk.waves)
    russia_desperation = property(lambda self: self.ru.desperation)
    reward_finance_musd = property(lambda self: self.ru.finance_musd)
    reward_food_t = property(lambda self: self.ru.food_t)
    reward_fuel_bbl = property(lambda self: self.ru.fuel_bbl)
    tech_level = property(lambda self: self.ru.tech_level)
    rok_perception = property(lambda self: self.rok.perception)
    rok_rung = property(lambda self: self.rok.rung)
    china_restraint = property(lambda self: self.china.restraint)
    nato_rung = property(lambda self: self.nato.rung)
    ukraine_equipment = property(lambda self: self.ua.equipment)
    personnel_ukraine = property(lambda self: self.units.personnel(Side.UKRAINE))
    personnel_russia = property(lambda self: self.units.personnel(Side.RUSSIA))

    # ----------------------------------------------------------------- results
    def series(self) -> dict[str, np.ndarray]:
        """The weekly time series as columns of equal length (weeks 0..horizon)."""
        data = self.datacollector.model_vars
        return {name: np.asarray(data[name], dtype=float) for name in SERIES}

    def outcomes(self) -> dict[str, Any]:
        """The flat outcome record of the run so far (see :mod:`sim.outcomes`)."""
        from sim.outcomes import outcome_record

        return outcome_record(self)
