"""A box of scenario discovery: its statistics, each with its Monte Carlo error, its check
on held-out halves, the sentence it is printed as, and the flags that say when it must not
be read as a finding (:mod:`sim.analysis.discovery` finds the boxes and explains the
rules)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.uncertainty import Z95, proportion_se

if TYPE_CHECKING:
    import pandas as pd

STABLE_SHARE = 0.5
"""A restriction found again in fewer than this share of the halves is flagged: a coin
would do as well. EMA Workbench leaves the threshold to the analyst."""

HELD_OUT_LIFT = 0.5
"""A box is flagged when, on held-out runs, less than this share of its lift over the base
rate (density minus base rate) survives."""

TOLERANCE = 0.02
"""A restriction whose removal costs less density than this is dropped from the rule."""

ALPHA = 0.05
"""Significance level of the held-out test of a box against the base rate."""


def pct(v: float) -> str:
    """A share as a percentage, with a decimal below 10% (where 1% vs 1.4% matters)."""
    return f"{v:.0%}" if v >= 0.1 or v == 0 else f"{v:.1%}"


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a share of ``k`` in ``n`` (Wilson 1927): unlike
    the normal one it stays inside [0, 1] and keeps its coverage for shares near 0 or 1."""
    if n <= 0:
        return float("nan"), float("nan")
    p, z2 = k / n, Z95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def lift_interval(hits: int, inside: int, events: int, runs: int) -> tuple[float, float]:
    """95% interval of the lift (density / base rate) by the delta method on its log,
    with the base rate's own error and its covariance with the density (the box's events
    are among all events): Var(log lift) ~ (1-d)/hits + (1-p)/events - 2(1-d)/events."""
    if hits == 0 or inside == 0:
        return 0.0, float("nan")
    d, p = hits / inside, events / runs
    var = max((1 - d) / hits + (1 - p) / events - 2 * (1 - d) / events, 0.0)
    lift = d / p
    return float(lift * np.exp(-Z95 * np.sqrt(var))), float(lift * np.exp(Z95 * np.sqrt(var)))


