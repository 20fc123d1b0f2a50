"""The scores of a rolling-origin study (:mod:`sim.batch.forecast`), read from its files.

Per origin, every observation after it is scored (:mod:`sim.batch.scores`) for four
forecasters: the continued posterior ("posterior"), the prior, and the naive baselines
persistence and trend (:mod:`sim.batch.baselines`). Every event-week observation after the
origin also gives binary events, scored with the Brier and log scores: "by week N" at the
end of its recorded range (it happened: 1) and at the week before the range starts, if that
is after the origin (it had not: 0); weeks inside the range are left out, since the record
does not settle them.

Skill is ``1 - mean(score) / mean(baseline's score)`` over the same observations (CRPS
divided by each observation's scale, its range width or 1, so that areas, counts and weeks
average), per origin and pooled over origins; against persistence and the trend only over
the observations where they are defined, whose number is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.baselines import persistence, trend
from sim.batch.forecast import ForecastDir
from sim.batch.observations import Entry, censor, load_record
from sim.batch.posterior import MANIFEST
from sim.batch.scores import brier, ensemble_scores, log_score, point_scores, probability, skill
from sim.core.seeds import draw_seed
from sim.errors import UserError

ENSEMBLES = ("posterior", "prior")
BASELINES = ("persistence", "trend")


@dataclass
class Evaluation:
    """Per (origin, observation, forecaster) scores, per (origin, event, forecaster)
    probabilities and scores, and the per-origin summary with the skills."""

    scores: pd.DataFrame
    events: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    entries: list[Entry]
    start_date: str


def _events(e: Entry, origin: int) -> list[tuple[int, int]]:
    """The (week N, happened by N) events an event-week observation settles."""
    out = [(int(np.ceil(e.high)), 1)]
    before = int(np.ceil(e.low)) - 1
    if before > origin:
        out.insert(0, (before, 0))
    return out


def _score_origin(origin: int, entries: list[Entry], members: dict[str, pd.DataFrame],
                  weeks: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every forecaster's scores on the observations after ``origin``; the PIT's
    randomisation is drawn from ``seed`` and the origin, the same for every forecaster."""
    known = [e for e in entries if e.week <= origin]
    after = [e for e in entries if e.week > origin]
    u = np.random.default_rng(draw_seed(seed, origin)).random(len(after))
    rows, events = [], []
    for name, frame in members.items():
        w = frame["weight"].to_numpy(dtype=float)
        raw = frame[[f"obs:{e.id}" for e in after]].to_numpy(dtype=float)
        v = censor(after, raw, weeks)
        for j, e in enumerate(after):
            rows.append({"origin": origin, "id": e.id, "forecaster": name,
                         **_describe(e, origin),
                         **ensemble_scores(v[:, j], e.best, e.scale, w, float(u[j]))})
            if e.kind == "event_week":
                for n_week, y in _events(e, origin):
                    p = probability(raw[:, j], w, raw[:, j] <= n_week)
                    events.append({"origin": origin, "id": e.id, "week": n_week,
                                   "happened": y, "forecaster": name, "p": p,
                                   "brier": brier(p, y), "log": log_score(p, y, len(w))})
    for e in after:
        for name, naive in (("persistence", persistence(known, e)), ("trend", trend(known, e))):
            row = {"origin": origin, "id": e.id, "forecaster": name, **_describe(e, origin)}
            if naive.value is None:
                row["undefined"] = naive.why
            else:
                row.update(point_scores(naive.value, e.best, e.scale))
            rows.append(row)
        if e.kind == "event_week":
            for n_week, y in _events(e, origin):
                events.append({"origin": origin, "id": e.id, "week": n_week,
                               "happened": y, "forecaster": "persistence", "p": 0.0,
                               "brier": brier(0.0, y), "log": log_score(0.0, y, None)})
    return rows, events


def _describe(e: Entry, origin: int) -> dict[str, Any]:
    return {"target": e.target, "kind": e.kind, "week": e.week, "lead": e.week - origin,
            "best": e.best, "low": e.low, "high": e.high, "scale": e.scale}


def _summary_row(label: Any, s: pd.DataFrame, ev: pd.DataFrame) -> dict[str, Any]:
    """Coverage, mean scaled scores and skills of one origin's (or all origins') scores."""
    post = s[s["forecaster"] == "posterior"].set_index(["origin", "id"])
    row: dict[str, Any] = {"origin": label, "observations": len(post)}
    for name in ENSEMBLES:
        f = s[s["forecaster"] == name]
        row[f"crps_{name}"] = float(f["crps_scaled"].mean())
        row[f"coverage50_{name}"] = float(f["in50"].mean())
        row[f"coverage90_{name}"] = float(f["in90"].mean())
        row[f"is90_{name}"] = float(f["is90_scaled"].mean())
    for name in ("prior", *BASELINES):
        base = s[s["forecaster"] == name].set_index(["origin", "id"])
        base = base[base["crps_scaled"].notna()]  # undefined baselines have none
        row[f"n_{name}"] = len(base)
        row[f"skill_{name}"] = skill(post.loc[base.index, "crps_scaled"].to_numpy(),
                                     base["crps_scaled"].to_numpy()) if len(base) else np.nan
    row["events"] = int((ev["forecaster"] == "posterior").sum())
    for name in ("posterior", "prior", "persistence"):
        f = ev[ev["forecaster"] == name]
        row[f"brier_{name}"] = float(f["brier"].mean()) if len(f) else np.nan
        row[f"log_{name}"] = float(f["log"].mean()) if len(f) else np.nan
    for name in ("prior", "persistence"):
        row[f"brier_skill_{name}"] = (1.0 - row["brier_posterior"] / row[f"brier_{name}"]
                                      if row["events"] and row[f"brier_{name}"] > 0
                                      else np.nan)
    return row


def evaluate_study(root: str | Path) -> Evaluation:
    """Score every origin of a finished study in ``root``."""
    folder = ForecastDir(Path(root))
    try:
        manifest = json.loads((folder.root / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{root}: not a forecast study ({exc})") from None
    if manifest.get("kind") != "forecast" or manifest.get("status") != "complete":
        raise UserError(f"{root}: not a finished forecast study",
                        hint="finish it with `wargame forecast ... --resume`")
    record = load_record(folder.root / "record.toml")
    weeks, seed = int(manifest["weeks"]), int(manifest["seed"])
    prior = pd.read_parquet(folder.members(None))
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for origin in manifest["spec"]["origins"]:
        if not folder.members(origin).is_file():
            continue  # skipped: nothing known by it, or nothing after it
        members = {"posterior": pd.read_parquet(folder.members(origin)), "prior": prior}
        r, e = _score_origin(origin, record.entries, members, weeks, seed)
        rows += r
        events += e
    if not rows:
        raise UserError(f"{root}: no origin has observations after it to score")
    scores, ev = pd.DataFrame(rows), pd.DataFrame(events)
    if ev.empty:
        ev = pd.DataFrame(columns=["origin", "id", "week", "happened", "forecaster", "p",
                                   "brier", "log"])
    summary = [_summary_row(o, scores[scores["origin"] == o], ev[ev["origin"] == o])
               for o in sorted(scores["origin"].unique())]
    summary.append(_summary_row("all", scores, ev))
    return Evaluation(scores, ev, pd.DataFrame(summary), manifest, record.entries,
                      record.start_date)
