"""The record as data: reported figures mapped onto the model's weekly series or outcomes.

A record file (TOML, e.g. ``observations/kursk-2024-25.toml``) holds ``[[observation]]``
entries, each mapping one reported figure onto what the model produces, with its week, its
best value and its range (the disagreement between sources: a simulated value inside the
range is a match), its kind and its source. ``[[unmapped]]`` entries list the rows of the
source document that the model cannot produce, with the reason, so the mapping is complete
and reviewable.

Kinds (what the simulated value of an entry is):

- ``level``: the series at ``week``;
- ``cumulative``: the same, for a series that counts from week 0 (casualties, prisoners);
- ``rung``: the highest value of the series over weeks ``since``..``week``;
- ``event_week``: the first week (from ``since``) at which the series is >= ``threshold``;
  ``best``/``low``/``high`` are weeks. An event that has not happened by the horizon of the
  runs counts as happening the week after it (it is outside any range that ends earlier).

Entries mapped onto an outcome (:mod:`sim.core.outcomes`) read it at the end of the runs,
so they must be at the horizon of the runs (the last week any entry needs), except
``event_week`` entries on a week-valued outcome, which do not depend on the horizon.

Why pydantic: the same validation style and messages as scenarios (:mod:`sim.core.scenario`);
every error names the file, the entry (by id) and what was expected, and the CLI exits 2.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.core.outcomes import BY_NAME as OUTCOMES_BY_NAME
from sim.core.series import SERIES_INDEX, SERIES_NAMES
from sim.errors import UserError

Kind = Literal["level", "cumulative", "event_week", "rung"]
KINDS: tuple[str, ...] = ("level", "cumulative", "event_week", "rung")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


class RecordError(UserError):
    """A record file or entry that does not validate."""


def week_of(date: str, start_date: str) -> int:
    """Whole weeks from ``start_date`` (week 0) to ``date``, both ISO dates.

    Floor division, as the record defines it ("whole weeks after 28 October 2024"): a date
    in the first six days after the start is week 0, 4 November 2024 is week 1."""
    d = dt.date.fromisoformat(date)
    s = dt.date.fromisoformat(start_date)
    return (d - s).days // 7


def _iso(v: str | None) -> str | None:
    if v is None:
        return v
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        raise ValueError(f"expected an ISO date such as 2024-11-23, got {v!r}") from None
    return v


class Observation(BaseModel):
    """One reported figure, mapped onto one series or outcome of the model."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str = Field(description="short unique name, e.g. area_w11")
    quantity: str = Field(description="what was reported, in words")
    series: str | None = Field(None, description="weekly series it maps to")
    outcome: str | None = Field(None, description="outcome it maps to (read at the horizon)")
    kind: Kind
    week: int | None = Field(None, ge=0, description="week of the figure (0 = start_date)")
    date: str | None = Field(None, description="or the date of the figure (ISO)")
    since_week: int | None = Field(None, ge=0, description="rung/event_week: window start")
    since_date: str | None = None
    best: float
    low: float
    high: float
    threshold: float | None = Field(None, description="event_week: level that counts as the event")
    scale: float | None = Field(None, gt=0, description="distance unit (default: high - low, or 1)")
    weight: float = Field(1.0, ge=0, description="weight in the distance")
    source: str = Field(min_length=1)
    reported: str = Field(min_length=1, description="the source's date(s), as given")
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> Observation:
        if not _ID.match(self.id):
            raise ValueError(f"id {self.id!r}: expected letters, digits, '_' or '-', "
                             "starting with a letter")
        if (self.series is None) == (self.outcome is None):
            raise ValueError("give exactly one of series = \"...\" or outcome = \"...\"")
        if self.series is not None and self.series not in SERIES_INDEX:
            raise ValueError(f"series {self.series!r} is not a weekly series of the model"
                             + _did_you_mean(self.series, SERIES_NAMES))
        if self.outcome is not None:
            o = OUTCOMES_BY_NAME.get(self.outcome)
            if o is None:
                raise ValueError(f"outcome {self.outcome!r} is not an outcome of the model"
                                 + _did_you_mean(self.outcome, list(OUTCOMES_BY_NAME)))
            if not o.numeric:
                raise ValueError(f"outcome {self.outcome!r} is a category, not a number")
            if (self.kind == "event_week") != (o.kind == "week"):
                raise ValueError(
                    f"outcome {self.outcome!r} is of kind '{o.kind}': an event_week entry "
                    "needs a week-valued outcome (week_rung_3, retaken_week, ...) and a "
                    "week-valued outcome needs kind = \"event_week\"")
        if self.week is not None and self.date is not None:
            raise ValueError("give week or date, not both")
        if self.since_week is not None and self.since_date is not None:
            raise ValueError("give since_week or since_date, not both")
        _iso(self.date)
        _iso(self.since_date)
        if self.kind not in ("event_week", "rung") and (
                self.since_week is not None or self.since_date is not None):
            raise ValueError("since_week/since_date apply to kinds rung and event_week only")
        if self.kind != "event_week" and self.week is None and self.date is None:
            raise ValueError("missing week (or date)")
        if self.threshold is not None and self.kind != "event_week":
            raise ValueError("threshold applies to kind event_week only")
        if not self.low <= self.best <= self.high:
            raise ValueError(f"expected low <= best <= high, got low={self.low:g}, "
                             f"best={self.best:g}, high={self.high:g}")
        if self.kind == "event_week" and self.low < 0:
            raise ValueError("an event_week's best/low/high are weeks: expected >= 0")
        return self


