"""Scenario discovery: which region of the swept parameters makes a bad outcome likely.

PRIM (Friedman and Fisher's patient rule induction method) from EMA Workbench peels the
parameter box toward the runs where the event happened. From its peeling trajectory we
take the box with the largest coverage whose density reaches the target (or, if none
does, the densest box), and print its restrictions as a plain rule:

    offensive weapons in 78% of runs where a >= 0.6 and b <= 0.5 (covers 64% of such runs)

*density*: share of runs inside the box where the event happened; *coverage*: share of all
runs with the event that fall inside the box; *mass*: share of all runs inside the box.
Density and coverage are printed with their Monte Carlo standard errors.

Is the box real or noise of this sample? As EMA Workbench's ``resample`` does, PRIM runs
again on ``RESAMPLES`` random halves of the runs; we count, for each restriction of the
box, the share of those boxes that restrict the same parameter, and measure each box on the
half it did not see (:func:`check_box`). A restriction found again in fewer than
``STABLE_SHARE`` of the halves, or a box whose lift over the base rate mostly vanishes on
held-out runs, is flagged as unstable: the sweep is too small for it, or it is noise.

On a store of more than ``PRIM_SAMPLE`` runs, PRIM peels a sample and the box it finds is
measured on every run: the printed statistics are those of all runs, and the rule says
how large the sample was.
"""

from __future__ import annotations

import logging
import operator
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.uncertainty import proportion_se
from sim.errors import UserError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

    from sim.analysis.parallel import Workers
    from sim.analysis.results import ResultSet

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
    """A PRIM box and its statistics (over ``n_runs`` runs)."""

    event: str
    restrictions: list[tuple[str, str]]  # (parameter, ">= 0.6" / "<= 0.5" / "in {a, b}")
    density: float
    coverage: float
    mass: float
    base_rate: float
    n_runs: int
    limits: dict[str, Any] = field(default_factory=dict, repr=False)
    sample: int | None = None  # runs PRIM peeled, when fewer than n_runs
    density_se: float = float("nan")
    coverage_se: float = float("nan")
    reproduced: dict[str, float] = field(default_factory=dict)  # parameter -> share
    resamples: int = 0
    held_out_density: float = float("nan")  # see check_box

    def rule(self) -> str:
        where = " and ".join(f"{p} {c}" for p, c in self.restrictions) or "anywhere"
        found = (f"; found by PRIM on a random sample of {self.sample} runs"
                 if self.sample else "")
        text = (f"{self.event} in {self.density:.0%} ± {self.density_se:.1%} of runs where "
                f"{where} (covers {self.coverage:.0%} ± {self.coverage_se:.1%} of such runs; "
                f"the box holds {self.mass:.0%} of all runs; base rate {self.base_rate:.0%} "
                f"of {self.n_runs} runs{found})")
        if self.resamples and self.restrictions:
            again = ", ".join(f"{p} {self.reproduced.get(p, 0.0):.0%}"
                              for p, _ in self.restrictions)
            text += (f". Checked on {self.resamples} random halves of the runs: the "
                     f"restrictions found again in {again}; the boxes found on one half hold "
                     f"the event in {self.held_out_density:.0%} of the other half's runs")
        return text

    def warning(self) -> str:
        """Why the box may not be stable, or "" (see the module's docstring)."""
        if not self.resamples or not self.restrictions:
            return ""
        weak = [p for p, _ in self.restrictions if self.reproduced.get(p, 0.0) < STABLE_SHARE]
        lift = self.density - self.base_rate
        faded = self.held_out_density - self.base_rate < HELD_OUT_LIFT * lift
        if not weak and not faded:
            return ""
        why = []
        if weak:
            why.append(f"{', '.join(weak)} restricted in fewer than {STABLE_SHARE:.0%} of the "
                       "boxes found on random halves of the runs")
        if faded:
            why.append(f"on runs PRIM did not see, such boxes hold the event in "
                       f"{self.held_out_density:.0%} of runs (base rate {self.base_rate:.0%}), "
                       f"not {self.density:.0%}")
        return ("unstable: " + "; ".join(why) + ". The sweep may be too small for this rule "
                "(more points or replicates), or the rule is noise")


def parse_event(event: str, columns: list[str]) -> tuple[str, str, str, str]:
    """An event (a name from EVENTS or ``outcome OP value``) as (column, operator, the
    value as written, label)."""
    expr, label = EVENTS.get(event, (event, event))
    m = _EVENT.match(expr)
    if not m or m[1] not in columns:
        known = ", ".join(EVENTS)
        raise UserError(f"--event {event!r}: expected one of {known}, or OUTCOME OP VALUE "
                        "such as 'escalation_peak>=40'")
    return m[1], m[2], m[3], label


