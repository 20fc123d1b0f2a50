"""The state of a batch of runs: plain arrays with a leading run axis.

One :class:`BatchState` holds every run of a batch at the same week: the units (runs x
slots, :mod:`sim.core.units`), the front (runs x columns), the week's bookkeeping, and one
state object per actor, under the actor's key (``s.rok``: :mod:`sim.core.actors`). All
runs of a batch share the map's shape (columns, rows) and the horizon;
:func:`sim.core.engine.run_batch` groups runs accordingly. A snapshot of a run is a copy
of these arrays: there is no generator state (random numbers are a function of the run's
key and the week, :mod:`sim.core.rng`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core import escalation, injects, rng
from sim.core.actors import ACTORS, north_korea
from sim.core.front import initial_depths
from sim.core.paramtable import Params
from sim.core.units import (
    EMPTY,
    GROUP_NK_MAIN,
    GROUP_NK_VANGUARD,
    GROUP_NK_WAVE0,
    GROUP_RUSSIA,
    GROUP_UKRAINE,
    Side,
    Units,
    deploy,
    layout,
    unit_counts,
)


@dataclass
class BatchState:
    """Everything a batch of runs is at one week. Arrays are per run unless noted.

    Each actor's state is an attribute named by its key (``s.ru``, ``s.nk``, ``s.ua``,
    ``s.china``, ``s.rok``, ``s.nato``), set by :func:`new_state` from the registry."""

    p: Params
    seeds: np.ndarray  # int64
    keys: np.ndarray  # uint64, from the seeds
    horizon: int
    columns: int
    rows: int
    units: Units
    depth: np.ndarray  # (runs, columns) sectors held by Ukraine in each column
    initial_area: np.ndarray
    reference_personnel: np.ndarray  # mean personnel per column at the start (linear law)
    week: int = 0  # the week being played (between weeks: the next one; engine.py)
    casualties: np.ndarray = field(default=None)  # (runs, 3) cumulative, by Side
    week_casualties: np.ndarray = field(default=None)  # (runs, 3)
    week_start_personnel: np.ndarray = field(default=None)  # (runs, 3)
    prisoners: np.ndarray = field(default=None)
    week_prisoners: np.ndarray = field(default=None)
    week_area_retaken: np.ndarray = field(default=None)  # km²
    retaken_week: np.ndarray = field(default=None)  # NaN until Kursk is fully retaken
    contact: np.ndarray = field(default=None)  # (runs, columns) last week's contact
    progress: np.ndarray = field(default=None)  # (runs, columns) attacker's gains, sectors
    escalation: np.ndarray = field(default=None)
    escalation_peak: np.ndarray = field(default=None)
    series_log: np.ndarray | None = None  # (runs, horizon + 1, series) when kept
    # Flat indices that let one ``bincount`` sum a (runs, slots) array by run and column or
    # by run and side (padding slots go to a last, discarded bin):
    flat_column: np.ndarray = field(default=None)  # run * columns + column
    flat_front: np.ndarray = field(default=None)  # as flat_column, attackers + runs * columns
    flat_side: np.ndarray = field(default=None)  # run * 3 + side
    fight_ids: np.ndarray = field(default=None)  # the week's draws: fog, casualties, prisoners
    inject_plan: dict = field(default_factory=dict)  # week -> [planned injects]
    inject_wave_group0: int = 0  # slot group of the first wave ordered by an inject

    runs: int = 0
    any_linear: bool = False  # some run uses the linear Lanchester law
    layout_version: int = 0  # bumped when the front or a unit's column changes (the map)
    area: np.ndarray = field(default=None)  # Ukrainian-held area of Kursk, km²
    _memo: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict, repr=False)

    def memo(self, name: str, compute: Any, per_week: bool = False) -> np.ndarray:
        """A derived value, computed once per change of the units (or, ``per_week``, once
        a week): the rules ask for personnel by side a dozen times a week."""
        key = self.week if per_week else self.units.version
        hit = self._memo.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = compute()
        self._memo[name] = (key, value)
        return value

    def forget(self, *names: str) -> None:
        """Drop derived values kept by :meth:`memo` that a change outside the units made
        stale (North Korea's soldiers sent, lost away from the map or brought home), without
        making every value derived from the units stale too."""
        for name in names:
            self._memo.pop(name, None)

    def refresh_columns(self) -> None:
        """Recompute the flat column indices after units were placed or moved."""
        self.layout_version += 1
        u, rc = self.units, self.runs * self.columns
        self.flat_column = (np.arange(self.runs) * self.columns)[:, None] + u.column
        self.flat_front = np.where(u.side == Side.UKRAINE, self.flat_column,
                                   np.where(u.side == EMPTY, 2 * rc, rc + self.flat_column))

    def column_sums(self, x: np.ndarray) -> np.ndarray:
        """Sums of a (runs, slots) array per front column, flat: the defender's (Ukraine's)
        runs x columns, the attackers', then one bin for padding slots (which hold zeros),
        so that ``sums[flat_front]`` gives every slot its column's sum. Term by term in slot
        order, so a run's sums do not depend on its batch."""
        rc = self.runs * self.columns
        return np.bincount(self.flat_front.ravel(), weights=x.ravel(), minlength=2 * rc + 1)

    def by_column_view(self, flat: np.ndarray) -> np.ndarray:
        """A flat array laid out as :meth:`column_sums` as (2, runs, columns) (a view)."""
        return flat[: 2 * self.runs * self.columns].reshape(2, self.runs, self.columns)

    def by_column(self, x: np.ndarray) -> np.ndarray:
        """Sums of a (runs, slots) array per front column: shape (2, runs, columns), the
        defender's first, the attackers' second."""
        return self.by_column_view(self.column_sums(x))

    def by_side(self, x: np.ndarray) -> np.ndarray:
        """Per-run sums of a (runs, slots) array by side: shape (runs, 3), Side order."""
        sums = np.bincount(self.flat_side.ravel(), weights=x.ravel(), minlength=3 * self.runs + 1)
        return sums[: 3 * self.runs].reshape(self.runs, 3)

    def personnel(self) -> np.ndarray:
        """Soldiers in the line by side: shape (runs, 3)."""
        return self.memo("personnel", lambda: self.by_side(
            np.where(self.units.active, self.units.strength, 0.0)))

    def refresh_sides(self) -> None:
        """Indices fixed for a run (a slot's side and identity never change): by side, and
        the identities of the week's combat draws (:mod:`sim.core.rng`)."""
        u = self.units
        self.flat_side = np.where(u.side == EMPTY, 3 * self.runs,
                                  np.arange(self.runs)[:, None] * 3 + u.side)
        fog = np.broadcast_to(rng.draw_ids(rng.Site.FOG, np.arange(self.columns)),
                              (self.runs, self.columns))
        prisoners = np.broadcast_to(rng.draw_ids(rng.Site.PRISONERS, np.zeros(1)),
                                    (self.runs, 1))
        self.fight_ids = np.concatenate(
            [fog, rng.draw_ids(rng.Site.CASUALTIES, u.uid), prisoners], axis=1)

    def copy(self) -> BatchState:
        """An independent deep copy (a snapshot)."""
        return copy.deepcopy(self)

    def take(self, rows: np.ndarray) -> BatchState:
        """The state of a subset of runs (same week), as an independent copy."""
        out = copy.copy(self)
        out.p = self.p.take(rows)
        out.runs = len(rows)
        out.any_linear = bool((out.p.combat.law == "linear").any())
        out._memo = {}
        for name, value in vars(self).items():
            if name in ("p", "flat_column", "flat_front", "flat_side", "fight_ids", "_memo",
                        "runs", "any_linear", "inject_plan"):
                continue
            if isinstance(value, np.ndarray):
                setattr(out, name, value[rows].copy())
            elif isinstance(value, Units):
                setattr(out, name, value.take(rows))
            elif hasattr(value, "__dataclass_fields__"):
                setattr(out, name, type(value)(**{k: v[rows].copy()
                                                  for k, v in vars(value).items()}))
        out.refresh_columns()
        out.refresh_sides()
        out.inject_plan = injects.plan(out.p.injects, self.inject_wave_group0)
        return out


