"""``wargame hindcast``: run an ensemble forward and score it on the observations after a
date, next to the uncalibrated prior ensemble, so that the skill calibration bought is a
number.

Scores, per observation (the verifying value is the record's best value; an event that has
not happened by the horizon counts as the week after it), from :mod:`sim.batch.scores`:
coverage of the central 50 % and 90 % intervals (over many observations an ensemble whose
intervals are honest covers about 50 % and 90 % of them), their interval scores, the CRPS
and the PIT.

To average over observations of different units the interval scores and the CRPS are
divided by each observation's scale (its range width, or 1): "scaled". The skill score is
1 - CRPS(ensemble) / CRPS(prior), averaged over observations with scaled CRPS: > 0 means the
calibrated ensemble is closer to what happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.evaluate import evaluate
from sim.batch.executors import Execution
from sim.batch.observations import Entry, Record, censor, check_horizon, horizon
from sim.batch.posterior import load_posterior, read_manifest, resample
from sim.batch.priors import Prior
from sim.batch.scores import ensemble_scores
from sim.batch.specs import spec_from_dict, specs_for
from sim.core.scenario import Scenario, parse_scenario
from sim.core.seeds import derive_seed
from sim.errors import UserError


# ---------------------------------------------------------------- scores
def score_values(entries: list[Entry], values: np.ndarray, weeks: int, seed: int = 0,
                 weights: np.ndarray | None = None) -> pd.DataFrame:
    """Every score of one ensemble (``values``: runs x entries, ``weights`` per run or
    None), one row per entry (:func:`sim.batch.scores.ensemble_scores`); the PIT's
    randomisation is drawn from ``seed``."""
    v = censor(entries, values, weeks)
    u = np.random.default_rng(seed).random(len(entries))
    rows = []
    for j, e in enumerate(entries):
        keep = ~np.isnan(v[:, j])
        w = None if weights is None else weights[keep]
        rows.append({"id": e.id, "target": e.target, "kind": e.kind, "week": e.week,
                     "best": e.best, "low": e.low, "high": e.high, "runs": int(keep.sum()),
                     **ensemble_scores(v[keep, j], e.best, e.scale, w, float(u[j]))})
    return pd.DataFrame(rows)


def aggregate(scores: pd.DataFrame) -> dict[str, float]:
    """Coverage and mean scaled scores over the observations of one ensemble."""
    return {
        "observations": len(scores),
        "coverage50": float(scores["in50"].mean()),
        "coverage90": float(scores["in90"].mean()),
        "is50_scaled": float(scores["is50_scaled"].mean()),
        "is90_scaled": float(scores["is90_scaled"].mean()),
        "crps_scaled": float(scores["crps_scaled"].mean()),
    }


# ---------------------------------------------------------------- ensembles
@dataclass
class Source:
    """What is scored: a calibration (posterior and its prior) or a scenario ([sweep])."""

    kind: str  # "calibration" or "scenario"
    name: str
    scenario: Scenario
    prior: Prior | None
    until_week: int | None = None
    posterior: Any = None  # sim.batch.posterior.Posterior


def calibration_source(root: Path) -> Source:
    """A calibration folder: its scenario, prior and posterior."""
    manifest = read_manifest(root)
    post = load_posterior(root)
    sc = parse_scenario(manifest["scenario_text"], f"{root}/manifest.json",
                        default_name=manifest.get("scenario_name", "scenario"))
    if manifest.get("overrides"):
        sc = sc.with_overrides(manifest["overrides"])
    prior = Prior(tuple(spec_from_dict(d) for d in manifest["prior"]))
    spec = manifest.get("spec", {})
    # The last week the calibration saw: --until, or else its last observation's.
    seen = spec.get("until_week")
    seen = spec.get("weeks") if seen is None else min(seen, spec.get("weeks", seen))
    return Source("calibration", sc.name, sc, prior, seen, post)


def scenario_source(scenario: Scenario, origin: str) -> Source:
    """A scenario: its [sweep] ranges as the prior ensemble (none: seeds only)."""
    prior = Prior(tuple(specs_for(scenario, [], origin))) if scenario.sweep else None
    return Source("scenario", scenario.name, scenario, prior)


@dataclass
class HindcastResult:
    from_week: int
    weeks: int
    entries: list[Entry]
    scores: dict[str, pd.DataFrame]  # ensemble -> per-observation scores
    summary: dict[str, dict[str, float]]
    skill: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """All ensembles' per-observation scores, one frame."""
        return pd.concat([f.assign(ensemble=k) for k, f in self.scores.items()],
                         ignore_index=True)


def run_hindcast(source: Source, record: Record, from_week: int, runs: int, seed: int,
                 execution: Execution | None = None) -> HindcastResult:
    """Score the source's ensembles on the record's entries after ``from_week``."""
    entries = record.select(after_week=from_week)
    if not entries:
        raise UserError(f"{record.path}: no observation after week {from_week}",
                        hint=f"the record's last week is {max(e.week for e in record.entries)}")
    weeks = horizon(entries)
    check_horizon(entries, weeks, record.path)
    notes = []
    if source.until_week is not None and source.until_week > from_week:
        notes.append(f"the calibration saw observations up to week {source.until_week}, "
                     f"after --from (week {from_week}): this is not an out-of-sample test")
    ensembles: dict[str, list[dict[str, Any]]] = {}
    if source.posterior is not None:
        rows = resample(source.posterior.weights, runs, seed)
        ensembles["posterior"] = source.posterior.points(rows)
    if source.prior is not None:
        x = source.prior.rvs(runs, np.random.default_rng([seed, 1]))
        ensembles["prior"] = source.prior.decode(x)
    else:
        ensembles["scenario"] = [{}] * runs
    scores, dropped = {}, {}
    with (execution or Execution("serial")).start() as ex:
        for k, (label, points) in enumerate(ensembles.items()):
            seeds = [derive_seed(seed, k, i) for i in range(runs)]
            ev = evaluate(source.scenario, points, seeds, weeks, entries, executor=ex)
            dropped[label] = int((~ev.ok).sum())
            if not ev.ok.any():
                raise UserError(f"{source.name}: no run of the {label} ensemble is valid: "
                                + (ev.errors[0] if ev.errors else ""))
            scores[label] = score_values(entries, ev.values[ev.ok], weeks, seed)
    summary = {k: aggregate(v) for k, v in scores.items()}
    skill: dict[str, float] = {}
    if "posterior" in scores and "prior" in scores:
        post, pri = scores["posterior"], scores["prior"]
        with np.errstate(divide="ignore", invalid="ignore"):
            per = 1.0 - post["crps"].to_numpy() / pri["crps"].to_numpy()
        skill = {"crps_skill": float(1.0 - summary["posterior"]["crps_scaled"]
                                     / summary["prior"]["crps_scaled"])
                 if summary["prior"]["crps_scaled"] > 0 else math.nan,
                 **{f"crps_skill:{e.id}": float(s) for e, s in zip(entries, per, strict=True)}}
    return HindcastResult(from_week, weeks, entries, scores, summary, skill, dropped, notes)