def event_mask(runs: pd.DataFrame, event: str) -> tuple[np.ndarray, str]:
    """Evaluate an event (a name from EVENTS or ``outcome OP value``) on the runs: a
    numeric outcome against a number, a category with == or != against its text."""
    import pandas as pd

    col, op, raw, label = parse_event(event, list(runs.columns))
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


def check_event(rs: ResultSet, event: str) -> None:
    """Evaluate ``event`` on the runs once (one column), so that a bad one stops a command
    before any work."""
    col, _, _, _ = parse_event(event, rs.columns)
    event_mask(rs.frame([col]), event)


PRIM_SAMPLE = 20_000
"""PRIM peels a sample of at most this many runs (a seeded hash of the run id); the box it
finds is then measured on every run. On the 200,000-run baseline, the boxes PRIM finds on
20,000 and on all runs differ by about a point of density and a few of coverage
(``benchmarks/README.md``), while PRIM's cost grows with the rows (~3x here)."""


_PRIM: Any = None


def import_prim() -> Any:
    """EMA Workbench's PRIM module, without importing the rest of the workbench.

    ``import ema_workbench`` runs its package ``__init__``, which imports the whole
    experiment framework (evaluators, models, samplers) and decorates its classes with a
    method logger that walks the call stack through ``inspect``: ~2 s, more than PRIM
    itself takes on thousands of runs, and none of it used here. The PRIM module needs
    only its own helpers, so it is loaded under bare stand-ins for its parent packages;
    then every ``ema_workbench`` module this loaded is taken out of ``sys.modules`` again
    (we keep our reference), so that a later ``import ema_workbench`` anywhere in the
    process imports the real package from scratch. If the workbench is already imported,
    or a future release needs more of it at import, the plain import is used.
    """
    import importlib
    import importlib.util
    import sys
    import types

    global _PRIM
    name = "ema_workbench.analysis.prim"
    if _PRIM is not None:
        return _PRIM
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = importlib.util.find_spec("ema_workbench")
        if (spec is None or not spec.submodule_search_locations
                or any(m.startswith("ema_workbench") for m in sys.modules)):
            _PRIM = importlib.import_module(name)
            return _PRIM
        root = Path(next(iter(spec.submodule_search_locations)))
        for pkg, folder in (("ema_workbench", root), ("ema_workbench.analysis",
                                                      root / "analysis"),
                            ("ema_workbench.em_framework", root / "em_framework")):
            module = types.ModuleType(pkg)
            module.__path__ = [str(folder)]
            module.__package__ = pkg
            sys.modules[pkg] = module
        try:
            module = importlib.import_module(name)
        except (ImportError, AttributeError):
            module = None
        finally:
            for loaded in [m for m in sys.modules if m.startswith("ema_workbench")]:
                del sys.modules[loaded]
        _PRIM = module if module is not None else importlib.import_module(name)
    return _PRIM


RESAMPLES = 10
"""PRIM runs on random halves that check a box (EMA Workbench's default)."""

STABLE_SHARE = 0.5
"""A restriction found again in fewer than this share of the resampled boxes is flagged:
a coin would do as well. EMA Workbench leaves the threshold to the analyst."""

HELD_OUT_LIFT = 0.5
"""A box is flagged when, on held-out runs, less than this share of its lift over the base
rate (density minus base rate) survives."""


def prim_box(x: pd.DataFrame, y: np.ndarray, event: str, min_density: float = 0.75,
             tolerance: float = 0.02, resamples: int | None = None, seed: int = 0) -> Box:
    """Run PRIM on parameters ``x`` (categoricals as pandas categories) against ``y``,
    prune restrictions that cost less than ``tolerance`` density, and check the box on
    ``resamples`` (default ``RESAMPLES``) random halves of the runs (see
    :func:`check_box`)."""
    resamples = RESAMPLES if resamples is None else resamples
    base = float(y.mean()) if len(y) else 0.0
    if len(y) < 20 or base in (0.0, 1.0):
        raise UserError(
            f"scenario discovery for '{event}' needs runs where it both happens and does "
            f"not: it happens in {base:.0%} of {len(y)} runs"
        )
    limits = peel(x, y, min_density, tolerance)
    found = box_stats(x, y, event, limits)
    if resamples and limits:
        found.reproduced, found.held_out_density = check_box(x, y, limits, min_density,
                                                             tolerance, resamples, seed)
        found.resamples = resamples
    return found


