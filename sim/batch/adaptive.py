"""Enough runs? Adaptive replicates: a sweep adds replicates to every design point in rounds
until the Monte Carlo standard error of its key outcomes is below a target.

The error measured is that of each design point's mean outcome over its replicates
(sd / sqrt(n)), divided by the outcome's range over the whole sweep so that one target
serves flags (a share: 0.01 is one percentage point), counts and levels alike. The sweep
stops at the first round in which the largest such error, over points, policies and the
chosen outcomes, is at or below the target; the outcome (and point) that decided is
kept in the manifest. Rounds double the replicates: 10, 20, 40, ... up to the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_OUTCOMES: tuple[str, ...] = ("kursk_retaken", "ukraine_area_end_km2",
                                     "casualties_north_korea", "escalation_peak",
                                     "rok_max_rung")
"""The outcomes whose errors decide by default: the front, the North's losses, escalation
and Seoul's ladder."""


def replicate_rounds(first: int, most: int) -> list[int]:
    """Replicates after each round: ``first``, doubling, ending exactly at ``most``."""
    rounds = [min(first, most)]
    while rounds[-1] < most:
        rounds.append(min(2 * rounds[-1], most))
    return rounds


@dataclass(frozen=True)
class Verdict:
    """The largest scaled standard error, and where it is."""

    max_se: float
    outcome: str
    point_id: int
    policy: str
    replicates: int

    def met(self, target: float) -> bool:
        return self.max_se <= target

    def describe(self) -> str:
        where = f"point {self.point_id}" + (f", policy '{self.policy}'" if self.policy else "")
        return (f"largest standard error {self.max_se:.4g} (of the range) for {self.outcome} "
                f"at {where}, with {self.replicates} replicates")


def verdict(runs: pd.DataFrame, outcomes: tuple[str, ...], replicates: int) -> Verdict:
    """The largest standard error of a point's mean, scaled by the outcome's range, over
    ``runs`` (columns point_id, optionally policy, and the outcomes; ok runs only). Week
    outcomes that never happened count as one week past the last seen, so that 'never' is
    a value, not a gap."""
    import pandas as pd  # here: a sweep without --target-se should not pay for importing it

    keys = ["policy", "point_id"] if "policy" in runs else ["point_id"]
    worst = Verdict(0.0, outcomes[0], 0, "", replicates)
    for name in outcomes:
        v = pd.to_numeric(runs[name], errors="coerce").astype(float)
        if v.isna().any():
            v = v.fillna(v.max() + 1 if v.notna().any() else 0.0)
        spread = float(v.max() - v.min()) if len(v) else 0.0
        if spread == 0:
            continue
        g = v.groupby([runs[k] for k in keys])
        se = g.std(ddof=1) / np.sqrt(g.count()) / spread
        se = se.fillna(np.inf)  # one replicate: no error estimate yet
        where = se.idxmax()
        if se[where] > worst.max_se:
            policy, point = where if len(keys) == 2 else ("", where)
            worst = Verdict(float(se[where]), name, int(point), str(policy), replicates)
    return worst
