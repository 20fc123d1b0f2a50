"""The units on the Kursk front as arrays of shape (runs, slots).

Why slots: a run fields a known maximum of battalion-sized units (Ukrainian and Russian at
the start, the North Korean first wave on arrival, then each reinforcement wave), so every
unit it can ever have gets a slot when the run starts, inactive until it deploys. Runs in a
batch have different numbers of units; the shorter ones are padded with empty slots (side
:data:`EMPTY`), which every rule ignores. Slots are grouped: group 0 Ukrainian, 1 Russian,
2 the North Korean first wave, 3 + k the k-th reinforcement wave.

Strengths are whole numbers of soldiers (deployment, casualties and replacements all deal
in whole soldiers), so sums of personnel are exact in any order
(:func:`sim.core.arith.whole_sum`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np

from sim.core.arith import whole_sum


class Side(IntEnum):
    """Who a unit fights for. North Korean units attack alongside Russian ones."""

    UKRAINE = 0
    RUSSIA = 1
    NORTH_KOREA = 2


EMPTY = -1
"""Side of a padding slot."""

GROUP_UKRAINE, GROUP_RUSSIA = 0, 1
GROUP_NK_VANGUARD, GROUP_NK_MAIN = 2, 3
"""The Kursk contingent's vanguard (in the line from ``arrival_week``) and main body (from
``assault_week``)."""
GROUP_NK_WAVE0 = 4
"""Group of the first reinforcement wave; wave k is group ``GROUP_NK_WAVE0 + k``."""

INEFFECTIVE_SHARE = 0.1
"""A unit below a tenth of its full strength is combat-ineffective and leaves the line
(a common rule of thumb: a battalion at 10 % is no longer a manoeuvre unit)."""


@dataclass(eq=False)  # arrays: compared by identity, never by value
class Units:
    """Per-slot state, each array of shape (runs, slots)."""

    side: np.ndarray  # int8, Side or EMPTY
    group: np.ndarray  # int16, see the module docstring
    uid: np.ndarray  # uint64, stable identity for random draws: side << 32 | number in side
    column: np.ndarray  # int64, column of the front the unit fights on
    strength: np.ndarray  # personnel
    quality: np.ndarray  # 0-1 training quality
    experience: np.ndarray  # 0-1 combat experience
    morale: np.ndarray  # 0.2-1
    deployed: np.ndarray  # bool: has entered the line (stays True once it has)
    active: np.ndarray  # bool: in the line now
    resting: np.ndarray  # bool: pulled off the line to rest and refit, will return
    version: int = 0  # bumped by every change of strength, experience or active (caches)

    def touch(self) -> None:
        """Call after changing strength, experience or active: derived sums are stale."""
        self.version += 1

    @property
    def shape(self) -> tuple[int, int]:
        return self.side.shape  # type: ignore[return-value]

    def copy(self) -> Units:
        return Units(**{f.name: getattr(self, f.name).copy() if f.name != "version"
                        else self.version for f in fields(self)})

    def take(self, rows: np.ndarray) -> Units:
        return Units(**{f.name: getattr(self, f.name)[rows] if f.name != "version" else 0
                        for f in fields(self)})


def unit_counts(personnel: np.ndarray, unit_size: np.ndarray) -> np.ndarray:
    """Units needed for ``personnel`` (full units of ``unit_size`` plus a smaller last one)."""
    return -(-np.rint(personnel).astype(np.int64) // unit_size)


def layout(group_sizes: np.ndarray, group_side: np.ndarray) -> Units:
    """Empty slots for runs whose groups hold ``group_sizes`` units (runs x groups).

    Slot order is group by group, so padding sits at the end of each run's row.
    """
    runs, groups = group_sizes.shape
    ends = np.cumsum(group_sizes, axis=1)
    slots = max(int(ends[:, -1].max()), 1) if runs else 1
    s = np.arange(slots)
    group = np.full((runs, slots), -1, dtype=np.int16)
    for g in range(groups):  # a handful of groups: vectorised over runs and slots
        start = ends[:, g] - group_sizes[:, g]
        inside = (s >= start[:, None]) & (s < ends[:, g][:, None])
        group[inside] = g
    side = np.where(group >= 0, group_side[np.maximum(group, 0)], EMPTY).astype(np.int8)
    # Number of each slot within its side, in slot order: stable random-draw identities.
    uid = np.zeros((runs, slots), dtype=np.uint64)
    for sd in Side:
        mine = side == sd
        within = np.cumsum(mine, axis=1) - 1
        uid[mine] = (np.uint64(int(sd)) << np.uint64(32)) | within[mine].astype(np.uint64)
    zeros = np.zeros((runs, slots))
    return Units(
        side=side, group=group, uid=uid, column=np.zeros((runs, slots), dtype=np.int64),
        strength=zeros.copy(), quality=zeros.copy(), experience=zeros.copy(),
        morale=np.ones((runs, slots)), deployed=np.zeros((runs, slots), dtype=bool),
        active=np.zeros((runs, slots), dtype=bool), resting=np.zeros((runs, slots), dtype=bool),
    )


def columns_by_depth(depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per run: held columns deepest first (ties: lower index), and how many are held."""
    order = np.argsort(-depth, axis=1, kind="stable")
    return order, (depth > 0).sum(axis=1)