class Unmapped(BaseModel):
    """A row of the source document the model does not produce, and why."""

    model_config = ConfigDict(extra="forbid")

    quantity: str
    week: str = ""
    value: str = ""
    source: str = ""
    reason: str = Field(min_length=1)


class RecordFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    description: str = ""
    document: str = Field("", description="the document the record encodes")
    start_date: str = "2024-10-28"
    observation: list[Observation] = Field(min_length=1)
    unmapped: list[Unmapped] = []

    @model_validator(mode="after")
    def _unique(self) -> RecordFile:
        _iso(self.start_date)
        seen: set[str] = set()
        for o in self.observation:
            if o.id in seen:
                raise ValueError(f"observation id {o.id!r} is used twice")
            seen.add(o.id)
        return self


@dataclass(frozen=True)
class Entry:
    """A validated observation with its weeks resolved (dates converted)."""

    id: str
    quantity: str
    target: str  # series or outcome name
    on_outcome: bool
    kind: str
    week: int  # the week the figure is known by (event_week: ceil(high) unless given)
    since: int  # rung/event_week window start
    best: float
    low: float
    high: float
    threshold: float
    scale: float
    weight: float
    source: str
    reported: str
    note: str

    @property
    def label(self) -> str:
        return f"{self.id} ({self.target}, week {self.week})"

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass
class Record:
    """A loaded record: its entries (weeks resolved), unmapped rows, and where it came from."""

    path: str
    name: str
    description: str
    start_date: str
    entries: list[Entry]
    unmapped: list[Unmapped]
    digest: str

    def select(self, until_week: int | None = None, after_week: int | None = None
               ) -> list[Entry]:
        """The entries known by ``until_week`` (inclusive) and after ``after_week``."""
        return [e for e in self.entries
                if (until_week is None or e.week <= until_week)
                and (after_week is None or e.week > after_week)]


def _resolve(o: Observation, start_date: str) -> Entry:
    week = o.week if o.week is not None else (
        week_of(o.date, start_date) if o.date is not None else None)
    since = o.since_week if o.since_week is not None else (
        week_of(o.since_date, start_date) if o.since_date is not None else None)
    if o.kind == "event_week":
        # An event week is settled once its range has closed: not by `high` = outside.
        week = int(np.ceil(o.high)) if week is None else week
        if week < o.high:
            raise ValueError(f"week {week} is before the end of the range ({o.high:g}): "
                             "an event_week entry is known by the end of its range")
    assert week is not None
    if week < 0 or (since is not None and since < 0):
        raise ValueError(f"the date is before the record's start_date {start_date}")
    if since is None:
        since = 0 if o.kind in ("rung", "event_week") else week
    if since > week:
        raise ValueError(f"since ({since}) is after week ({week})")
    default_scale = o.high - o.low if o.high > o.low else 1.0
    return Entry(
        id=o.id, quantity=o.quantity, target=o.series or o.outcome or "",
        on_outcome=o.outcome is not None, kind=o.kind, week=int(week), since=int(since),
        best=o.best, low=o.low, high=o.high,
        threshold=1.0 if o.threshold is None else o.threshold,
        scale=o.scale or default_scale, weight=o.weight, source=o.source,
        reported=o.reported, note=o.note,
    )


def load_record(path: str | Path) -> Record:
    """Read and validate a record file; any problem raises RecordError naming the file and
    the entry."""
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"{path}: no such record file")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: cannot read the file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RecordError(f"{path}: not valid TOML: {exc}") from None
    return parse_record(data, str(path), text)


def parse_record(data: dict[str, Any], origin: str, text: str = "") -> Record:
    """Validate a parsed record document; ``origin`` names it in messages."""
    try:
        rf = RecordFile.model_validate(data)
    except ValidationError as exc:
        raise RecordError(_format(exc, origin, data)) from None
    entries = []
    for i, o in enumerate(rf.observation):
        try:
            entries.append(_resolve(o, rf.start_date))
        except ValueError as exc:
            raise RecordError(f"{origin}: observation {i + 1} (id {o.id!r}): {exc}") from None
    digest = hashlib.sha256((text or repr(data)).encode()).hexdigest()
    return Record(origin, rf.name, rf.description, rf.start_date, entries, rf.unmapped, digest)


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    if close:
        return f" (did you mean {', '.join(close)}?)"
    return " (run `wargame calibrate --list-targets` to list the series and outcomes)"


