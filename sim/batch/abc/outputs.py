"""The outputs of a finished calibration: the posterior sample and its summary, the
calibrated scenario (posterior medians, ``[sweep]`` = posterior 90 % intervals), and the
prior and posterior predictive ensembles that show what calibration bought.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.abc.folder import CalibrationDir, unpack, write_frame
from sim.batch.abc.spec import CalibrationSpec, GenerationInfo
from sim.batch.evaluate import evaluate
from sim.batch.executors import Executor
from sim.batch.observations import censor, excess
from sim.batch.posterior import (
    POSTERIOR,
    category_shares,
    plain_value,
    resample,
    weighted_quantile,
)
from sim.batch.provenance import ScenarioFile, now
from sim.batch.specs import ParamSpec
from sim.batch.store import atomic_write_bytes
from sim.core.scenario import Scenario, parse_scenario
from sim.core.seeds import derive_seed, draw_seed
from sim.errors import UserError

PREDICTIVE_POINT = 1_000_000
"""The 'point' of the seeds of the predictive ensembles (prior: this, posterior: +1):
larger than any generation number, so they never share a seed with a calibration run."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The weekly quantiles of the predictive series bands."""


def posterior_frame(spec: CalibrationSpec, pop: pd.DataFrame, t: int) -> pd.DataFrame:
    """The final population as scenario values, with weights and distances."""
    x, _ = unpack(pop, spec.prior, spec.entries)
    cols: dict[str, Any] = {"particle": pop["candidate"].to_numpy(), "generation": t}
    cols.update(spec.prior.decode_columns(x))
    cols["weight"] = pop["weight"].to_numpy()
    cols["distance"] = pop["distance"].to_numpy()
    return pd.DataFrame(cols)


def posterior_table(spec: CalibrationSpec, post: pd.DataFrame) -> list[dict[str, Any]]:
    """Per parameter: prior range, posterior median and 90 % interval (categories: the
    posterior probability of each value)."""
    w = post["weight"].to_numpy()
    rows = []
    for s in spec.prior.specs:
        row: dict[str, Any] = {"name": s.name, "kind": s.kind}
        if s.values is not None:
            shares = category_shares(post[s.name], w, s)
            row.update(prior=list(s.values), shares=shares,
                       mode=max(shares, key=lambda k: shares[k]))
        else:
            q05, q50, q95 = weighted_quantile(post[s.name].to_numpy(dtype=float), w,
                                              np.array([0.05, 0.5, 0.95]))
            row.update(low=s.low, high=s.high, median=float(q50), q05=float(q05),
                       q95=float(q95), narrowing=float((q95 - q05) / (s.high - s.low)))
        rows.append(row)
    return rows


def _narrowed(s: ParamSpec, row: dict[str, Any]) -> dict[str, Any] | None:
    """The [sweep] range of a calibrated parameter: its posterior 90 % interval (categories:
    the values with at least 5 % posterior probability); None when that is one value (the
    parameter is then pinned at it, outside [sweep])."""
    if s.values is not None:
        keep = [v for v in s.values if row["shares"][v] >= 0.05]
        return {"values": keep} if len(keep) > 1 else None
    lo, hi = row["q05"], row["q95"]
    if s.kind == "int":
        lo, hi = math.floor(lo), math.ceil(hi)
        return {"low": int(lo), "high": int(hi)} if hi > lo else None
    lo, hi = _sig(lo), _sig(hi)
    return {"low": lo, "high": hi} if hi > lo else None


def _sig(v: float) -> float:
    return float(f"{v:.6g}")


