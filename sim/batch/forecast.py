"""``wargame forecast``: rolling-origin forecasts of the record, the test a forecaster would
accept (issue 19; the VIEWS prediction challenge's conventions: ensembles of about a
thousand draws, proper scores, naive baselines).

For each origin (by default the ends of November, December, January, February and March):

1. **The record as it stood then**: only the observations known by the origin (an entry
   is known by its ``week``; an event week by the end of its range), written out as a
   record of their own (:func:`record_at`), so that nothing later can reach the
   calibration, not even through the record's digest.
2. **Calibrate** on it (:func:`sim.batch.abc.run.run_calibration`, resumable).
3. **Forecast by continuing the accepted trajectories**: every particle of the final
   population runs again with its own parameters and seed to the last week of the record.
   A run's draws are a function of its seed and the week (counter-based), so the
   continued run repeats its calibrated past exactly (checked here on every particle)
   and goes on from the state the record conditioned: the forecast is the ABC posterior
   predictive of the future given the past, not a re-run of the posterior's parameters
   from week 0, which would forget the path that matched. Members carry the particles'
   weights.
4. The **prior** ensemble (the same for every origin: it knows nothing) runs once.

Every step writes its result atomically (calibrations their rounds, forecasts one Parquet
file per origin), so a killed study resumes from the last finished step and, every draw
being seeded, ends with the same numbers. Scoring the files is
:mod:`sim.batch.forecast_scores`.

Seeds: origin k's calibration uses ``draw_seed(seed, ORIGIN_POINT, week)`` as its base
seed; the prior ensemble's run i ``derive_seed(seed, PRIOR_POINT, i)``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.abc.folder import CalibrationDir, unpack, write_frame
from sim.batch.abc.spec import CalibrationSpec, StopRules
from sim.batch.evaluate import Evaluated, evaluate
from sim.batch.executors import Execution
from sim.batch.observations import Entry, Record, check_horizon, horizon, parse_record
from sim.batch.posterior import MANIFEST, weighted_quantile
from sim.batch.priors import Prior
from sim.batch.provenance import ScenarioFile, now, scenario_hash, stamp
from sim.batch.store import write_manifest
from sim.core.scenario import Scenario
from sim.core.seeds import derive_seed, draw_seed
from sim.errors import UserError

FORMAT_VERSION = 1
DEFAULT_ORIGINS = ("2024-11-30", "2024-12-31", "2025-01-31", "2025-02-28", "2025-03-31")
"""The ends of November to March: issue 19's origins."""
ORIGIN_POINT, PRIOR_POINT = 2_000_000, 2_000_001
"""Seed keys of the study's own draws (beyond any generation number, so no calibration run
shares a seed with them)."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The weekly quantiles of the fan charts."""


def record_at(data: dict[str, Any], record: Record, origin: int) -> tuple[Record, str] | None:
    """The record as it stood at ``origin``: its observations known by then (None if
    there are none), as a record and as the TOML text the calibration keeps."""
    import tomli_w

    keep = [o for o, e in zip(data["observation"], record.entries, strict=True)
            if e.week <= origin]
    if not keep:
        return None
    known = {k: v for k, v in data.items() if k not in ("observation", "unmapped")}
    known.update(name=f"{record.name}-to-week-{origin}", observation=keep)
    known["description"] = (f"{record.name} as it stood at week {origin}: the observations "
                            "known by then")
    text = tomli_w.dumps(known)
    return parse_record(known, f"{record.path} (to week {origin})", text), text


@dataclass
class ForecastSpec:
    """What defines a rolling-origin study's numbers (a resume must match it exactly)."""

    scenario: Scenario
    prior: Prior
    record: Record
    record_data: dict[str, Any]
    origins: list[int]
    population: int = 500
    generations: int = 10
    members: int = 1000
    alpha: float = 0.5
    distance: str = "range"
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"scenario_hash": scenario_hash(self.scenario), "record_digest":
                self.record.digest, "origins": self.origins, "population": self.population,
                "generations": self.generations, "members": self.members,
                "alpha": self.alpha, "distance": self.distance, "seed": self.seed,
                "prior": [s.to_dict() for s in self.prior.specs]}

    @property
    def weeks(self) -> int:
        """The last week of the record: every ensemble runs to it."""
        return horizon(self.record.entries)

    @property
    def series(self) -> tuple[str, ...]:
        """The weekly series the record observes (the fan charts')."""
        return tuple(dict.fromkeys(e.target for e in self.record.entries if not e.on_outcome))

    def calibration(self, origin: int) -> tuple[CalibrationSpec, str] | None:
        """The calibration at ``origin`` and its record's text (None: nothing known)."""
        known = record_at(self.record_data, self.record, origin)
        if known is None:
            return None
        rec, text = known
        return CalibrationSpec(self.scenario, self.prior, rec, rec.entries,
                               horizon(rec.entries), origin, self.population, self.alpha,
                               self.distance, draw_seed(self.seed, ORIGIN_POINT, origin)), text


