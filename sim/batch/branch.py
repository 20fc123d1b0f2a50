"""What-if branches: run to a week, then continue every replicate from that one state under
several variants, with the same random-number continuation. A variant is a named
:class:`~sim.core.policies.Policy` (lever values and/or injects) that starts at the branch
week, and the branches are stored like a policy sweep.

Why this is exact and cheap: a run's random numbers are a function of its key, the week and
where they are used (:mod:`sim.core.rng`), so a copy of the batch state at week W continues
with the same luck whatever a variant changes; a variant differs from its twin only through
its decisions. The empty variant is the straight run (tested bit for bit).
"""

from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.batch.identity import store_identity
from sim.batch.provenance import ScenarioFile, now, stamp
from sim.batch.store import IDENTITY_KEY, Store, sweep_status
from sim.batch.tables import runs_schema, runs_table, series_table
from sim.core import engine, injects
from sim.core.moves import Policy
from sim.core.outcomes import NAMES, outcome_columns
from sim.core.paramtable import Params
from sim.core.policies import apply_policy
from sim.core.scenario import Scenario, check_changeable
from sim.core.seeds import derive_seed
from sim.errors import UserError
from sim.outdir import check_location

MAX_VARIANTS = 50


class _NamedPolicy(Policy):
    """A ``[[variant]]`` entry of a variants file: a policy and its name."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class _VariantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    variant: list[_NamedPolicy] = Field(min_length=1, max_length=MAX_VARIANTS)


def load_variants(path: str | Path, scenario: Scenario, at_week: int) -> dict[str, Policy]:
    """Read and check a variants file (``[[variant]]`` entries: a name, and a policy's
    description, ``set`` and ``inject``); returns the policies by name, in file order. Every
    problem exits 2 with the file and the entry named."""
    from sim.core.scenario import format_errors

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such variants file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = _VariantsFile.model_validate(data).variant
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the variants ({exc})") from None
    except ValidationError as exc:
        raise UserError(format_errors(exc, str(path))) from None
    names = [v.name for v in entries]
    if len(set(names)) != len(names):
        raise UserError(f"{path}: variant names must differ, got {names}")
    if not 0 < at_week < scenario.weeks:
        raise UserError(f"--at-week: expected 1..{scenario.weeks - 1} (the horizon is "
                        f"{scenario.weeks} weeks), got {at_week}")
    variants = {v.name: Policy(**v.model_dump(exclude={"name"})) for v in entries}
    for i, (name, v) in enumerate(variants.items()):
        where = f"{path}: variant[{i}] '{name}'"
        for param in v.set:
            try:
                check_changeable(param, f"{where}: set")
            except ValueError as exc:
                raise UserError(str(exc)) from None
        try:
            checked = apply_policy(scenario, v, where)
        except UserError as exc:
            raise UserError(exc.message) from None
        for inj in checked.inject[len(scenario.inject):]:
            if inj.week < at_week:
                raise UserError(f"{where}: inject at week {inj.week} is before the branch "
                                f"week {at_week}")
    return variants


@dataclass
class BranchResult:
    """Per variant: outcome columns over replicates and the weekly series (replicates x
    weeks + 1 x series); all variants share the trunk up to ``at_week`` and the seeds."""

    variants: dict[str, Policy]
    at_week: int
    base_seed: int
    seeds: np.ndarray
    outcomes: dict[str, dict[str, np.ndarray]]
    series: dict[str, np.ndarray]
    seconds: float = 0.0

    def run_columns(self) -> dict[str, list[Any]]:
        """The runs as a policy sweep's rows: one future per replicate (``point_id`` 0,
        ``replicate``, ``seed``), the variant in ``policy``, run id = variant x replicates
        + replicate, and every outcome."""
        reps, names = len(self.seeds), list(self.variants)
        cols: dict[str, list[Any]] = {n: [] for n in (
            "run_id", "point_id", "replicate", "seed", "policy", "status", "error",
            "duration_s", *NAMES)}
        for vi, name in enumerate(names):
            for rep in range(reps):
                cols["run_id"].append(vi * reps + rep)
                cols["point_id"].append(0)
                cols["replicate"].append(rep)
                cols["seed"].append(int(self.seeds[rep]))
                cols["policy"].append(name)
                cols["status"].append("ok")
                cols["error"].append("")
                cols["duration_s"].append(self.seconds / (reps * len(names)))
                for n in NAMES:
                    value = self.outcomes[name][n][rep]
                    cols[n].append(value.item() if hasattr(value, "item") else value)
        return cols


def run_branches(scenario: Scenario, at_week: int, variants: dict[str, Policy],
                 replicates: int, base_seed: int = 0, weeks: int | None = None
                 ) -> BranchResult:
    """Run ``replicates`` runs of ``scenario`` to ``at_week``, then each variant from that
    state to the horizon (all in one batch per variant)."""
    t0 = time.perf_counter()
    horizon = weeks if weeks is not None else scenario.weeks
    seeds = np.array([derive_seed(base_seed, 0, rep) for rep in range(replicates)],
                     dtype=np.int64)
    reserve = _reserve(list(variants.values()))
    p = Params.from_scenarios([scenario] * replicates)
    trunk = engine.start(p, seeds, horizon, reserve_waves=reserve)
    while trunk.week < at_week:
        engine.step_week(trunk)
    own = len(injects.waves_ordered(tuple(scenario.inject)))
    rows = np.arange(replicates)
    outcomes: dict[str, dict[str, np.ndarray]] = {}
    series: dict[str, np.ndarray] = {}
    for vname, v in variants.items():
        s = trunk.copy()
        for name, value in v.set.items():
            s.p.columns[name][:] = value
        s.any_linear = bool((s.p.combat.law == "linear").any())
        injects.extend_plan(s, rows, list(v.inject),
                            np.full(replicates, trunk.inject_wave_group0 + own))
        engine.run_to_horizon(s)
        outcomes[vname] = outcome_columns(s)
        series[vname] = s.series_log
    return BranchResult(dict(variants), at_week, base_seed, seeds, outcomes, series,
                        time.perf_counter() - t0)


def _reserve(variants: list[Policy]) -> tuple[int, ...]:
    """Slots for the waves variants may order: the k-th reserved group holds the largest
    k-th wave of any variant."""
    per = [[i.troops for i in injects.waves_ordered(tuple(v.inject))] for v in variants]
    depth = max((len(w) for w in per), default=0)
    return tuple(max((w[k] for w in per if len(w) > k), default=0) for k in range(depth))


def write_store(result: BranchResult, scenario: Scenario, out: Path, *, source: ScenarioFile,
                command: str, timeseries: bool = True, weeks: int | None = None
                ) -> dict[str, Any]:
    """Store the branches like a policy sweep (:meth:`BranchResult.run_columns`), so that
    every analysis command reads them. Written under the store's lock into a folder that
    must not hold anything yet; returns the manifest."""
    out = check_location(Path(out))
    store = Store(out)
    if out.exists() and any(out.iterdir()):
        raise UserError(f"{out}: folder exists and is not empty",
                        hint="choose another --out (a branch store is written in one go)")
    reps, names = len(result.seeds), list(result.variants)
    identity = store_identity(
        scenario, source, injects=[],
        design={"method": "branch", "at_week": result.at_week, "replicates": reps,
                "samples": None, "calc_second_order": False, "weeks": weeks, "params": [],
                "policies": {name: v.model_dump(mode="json")
                             for name, v in result.variants.items()}},
        n_points=1, runs_total=reps * len(names), base_seed=result.base_seed,
        timeseries=timeseries)
    schema = runs_schema([], policies=True).with_metadata({IDENTITY_KEY: json.dumps(identity)})
    started = stamp(command)
    out.mkdir(parents=True, exist_ok=True)
    with store.lock(command):
        store.create()
        store.write_points(pa.table({"point_id": pa.array([0], pa.int64())})
                           .replace_schema_metadata({IDENTITY_KEY: json.dumps(identity)}))
        cols = result.run_columns()
        blocks = [result.series[name][rep] for name in names for rep in range(reps)]
        runs = runs_table(schema, cols, len(cols["run_id"]))
        series = series_table(np.array(cols["run_id"]), blocks) if timeseries else None
        store.write_batch(0, runs, series, schema)
        done, failed = store.count_runs()
        manifest = {**identity, "runs_done": done, "runs_failed": failed, **started,
                    "finished": now(), "status": sweep_status(done, failed, done)}
        store.write_manifest(manifest)
    return manifest
