"""Stamps that let `report` reuse what `plot` and `analyze` already wrote.

`plot` and `analyze` write ``stamp.json`` into their output folder (``figures/``,
``analysis/``): the digest of the store they read (:func:`results.folder_digest`: the
names, sizes and modification times of the committed parts and the manifest), the code
version, and the options that shaped the output. A later command that would compute the
same thing from the same store reads it back instead. Any change to the store (a
``--resume`` that adds runs, a part removed, the manifest rewritten) changes the digest,
and the stale folder is recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STAMP = "stamp.json"

FORMAT = 2
"""Bump when what plot or analyze write changes meaning, so old folders are recomputed."""


def code_version() -> str:
    import sim

    return f"{sim.__version__}/{FORMAT}"


def write_stamp(folder: Path, kind: str, digest: str, **options: Any) -> None:
    """Record in ``folder`` which store (and options) its contents were computed from."""
    stamp = {"kind": kind, "store": digest, "code": code_version(), **options}
    (folder / STAMP).write_text(json.dumps(stamp, indent=2, default=str) + "\n")


def read_stamp(folder: Path, kind: str, digest: str) -> dict[str, Any] | None:
    """The stamp of ``folder`` if it was computed by ``kind`` from the store with
    ``digest`` by this code; None if absent, unreadable or stale."""
    try:
        stamp = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict):
        return None
    if (stamp.get("kind"), stamp.get("store"), stamp.get("code")) != (kind, digest,
                                                                     code_version()):
        return None
    return stamp


def report_inputs_fresh(root: Path, digest: str, event: str, min_density: float,
                        outcomes: list[str]) -> bool:
    """Whether `report` on ``root`` would only reuse: PNG figures, and (for a sweep) an
    analysis of these outcomes for this event and density, all of this store. Needs only
    file stats and the stamps, so the command can skip starting workers."""
    figures = read_stamp(root / "figures", "figures", digest)
    if figures is None or "png" not in figures.get("formats", []):
        return False
    if not (root / "manifest.json").is_file():
        return True
    analysis = read_stamp(root / "analysis", "analysis", digest)
    return (analysis is not None and analysis.get("event") == event
            and analysis.get("min_density") == min_density
            and set(outcomes) <= set(analysis.get("outcomes", [])))
