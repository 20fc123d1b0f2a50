"""Scenario discovery: which region of the swept parameters makes an event likely, said
only as far as the runs support it.

PRIM (Friedman and Fisher's patient rule induction method, as EMA Workbench implements
it: :mod:`sim.analysis.prim`) peels the parameter box toward the runs where the event
happened. From its peeling trajectory we take the box with the largest coverage whose
density reaches the target (or, if none does, the densest box, and say so), drop the
restrictions that cost less than ``TOLERANCE`` of density, and print it as a rule::

    escalation index reaches 50 in 75% (95% CI 69%-81%) of runs where ... : 5 times the
    base rate of 15% (95% CI 4.5-5.6); the box covers 49% ± 2.9% of the 299 runs with
    the event ... Held out: ... p = 2e-16 ...

*density*: share of runs inside the box with the event; *coverage*: share of the runs
with the event that fall in the box; *mass*: share of all runs in the box; *lift*:
density over the base rate (the share of all runs with the event). EMA Workbench's CART
(a classification tree) gives a second view on request, judged by the same rules.

What keeps a rule honest:

* **Too few events, no rule.** With fewer than ``MIN_EVENTS`` runs with the event (or
  without it) nothing is peeled: the command says "too few events for a rule: N of M
  runs". The count decides, not the share: the errors of density, coverage and lift
  scale with the number of events, and each half that checks a box (below) holds only
  half of them.
* **Every number with its error.** Density with its 95% Wilson interval, coverage with
  its standard error, lift with a 95% interval that includes the base rate's own error.
* **Checked on runs it did not see.** The box PRIM picks is the one that looks best on
  these runs, so its density is optimistic. As EMA Workbench's ``resample`` does, the
  method runs again on ``RESAMPLES`` random halves of the runs; each box found on one
  half is measured on the other half, which it never saw: the held-out density, and a
  one-sided Fisher exact test of the event's rate inside against outside that box. The
  halves overlap, so their p-values are combined as twice their median, which stays a
  valid p-value whatever their dependence (Meinshausen, Meier and Bühlmann 2009, "p-values
  for high-dimensional regression", JASA 104: the same multi-split scheme, select on one
  half, test on the other). We also count, for each restriction of the box, the share of
  halves whose box restricts the same parameter.
* **Flags** (:meth:`sim.analysis.boxes.Box.warning`). A box is flagged, and must not be
  read as a finding, when its density's interval reaches down to the base rate (*no
  lift*), or when its held-out test does not reject the base rate at ``ALPHA`` (*not
  significant*); it is flagged *unstable* when a restriction comes back in fewer than
  ``STABLE_SHARE`` of the halves or most of its lift vanishes on held-out runs. An
  unflagged rule beats the base rate on runs it was not found on.

On a store of more than ``PRIM_SAMPLE`` runs, the methods run on a sample (and its
halves), and the box found is measured on every run: the printed statistics are those of
all runs, and the rule says how large the sample was.
"""

from __future__ import annotations

import operator
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.boxes import TOLERANCE, Box, box_stats, inside_box, pct, prune
from sim.analysis.uncertainty import proportion_se
from sim.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Callable
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

METHODS = ("PRIM", "CART")

MIN_EVENTS = 50
"""Fewest runs with the event, and fewest without it, for a rule to be looked for. With
50 events the coverage of a box holding half of them has a standard error of 7 points,
and each random half that checks the box holds about 25 of them."""

MASS_MIN = 0.05
"""The smallest box (share of the runs) PRIM may peel to, and CART's smallest leaf: EMA
Workbench's default for both."""

RESAMPLES = 10
"""Random halves of the runs that check a box (EMA Workbench's default)."""

PRIM_SAMPLE = 20_000
"""The methods run on a sample of at most this many runs (a seeded hash of the run id);
the box found is then measured on every run. PRIM's cost grows with the rows (the box and
its 10 halves: ~0.4 s of one core on 2,000 runs, ~4 s on 20,000). On the 200,000-run
baseline, where no box reaches the target for ``offensive``, the densest boxes found on
20,000 and on all runs are different points of one trade-off (8% density at 81%
coverage, 11.5% at 57%; ``benchmarks/README.md``)."""


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


