"""Comparing policies on the same futures: paired differences, P(A better than B), regret
and satisficing, the robustness measures of decision making under deep uncertainty (as in
EMA Workbench's robustness functions, here on paired runs).

A *future* is one design point of the uncertainties and one replicate (its seed): every
policy of a policy sweep runs in every future with the same seed (common random numbers),
so the difference between two policies in one future is not noise. Inputs are run tables
with columns ``policy``, ``point_id``, ``replicate`` and the outcomes; every function here is
a pure function of such a table.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.analysis.uncertainty import Z95, quantile_ci_levels
from sim.errors import UserError

if TYPE_CHECKING:
    from sim.analysis.results import ResultSet

FUTURE = ["point_id", "replicate"]

#: Which way is better for the outcomes where that is clear (for anyone who wants less
#: escalation, fewer casualties, less technology in Pyongyang and a Ukraine that holds on);
#: ``--better NAME=higher|lower`` states it for the others, or overrides these.
DEFAULT_BETTER: dict[str, str] = {
    "escalation_peak": "lower", "escalation_end": "lower", "tech_level": "lower",
    "casualties_ukraine": "lower", "casualties_russia": "lower",
    "casualties_north_korea": "lower", "ukraine_area_end_km2": "higher",
    "kursk_retaken": "lower", "nk_waves": "lower",
}

def better_sign(outcome: str, better: dict[str, str] | None = None) -> float:
    """+1 if higher is better for ``outcome``, -1 if lower is; exit 2 if nobody said."""
    way = (better or {}).get(outcome) or DEFAULT_BETTER.get(outcome)
    if way not in ("higher", "lower"):
        raise UserError(f"which way is better for '{outcome}'? say --better {outcome}=higher "
                        "or lower")
    return 1.0 if way == "higher" else -1.0


def wide(runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One row per future, one column per policy (the futures every policy ran in)."""
    table = runs.pivot_table(index=FUTURE, columns="policy", values=outcome, aggfunc="first")
    return table.dropna(how="any")


def paired_differences(runs: pd.DataFrame, outcome: str, reference: str,
                       better: dict[str, str] | None = None) -> pd.DataFrame:
    """Each policy minus the reference, future by future: mean difference with its 95 %
    interval (normal approximation to the mean of paired differences), and P(better): the
    share of futures in which the policy does better than the reference (ties count half),
    with its Monte Carlo standard error."""
    sign = better_sign(outcome, better)
    t = wide(runs, outcome)
    if reference not in t:
        raise UserError(f"no policy '{reference}' in this sweep (policies: "
                        f"{', '.join(map(str, t.columns))})")
    rows = []
    for policy in t.columns:
        d = (t[policy] - t[reference]).to_numpy(dtype=float)
        n = len(d)
        mean = float(d.mean()) if n else np.nan
        se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        wins = (np.sign(d * sign) + 1) / 2  # 1 better, 0.5 tie, 0 worse
        p = float(wins.mean()) if n and policy != reference else np.nan  # not vs itself
        rows.append({"policy": policy, "futures": n, "mean_difference": mean,
                     "ci95_low": mean - Z95 * se, "ci95_high": mean + Z95 * se,
                     "p_better": p, "p_better_se": float(np.sqrt(p * (1 - p) / n)) if n else
                     np.nan})
    out = pd.DataFrame(rows).set_index("policy")
    out.attrs.update(outcome=outcome, reference=reference)
    return out


def share_higher(runs: pd.DataFrame, outcome: str, reference: str) -> pd.Series:
    """Per policy: the share of futures in which its value is strictly higher than the
    reference's (what ``wargame branch`` prints next to the paired differences, for outcomes
    where neither way is better)."""
    t = wide(runs, outcome)
    return (t.sub(t[reference], axis=0) > 0).mean().rename("share_higher")


def p_better_matrix(runs: pd.DataFrame, outcome: str,
                    better: dict[str, str] | None = None) -> pd.DataFrame:
    """P(row policy does better than column policy) over the shared futures (ties half)."""
    sign = better_sign(outcome, better)
    t = wide(runs, outcome)
    pols = list(t.columns)
    m = pd.DataFrame(index=pd.Index(pols, name="policy"), columns=pols, dtype=float)
    for a in pols:
        for b in pols:
            d = (t[a] - t[b]).to_numpy(dtype=float) * sign
            m.loc[a, b] = float(((np.sign(d) + 1) / 2).mean()) if len(d) else np.nan
    return m


