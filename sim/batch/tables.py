"""A store's tables: the rows of runs and of weekly series as Arrow tables, with one fixed
schema per sweep.

Why a fixed schema: every Parquet part of a store must have the same columns and types, so
that plain ``pd.read_parquet(dir)`` or DuckDB over ``runs/*.parquet`` never drops or
retypes a column because the first part happened to hold only failed runs. Types follow
from the declarations: outcome kinds (:mod:`sim.core.outcomes`) and swept parameter kinds
(:mod:`sim.batch.designs`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from sim.core.outcomes import OUTCOMES
from sim.core.series import SERIES_NAMES

ID_COLUMNS = ("run_id", "point_id", "replicate", "seed")
STATUS_COLUMNS = ("status", "error", "duration_s")

_KIND_TYPE = {"flag": pa.int64(), "count": pa.int64(), "level": pa.float64(),
              "week": pa.float64(), "category": pa.string()}


def param_type(kind: str, values: Sequence[Any] | None) -> pa.DataType:
    """Arrow type of a swept parameter's column."""
    if kind == "int":
        return pa.int64()
    if kind == "float":
        return pa.float64()
    if values is not None and all(isinstance(v, str) for v in values):
        return pa.string()
    if values is not None and all(isinstance(v, int) and not isinstance(v, bool)
                                  for v in values):
        return pa.int64()
    return pa.float64()


def runs_schema(params: Sequence[tuple[str, pa.DataType]], policies: bool = False
                ) -> pa.Schema:
    """Ids (and the policy, in a policy sweep), swept parameters, every outcome, status:
    the columns of ``runs/`` parts."""
    fields = [pa.field(n, pa.int64()) for n in ID_COLUMNS]
    if policies:
        fields.append(pa.field("policy", pa.string()))
    fields += [pa.field(name, typ) for name, typ in params]
    fields += [pa.field(o.name, _KIND_TYPE[o.kind]) for o in OUTCOMES]
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string()),
               pa.field("duration_s", pa.float64())]
    return pa.schema(fields)


SERIES_SCHEMA = pa.schema(
    [pa.field("run_id", pa.int64()), pa.field("week", pa.int32())]
    + [pa.field(n, pa.float64()) for n in SERIES_NAMES if n != "week"]
)
"""The columns of ``timeseries/`` parts: one row per run per week."""


def columns_digest() -> str:
    """A digest of what the code stores per run and per week (outcome names and kinds,
    series names): a resume refuses a store written by code whose columns differ."""
    text = json.dumps([[(o.name, o.kind) for o in OUTCOMES], list(SERIES_NAMES)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def runs_table(schema: pa.Schema, columns: dict[str, Any], n: int) -> pa.Table:
    """A table with ``schema``; columns not given (outcomes of failed runs) are null."""
    arrays = []
    for f in schema:
        col = columns.get(f.name)
        if col is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(col, np.ndarray) and col.dtype != object and pa.types.is_floating(f.type):
            arrays.append(pa.array(col.astype(np.float64), f.type))
        else:
            arrays.append(pa.array(col, f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def series_table(run_ids: np.ndarray, blocks: Sequence[np.ndarray]) -> pa.Table:
    """Weekly series of runs (``blocks[i]``: shape (weeks + 1, series)) in long form."""
    if not blocks:
        return SERIES_SCHEMA.empty_table()
    lengths = np.array([len(b) for b in blocks])
    data = np.concatenate(blocks, axis=0)
    cols: dict[str, Any] = {"run_id": np.repeat(np.asarray(run_ids, dtype=np.int64), lengths)}
    for i, name in enumerate(SERIES_NAMES):
        cols[name] = data[:, i]
    cols["week"] = cols["week"].astype(np.int32)
    return pa.Table.from_pydict({f.name: cols[f.name] for f in SERIES_SCHEMA},
                                schema=SERIES_SCHEMA)