def too_few(y: np.ndarray, label: str) -> str:
    """Why there are too few runs with (or without) the event to look for a rule, or ""."""
    n, k = len(y), int(y.sum())
    if k >= MIN_EVENTS and n - k >= MIN_EVENTS:
        return ""
    share = (f"{k} of {n} runs ({pct(k / n)} ± {pct(proportion_se(k / n, n))})" if n
             else "0 runs")
    rare = k < MIN_EVENTS
    return (f"too few events for a rule: {share} have '{label}'"
            + ("" if rare else f", {n - k} do not")
            + f"; scenario discovery needs at least {MIN_EVENTS} runs with the event and "
            f"{MIN_EVENTS} without it, so that a box found on half of the runs can be checked "
            "on the other half. Add runs (more points or replicates), or ask about a "
            + ("more frequent event" if rare else "rarer event"))


_EMA: dict[str, Any] = {}


def import_ema(name: str) -> Any:
    """A module of EMA Workbench's analysis package (``ema_workbench.analysis.cart``),
    without importing the rest of the workbench.

    ``import ema_workbench`` runs its package ``__init__``, which imports the whole
    experiment framework (evaluators, models, samplers) and decorates its classes with a
    method logger that walks the call stack through ``inspect``: ~2 s, none of it used
    here. The analysis modules need only their own helpers, so they are loaded under bare
    stand-ins for their parent packages; then every ``ema_workbench`` module this loaded
    is taken out of ``sys.modules`` again (we keep our reference), so that a later
    ``import ema_workbench`` anywhere in the process imports the real package from
    scratch. If the workbench is already imported, or a future release needs more of it at
    import, the plain import is used.
    """
    import importlib
    import importlib.util
    import sys
    import types

    if name in _EMA:
        return _EMA[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = importlib.util.find_spec("ema_workbench")
        if (spec is None or not spec.submodule_search_locations
                or any(m.startswith("ema_workbench") for m in sys.modules)):
            _EMA[name] = importlib.import_module(name)
            return _EMA[name]
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
        _EMA[name] = module if module is not None else importlib.import_module(name)
    return _EMA[name]


# ---------------------------------------------------------------- the methods
Finder = tuple["pd.DataFrame", int, dict[str, Any]]
"""What a method offers: its boxes (coverage, density, mass, res_dim per row), the one
chosen, and the chosen box's restrictions, pruned."""


def _choose(boxes: pd.DataFrame, min_density: float) -> int:
    """The box with the largest coverage whose density reaches ``min_density``, or the
    densest."""
    ok = boxes[boxes["density"] >= min_density]
    return int(ok["coverage"].idxmax()) if len(ok) else int(boxes["density"].idxmax())


def prim_boxes(x: pd.DataFrame, y: np.ndarray, min_density: float) -> Finder:
    """PRIM's peeling trajectory, the box chosen on it, and that box's restrictions."""
    from sim.analysis.prim import find_box

    trajectory = find_box(x, y, mass_min=MASS_MIN)
    boxes = trajectory.frame()
    i = _choose(boxes, min_density)
    return boxes, i, prune(x, y, trajectory.limits(i), TOLERANCE)


def cart_boxes(x: pd.DataFrame, y: np.ndarray, min_density: float, seed: int = 0) -> Finder:
    """EMA Workbench's CART: the leaves of a classification tree whose leaves hold at
    least ``MASS_MIN`` of the runs, the leaf chosen as PRIM's box is, its restrictions.

    EMA's ``build_tree`` fits scikit-learn's tree without a ``random_state``, which breaks
    ties between equally good splits at random; the same tree is fitted here with one, so
    that the same runs give the same rule."""
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    cart = import_ema("ema_workbench.analysis.cart")
    tree = cart.CART(x, y, mass_min=MASS_MIN)
    tree.clf = DecisionTreeClassifier(min_samples_leaf=int(MASS_MIN * len(x)),
                                      random_state=seed).fit(tree._x, y)
    full = {c: (set(x[c].astype(str)) if isinstance(x[c].dtype, pd.CategoricalDtype)
                else (float(x[c].min()), float(x[c].max()))) for c in x.columns}
    leaves = [_frame_limits(lims, full) for lims in tree.boxes]
    rows = []
    for limits in leaves:
        inside = inside_box(x, limits)
        k = int(y[inside].sum())
        rows.append({"coverage": k / max(int(y.sum()), 1),
                     "density": k / inside.sum() if inside.any() else 0.0,
                     "mass": float(inside.mean()), "res_dim": len(limits)})
    boxes = pd.DataFrame(rows)
    i = _choose(boxes, min_density)
    return boxes, i, prune(x, y, leaves[i], TOLERANCE)


def _frame_limits(lims: pd.DataFrame, full: dict[str, Any]) -> dict[str, Any]:
    """An EMA box (a two-row frame of limits) as restrictions: (low, high) with -inf / inf
    on a side not cut, or the kept categories."""
    limits: dict[str, Any] = {}
    for col, whole in full.items():
        if isinstance(whole, set):
            kept = set(map(str, lims[col].iloc[0]))
            if kept != whole:
                limits[col] = kept
            continue
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        lo = lo if lo > whole[0] else -np.inf
        hi = hi if hi < whole[1] else np.inf
        if np.isfinite(lo) or np.isfinite(hi):
            limits[col] = (lo, hi)
    return limits


FINDERS: dict[str, Callable[..., Finder]] = {"PRIM": prim_boxes, "CART": cart_boxes}


def find_rule(method: str, x: pd.DataFrame, y: np.ndarray, event: str,
              min_density: float = 0.75, resamples: int | None = None,
              seed: int = 0) -> tuple[Box, pd.DataFrame, int]:
    """The box ``method`` (PRIM or CART) finds for ``y`` over the parameters ``x``
    (categoricals as pandas categories), measured on these runs and checked on
    ``resamples`` (default ``RESAMPLES``) random halves (:func:`check_box`); with the
    boxes the method offered and the index of the chosen one (for the trade-off figure).
    Call it only on events that pass :func:`too_few`."""
    resamples = RESAMPLES if resamples is None else resamples
    finder = FINDERS[method]
    boxes, chosen, limits = finder(x, y, min_density)
    found = box_stats(x, y, event, limits, method=method, min_density=min_density,
                      best_density=float(boxes["density"].max()))
    if resamples:
        check_box(found, x, y, lambda xs, ys: finder(xs, ys, min_density)[2], resamples,
                  seed)
    return found, boxes, chosen


def check_box(box: Box, x: pd.DataFrame, y: np.ndarray,
              finder: Callable[[pd.DataFrame, np.ndarray], dict[str, Any]],
              resamples: int, seed: int) -> None:
    """Run ``finder`` again on ``resamples`` random halves of the runs and keep in
    ``box``: the share of halves whose box restricts each parameter ``box`` restricts, the
    density each half's box reaches on the *other* half (mean, lowest, highest), and the
    held-out test against the base rate (see the module docstring).

    Why not the workbench's own ``resample``: it scores the unpruned box at the matching
    point of each trajectory, and on an event that is pure noise PRIM restricts nearly
    every parameter in every half, so it reports noise as reproduced 70-90% (tried on the
    test's 300 noisy runs). The held-out density is what exposes noise: there the box
    holds the event no more often than the base rate."""
    from scipy.stats import fisher_exact

    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(box.limits, 0)
    held: list[float] = []
    pvalues: list[float] = []
    for _ in range(resamples):
        order = rng.permutation(len(y))
        a, b = order[: len(y) // 2], order[len(y) // 2:]
        if y[a].all() or not y[a].any():  # no box on this half: the base rate, no test
            held.append(float(y[b].mean()))
            pvalues.append(1.0)
            continue
        found = finder(x.iloc[a].reset_index(drop=True), y[a])
        for p in box.limits:
            counts[p] += p in found
        inside, yb = inside_box(x.iloc[b].reset_index(drop=True), found), y[b]
        k_in, n_in = int(yb[inside].sum()), int(inside.sum())
        k_out, n_out = int(yb.sum()) - k_in, len(yb) - n_in
        held.append(k_in / n_in if n_in else float(yb.mean()))
        pvalues.append(float(fisher_exact([[k_in, n_in - k_in], [k_out, n_out - k_out]],
                                          alternative="greater").pvalue)
                       if n_in and n_out else 1.0)
    box.reproduced = {p: c / resamples for p, c in counts.items()}
    box.resamples = resamples
    box.held_out_density = float(np.mean(held))
    box.held_out_lo, box.held_out_hi = float(np.min(held)), float(np.max(held))
    box.held_out_p = float(min(1.0, 2 * np.median(pvalues)))


def params_frame(runs: pd.DataFrame, params: list[dict[str, Any]]) -> pd.DataFrame:
    """The swept parameters of each run, categories as pandas categoricals."""
    import pandas as pd

    out = pd.DataFrame(index=runs.index)
    for p in params:
        col = runs[p["name"]]
        out[p["name"]] = (pd.Categorical(col.astype(str)) if p.get("values") is not None
                          else col.astype(float))
    return out


# ---------------------------------------------------------------- on a store
View = tuple["pd.DataFrame", int]
"""A method's boxes (coverage, density, mass, res_dim per row) and the chosen one."""


def trajectory_table(views: dict[str, View]) -> pd.DataFrame:
    """The boxes of every method as one table (``discovery_boxes.csv``), the chosen ones
    marked."""
    import pandas as pd

    frames = []
    for method, (boxes, chosen) in views.items():
        frames.append(boxes.assign(method=method, step=np.arange(len(boxes)),
                                   chosen=np.arange(len(boxes)) == chosen))
    return pd.concat(frames, ignore_index=True)[["method", "step", "coverage", "density",
                                                 "mass", "res_dim", "chosen"]]


@dataclass
class Found:
    """What one method found: its box (measured on every run), the boxes it offered and
    the chosen one's index (on its sample of runs, when there is one)."""

    box: Box
    boxes: pd.DataFrame
    chosen: int


@dataclass
class Discovery:
    """Scenario discovery under way on a store (see :func:`start_discovery`): the note
    when there are too few events, else one future per method."""

    x: pd.DataFrame
    y: np.ndarray
    label: str
    sample: int | None
    note: str = ""
    futures: dict[str, Future] = field(default_factory=dict)

    def result(self, method: str) -> Found:
        """``method``'s box, measured on every run (raises what the method raised)."""
        box, boxes, chosen = self.futures[method].result()
        if self.sample is not None:
            checked = box
            box = box_stats(self.x, self.y, self.label, checked.limits, sample=self.sample,
                            method=method, min_density=checked.min_density,
                            best_density=checked.best_density)
            for name in ("reproduced", "resamples", "held_out_density", "held_out_lo",
                         "held_out_hi", "held_out_p"):
                setattr(box, name, getattr(checked, name))
        return Found(box, boxes, chosen)


def start_discovery(rs: ResultSet, event: str, min_density: float = 0.75, seed: int = 0,
                    workers: Workers | None = None,
                    methods: tuple[str, ...] = ("PRIM",)) -> Discovery:
    """Read the parameters and the event once, and start each method (PRIM, and CART on
    request) in a worker (in this process without ``workers``); with too few events, start
    nothing and say so. Raises UserError at once for an event that does not parse."""
    from sim.analysis.parallel import Workers

    col, _, _, _ = parse_event(event, rs.columns)
    everything = rs.frame([*rs.param_names, col])
    y_all, label = event_mask(everything, event)
    x_all = params_frame(everything, rs.params)
    found = Discovery(x_all, y_all, label, None, note=too_few(y_all, label))
    if found.note:
        return found
    x, y = x_all, y_all
    if len(everything) > PRIM_SAMPLE:
        picked = rs.frame(["run_id"], sample=PRIM_SAMPLE, seed=seed)["run_id"]
        rows = np.flatnonzero(everything["run_id"].isin(picked).to_numpy())
        x, y, found.sample = x_all.iloc[rows].reset_index(drop=True), y_all[rows], len(rows)
    pool = workers or Workers(1)
    found.futures = {m: pool.submit(find_rule, m, x, y, label, min_density, None, seed)
                     for m in methods}
    return found


def discover(rs: ResultSet, event: str, min_density: float = 0.75, seed: int = 0,
             method: str = "PRIM") -> Found | str:
    """Scenario discovery for ``event`` with ``method`` in this process: what it found,
    or why there is no rule (too few events)."""
    started = start_discovery(rs, event, min_density, seed, methods=(method,))
    return started.note or started.result(method)

