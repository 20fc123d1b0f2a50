"""Which parameters drive an outcome.

* Saltelli designs: Sobol first-order (S1) and total (ST) indices with bootstrap
  confidence intervals, from SALib's ``sobol.analyze``, on the per-point mean over
  replicates (rows in design order, as the Saltelli scheme requires). Every run is used:
  the per-point means are one DuckDB query, and SALib's estimator is cheap.
* Any other design: a *model-free ranking*: permutation importance of a random-forest
  surrogate (scikit-learn). It ranks parameters by how much the surrogate's predictions of
  runs it did not see degrade when one parameter is shuffled; it is not a variance
  decomposition, and is labelled as such wherever it is shown. It is computed twice, on
  two disjoint samples of runs (fit on one, score on the other, and the other way round),
  so the table carries its own sampling error: the two estimates and half their
  difference. A store of more than ``2 * FOREST_SAMPLE`` runs is sampled, because the
  cost grows with the rows while the ranking does not change (``benchmarks/README.md``
  compares it with a ranking on four times as many).

Neither prints a number it cannot stand behind: Sobol indices of a constant outcome are
*undefined* (0/0), indices from too few samples or with implausible values are
*unreliable* (the word replaces the number), an index whose 95% interval is wider than the
index itself is *flagged* (it cannot be told from 0: the number stays, the note says so),
and a forest whose held-out R² is not positive *explains nothing*.

Categorical parameters enter as the index of their value (0, 1, ...), stated in output.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.results import ResultSet, _ident
from sim.batch.designs import salib_problem
from sim.core.outcomes import BY_NAME
from sim.errors import UserError

FOREST_SAMPLE = 5_000
"""Runs per sample for the model-free ranking (two disjoint samples; a store of up to
twice this many runs is used whole). The estimates vary between samples by the ``spread``
shown, and they also grow, for the weaker parameters, with the rows the forest learns
from: on the 200,000-run baseline, russia.tech_transfer_rate's importance for
escalation_peak is 0.09 from 2 x 2,000 runs, 0.11 from 2 x 5,000 and 0.12-0.13 from
2 x 20,000, while the order of the leading five does not change. 5,000 costs ~1.5 s of
one core per outcome."""

FOREST_TREES = 40
"""Trees per forest: from 40 to 60 the held-out R² of the key outcomes of a 2,000-run
baseline sweep changes by under 0.001, and the ranking not at all."""
PERMUTATION_REPEATS = 3

SOBOL_MIN_BASE = 64
"""Fewer Saltelli base samples than this and every index is flagged unreliable: their
bootstrap intervals are then typically wider than ±0.2 (SALib recommends powers of two
in the hundreds to thousands)."""

SOBOL_MAX_CONF = 0.2
"""An index whose 95% half-width exceeds this (a fifth of the whole [0, 1] scale) is
flagged unreliable."""


@dataclass
class Sensitivity:
    """The sensitivity of one outcome: a table per parameter, how it was computed, and a
    warning that replaces the numbers when they cannot be trusted."""

    outcome: str
    method: str  # "sobol" or "forest"
    table: pd.DataFrame
    note: str
    warning: str = ""

    @property
    def title(self) -> str:
        if self.method == "sobol":
            return f"Sobol indices of {self.outcome} (SALib)"
        return (f"{self.outcome}: model-free ranking (random-forest permutation importance; "
                "not a variance share)")


def encode(frame: pd.DataFrame, params: list[dict[str, Any]]) -> np.ndarray:
    """Parameter columns as numbers (categories by the index of their value)."""
    cols = []
    for p in params:
        col = frame[p["name"]]
        if p.get("values") is not None:
            lookup = {v: i for i, v in enumerate(p["values"])}
            cols.append(col.map(lookup).to_numpy(dtype=float))
        else:
            cols.append(col.to_numpy(dtype=float))
    return np.column_stack(cols)


def outcome_values(runs: pd.DataFrame, outcome: str, horizon: int) -> np.ndarray:
    """An outcome as numbers; a week that never came (NaN) counts as horizon + 1."""
    v = pd.to_numeric(runs[outcome], errors="coerce").to_numpy(dtype=float)
    return np.nan_to_num(v, nan=horizon + 1.0) if BY_NAME[outcome].kind == "week" else v


# ---------------------------------------------------------------- Sobol
def sobol_indices(problem: dict[str, Any], y: np.ndarray, calc_second_order: bool,
                  seed: int = 0) -> pd.DataFrame:
    """S1 and ST with 95% confidence half-widths, one row per parameter, and whether each
    can be trusted (``note``: empty, or why not). Undefined indices are NaN."""
    names = pd.Index(problem["names"], name="parameter")
    d = problem["num_vars"]
    base = len(y) // (2 * d + 2 if calc_second_order else d + 2)
    if not np.isfinite(y).all():
        note = f"undefined: the outcome is missing in {int((~np.isfinite(y)).sum())} points"
        return _undefined(names, note)
    if np.ptp(y) == 0:
        note = ("undefined: the outcome is constant over the design, so there is no "
                "variance to share out")
        return _undefined(names, note)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = salib_analyze(problem, y, calc_second_order, seed)
    table = pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                          "ST_conf": res["ST_conf"]}, index=names)
    table["note"] = [sobol_doubt(row, base) for _, row in table.iterrows()]
    return table


def salib_analyze(problem: dict[str, Any], y: np.ndarray, calc_second_order: bool,
                  seed: int) -> dict[str, Any]:
    """SALib's estimator with its bootstrap seeded by ``seed``. SALib treats a seed of 0
    as none (``if seed:``) and then draws from numpy's global generator, so that the
    intervals, and the flags that rest on them, changed from one call to the next; it is
    given ``seed + 1``."""
    from SALib.analyze import sobol as salib_sobol

    return salib_sobol.analyze(problem, y, calc_second_order=calc_second_order,
                               print_to_console=False, seed=seed + 1)


def _undefined(names: pd.Index, note: str) -> pd.DataFrame:
    return pd.DataFrame({"S1": np.nan, "S1_conf": np.nan, "ST": np.nan, "ST_conf": np.nan,
                         "note": note}, index=names)


def sobol_doubt(row: pd.Series, base: int) -> str:
    """Why an index should not be read ('undefined', 'unreliable': its numbers are then
    not shown), why it cannot be told from 0 ('flagged': shown, with the reason), or ''."""
    if base < SOBOL_MIN_BASE:
        return f"unreliable: {base} base samples (needs at least {SOBOL_MIN_BASE})"
    for key in ("S1", "ST"):
        v, conf = float(row[key]), float(row[f"{key}_conf"])
        if not (np.isfinite(v) and np.isfinite(conf)):
            return f"undefined: {key} is not a number"
        if v < -0.1 - conf or v > 1.1 + conf:
            return f"unreliable: {key} = {v:.3g} lies outside [0, 1]"
        if conf > SOBOL_MAX_CONF:
            return f"unreliable: {key}'s 95% interval is ±{conf:.2f}"
        if conf == 0 and v != 0:
            return f"unreliable: {key}'s bootstrap interval has zero width"
    wide = [f"{key} = {float(row[key]):.2g} ± {float(row[f'{key}_conf']):.2g}"
            for key in ("S1", "ST") if float(row[f"{key}_conf"]) > abs(float(row[key]))]
    if wide:
        return ("flagged: " + " and ".join(wide) + ", a 95% interval wider than the index: "
                "it cannot be told from 0")
    return ""


UNREADABLE = ("undefined", "unreliable")
"""The notes whose index is not shown as a number (the word is, and the CSV keeps it)."""


def unreadable(table: pd.DataFrame) -> np.ndarray:
    """Which rows of a Sobol table must not be read as numbers (see :data:`UNREADABLE`)."""
    return table["note"].astype(str).str.split(":").str[0].isin(UNREADABLE).to_numpy()


def flagged_indices(sens: Sensitivity) -> list[str]:
    """The parameters whose Sobol index cannot be told from 0 (note 'flagged: ...')."""
    if sens.method != "sobol":
        return []
    return [str(p) for p, note in sens.table["note"].items()
            if str(note).startswith("flagged")]


def sobol_sensitivity(rs: ResultSet, outcome: str) -> Sensitivity:
    problem = salib_problem(rs.params)
    design = rs.manifest["design"]
    n_points = int(rs.manifest["n_points"])
    y_sql = (f"coalesce(num({_ident(outcome)}), {rs.horizon + 1})"
             if BY_NAME[outcome].kind == "week" else f"num({_ident(outcome)})")
    per_point = rs.query(f"SELECT point_id, avg({y_sql}) AS y FROM runs GROUP BY point_id "
                         "ORDER BY point_id")
    if len(per_point) != n_points:
        raise UserError(
            f"{rs.root}: Sobol indices need every design point; "
            f"{n_points - len(per_point)} of {n_points} have no successful run",
            hint="resume the sweep, or use the model-free ranking on another design",
        )
    y = per_point["y"].to_numpy(dtype=float)
    second = bool(design.get("calc_second_order"))
    table = sobol_indices(problem, y, second)
    d = problem["num_vars"]
    base = n_points // (2 * d + 2 if second else d + 2)
    note = (f"all {rs.n_runs} runs: the mean of each of {n_points} design points "
            f"({base} Saltelli base samples)")
    return Sensitivity(outcome, "sobol", table, note, sobol_warning(table))


def sobol_warning(table: pd.DataFrame) -> str:
    """What a reader of the whole table must know: how many indices are unreliable (or
    the reason, when all are), and how many parameters are flagged; '' if nothing."""
    doubts = table["note"][unreadable(table)]
    said = []
    if len(doubts) == len(table):
        said.append(str(doubts.iloc[0]) if doubts.nunique() == 1 else (
            "unreliable: " + "; ".join(sorted(set(doubts)))))
    elif len(doubts):
        said.append(f"{len(doubts)} of {len(table)} indices are unreliable (see the note "
                    "column)")
    flagged = int(table["note"].astype(str).str.startswith("flagged").sum())
    if flagged:
        said.append(f"{flagged} of {len(table)} parameters flagged: an index whose 95% "
                    "interval is wider than the index itself cannot be told from 0 (see the "
                    "note column)")
    return "; ".join(said)


# ---------------------------------------------------------------- model-free ranking
def forest_ranking(problem: dict[str, Any], x: np.ndarray, y: np.ndarray,
                   seed: int = 0) -> pd.DataFrame:
    """Permutation importance of a random-forest surrogate (scikit-learn), high to low,
    from two disjoint halves of the rows: a forest is fitted on each half and scored on
    the other, so that the importance is of predicting runs the forest did not see.

    ``importance``: the mean over the two halves of the drop in R² when one parameter is
    shuffled (mean of ``PERMUTATION_REPEATS`` shuffles); ``importance_a`` and
    ``importance_b``: the two halves; ``spread``: half their difference, a rough standard
    error of the mean from the sampling of runs. ``surrogate_r2`` (same on every row): the
    forests' R² on the held-out half; at or below 0 the forest explains nothing.
    """
    from sklearn.ensemble import RandomForestRegressor

    names = pd.Index(problem["names"], name="parameter")
    n = len(y)
    order = np.random.default_rng(seed).permutation(n)
    halves = (order[: n // 2], order[n // 2:])
    if np.ptp(y) == 0 or n < 8:
        return pd.DataFrame({"importance": np.nan, "importance_a": np.nan,
                             "importance_b": np.nan, "spread": np.nan,
                             "surrogate_r2": np.nan}, index=names)
    estimates, r2 = [], []
    for k, (fit, held) in enumerate((halves, halves[::-1])):
        forest = RandomForestRegressor(
            n_estimators=FOREST_TREES, min_samples_leaf=3, max_features=1 / 3,
            random_state=seed + k, n_jobs=1).fit(x[fit], y[fit])
        base_r2, drops = _permutation_drops(forest, x[held], y[held],
                                            np.random.default_rng(seed + 10 + k))
        estimates.append(drops)
        r2.append(base_r2)
    a, b = estimates
    out = pd.DataFrame({"importance": (a + b) / 2, "importance_a": a, "importance_b": b,
                        "spread": np.abs(a - b) / 2, "surrogate_r2": float(np.mean(r2))},
                       index=names)
    return out.sort_values("importance", ascending=False)


def _permutation_drops(forest: Any, x: np.ndarray, y: np.ndarray,
                       rng: np.random.Generator) -> tuple[float, np.ndarray]:
    """R² of ``forest`` on (x, y), and its mean drop when each column is shuffled.

    The same quantity as scikit-learn's ``permutation_importance`` with the R² scorer, but
    every shuffled copy goes through one ``predict`` call: with small held-out sets the
    per-call overhead of the forest's predict, not the arithmetic, was the cost (~7 ms x
    columns x repeats)."""
    n, p = x.shape
    var = float(np.var(y))
    if var == 0:
        return math.nan, np.full(p, np.nan)
    stacked = np.repeat(x[None], p * PERMUTATION_REPEATS, axis=0)
    for j in range(p):
        for r in range(PERMUTATION_REPEATS):
            stacked[j * PERMUTATION_REPEATS + r, :, j] = x[rng.permutation(n), j]
    pred = forest.predict(np.concatenate([x, stacked.reshape(-1, p)]))
    base = 1 - float(np.mean((pred[:n] - y) ** 2)) / var
    shuffled = pred[n:].reshape(p, PERMUTATION_REPEATS, n)
    r2 = 1 - np.mean((shuffled - y) ** 2, axis=2) / var
    return base, base - r2.mean(axis=1)


def forest_warning(table: pd.DataFrame) -> str:
    """Why the ranking should not be read, or ''."""
    r2 = float(table["surrogate_r2"].iloc[0])
    if not np.isfinite(r2):
        return "undefined: the outcome does not vary in these runs"
    if r2 <= 0:
        return (f"explains nothing: the forest predicts runs it did not see no better "
                f"than their mean (held-out R² = {r2:.2f}); the ranking is noise")
    return ""


def forest_inputs(rs: ResultSet, outcome: str, frame: pd.DataFrame
                  ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, str]:
    """The arguments of :func:`forest_ranking` for one outcome, and how the rows were
    chosen (said wherever the ranking is shown)."""
    problem = salib_problem(rs.params)
    x = encode(frame, rs.params)
    y = outcome_values(frame, outcome, rs.horizon)
    keep = np.isfinite(y)
    used = int(keep.sum())
    if used < rs.n_runs:
        note = (f"two disjoint random samples of {used // 2} runs each, of {rs.n_runs}; "
                "the two estimates and half their difference (spread) show the effect "
                "of sampling")
    else:
        note = (f"all {used} runs, split in two halves (fit on one, score on the other); "
                "spread: half the difference of the two estimates")
    return problem, x[keep], y[keep], note


def forest_sensitivity(outcome: str, table: pd.DataFrame, note: str) -> Sensitivity:
    return Sensitivity(outcome, "forest", table, note, forest_warning(table))


def is_sobol(rs: ResultSet) -> bool:
    return rs.manifest.get("design", {}).get("method") == "sobol"


def ranking_frame(rs: ResultSet, outcomes: list[str], seed: int = 0) -> pd.DataFrame:
    """The rows the model-free ranking uses: all runs, or two disjoint samples of
    ``FOREST_SAMPLE`` runs (a seeded hash of the run id) for a large store."""
    cols = rs.param_names + list(outcomes)
    if rs.n_runs <= 2 * FOREST_SAMPLE:
        return rs.frame(cols)
    return rs.frame(cols, sample=2 * FOREST_SAMPLE, seed=seed)


def sensitivity(rs: ResultSet, outcome: str, frame: pd.DataFrame | None = None) -> Sensitivity:
    """The sensitivity of one outcome of a sweep (``frame``: the rows of
    :func:`ranking_frame`, when the caller ranks several outcomes)."""
    if rs.kind != "sweep" or not rs.params:
        raise UserError(f"{rs.root}: sensitivity needs a sweep (this is a single run)")
    if is_sobol(rs):
        return sobol_sensitivity(rs, outcome)
    if frame is None:
        frame = ranking_frame(rs, [outcome])
    problem, x, y, note = forest_inputs(rs, outcome, frame)
    return forest_sensitivity(outcome, forest_ranking(problem, x, y), note)


def display_table(sens: Sensitivity) -> pd.DataFrame | None:
    """The table as a reader should see it: a Sobol index that cannot be trusted shows the
    word ('undefined', 'unreliable') instead of its number; a flagged one keeps its number
    and its note says why it cannot be told from 0. None when no number of it can be read
    (every index in doubt, or a ranking that explains nothing): print ``sens.warning``
    instead. The CSV keeps every number."""
    table = sens.table
    if sens.method == "forest":
        return None if sens.warning else table
    hidden = unreadable(table)
    if hidden.all():
        return None
    shown = table.astype(object)
    for (name, row), hide in zip(table.iterrows(), hidden, strict=True):
        if hide:
            word = str(row["note"]).split(":")[0]
            shown.loc[name, ["S1", "S1_conf", "ST", "ST_conf"]] = [word, "", word, ""]
    return shown
