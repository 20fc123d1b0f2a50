"""Naive forecasts from the record alone, the yardsticks a forecast must beat (as in the
VIEWS prediction challenge and the forecasting hubs): what a reader could say at the
origin without any model.

- **persistence**: the last value of the same quantity observed by the origin, carried
  forward;
- **trend**: the straight line through the last two observations of the same quantity
  (at different weeks) by the origin, extended to the target week, floored at zero (every
  quantity of the record is a count, an area or a rung);
- for events ("X by week N"): persistence says the state at the origin goes on, i.e. the
  event, not yet recorded, does not happen (probability 0); the trend is not defined.

"The same quantity" is an entry on the same series or outcome, of a kind that is a value
(level, cumulative, rung). Where the record has no earlier observation (or only one, for
the trend), the baseline is undefined and says why: skill against it is then reported over
the observations where it is defined, with their number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.batch.observations import Entry

VALUE_KINDS = ("level", "cumulative", "rung")


@dataclass(frozen=True)
class Naive:
    """A naive point forecast, or why there is none (``value`` None)."""

    value: float | None
    why: str = ""


def _history(known: list[Entry], target: Entry) -> list[Entry]:
    """Earlier value observations of the target's quantity, by week (the later-listed one
    where two share a week)."""
    by_week: dict[int, Entry] = {}
    for e in known:
        if e.target == target.target and e.kind in VALUE_KINDS and e.week < target.week:
            by_week[e.week] = e
    return [by_week[w] for w in sorted(by_week)]


def persistence(known: list[Entry], target: Entry) -> Naive:
    """The last observed value of the target's quantity."""
    if target.kind not in VALUE_KINDS:
        return Naive(None, "an event week has no earlier value to carry forward")
    past = _history(known, target)
    if not past:
        return Naive(None, f"no observation of {target.target} by the origin")
    return Naive(past[-1].best)


def trend(known: list[Entry], target: Entry) -> Naive:
    """The line through the last two observed values of the target's quantity."""
    if target.kind not in VALUE_KINDS:
        return Naive(None, "an event week has no trend")
    past = _history(known, target)
    if len(past) < 2:
        return Naive(None, f"fewer than two observations of {target.target} by the origin")
    a, b = past[-2], past[-1]
    slope = (b.best - a.best) / (b.week - a.week)
    return Naive(max(0.0, b.best + slope * (target.week - b.week)))