def peel(x: pd.DataFrame, y: np.ndarray, min_density: float,
         tolerance: float) -> dict[str, Any]:
    """PRIM's box as limits: from the peeling trajectory, the box with the largest
    coverage whose density reaches ``min_density`` (or the densest), pruned."""
    import pandas as pd

    prim = import_prim()
    logger = logging.getLogger("EMA")
    level = logger.level
    logger.setLevel(logging.WARNING)  # its info lines per peel would go to our stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = prim.Prim(x, y, mass_min=0.05).find_box()
    finally:
        logger.setLevel(level)
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
    return _prune(x, y, limits, tolerance)


def check_box(x: pd.DataFrame, y: np.ndarray, limits: dict[str, Any], min_density: float,
              tolerance: float, resamples: int, seed: int) -> tuple[dict[str, float], float]:
    """Resampling in the manner of EMA Workbench's ``PrimBox.resample``: PRIM again on
    ``resamples`` random halves of the runs. Returns, for each parameter ``limits``
    restricts, the share of those boxes that restrict it too; and the density the boxes
    found on each half reach on the *other* half, which PRIM never saw.

    Why not the workbench's own ``resample``: it scores the unpruned box at the matching
    point of each trajectory, and on an event that is pure noise PRIM restricts nearly
    every parameter in every half, so it reports noise as reproduced 70-90% (tried on the
    test's 300 noisy runs). The held-out density is what exposes noise: there the box
    holds the event no more often than the base rate."""
    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(limits, 0)
    held: list[float] = []
    for _ in range(resamples):
        order = rng.permutation(len(y))
        a, b = order[: len(y) // 2], order[len(y) // 2:]
        if y[a].all() or not y[a].any():
            held.append(float(y[b].mean()))  # no box on this half: the base rate
            continue
        found = peel(x.iloc[a].reset_index(drop=True), y[a], min_density, tolerance)
        for p in limits:
            counts[p] += p in found
        inside = _inside(x.iloc[b].reset_index(drop=True), found)
        held.append(float(y[b][inside].mean()) if inside.any() else float(y[b].mean()))
    return {p: c / resamples for p, c in counts.items()}, float(np.mean(held))


def box_stats(x: pd.DataFrame, y: np.ndarray, event: str, limits: dict[str, Any],
              sample: int | None = None) -> Box:
    """The box ``limits`` measured on runs ``x`` with events ``y``."""
    inside = _inside(x, limits)
    density = float(y[inside].mean()) if inside.any() else 0.0
    coverage = float(y[inside].sum() / y.sum())
    return Box(event, _describe(limits), density, coverage, float(inside.mean()),
               float(y.mean()), len(y), limits, sample,
               proportion_se(density, int(inside.sum())), proportion_se(coverage, int(y.sum())))


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


def discover(rs: ResultSet, event: str, min_density: float = 0.75, seed: int = 0) -> Box:
    """PRIM on a sweep for ``event``: on every run, or on a sample of ``PRIM_SAMPLE`` runs
    of a larger store, the box then measured on every run. Raises UserError for an event
    that does not parse, or that never or always happens."""
    return start_discovery(rs, event, min_density, seed).result()


@dataclass
class Discovery:
    """A PRIM run under way (see :func:`start_discovery`)."""

    future: Future
    x: pd.DataFrame
    y: np.ndarray
    label: str
    sample: int | None

    def result(self) -> Box:
        """The box, measured on every run (raises what PRIM raised)."""
        found = self.future.result()
        if self.sample is None:
            return found
        box = box_stats(self.x, self.y, self.label, found.limits, sample=self.sample)
        box.reproduced, box.resamples = found.reproduced, found.resamples
        box.held_out_density = found.held_out_density
        return box


def start_discovery(rs: ResultSet, event: str, min_density: float = 0.75, seed: int = 0,
                    workers: Workers | None = None) -> Discovery:
    """Start PRIM for ``event`` in a worker (in this process without ``workers``); raises
    UserError at once for an event that does not parse."""
    from sim.analysis.parallel import Workers

    col, _, _, _ = parse_event(event, rs.columns)
    everything = rs.frame([*rs.param_names, col])
    y_all, label = event_mask(everything, event)
    x_all = params_frame(everything, rs.params)
    x, y, sample = x_all, y_all, None
    if len(everything) > PRIM_SAMPLE:
        picked = rs.frame(["run_id"], sample=PRIM_SAMPLE, seed=seed)["run_id"]
        rows = np.flatnonzero(everything["run_id"].isin(picked).to_numpy())
        x, y, sample = x_all.iloc[rows].reset_index(drop=True), y_all[rows], len(rows)
    future = (workers or Workers(1)).submit(prim_box, x, y, label, min_density)
    return Discovery(future, x_all, y_all, label, sample)