def deploy(u: Units, which: np.ndarray, group: np.ndarray, personnel: np.ndarray,
           unit_size: np.ndarray, quality: np.ndarray, experience: np.ndarray,
           depth: np.ndarray) -> None:
    """Put group ``group[r]`` into the line in the runs ``which`` (bool, per run).

    ``personnel[r]`` is split into units of ``unit_size[r]`` (the last may be smaller), dealt
    round-robin over the held columns, deepest first. Nothing deploys where Ukraine holds
    no column any more (there is no front to fight on).
    """
    mask = which[:, None] & (u.group == group[:, None]) & (depth > 0).any(axis=1)[:, None]
    if not mask.any():
        return
    first = np.argmax(u.group == group[:, None], axis=1)  # first slot of the group
    j = np.arange(u.shape[1])[None, :] - first[:, None]  # number within the group
    size = unit_size[:, None].astype(float)
    strength = np.clip(np.rint(personnel)[:, None] - j * size, 0.0, size)
    mask &= strength > 0
    u.strength[mask] = strength[mask]
    u.quality[mask] = np.broadcast_to(quality[:, None], mask.shape)[mask]
    u.experience[mask] = np.broadcast_to(experience[:, None], mask.shape)[mask]
    u.deployed[mask] = True
    enter_line(u, mask, depth)


def enter_line(u: Units, mask: np.ndarray, depth: np.ndarray) -> None:
    """Units ``mask`` (runs x slots) enter the line with full morale, dealt round-robin over
    the held columns of their run, deepest first (the main effort is where the salient is
    deepest, the Sudzha axis)."""
    order, held = columns_by_depth(depth)
    mask = mask & (held > 0)[:, None]
    j = np.cumsum(mask, axis=1) - 1
    col = np.take_along_axis(order, j.clip(min=0) % np.maximum(held, 1)[:, None], axis=1)
    u.column[mask] = col[mask]
    u.morale[mask] = 1.0
    u.active[mask] = True
    u.resting[mask] = False
    u.touch()


def withdraw(u: Units, which: np.ndarray, side: Side, share: np.ndarray,
             draws: np.ndarray) -> np.ndarray:
    """Take ``round(share * n)`` of a side's ``n`` active units out of the line in the runs
    ``which``, chosen at random (the units with the smallest ``draws``). Returns the
    personnel withdrawn per run."""
    eligible = u.active & (u.side == side) & which[:, None]
    n = eligible.sum(axis=1)
    k = np.rint(share * n).astype(np.int64)
    keyed = np.where(eligible, draws, np.inf)
    kth = np.take_along_axis(np.sort(keyed, axis=1), np.maximum(k - 1, 0)[:, None], axis=1)
    chosen = eligible & (keyed <= kth) & (k[:, None] > 0)
    out = whole_sum(np.where(chosen, u.strength, 0.0))
    u.active &= ~chosen
    u.touch()
    return out


def replenish(u: Units, side: Side, personnel: np.ndarray, unit_size: np.ndarray) -> None:
    """Top up a side's active units toward full strength, in proportion to their gaps, in
    whole soldiers (each unit's share rounded down)."""
    m = u.active & (u.side == side)
    gap = np.where(m, unit_size[:, None] - u.strength, 0.0).clip(min=0.0)
    total = whole_sum(gap)
    fill = np.divide(personnel, total, out=np.zeros_like(total), where=total > 0)
    u.strength += np.floor(gap * np.minimum(1.0, np.maximum(fill, 0.0))[:, None])
    u.touch()
