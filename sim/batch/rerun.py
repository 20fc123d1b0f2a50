"""One stored run, again: the scenario, seed and horizon of any run of a sweep or branch
store, rebuilt from its manifest and design points, so that ``wargame run --from-sweep DIR
--run-id N`` re-runs it alone (in the Mesa model) and checks it against its stored row.

Everything comes from the store: the scenario's text and overrides, the ``--inject`` moves,
the policy, the design point and the seed (:func:`sim.core.seeds.derive_seed` of the base
seed, point and replicate), so a re-run needs no file but the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.batch.store import Store, brief
from sim.batch.tasks import run_address
from sim.core.moves import Policy
from sim.core.policies import apply_policy
from sim.core.scenario import Scenario, parse_scenario
from sim.core.seeds import derive_seed
from sim.errors import UserError


def rerun_from_sweep(root: Path, run_id: int) -> tuple[Scenario, int, int | None,
                                                       dict[str, Any]]:
    """The scenario, seed and horizon of one stored run (and its design point's values),
    to re-run it alone."""
    import pyarrow.parquet as pq

    store = Store(root)
    if not store.exists():
        raise UserError(f"{root}: not a sweep store (no manifest.json)")
    m = store.read_manifest()
    store.check_format(m)
    try:
        design = m["design"]
        reps, total = int(design["replicates"]), int(m["runs_total"])
        text, name, base_seed = m["scenario_text"], m["scenario_name"], int(m["base_seed"])
        names = [p["name"] for p in design["params"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{store.manifest_path}: incomplete manifest ({brief(exc)})",
                        hint=f"wargame store repair {root} rebuilds it from the parts") \
            from None
    if not 0 <= run_id < total:
        raise UserError(f"--run-id: expected 0..{total - 1}, got {run_id}")
    policies = design.get("policies") or {}
    pi, point_id, rep = run_address(run_id, int(m["n_points"]), reps)
    base = parse_scenario(text, f"{root}/manifest.json", default_name=name)
    if m.get("overrides"):
        base = base.with_overrides(m["overrides"], origin=f"{root}/manifest.json overrides")
    if m.get("injects"):
        base = base.with_injects(m["injects"], origin=f"{root}/manifest.json injects")
    if policies:
        pname = list(policies)[pi]
        base = apply_policy(base, Policy.model_validate(policies[pname]),
                            f"{root}/manifest.json policy '{pname}'")
    try:
        row = pq.read_table(store.points_path, filters=[("point_id", "=", point_id)])
        values = {n: row.column(n)[0].as_py() for n in names}
    except (OSError, ValueError, KeyError, IndexError, pa.ArrowException) as exc:
        raise UserError(f"{store.points_path}: cannot read design point {point_id} "
                        f"({brief(exc)})",
                        hint=f"wargame store repair {root} rebuilds it") from None
    sc = base.with_overrides(values, origin=f"design point {point_id}")
    return sc, derive_seed(base_seed, point_id, rep), design.get("weeks"), values


def stored_row(root: Path, run_id: int) -> dict[str, Any] | None:
    """The stored row of one run, or None if it has not run yet."""
    row = Store(root).read_run(run_id)
    return None if row is None else {k: _py(v) for k, v in row.items()}


def _py(v: Any) -> Any:
    """numpy scalars from Parquet back to plain Python values."""
    return v.item() if hasattr(v, "item") else v
