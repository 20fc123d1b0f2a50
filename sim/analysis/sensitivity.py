"""Which parameters drive an outcome.

* Saltelli designs: Sobol first-order (S1) and total (ST) indices with bootstrap
  confidence intervals, from SALib's ``sobol.analyze``, on the per-point mean over
  replicates (rows in design order, as the Saltelli scheme requires).
* Any other design: a *model-free ranking*: permutation importance of a random-forest
  surrogate fitted to the individual runs (scikit-learn). It ranks parameters by how much
  the surrogate's predictions degrade when one is shuffled; it is not a variance
  decomposition, and is labelled as such wherever it is shown.

Categorical parameters enter as the index of their value (0, 1, ...), stated in output.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as salib_sobol

from sim.analysis.results import ResultSet
from sim.batch.designs import salib_problem
from sim.core.outcomes import BY_NAME
from sim.errors import UserError


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


def sobol_indices(problem: dict[str, Any], y: np.ndarray, calc_second_order: bool,
                  seed: int = 0) -> pd.DataFrame:
    """S1 and ST with 95% confidence half-widths, one row per parameter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = salib_sobol.analyze(problem, y, calc_second_order=calc_second_order,
                                  print_to_console=False, seed=seed)
    return pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                         "ST_conf": res["ST_conf"]}, index=pd.Index(problem["names"],
                                                                    name="parameter"))


def forest_ranking(problem: dict[str, Any], x: np.ndarray, y: np.ndarray,
                   seed: int = 0) -> pd.DataFrame:
    """Permutation importance of a random-forest surrogate (scikit-learn), high to low.

    ``importance``: the drop in the surrogate's R² when one parameter is shuffled (mean and
    sd over 5 shuffles). ``surrogate_oob_r2`` (same on every row): how well the forest
    predicts runs it did not see; a low value means the ranking explains little.
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    names = problem["names"]
    if np.nanstd(y) == 0:
        return pd.DataFrame({"importance": 0.0, "importance_sd": 0.0, "surrogate_oob_r2":
                             np.nan}, index=pd.Index(names, name="parameter"))
    forest = RandomForestRegressor(n_estimators=100, min_samples_leaf=3, oob_score=True,
                                   random_state=seed, n_jobs=1).fit(x, y)
    perm = permutation_importance(forest, x, y, n_repeats=5, random_state=seed)
    out = pd.DataFrame({"importance": perm.importances_mean, "importance_sd":
                        perm.importances_std, "surrogate_oob_r2": forest.oob_score_},
                       index=pd.Index(names, name="parameter"))
    return out.sort_values("importance", ascending=False)


def sensitivity(rs: ResultSet, outcome: str) -> tuple[str, pd.DataFrame]:
    """('sobol' or 'forest', table) for one outcome of a sweep."""
    if rs.kind != "sweep" or not rs.params:
        raise UserError(f"{rs.root}: sensitivity needs a sweep (this is a single run)")
    problem = salib_problem(rs.params)
    design = rs.manifest["design"]
    if design["method"] == "sobol":
        runs = rs.runs.assign(_y=outcome_values(rs.runs, outcome, rs.horizon))
        per_point = runs.groupby("point_id")["_y"].mean()
        n_points = int(rs.manifest["n_points"])
        if len(per_point) != n_points:
            raise UserError(
                f"{rs.root}: Sobol indices need every design point; "
                f"{n_points - len(per_point)} of {n_points} have no successful run",
                hint="resume the sweep, or use the model-free ranking on another design",
            )
        y = per_point.sort_index().to_numpy()
        return "sobol", sobol_indices(problem, y, bool(design.get("calc_second_order")))
    x = encode(rs.runs, rs.params)
    y = outcome_values(rs.runs, outcome, rs.horizon)
    return "forest", forest_ranking(problem, x, y)