def _format(exc: ValidationError, origin: str, data: dict[str, Any]) -> str:
    """One line per error, naming the entry by its number and id."""
    lines = []
    raw = data.get("observation") if isinstance(data, dict) else None
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc) or "(document)"
        if len(loc) >= 2 and loc[0] in ("observation", "unmapped") and isinstance(loc[1], int):
            n = loc[1]
            ident = ""
            if loc[0] == "observation" and isinstance(raw, list) and n < len(raw) \
                    and isinstance(raw[n], dict) and "id" in raw[n]:
                ident = f" (id {raw[n]['id']!r})"
            field = ".".join(str(p) for p in loc[2:])
            where = f"{loc[0]} {n + 1}{ident}" + (f": {field}" if field else "")
        etype = err["type"]
        if etype == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        elif etype == "extra_forbidden":
            msg = "unknown field" + _did_you_mean(str(loc[-1]), list(Observation.model_fields))
        elif etype == "literal_error":
            msg = f"expected one of {', '.join(KINDS)}, got {err.get('input')!r}"
        elif etype == "missing":
            msg = "missing"
        elif etype in ("greater_than_equal", "greater_than"):
            bound = err.get("ctx", {}).get("ge", err.get("ctx", {}).get("gt"))
            op = ">=" if etype == "greater_than_equal" else ">"
            msg = f"expected a value {op} {bound}, got {err.get('input')!r}"
        else:
            msg = err["msg"]
            if "input" in err and etype not in ("too_short",):
                msg += f", got {repr(err['input'])[:60]}"
        lines.append(f"{origin}: {where}: {msg}")
    return "\n".join(lines)


# ---------------------------------------------------------------- against the model
def horizon(entries: Sequence[Entry]) -> int:
    """The last week any entry needs: the horizon the runs are taken to."""
    if not entries:
        raise UserError("no observations to compare with")
    return max(e.week for e in entries)


def check_horizon(entries: Sequence[Entry], weeks: int, origin: str) -> None:
    """Entries on outcomes (other than event weeks) must be at the runs' horizon."""
    for e in entries:
        if e.on_outcome and e.kind != "event_week" and e.week != weeks:
            raise RecordError(
                f"{origin}: observation {e.id!r}: outcome {e.target!r} is read at the end of "
                f"the runs (week {weeks}), but the entry is at week {e.week}",
                hint="map it onto a weekly series, or select observations that end there")


def observe(entries: Sequence[Entry], series: np.ndarray,
            outcomes: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """The simulated value of every entry in every run: shape (runs, entries).

    ``series``: shape (runs, weeks + 1, series) in SERIES order; ``outcomes``: name ->
    array over runs (read at the horizon). An event that has not happened is NaN."""
    runs = series.shape[0]
    out = np.empty((runs, len(entries)))
    for j, e in enumerate(entries):
        if e.on_outcome:
            assert outcomes is not None
            out[:, j] = np.asarray(outcomes[e.target], dtype=float)
            continue
        col = series[:, :, SERIES_INDEX[e.target]]
        if e.kind in ("level", "cumulative"):
            out[:, j] = col[:, e.week]
        elif e.kind == "rung":
            out[:, j] = col[:, e.since:e.week + 1].max(axis=1)
        else:
            hit = col[:, e.since:] >= e.threshold
            first = hit.argmax(axis=1) + e.since
            out[:, j] = np.where(hit.any(axis=1), first, np.nan)
    return out


def censor(entries: Sequence[Entry], values: np.ndarray, weeks: int) -> np.ndarray:
    """Event weeks that never happened (NaN) as ``weeks + 1``: later than any range that
    ends by the horizon, so they score as misses."""
    out = np.array(values, dtype=float, copy=True)
    for j, e in enumerate(entries):
        if e.kind == "event_week":
            col = out[..., j]
            col[np.isnan(col)] = weeks + 1
    return out


def excess(entries: Sequence[Entry], values: np.ndarray, weeks: int) -> np.ndarray:
    """How far each simulated value lies outside its entry's range, in units of the
    entry's scale (range width, or 1 for a single value): zero inside the range."""
    x = censor(entries, values, weeks)
    low = np.array([e.low for e in entries])
    high = np.array([e.high for e in entries])
    scale = np.array([e.scale for e in entries])
    return np.maximum(0.0, np.maximum(low - x, x - high)) / scale


def inside(entries: Sequence[Entry], values: np.ndarray, weeks: int) -> np.ndarray:
    """Whether each simulated value lies in its entry's range."""
    return excess(entries, values, weeks) == 0.0


def targets_help() -> str:
    """The names an entry can map onto, for ``--list-targets``."""
    from sim.core.series import SERIES

    lines = ["weekly series (series = ...):"]
    lines += [f"  {s.name:<26} {s.unit:<12} {s.doc}" for s in SERIES if s.name != "week"]
    lines.append("outcomes (outcome = ..., read at the end of the runs):")
    lines += [f"  {o.name:<26} {o.kind:<12} {o.doc}" for o in OUTCOMES_BY_NAME.values()
              if o.numeric]
    return "\n".join(lines)
