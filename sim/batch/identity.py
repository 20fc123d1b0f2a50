"""A store's identity: the manifest fields that define what a sweep (or a branch, stored as
one) computes, and the checks a store's folder passes before a sweep writes to it.

Why apart from the sweep's loop: the identity is also written into every part's schema (so
that ``wargame store repair`` can rebuild a lost manifest) and compared on ``--resume``; a
resume may continue a store only if the scenario, the design, the seed, the time-series
choice and the code's columns are the same, and the checks name what differs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sim.batch.provenance import ScenarioFile, scenario_hash
from sim.batch.store import FORMAT_VERSION, IDENTITY_KEY, LOCK_NAME, Store, identity_of
from sim.batch.tables import columns_digest, param_type
from sim.errors import UserError

if TYPE_CHECKING:
    from sim.batch.designs import Design
    from sim.batch.sweep import SweepSpec
    from sim.core.scenario import Scenario

IDENTITY_FIELDS = ("kind", "format_version", "scenario_name", "scenario_path",
                   "scenario_text", "scenario_hash", "overrides", "injects", "design",
                   "n_points",
                   "runs_total", "base_seed", "timeseries", "columns_digest")
"""The manifest fields that define a sweep (also stored in every part, so that a lost
manifest can be rebuilt); the others follow its progress."""


def store_identity(scenario: Scenario, source: ScenarioFile, *, injects: list[dict[str, Any]],
                   design: dict[str, Any], n_points: int, runs_total: int, base_seed: int,
                   timeseries: bool) -> dict[str, Any]:
    """The identity of a store of runs (:data:`IDENTITY_FIELDS`), for a sweep or a branch.
    ``injects``: the ``--inject`` moves added to the scenario file's own."""
    return {
        "kind": "sweep", "format_version": FORMAT_VERSION,
        "scenario_name": scenario.name, "scenario_path": source.path,
        "scenario_text": source.text, "scenario_hash": scenario_hash(scenario),
        "overrides": json.loads(json.dumps(source.overrides, default=str)),
        "injects": injects, "design": design, "n_points": n_points,
        "runs_total": runs_total, "base_seed": base_seed,
        "timeseries": timeseries, "columns_digest": columns_digest(),
    }


def sweep_identity(spec: SweepSpec, n_points: int, source: ScenarioFile) -> dict[str, Any]:
    """The identity of a sweep's store."""
    return store_identity(
        spec.scenario, source,
        injects=[i.model_dump(mode="json", exclude_defaults=True)
                 for i in spec.scenario.inject[len(spec.file_injects):]],
        design=spec.design_dict(), n_points=n_points,
        runs_total=n_points * spec.replicates * len(spec.policy_names),
        base_seed=spec.base_seed, timeseries=spec.timeseries)


def resume_mismatches(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between a stored sweep and the one asked for (empty: may resume)."""
    version = old.get("format_version", 1)
    if version != FORMAT_VERSION:
        return [f"the store format (stored {version!r}; this wargame writes "
                f"{FORMAT_VERSION} and resumes only that)"]
    out = []
    if old.get("columns_digest") != new["columns_digest"]:
        out.append("the code that defines the outcome columns (the store was written by "
                   "another version of wargame)")
    if old.get("timeseries") != new["timeseries"]:
        stored = "with" if old.get("timeseries") else "without"
        fix = "drop --no-timeseries" if old.get("timeseries") else "add --no-timeseries"
        out.append(f"the time-series choice (stored {stored} weekly series: {fix})")
    if old.get("scenario_hash") != new["scenario_hash"]:
        out.append("the scenario (or its --set overrides)")
    if old.get("design") != new["design"]:
        out.append("the design (method, samples, replicates, parameters or weeks)")
    if old.get("base_seed") != new["base_seed"]:
        out.append(f"the base seed (stored {old.get('base_seed')})")
    return out


def check_target(store: Store, identity: dict[str, Any], resume: bool
                 ) -> dict[str, Any] | None:
    """The stored manifest to resume (None for a new sweep), after checking that the
    folder may take this sweep. Reads only."""
    out = store.root
    if store.exists():
        if not resume:
            raise UserError(f"{out}: already holds a sweep",
                            hint="add --resume to continue it, or choose another --out")
        old = store.read_manifest()
        if old.get("kind") != "sweep":
            raise UserError(f"{store.manifest_path}: not a sweep manifest")
        mismatches = resume_mismatches(old, identity)
        if mismatches:
            raise UserError(
                f"{out}: cannot resume: this sweep differs in " + "; ".join(mismatches),
                hint="resume with the same command line and wargame version, or write to "
                "another --out",
            )
        return old
    try:
        holds = out.is_dir() and any(p.name != LOCK_NAME for p in out.iterdir())
    except OSError as exc:
        raise UserError(f"--out {out}: cannot read the folder ({exc.strerror})") from None
    if holds and any(identity_of(s) for _, s in store.part_schemas()):
        raise UserError(f"{out}: the sweep store has lost its manifest.json",
                        hint=f"wargame store repair {out} rebuilds it; then --resume")
    if resume:
        raise UserError(f"{out}: nothing to resume (no manifest.json)")
    if holds:
        raise UserError(f"{out}: folder exists and is not a sweep store",
                        hint="choose another --out")
    return None


def points_table(design: Design, identity: dict[str, Any]) -> pa.Table:
    """A design's points (``points.parquet``): ``point_id`` and one column per swept
    parameter, in design order, with the sweep's identity in the schema."""
    cols = design.columns()
    table = pa.table({"point_id": np.arange(design.n_points, dtype=np.int64),
                      **{s.name: pa.array(cols[s.name], param_type(s.kind, s.values))
                         for s in design.specs}})
    return table.replace_schema_metadata({IDENTITY_KEY: json.dumps(identity)})