class ForecastDir:
    """The files of one study: ``manifest.json``, ``prior.parquet`` and
    ``prior_bands.parquet``, and per origin ``origin-wWW/`` with ``calibration/``,
    ``members.parquet`` (every continued particle's value of every observation, and its
    weight) and ``bands.parquet`` (weekly quantiles of the observed series)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def origin(self, week: int) -> Path:
        return self.root / f"origin-w{week:02d}"

    def calibration(self, week: int) -> Path:
        return self.origin(week) / "calibration"

    def members(self, week: int | None) -> Path:
        return self.root / "prior.parquet" if week is None else self.origin(week) / \
            "members.parquet"

    def bands(self, week: int | None) -> Path:
        return self.root / "prior_bands.parquet" if week is None else self.origin(week) / \
            "bands.parquet"


def _frame(entries: list[Entry], ev: Evaluated, weights: np.ndarray) -> pd.DataFrame:
    cols: dict[str, Any] = {f"obs:{e.id}": ev.values[:, j] for j, e in enumerate(entries)}
    cols["weight"] = weights / weights.sum()
    return pd.DataFrame(cols)


def _bands(names: tuple[str, ...], ev: Evaluated, weights: np.ndarray) -> pd.DataFrame:
    """Weighted weekly quantiles of every observed series."""
    assert ev.series is not None
    parts = []
    q = np.array(QUANTILES)
    for j, name in enumerate(names):
        block = ev.series[:, :, j]
        vals = np.array([weighted_quantile(block[:, k], weights, q)
                         for k in range(block.shape[1])])
        band = pd.DataFrame({"series": name, "week": np.arange(block.shape[1])})
        for i, qi in enumerate(QUANTILES):
            band[f"q{round(qi * 100):02d}"] = vals[:, i]
        parts.append(band)
    return pd.concat(parts, ignore_index=True)


def continue_particles(spec: ForecastSpec, cal: CalibrationSpec, root: Path, ex: Any
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every particle of the calibration in ``root`` run on to the record's last week with
    its own parameters and seed: (members, weekly bands). Raises if a continued run does
    not repeat the value the calibration accepted it for."""
    folder = CalibrationDir(root)
    t = folder.read_manifest()["posterior"]["generation"]
    pop = pd.read_parquet(folder.population_path(t))
    x, seen = unpack(pop, cal.prior, cal.entries)
    ev = evaluate(spec.scenario, cal.prior.decode(x), pop["seed"].to_numpy(), spec.weeks,
                  spec.record.entries, executor=ex, series_names=spec.series)
    if not ev.ok.all():
        raise UserError(f"{root}: {int((~ev.ok).sum())} accepted particles failed to run on "
                        f"({ev.errors[int(np.argmin(ev.ok))]})")
    at = {e.id: j for j, e in enumerate(spec.record.entries)}
    for j, e in enumerate(cal.entries):
        if e.on_outcome or e.kind == "event_week":
            continue  # read at the horizon or first-after: not a value of the past alone
        if not np.allclose(ev.values[:, at[e.id]], seen[:, j], equal_nan=True):
            raise UserError(f"{root}: continued runs do not repeat observation {e.id!r}: "
                            "a run's draws depend on its horizon, so its past cannot be "
                            "continued")
    w = pop["weight"].to_numpy(dtype=float)
    return _frame(spec.record.entries, ev, w), _bands(spec.series, ev, w / w.sum())


