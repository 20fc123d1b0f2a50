"""PRIM finds a planted box; events parse; an event that never happens is explained."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import event_mask, prim_box
from sim.errors import UserError


def planted(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n),
                      "law": pd.Categorical(rng.choice(["square", "linear"], n))})
    inside = (x["a"] >= 0.6) & (x["b"] <= 0.3)
    y = np.where(inside, rng.random(n) < 0.95, rng.random(n) < 0.03)
    return x, y


def test_prim_recovers_the_planted_box() -> None:
    x, y = planted()
    box = prim_box(x, y, "event", min_density=0.9)
    limits = dict(box.restrictions)
    assert set(limits) == {"a", "b"}
    assert float(limits["a"].split()[-1]) == pytest.approx(0.6, abs=0.05)
    assert float(limits["b"].split()[-1]) == pytest.approx(0.3, abs=0.05)
    assert box.density >= 0.9 and box.coverage >= 0.75
    assert box.rule().startswith("event in ")
    assert "a >= " in box.rule() and "b <= " in box.rule()


def test_events_parse_and_evaluate() -> None:
    runs = pd.DataFrame({"rok_max_rung": [1, 4, 3], "escalation_peak": [10.0, 60.0, 45.0],
                         "rok_max_rung_name": ["statements", "offensive_weapons", "x"]})
    assert list(event_mask(runs, "offensive")[0]) == [False, True, False]
    assert list(event_mask(runs, "escalation_peak>=45")[0]) == [False, True, True]
    assert list(event_mask(runs, "rok_max_rung_name==offensive_weapons")[0]) == [
        False, True, False]
    with pytest.raises(UserError, match="--event"):
        event_mask(runs, "nonsense>>3")


def test_an_event_that_never_happens_is_explained() -> None:
    x, _ = planted(100)
    with pytest.raises(UserError, match="happens in 0% of 100 runs"):
        prim_box(x, np.zeros(100, dtype=bool), "event")