def shape_key(p: Params, run: int, weeks: int | None) -> tuple[int, int, int]:
    """What runs must share to be in one batch: horizon, columns, rows."""
    horizon = int(weeks if weeks is not None else p.weeks[run])
    return horizon, int(p.front.columns[run]), int(p.front.rows[run])


def new_state(p: Params, seeds: Any, horizon: int, series: int = 0,
              reserve_waves: tuple[int, ...] = ()) -> BatchState:
    """A batch at the start of week 0: units placed, actors initialised, nothing played yet
    (North Korean units due at week 0 enter when it is played, :mod:`sim.core.engine`).
    ``series``: number of weekly series to log (0: none). ``reserve_waves``:
    troops of further waves injects may order later (a branch's variants), laid out after
    each run's own."""
    seeds = np.asarray(seeds, dtype=np.int64)
    if len(seeds) and (seeds.min() < 0 or seeds.max() >= rng.SEED_LIMIT):
        raise ValueError("seeds must be whole numbers in [0, 2**63)")
    runs = p.runs
    f = p.front
    columns, rows = int(f.columns[0]), int(f.rows[0])
    cache: dict[int, np.ndarray] = {}
    depth = np.empty((runs, columns), dtype=np.int64)
    sectors = np.rint(f.ukraine_held_km2 / f.sector_km2).astype(np.int64)
    for r in range(runs):
        n = int(sectors[r])
        if n not in cache:
            cache[n] = initial_depths(n, columns, rows)
        depth[r] = cache[n]

    nk = p.north_korea
    size = f.unit_size
    waves = int(nk.max_waves.max(initial=0))
    # Waves ordered by injects: each run's own in firing order, then the reserved ones.
    ordered = [[i.troops for i in injects.waves_ordered(own)] + list(reserve_waves)
               for own in p.injects]
    extra = max((len(w) for w in ordered), default=0)
    sizes = np.zeros((runs, GROUP_NK_WAVE0 + waves + extra), dtype=np.int64)
    sizes[:, GROUP_UKRAINE] = unit_counts(p.ukraine.troops_kursk, size)
    sizes[:, GROUP_RUSSIA] = unit_counts(p.russia.troops_kursk, size)
    vanguard = north_korea.vanguard_personnel(p)
    sizes[:, GROUP_NK_VANGUARD] = unit_counts(vanguard, size)
    sizes[:, GROUP_NK_MAIN] = unit_counts(nk.troops_to_kursk - vanguard, size)
    wave_units = unit_counts(nk.wave_size, size)
    for k in range(waves):
        sizes[:, GROUP_NK_WAVE0 + k] = np.where(k < nk.max_waves, wave_units, 0)
    for r, troops in enumerate(ordered):
        for j, n in enumerate(troops):
            sizes[r, GROUP_NK_WAVE0 + waves + j] = unit_counts(np.array([n]), size[r:r + 1])[0]
    group_side = np.array([Side.UKRAINE, Side.RUSSIA] + [Side.NORTH_KOREA] * (2 + waves + extra))
    units = layout(sizes, group_side)
    assert (units.side != EMPTY).sum() == sizes.sum()

    s = BatchState(
        p=p, seeds=seeds, keys=rng.run_keys(seeds), horizon=horizon, columns=columns, rows=rows,
        units=units, depth=depth, initial_area=depth.sum(axis=1) * f.sector_km2,
        reference_personnel=np.zeros(runs), runs=runs,
    )
    s.area = s.initial_area.copy()
    s.inject_wave_group0 = GROUP_NK_WAVE0 + waves
    s.inject_plan = injects.plan(p.injects, s.inject_wave_group0)
    s.any_linear = bool((p.combat.law == "linear").any())
    s.refresh_sides()
    everyone = np.ones(runs, dtype=bool)
    for group, sec in ((GROUP_UKRAINE, p.ukraine), (GROUP_RUSSIA, p.russia)):
        deploy(units, everyone, np.full(runs, group), sec.troops_kursk.astype(float), size,
               sec.troop_quality, sec.experience, depth)
    s.refresh_columns()
    pers = s.personnel()
    s.reference_personnel = (pers[:, Side.UKRAINE] + pers[:, Side.RUSSIA]) / columns
    zeros3 = np.zeros((runs, 3))
    s.casualties, s.week_casualties, s.week_start_personnel = (zeros3.copy(), zeros3.copy(),
                                                               zeros3.copy())
    s.prisoners, s.week_prisoners = np.zeros(runs), np.zeros(runs)
    s.week_area_retaken = np.zeros(runs)
    s.retaken_week = np.full(runs, np.nan)
    s.contact = np.zeros((runs, columns), dtype=bool)
    s.progress = np.zeros((runs, columns))
    for actor in ACTORS:  # in stepping order: an actor's init may read those before it
        setattr(s, actor.key, actor.init(s))
    # The index before week 0 is played: China's first rule reads "last week's" index.
    # The peak is over the weeks played, from week 0 on.
    s.escalation = escalation.index(s)
    s.escalation_peak = np.zeros(runs)
    if series:
        s.series_log = np.full((runs, horizon + 1, series), np.nan)
    return s