def prior_ensemble(spec: ForecastSpec, ex: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``spec.members`` prior draws run to the record's last week: (members, bands); draws
    that do not make a valid scenario are outside the prior's support and left out."""
    x = spec.prior.rvs(spec.members, np.random.default_rng(draw_seed(spec.seed, PRIOR_POINT)))
    seeds = [derive_seed(spec.seed, PRIOR_POINT, i) for i in range(spec.members)]
    ev = evaluate(spec.scenario, spec.prior.decode(x), seeds, spec.weeks,
                  spec.record.entries, executor=ex, series_names=spec.series)
    ok = ev.ok
    if not ok.any():
        raise UserError(f"{spec.scenario.name}: no prior draw makes a valid scenario")
    kept = Evaluated(ev.values[ok], ev.status[ok], [], None if ev.series is None
                     else ev.series[ok])
    w = np.ones(int(ok.sum()))
    return _frame(spec.record.entries, kept, w), _bands(spec.series, kept, w / w.sum())


@dataclass
class ForecastRun:
    """What a study did, for the summary line (per origin: the calibration's figures)."""

    root: Path
    manifest: dict[str, Any]
    seconds: float


def _open(spec: ForecastSpec, folder: ForecastDir, resume: bool, source: ScenarioFile,
          record_text: str, command: str) -> dict[str, Any]:
    """The study's manifest: a new one, or the stored one if resuming the same study."""
    path = folder.root / MANIFEST
    key = spec.to_dict()
    if path.is_file():
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: not a readable manifest ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("kind") != "forecast":
            raise UserError(f"{folder.root}: holds another command's study, not a forecast",
                            hint="choose another --out")
        if not resume:
            raise UserError(f"{folder.root}: already holds a forecast study",
                            hint="add --resume to continue it, or choose another --out")
        diff = [k for k, v in key.items() if manifest.get("spec", {}).get(k) != v]
        if diff:
            raise UserError(f"{folder.root}: cannot resume: this study differs in "
                            + ", ".join(diff), hint="resume with the same scenario, record "
                            "and settings, or write to another --out")
        return manifest
    if resume:
        raise UserError(f"{folder.root}: nothing to resume (no {MANIFEST})")
    if folder.root.exists() and any(folder.root.iterdir()):
        raise UserError(f"{folder.root}: folder exists and is not a forecast study",
                        hint="choose another --out")
    folder.root.mkdir(parents=True, exist_ok=True)
    (folder.root / "record.toml").write_text(record_text)
    return {"kind": "forecast", "format_version": FORMAT_VERSION, "spec": key,
            "scenario_name": spec.scenario.name, "scenario_path": source.path,
            "scenario_text": source.text, "overrides": source.overrides,
            "record_path": spec.record.path, "weeks": spec.weeks, "seed": spec.seed,
            **stamp(command, "pyabc", "scoringrules"), "origins": {}}


def run_forecast(spec: ForecastSpec, out: Path, *, source: ScenarioFile, record_text: str,
                 execution: Execution, resume: bool = False, command: str = "",
                 on_step: Callable[[str], None] | None = None) -> ForecastRun:
    """Run (or resume) a rolling-origin study into ``out``."""
    from sim.batch.abc.run import run_calibration

    say = on_step or (lambda text: None)
    folder = ForecastDir(out)
    check_horizon(spec.record.entries, spec.weeks, spec.record.path)
    manifest = _open(spec, folder, resume, source, record_text, command)
    manifest.update(status="running", finished=None)
    write_manifest(folder.root / MANIFEST, manifest)
    t0 = time.perf_counter()
    rules = StopRules(generations=spec.generations)
    for origin in spec.origins:
        made = spec.calibration(origin)
        after = [e for e in spec.record.entries if e.week > origin]
        if made is None or not after:
            manifest["origins"][str(origin)] = {"skipped": "no observation known by then"
                                                if made is None else
                                                "no observation after it"}
            continue
        cal, text = made
        root = folder.calibration(origin)
        info = manifest["origins"].get(str(origin), {})
        if info.get("calibration") is None:
            say(f"origin week {origin}: calibrating on {len(cal.entries)} observations")
            res = run_calibration(cal, root, rules, source=source, record_text=text,
                                  execution=execution, resume=(root / MANIFEST).is_file(),
                                  command=command, predictive_runs=10)
            info = {"known": len(cal.entries), "after": len(after), "calibration": {
                "generations": len(res.generations), "simulations": res.simulations,
                "seconds": round(res.seconds, 1), "stop_reason": res.stop_reason,
                "epsilon": res.generations[-1].epsilon, "ess": res.generations[-1].ess}}
            manifest["origins"][str(origin)] = info
            write_manifest(folder.root / MANIFEST, manifest)
        if not folder.members(origin).is_file():
            say(f"origin week {origin}: continuing {spec.population} particles to week "
                f"{spec.weeks}")
            with execution.start() as ex:
                members, bands = continue_particles(spec, cal, root, ex)
            write_frame(folder.bands(origin), bands)
            write_frame(folder.members(origin), members)  # last: it marks the step done
    if not folder.members(None).is_file():
        say(f"prior ensemble: {spec.members} draws to week {spec.weeks}")
        with execution.start() as ex:
            members, bands = prior_ensemble(spec, ex)
        write_frame(folder.bands(None), bands)
        write_frame(folder.members(None), members)
    manifest.update(status="complete", finished=now())
    write_manifest(folder.root / MANIFEST, manifest)
    return ForecastRun(folder.root, manifest, time.perf_counter() - t0)