def regret(runs: pd.DataFrame, outcome: str, better: dict[str, str] | None = None
           ) -> pd.DataFrame:
    """Regret of each policy in each future: how far it falls short of the best policy in
    that future (0 for the best), in the outcome's unit. Rows futures, columns policies."""
    sign = better_sign(outcome, better)
    t = wide(runs, outcome)
    best = t.max(axis=1) if sign > 0 else t.min(axis=1)
    return (t.sub(best, axis=0) * -sign).clip(lower=0.0) + 0.0  # + 0.0: no -0


def regret_summary(runs: pd.DataFrame, outcome: str, better: dict[str, str] | None = None
                   ) -> pd.DataFrame:
    """Per policy: mean regret (with its standard error), median and 90th percentile (with
    their 95% confidence intervals), maximum over futures, and the share of futures in
    which it is the best (regret 0, with its standard error)."""
    r = regret(runs, outcome, better)
    n = len(r)
    p_best = (r == 0).mean()
    return pd.DataFrame({
        "futures": n,
        "mean_regret": r.mean(), "mean_regret_se": r.std(ddof=1) / np.sqrt(max(n, 1)),
        **_quantile_with_ci(r, 0.5, "median_regret"), **_quantile_with_ci(r, 0.9, "q90_regret"),
        "max_regret": r.max(),
        "p_best": p_best, "p_best_se": np.sqrt(p_best * (1 - p_best) / max(n, 1)),
    }).rename_axis("policy")


def _quantile_with_ci(frame: pd.DataFrame, q: float, name: str) -> dict[str, pd.Series]:
    """The ``q`` quantile of each column, with its distribution-free 95% interval."""
    lo, hi = quantile_ci_levels(q, len(frame))
    return {name: frame.quantile(q), f"{name}_lo": frame.quantile(lo),
            f"{name}_hi": frame.quantile(hi)}


# ----------------------------------------------------------------- satisficing
_OPS: dict[str, Callable] = {"<=": operator.le, ">=": operator.ge, "<": operator.lt,
                             ">": operator.gt, "==": operator.eq, "!=": operator.ne}
_CRITERION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:@(\d+))?\s*(<=|>=|==|!=|<|>)\s*"
                        r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Criterion:
    """``outcome OP value`` on a run's outcomes, or ``series@week OP value`` on a weekly
    series (e.g. ``ukraine_area_km2@26>=200``: Ukraine still holds 200 km² at week 26)."""

    name: str
    week: int | None
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Criterion:
        m = _CRITERION.match(text)
        if not m:
            raise UserError(f"--satisfice {text!r}: expected OUTCOME OP VALUE or "
                            "SERIES@WEEK OP VALUE, e.g. 'escalation_peak<50' or "
                            "'ukraine_area_km2@26>=200'")
        return cls(m[1], int(m[2]) if m[2] else None, m[3], float(m[4]))

    def __str__(self) -> str:
        where = f"@{self.week}" if self.week is not None else ""
        return f"{self.name}{where}{self.op}{self.value:g}"


def satisficing(runs: pd.DataFrame, criteria: list[Criterion],
                series_at: Callable[[str, int], pd.Series] | None = None) -> pd.DataFrame:
    """Per policy, the share of futures in which it meets every criterion, with its Monte
    Carlo standard error. ``series_at(name, week)`` gives a weekly series' value per run
    (indexed by run_id) for the ``series@week`` criteria."""
    ok = pd.Series(True, index=runs.index)
    for c in criteria:
        if c.week is None:
            if c.name not in runs:
                raise UserError(f"--satisfice {c}: '{c.name}' is not an outcome of this store")
            values = pd.to_numeric(runs[c.name], errors="coerce")
        else:
            if series_at is None:
                raise UserError(f"--satisfice {c}: needs the weekly series (this store has "
                                "none: sweep without --no-timeseries)")
            values = runs["run_id"].map(series_at(c.name, c.week))
        ok &= _OPS[c.op](values, c.value).fillna(False).to_numpy(dtype=bool)
    table = runs.assign(_ok=ok.astype(float))
    g = table.groupby("policy")["_ok"]
    share, n = g.mean(), g.size()
    return pd.DataFrame({"futures": n, "share_satisficing": share,
                         "share_satisficing_se": np.sqrt(share * (1 - share) / n)})


