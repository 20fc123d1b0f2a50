"""``wargame store check`` and ``wargame store repair``: what a killed sweep, a disk error
or an old version's two writers at once can leave in a store, and how to mend it without
losing a run.

Repair never deletes a finished run: an unreadable part is moved to ``quarantine/`` (a
resume runs its runs again), a run stored twice keeps its first copy (both copies come
from the same seed, so they are equal), a lost or unreadable manifest is rebuilt from the
sweep identity that every part carries, and lost design points are drawn again from the
design (deterministic in its seed). Timeseries parts without their runs part and temporary
files were never committed; they are removed, as a resume would.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.batch.provenance import now
from sim.batch.store import (
    FORMAT_VERSION,
    Store,
    StoreWarning,
    identity_of,
    sweep_status,
    write_table,
)
from sim.errors import UserError


@dataclass
class Report:
    """What ``check`` found: problems (to repair or resume) and plain facts."""

    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


def _store(root: Path) -> Store:
    if not root.is_dir():
        raise UserError(f"{root}: no such folder")
    store = Store(root)
    if not (store.exists() or store.runs_dir.is_dir() or store.points_path.exists()):
        raise UserError(f"{root}: not a sweep store (no manifest.json, runs/ or "
                        "points.parquet)")
    return store


def find_identity(store: Store) -> dict[str, Any] | None:
    """The sweep identity carried by the parts (or points.parquet), if any."""
    candidates = [p for _, p in store.runs_parts()] + [store.points_path]
    for p in candidates:
        try:
            identity = identity_of(pq.read_schema(p))
        except (OSError, ValueError, pa.ArrowException):
            continue
        if identity is not None:
            return identity
    return None


def check_store(root: Path) -> Report:
    """Inspect a store without changing it."""
    store = _store(root)
    rep = Report()
    manifest: dict[str, Any] | None = None
    if not store.exists():
        can = " (repair rebuilds it from the parts)" if find_identity(store) else ""
        rep.problems.append(f"manifest.json is missing{can}")
    else:
        try:
            manifest = store.read_manifest()
            store.check_format(manifest)
        except UserError as exc:
            rep.problems.append(exc.message)
            manifest = None
    for _, p, reason in store.unreadable_parts(full=True):
        rep.problems.append(f"{p}: unreadable ({reason})")
    try:
        store.check_schemas()
    except UserError as exc:
        rep.problems.append(exc.message)
    runs_parts = {n for n, _ in store.runs_parts()}
    leftovers = [p for p in store.ts_dir.glob("part-*.parquet")
                 if int(p.stem.split("-")[1]) not in runs_parts] if store.ts_dir.is_dir() else []
    leftovers += [p for d in (store.root, store.runs_dir, store.ts_dir) if d.is_dir()
                  for p in d.glob(".*.tmp")]
    if leftovers:
        rep.facts.append(f"{len(leftovers)} uncommitted files of a killed sweep (a resume or "
                         "repair removes them)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StoreWarning)  # listed above as problems
            runs = store.read_runs(duplicates="keep")
    except UserError as exc:
        runs = None
        rep.problems.append(exc.message)
    n_dup = 0
    done = failed = 0
    if runs is not None and len(runs):
        dup = runs["run_id"].duplicated()
        n_dup = int(dup.sum())
        unique = runs[~dup]
        done, failed = len(unique), int((unique["status"] == "failed").sum())
    if n_dup:
        rep.problems.append(f"{n_dup} rows repeat a run_id already stored (two writers at "
                            "once); repair keeps the first copy of each run")
    if not store.points_path.exists():
        rep.problems.append("points.parquet is missing (repair draws the design again)")
    if manifest is not None:
        total = manifest.get("runs_total")
        rep.facts.append(f"{done} of {total} runs stored ({failed} failed); status "
                         f"'{manifest.get('status')}'")
        if (manifest.get("runs_done"), manifest.get("runs_failed")) != (done, failed) \
                and not store.is_locked():
            rep.problems.append(f"the manifest counts {manifest.get('runs_done')} runs "
                                f"({manifest.get('runs_failed')} failed); the parts hold "
                                f"{done} ({failed} failed)")
        if manifest.get("status") == "running" and not store.is_locked():
            rep.problems.append("status 'running' but no sweep is writing: it was killed "
                                "(resume it with the same command and --resume)")
    if store.is_locked():
        rep.facts.append(f"a sweep is writing the store now ({store.lock_holder()})")
    return rep


def repair_store(root: Path) -> list[str]:
    """Mend the store (holding its lock); returns what was done."""
    store = _store(root)
    actions: list[str] = []
    with store.lock("wargame store repair"):
        bad = {n: reason for n, _, reason in store.unreadable_parts(full=True)}
        for n, reason in sorted(bad.items()):
            moved = store.quarantine(n)
            actions.append(f"moved unreadable {', '.join(str(m) for m in moved)} to "
                           f"{store.quarantine_dir}/ ({reason}); resume re-runs its runs")
        for p in store.clean_partial():
            actions.append(f"removed {p} (never committed)")
        store.check_schemas()  # mixed schemas: refuse, never rewrite someone's parts
        actions += _drop_duplicates(store)
        manifest = _manifest_or_none(store, actions)
        identity = find_identity(store)
        if manifest is None:
            if identity is None:
                raise UserError(f"{root}: cannot rebuild manifest.json: no part carries the "
                                "sweep's identity (written by an older wargame, or no run "
                                "was stored)")
            manifest = {**identity, "command": "", "versions": None, "git_commit": None,
                        "started": None, "finished": None, "status": "interrupted"}
            actions.append("rebuilt manifest.json from the parts")
        if not store.points_path.exists():
            source = identity or manifest
            _rebuild_points(store, source)
            actions.append("drew the design points again into points.parquet")
        done, failed = store.count_runs()
        # We hold the lock, so no sweep is running: a 'running' store was killed.
        status = sweep_status(done, failed, int(manifest.get("runs_total") or 0))
        rebuilt = any("manifest" in a for a in actions)
        if rebuilt or (manifest.get("runs_done"), manifest.get("runs_failed"),
                       manifest.get("status")) != (done, failed, status):
            manifest.update(runs_done=done, runs_failed=failed, status=status,
                            repaired=now())
            store.write_manifest(manifest)
            actions.append(f"manifest counts {done} runs ({failed} failed), status "
                           f"'{manifest['status']}'")
    return actions


def _manifest_or_none(store: Store, actions: list[str]) -> dict[str, Any] | None:
    if not store.exists():
        return None
    try:
        manifest = store.read_manifest()
    except UserError:
        aside = store.manifest_path.with_name("manifest.json.unreadable")
        os.replace(store.manifest_path, aside)
        actions.append(f"moved the unreadable manifest to {aside}")
        return None
    store.check_format(manifest)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise UserError(f"{store.root}: store format {manifest.get('format_version', 1)}; "
                        f"repair mends format {FORMAT_VERSION} stores")
    return manifest


def _drop_duplicates(store: Store) -> list[str]:
    """Rewrite parts so each run_id appears once (its first copy, in part order)."""
    seen: set[int] = set()
    actions = []
    for _, p in store.runs_parts():
        t = pq.read_table(p)
        ids = t.column("run_id").to_numpy()
        keep = np.array([i not in seen for i in ids.tolist()], dtype=bool)
        # Within one part a run appears once: the engine writes each task's rows once.
        seen.update(ids.tolist())
        if keep.all():
            continue
        ts_path = store.ts_dir / p.name
        if keep.any():
            kept = set(ids[keep].tolist())
            if ts_path.exists():
                ts = pq.read_table(ts_path)
                mask = np.isin(ts.column("run_id").to_numpy(), list(kept))
                write_table(ts_path, ts.filter(pa.array(mask)))
            write_table(p, t.filter(pa.array(keep)))
        else:
            p.unlink()
            if ts_path.exists():
                ts_path.unlink()
        actions.append(f"{p}: dropped {int((~keep).sum())} rows stored earlier in another "
                       "part")
    return actions


def _rebuild_points(store: Store, identity: dict[str, Any]) -> None:
    from sim.batch.designs import Design
    from sim.batch.identity import points_table
    from sim.batch.specs import ParamSpec, PosteriorSpec

    design = identity["design"]
    specs = [(PosteriorSpec if "source" in d else ParamSpec)(
        **{**d, "values": tuple(d["values"]) if d.get("values") is not None else None})
        for d in design["params"]]
    d = Design(specs, design["method"], design.get("samples"), int(identity["base_seed"]),
               bool(design.get("calc_second_order")))
    store.write_points(points_table(d, identity))