def calibrated_scenario(spec: CalibrationSpec, scenario_text: str, overrides: dict[str, Any],
                        table: list[dict[str, Any]], post: pd.DataFrame, out: Path,
                        header: str) -> tuple[str, Scenario]:
    """TOML text of the calibrated scenario: the original file with the calibrated
    parameters at their posterior medians (categories: the most probable value) and the
    [sweep] table narrowed to the posterior's 90 % intervals. If the medians together do
    not make a valid scenario, the particle nearest to them is used instead."""
    import tomli_w

    data = tomllib.loads(scenario_text)
    for dotted, value in overrides.items():
        _put(data, dotted, value)
    by_name = {r["name"]: r for r in table}
    point: dict[str, Any] = {}
    for s in spec.prior.specs:
        r = by_name[s.name]
        if s.values is not None:
            point[s.name] = r["mode"]
        elif s.kind == "int":
            point[s.name] = round(r["median"])
        else:
            point[s.name] = _sig(r["median"])
    try:
        spec.scenario.with_overrides(point, origin="posterior median")
    except UserError:
        point = _nearest_particle(spec, post, point)
    for dotted, value in point.items():
        _put(data, dotted, value)
    data["name"] = f"{spec.scenario.name}-calibrated"
    data["description"] = (f"{spec.scenario.name} calibrated against the record "
                           f"'{spec.record.name}' (wargame calibrate): values at the posterior "
                           "median, [sweep] ranges = posterior 90 % intervals.")
    sweep = dict(data.get("sweep", {}))
    pinned = []
    for s in spec.prior.specs:
        span = _narrowed(s, by_name[s.name])
        if span is None:
            sweep.pop(s.name, None)
            pinned.append(s.name)
        else:
            sweep[s.name] = span
    data["sweep"] = sweep
    if pinned:
        header += ("# Pinned (the posterior's 90 % interval is one value), so not in [sweep]: "
                   + ", ".join(pinned) + "\n")
    text = header + tomli_w.dumps(data)
    scenario = parse_scenario(text, str(out))  # it must load: fail here, not later
    return text, scenario


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value


def _nearest_particle(spec: CalibrationSpec, post: pd.DataFrame, point: dict[str, Any]
                      ) -> dict[str, Any]:
    cont = [s for s in spec.prior.specs if s.values is None]
    d = np.zeros(len(post))
    for s in cont:
        d += ((post[s.name].to_numpy(dtype=float) - point[s.name]) / spec.prior.width(s)) ** 2
    for s in spec.prior.specs:
        if s.values is not None:
            d += (post[s.name].astype(str).to_numpy() != str(point[s.name])).astype(float)
    row = post.iloc[int(np.argmin(d))]
    return {s.name: (row[s.name] if s.values is not None else
                     int(row[s.name]) if s.kind == "int" else float(row[s.name]))
            for s in spec.prior.specs}


