"""Parameter declaration helper: every scenario parameter carries a unit, a range and a source.

Why a helper: the design asks that each default be traceable to the seed article, to a
public figure in ``shared/sources.md`` or be labelled as a modeller's assumption or a
calibrated value. Declaring that next to the bound keeps the schema, ``wargame describe``
and the README table from drifting apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

#: Where a default comes from. ``article``: the seed article; ``reported``: a public figure
#: listed in shared/sources.md; ``calibrated``: tuned so the model reproduces a reported
#: figure (the calibration is tested); ``assumption``: the modeller's judgement, to be swept.
SourceKind = Literal["article", "reported", "calibrated", "assumption"]


def param(
    default: Any,
    *,
    unit: str,
    source: str,
    kind: SourceKind,
    doc: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
) -> Any:
    """A pydantic ``Field`` with the unit, source and meaning stored as schema metadata."""
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        description=doc,
        json_schema_extra={"unit": unit, "source": source, "kind": kind},
    )