def robustness(runs: pd.DataFrame, outcomes: list[str], criteria: list[Criterion],
               better: dict[str, str] | None = None,
               series_at: Callable[[str, int], pd.Series] | None = None) -> pd.DataFrame:
    """The robustness table: per policy, each outcome's median (95% interval), mean regret
    and P(best) (standard errors), and (if criteria are given) the share of futures
    satisficing them all (standard error)."""
    parts = []
    for o in outcomes:
        r = regret_summary(runs, o, better)
        values = runs.pivot_table(index=FUTURE, columns="policy", values=o, aggfunc="first")
        med = _quantile_with_ci(values, 0.5, f"{o}: median")
        parts.append(pd.DataFrame({**med, f"{o}: mean regret": r["mean_regret"],
                                   f"{o}: mean regret_se": r["mean_regret_se"],
                                   f"{o}: P(best)": r["p_best"],
                                   f"{o}: P(best)_se": r["p_best_se"]}))
    table = pd.concat(parts, axis=1)
    if criteria:
        add_satisficing(table, satisficing(runs, criteria, series_at), criteria)
    return table.rename_axis("policy")


def add_satisficing(table: pd.DataFrame, sat: pd.DataFrame, criteria: list[Criterion]) -> None:
    """The satisficing share and its standard error as columns of the robustness table."""
    name = "satisficing: " + " and ".join(map(str, criteria))
    table[name], table[f"{name}_se"] = sat["share_satisficing"], sat["share_satisficing_se"]


# ----------------------------------------------------------------- on a stored sweep
POLICY_OUTCOMES: list[str] = ["escalation_peak", "ukraine_area_end_km2",
                              "casualties_north_korea", "kursk_retaken", "tech_level"]
"""Outcomes compared by default: those with a clear better direction (DEFAULT_BETTER)."""


@dataclass
class PolicyComparison:
    """Everything `compare`/`analyze` show for a sweep with a ``policy`` column."""

    reference: str
    policies: list[str]
    futures: int
    differences: dict[str, pd.DataFrame]  # outcome -> paired differences vs the reference
    p_better: dict[str, pd.DataFrame]  # outcome -> P(row better than column)
    regrets: dict[str, pd.DataFrame]  # outcome -> regret per future (columns: policies)
    regret_summaries: dict[str, pd.DataFrame]
    satisficing: pd.DataFrame | None
    criteria: list[Criterion]
    table: pd.DataFrame  # the robustness table


def compare_policies(rs: ResultSet, outcomes: list[str], reference: str | None = None,
                     criteria: list[Criterion] | None = None,
                     better: dict[str, str] | None = None) -> PolicyComparison:
    """The policy comparison of an opened store (``sim.analysis.results.ResultSet``)."""
    criteria = criteria or []
    for o in outcomes:
        better_sign(o, better)  # every outcome needs a direction, before any work
    runs = rs.frame(["policy", "point_id", "replicate", *outcomes])
    policies = list(dict.fromkeys(runs["policy"]))
    ref = reference or policies[0]
    if ref not in policies:
        raise UserError(f"--reference: no policy '{ref}' in {rs.root} "
                        f"(policies: {', '.join(policies)})")

    def series_at(name: str, week: int) -> pd.Series:
        if not rs.has_series:
            raise UserError(f"--satisfice {name}@{week}: {rs.root} holds no weekly series")
        from sim.core.series import SERIES_NAMES

        if name not in SERIES_NAMES:
            raise UserError(f"--satisfice {name}@{week}: '{name}' is not a weekly series")
        got = rs.query(f'SELECT run_id, "{name}" AS v FROM series WHERE week = ?',
                       [int(week)])
        return got.set_index("run_id")["v"]

    diffs = {o: paired_differences(runs, o, ref, better) for o in outcomes}
    sat = satisficing(runs, criteria, series_at) if criteria else None
    table = robustness(runs, outcomes, [], better)
    if sat is not None:
        add_satisficing(table, sat, criteria)
    return PolicyComparison(
        reference=ref, policies=policies, futures=len(wide(runs, outcomes[0])),
        differences=diffs, p_better={o: p_better_matrix(runs, o, better) for o in outcomes},
        regrets={o: regret(runs, o, better) for o in outcomes},
        regret_summaries={o: regret_summary(runs, o, better) for o in outcomes},
        satisficing=sat, criteria=criteria, table=table)