@dataclass
class Box:
    """A box found by PRIM or CART, its statistics over ``n_runs`` runs, and its check on
    held-out halves."""

    event: str
    restrictions: list[tuple[str, str]]  # (parameter, ">= 0.6" / "<= 0.5" / "in {a, b}")
    density: float
    coverage: float
    mass: float
    base_rate: float
    n_runs: int
    events: int  # runs with the event, of n_runs
    hits: int  # runs with the event inside the box
    inside: int  # runs inside the box
    method: str = "PRIM"
    min_density: float = 0.75
    best_density: float = float("nan")  # the densest box the method offered
    limits: dict[str, Any] = field(default_factory=dict, repr=False)
    sample: int | None = None  # runs the method ran on, when fewer than n_runs
    density_lo: float = float("nan")
    density_hi: float = float("nan")
    coverage_se: float = float("nan")
    lift_lo: float = float("nan")
    lift_hi: float = float("nan")
    reproduced: dict[str, float] = field(default_factory=dict)  # parameter -> share
    resamples: int = 0
    held_out_density: float = float("nan")  # see check_box
    held_out_lo: float = float("nan")  # the lowest of the halves
    held_out_hi: float = float("nan")  # the highest
    held_out_p: float = float("nan")

    @property
    def lift(self) -> float:
        return self.density / self.base_rate if self.base_rate else float("nan")

    def rule(self) -> str:
        """The box as a sentence, every number with its Monte Carlo error."""
        where = " and ".join(f"{p} {c}" for p, c in self.restrictions) or "anywhere"
        found = (f"; {self.method} ran on a random sample of {self.sample} runs"
                 if self.sample else "")
        text = (f"{self.event} in {pct(self.density)} (95% CI {pct(self.density_lo)}-"
                f"{pct(self.density_hi)}) of runs where {where}: {self.lift:.2g} times the "
                f"base rate of {pct(self.base_rate)} (95% CI {self.lift_lo:.2g}-"
                f"{self.lift_hi:.2g}); the box covers {pct(self.coverage)} ± "
                f"{pct(self.coverage_se)} of the {self.events} runs with the event and holds "
                f"{pct(self.mass)} of all {self.n_runs} runs{found}.")
        if self.best_density < self.min_density:
            offered = ("box on PRIM's peeling trajectory" if self.method == "PRIM"
                       else "leaf of CART's tree")
            text += (f" No {offered} reaches the density target of {pct(self.min_density)}: "
                     f"the densest holds the event in {pct(self.best_density)} of its runs, "
                     f"and this is it, less the restrictions that cost under {TOLERANCE * 100:.0f} "
                     "points of density.")
        if self.resamples:
            again = ", ".join(f"{p} in {round(self.reproduced.get(p, 0.0) * self.resamples)}"
                              for p, _ in self.restrictions)
            text += (f" Held out: {self.method} again on {self.resamples} random halves of "
                     f"the runs; the box found on one half holds the event in "
                     f"{pct(self.held_out_density)} ({pct(self.held_out_lo)}-"
                     f"{pct(self.held_out_hi)} by half) of the other half's runs, "
                     f"{self.held_out_density / self.base_rate:.2g} times the base rate "
                     f"(one-sided Fisher test on the held-out half, twice the median p: "
                     f"p = {self.held_out_p:.2g})")
            text += (f"; restrictions found again: {again} of {self.resamples}."
                     if again else ".")
        return text

    def warning(self) -> str:
        """Why the rule must not be read as a finding, or "" (see the module docstring)."""
        why = []
        if not self.density_lo > self.base_rate:
            why.append(f"no lift: the box's density ({pct(self.density)}, 95% CI "
                       f"{pct(self.density_lo)}-{pct(self.density_hi)}) is not above the base "
                       f"rate ({pct(self.base_rate)})")
        if self.resamples and not self.held_out_p < ALPHA:
            why.append(f"not significant: on runs {self.method} did not see, its boxes hold "
                       f"the event in {pct(self.held_out_density)} of runs against a base rate "
                       f"of {pct(self.base_rate)} (p = {self.held_out_p:.2g}, not below "
                       f"{ALPHA})")
        weak = [p for p, _ in self.restrictions if self.reproduced.get(p, 0.0) < STABLE_SHARE]
        lift = self.density - self.base_rate
        faded = self.held_out_density - self.base_rate < HELD_OUT_LIFT * lift
        if self.resamples and self.restrictions and (weak or faded):
            parts = []
            if weak:
                parts.append(f"{', '.join(weak)} restricted in fewer than {STABLE_SHARE:.0%} "
                             "of the boxes found on random halves of the runs")
            if faded:
                parts.append(f"on held-out runs less than {HELD_OUT_LIFT:.0%} of the box's "
                             f"lift survives ({pct(self.held_out_density)}, not "
                             f"{pct(self.density)})")
            why.append("unstable: " + "; ".join(parts))
        if not why:
            return ""
        if why[-1].startswith("unstable") and len(why) == 1:
            return (why[0] + ". The box beats the base rate on runs it was not found on, but "
                    "these restrictions may be noise of this sample: more points or "
                    "replicates would tell")
        return ("; ".join(why) + ". Do not read this rule as a finding: the sweep is too small "
                "for it (more points or replicates), or it is noise")

    def as_dict(self) -> dict[str, Any]:
        """The box as plain data (``analysis.json``, ``discovery.csv``): every field but
        the limits, which its restrictions state, plus the lift."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "limits"}
        out["restrictions"] = [list(r) for r in self.restrictions]
        return out | {"lift": self.lift}

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Box:
        """A box read back from :meth:`as_dict`."""
        known = {f.name for f in fields(cls)} - {"limits"}
        box = cls(**{k: v for k, v in saved.items() if k in known})
        box.restrictions = [(str(p), str(c)) for p, c in saved["restrictions"]]
        return box

    @property
    def verdict(self) -> str:
        """'rule', or the first flag ('no lift', 'not significant', 'unstable')."""
        w = self.warning()
        return w.split(":")[0] if w else "rule"


def box_stats(x: pd.DataFrame, y: np.ndarray, event: str, limits: dict[str, Any],
              sample: int | None = None, **about: Any) -> Box:
    """The box ``limits`` measured on runs ``x`` with events ``y`` (``about``: the method,
    the density target and the densest box it offered)."""
    inside = inside_box(x, limits)
    n_in, hits, events = int(inside.sum()), int(y[inside].sum()), int(y.sum())
    density = hits / n_in if n_in else 0.0
    coverage = hits / events if events else 0.0
    box = Box(event, _describe(limits), density, coverage, float(inside.mean()),
              float(y.mean()), len(y), events, hits, n_in, limits=limits, sample=sample,
              coverage_se=proportion_se(coverage, events), **about)
    box.density_lo, box.density_hi = wilson(hits, n_in)
    box.lift_lo, box.lift_hi = lift_interval(hits, n_in, events, len(y))
    return box


def inside_box(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for col, lim in limits.items():
        if isinstance(lim, set):
            mask &= x[col].astype(str).isin(lim).to_numpy()
        else:
            v = x[col].to_numpy(dtype=float)
            mask &= (v >= lim[0]) & (v <= lim[1])
    return mask


def prune(x: pd.DataFrame, y: np.ndarray, limits: dict[str, Any],
          tolerance: float) -> dict[str, Any]:
    """Drop restrictions that barely matter: greedily remove the one whose removal costs
    the least density, while the box's density stays within ``tolerance`` of the unpruned
    box's. Fewer restrictions make a rule a reader can act on; PRIM's peeling tends to add
    marginal ones. (Measured against the unpruned box, not the last step: ten removals of
    1.9 points each would otherwise cost 19.)"""
    limits = dict(limits)
    masks = {c: inside_box(x, {c: v}) for c, v in limits.items()}

    def density(cols: list[str]) -> float:
        return float(y[np.logical_and.reduce([masks[c] for c in cols])].mean())

    unpruned = density(list(limits))
    while len(limits) > 1:
        costs = {c: unpruned - density([k for k in limits if k != c]) for c in limits}
        col = min(costs, key=lambda c: costs[c])
        if costs[col] > tolerance:
            break
        del limits[col]
    return limits


def _describe(limits: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for col, lim in limits.items():
        if isinstance(lim, set):
            out.append((col, "in {" + ", ".join(sorted(map(str, lim))) + "}"))
            continue
        lo, hi = lim
        if np.isfinite(lo) and np.isfinite(hi):
            out.append((col, f"in [{lo:.3g}, {hi:.3g}]"))
        elif np.isfinite(lo):
            out.append((col, f">= {lo:.3g}"))
        else:
            out.append((col, f"<= {hi:.3g}"))
    return out


