"""Parameter declaration helper: every scenario parameter carries a unit, a range and a source.

Why a helper: the design asks that each default be traceable to the seed article, to a
public figure in ``shared/sources.md`` or be labelled as a modeller's assumption or a
calibrated value. Declaring that next to the bound keeps the schema, ``wargame describe``
and the README table from drifting apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Where a default comes from. ``article``: the seed article; ``reported``: a public figure
#: listed in shared/sources.md; ``calibrated``: tuned so the model reproduces a reported
#: figure (the calibration is tested); ``assumption``: the modeller's judgement, to be swept.
SourceKind = Literal["article", "reported", "calibrated", "assumption"]

# Strict types: a number written as text ("0.9") or a boolean is refused for a numeric
# field instead of being converted; TOML gives each value its own type, so a value of the
# wrong type is a mistake in the file.
STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Section(BaseModel):
    """One ``[section]`` of a scenario: the parameters of one actor or one rule, declared
    with :func:`param` next to the rule that reads them.

    A section is validated as part of a scenario, so its own validator is built only if it
    is ever used alone (``defer_build``): that keeps every command's start-up short."""

    model_config = ConfigDict(**STRICT, defer_build=True)


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


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str | None:
    """``"did you mean a, b?"`` for the names closest to a misspelt ``word``, or None.

    The one did-you-mean of the project (scenario keys, ``--set``, ``[sweep]`` and
    ``--param`` all use it). A very long ``word`` gets no suggestion: difflib is quadratic
    and such a name is not a typo.
    """
    import difflib

    if len(word) > 200:
        return None
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    return f"did you mean {', '.join(close)}?" if close else None