def predictive(spec: CalibrationSpec, post: pd.DataFrame, runs: int, executor: Executor
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prior and posterior predictive ensembles of ``runs`` runs each (posterior:
    particles resampled by weight; prior: fresh prior draws): the simulated value of every
    observation in every run, and weekly quantiles of every series the observations read."""
    prior = spec.prior
    names = tuple(dict.fromkeys(e.target for e in spec.entries if not e.on_outcome))
    rows = resample(post["weight"].to_numpy(), runs, draw_seed(spec.seed, PREDICTIVE_POINT, 1))
    post_points = [{s.name: plain_value(post.iloc[int(i)][s.name], s) for s in prior.specs}
                   for i in rows]
    prior_points = prior.decode(prior.rvs(runs, np.random.default_rng(
        draw_seed(spec.seed, PREDICTIVE_POINT, 0))))
    values, bands = [], []
    for k, (label, points) in enumerate((("prior", prior_points), ("posterior", post_points))):
        seeds = [derive_seed(spec.seed, PREDICTIVE_POINT + k, i) for i in range(runs)]
        ev = evaluate(spec.scenario, points, seeds, spec.weeks, spec.entries,
                      executor=executor, series_names=names)
        ok = ev.ok
        frame = pd.DataFrame({f"obs:{e.id}": ev.values[ok, j]
                              for j, e in enumerate(spec.entries)})
        frame.insert(0, "run", np.flatnonzero(ok))
        frame.insert(0, "ensemble", label)
        values.append(frame)
        assert ev.series is not None
        for j, name in enumerate(names):
            q = np.quantile(ev.series[ok, :, j], QUANTILES, axis=0)
            band = pd.DataFrame({"ensemble": label, "series": name,
                                 "week": np.arange(spec.weeks + 1)})
            for qi, qv in zip(QUANTILES, q, strict=True):
                band[f"q{round(qi * 100):02d}"] = qv
            bands.append(band)
    return pd.concat(values, ignore_index=True), pd.concat(bands, ignore_index=True)


def observation_bands(spec: CalibrationSpec, values: pd.DataFrame) -> list[dict[str, Any]]:
    """Per observation and ensemble: the simulated 5-95 % band and whether it covers the
    best value and overlaps the range (event weeks that never happened count as the week
    after the horizon)."""
    out = []
    for label, grp in values.groupby("ensemble", sort=False):
        v = censor(spec.entries, grp[[f"obs:{e.id}" for e in spec.entries]].to_numpy(),
                   spec.weeks)
        q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95], axis=0)
        inside = (excess(spec.entries, v, spec.weeks) == 0).mean(axis=0)
        for j, e in enumerate(spec.entries):
            out.append({
                "ensemble": label, "id": e.id, "target": e.target, "kind": e.kind,
                "week": e.week, "best": e.best, "low": e.low, "high": e.high,
                "q05": float(q05[j]), "median": float(q50[j]), "q95": float(q95[j]),
                "share_in_range": float(inside[j]),
                "covers_best": bool(q05[j] <= e.best <= q95[j]),
                "overlaps_range": bool(q05[j] <= e.high and q95[j] >= e.low),
            })
    return out


def finish(spec: CalibrationSpec, folder: CalibrationDir, done: list[GenerationInfo],
            reason: str, manifest: dict[str, Any], source: ScenarioFile, predictive_runs: int,
            ex: Executor) -> None:
    """The outputs of a calibration whose last generation is ``done[-1]``: the posterior
    sample, its table in the manifest, the calibrated scenario, the predictive ensembles."""
    t = done[-1].t
    pop = pd.read_parquet(folder.population_path(t))
    post = posterior_frame(spec, pop, t)
    write_frame(folder.root / POSTERIOR, post)
    table = posterior_table(spec, post)
    name = f"{spec.scenario.name}-calibrated.toml"
    header = (
        # No date here: the run's time is in the manifest, and a scenario file that names
        # a date reads as if it used what was reported then.
        f"# Calibrated by `wargame calibrate` from {manifest['scenario_path']}\n"
        f"# against the record {spec.record.path}"
        + (f" through week {spec.until_week}" if spec.until_week is not None else "") + ".\n"
        f"# Posterior sample: {folder.root / POSTERIOR} ({len(post)} particles, generation "
        f"{t}, epsilon {done[-1].epsilon:.4g}).\n"
        "# The calibrated parameters are set to their posterior medians; [sweep] holds their\n"
        "# posterior 90 % intervals (independent ranges). To sweep the posterior itself,\n"
        "# correlations included:\n"
        f"#   wargame sweep {folder.root / name} --design posterior --posterior {folder.root}\n"
    )
    text, _ = calibrated_scenario(spec, source.text, source.overrides, table, post,
                                  folder.root / name, header)
    atomic_write_bytes(folder.root / name, text.encode())
    values, bands = predictive(spec, post, predictive_runs, ex)
    write_frame(folder.root / "predictive_values.parquet", values)
    write_frame(folder.root / "predictive_series.parquet", bands)
    manifest.update(
        status="complete", finished=now(), stop_reason=reason,
        posterior={"generation": t, "particles": len(post), "epsilon": done[-1].epsilon,
                   "parameters": table},
        calibrated_scenario=name, predictive_runs=predictive_runs,
        observation_bands=observation_bands(spec, values))
    folder.write_manifest(manifest)
