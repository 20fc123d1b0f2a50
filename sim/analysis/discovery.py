"""Scenario discovery: which region of the swept parameters makes a bad outcome likely.

PRIM (Friedman and Fisher's patient rule induction method) from EMA Workbench peels the
parameter box toward the runs where the event happened. From its peeling trajectory we
take the box with the largest coverage whose density reaches the target (or, if none
does, the densest box), and print its restrictions as a plain rule:

    offensive weapons in 78% of runs where a >= 0.6 and b <= 0.5 (covers 64% of such runs)

*density*: share of runs inside the box where the event happened; *coverage*: share of all
runs with the event that fall inside the box; *mass*: share of all runs inside the box.
"""

from __future__ import annotations

import operator
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
        "==": operator.eq, "!=": operator.ne}
_EVENT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*([-+\w.]+)\s*$")

EVENTS: dict[str, tuple[str, str]] = {
    "offensive": ("rok_max_rung>=4", "South Korea sends offensive weapons"),
    "defensive": ("rok_max_rung>=3", "South Korea sends defensive weapons or more"),
    "not-retaken": ("kursk_retaken==0", "Kursk not fully retaken by the horizon"),
    "drawdown": ("nk_drawdowns>=1", "Pyongyang draws troops down"),
    "high-escalation": ("escalation_peak>=50", "escalation index reaches 50"),
}


@dataclass
class Box:
    """A PRIM box and its statistics."""

    event: str
    restrictions: list[tuple[str, str]]  # (parameter, ">= 0.6" / "<= 0.5" / "in {a, b}")
    density: float
    coverage: float
    mass: float
    base_rate: float
    n_runs: int

    def rule(self) -> str:
        where = " and ".join(f"{p} {c}" for p, c in self.restrictions) or "anywhere"
        return (f"{self.event} in {self.density:.0%} of runs where {where} "
                f"(covers {self.coverage:.0%} of such runs; the box holds {self.mass:.0%} "
                f"of all runs; base rate {self.base_rate:.0%} of {self.n_runs} runs)")


def event_mask(runs: pd.DataFrame, event: str) -> tuple[np.ndarray, str]:
    """Evaluate an event (a name from EVENTS or ``outcome OP value``) on the runs."""
    import pandas as pd

    expr, label = EVENTS.get(event, (event, event))
    m = _EVENT.match(expr)
    if not m or m[1] not in runs.columns:
        known = ", ".join(EVENTS)
        raise UserError(f"--event {event!r}: expected one of {known}, or OUTCOME OP VALUE "
                        "such as 'escalation_peak>=40'")
    col, op, raw = m[1], m[2], m[3]
    if pd.api.types.is_numeric_dtype(runs[col]):
        try:
            value: Any = float(raw)
        except ValueError:
            raise UserError(f"--event {event!r}: {col} is a number; expected a number "
                            f"after {op}, got {raw!r}") from None
        data = pd.to_numeric(runs[col], errors="coerce")
    elif op in ("==", "!="):
        value, data = raw, runs[col].astype(str)
    else:
        raise UserError(f"--event {event!r}: {col} is a category; compare it with == or !=")
    return _OPS[op](data, value).to_numpy(dtype=bool), label


def prim_box(x: pd.DataFrame, y: np.ndarray, event: str, min_density: float = 0.75,
             tolerance: float = 0.02) -> Box:
    """Run PRIM on parameters ``x`` (categoricals as pandas categories) against ``y``,
    then prune restrictions that cost less than ``tolerance`` density."""
    import pandas as pd

    base = float(y.mean()) if len(y) else 0.0
    if len(y) < 20 or base in (0.0, 1.0):
        raise UserError(
            f"scenario discovery for '{event}' needs runs where it both happens and does "
            f"not: it happens in {base:.0%} of {len(y)} runs"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x, y, mass_min=0.05).find_box()
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= min_density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    lims, full = box.box_lims[i], box.box_lims[0]
    limits: dict[str, Any] = {}
    for col in x.columns:
        if isinstance(x[col].dtype, pd.CategoricalDtype):
            kept = set(lims[col].iloc[0])
            if kept != set(full[col].iloc[0]):
                limits[col] = kept
            continue
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        lo = lo if lo > float(full[col].iloc[0]) else -np.inf
        hi = hi if hi < float(full[col].iloc[1]) else np.inf
        if np.isfinite(lo) or np.isfinite(hi):
            limits[col] = (lo, hi)
    limits = _prune(x, y, limits, tolerance)
    inside = _inside(x, limits)
    density = float(y[inside].mean()) if inside.any() else 0.0
    return Box(event, _describe(limits), density, float(y[inside].sum() / y.sum()),
               float(inside.mean()), base, len(y))


def _inside(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for col, lim in limits.items():
        if isinstance(lim, set):
            mask &= x[col].astype(str).isin(lim).to_numpy()
        else:
            v = x[col].to_numpy(dtype=float)
            mask &= (v >= lim[0]) & (v <= lim[1])
    return mask


def _prune(x: pd.DataFrame, y: np.ndarray, limits: dict[str, Any],
           tolerance: float) -> dict[str, Any]:
    """Drop restrictions that barely matter: greedily remove the one whose removal costs
    the least density, while that cost stays under ``tolerance``. Fewer restrictions make
    a rule a reader can act on; PRIM's peeling tends to add marginal ones."""
    limits = dict(limits)
    while len(limits) > 1:
        current = y[_inside(x, limits)].mean()
        costs = {c: current - y[_inside(x, {k: v for k, v in limits.items() if k != c})].mean()
                 for c in limits}
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


def params_frame(runs: pd.DataFrame, params: list[dict[str, Any]]) -> pd.DataFrame:
    """The swept parameters of each run, categories as pandas categoricals for PRIM."""
    import pandas as pd

    out = pd.DataFrame(index=runs.index)
    for p in params:
        col = runs[p["name"]]
        out[p["name"]] = (pd.Categorical(col.astype(str)) if p.get("values") is not None
                          else col.astype(float))
    return out
