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


def test_prim_recovers_the_planted_box_checks_it_and_flags_noise() -> None:
    x, y = planted()
    box = prim_box(x, y, "event", min_density=0.9)
    limits = dict(box.restrictions)
    assert set(limits) == {"a", "b"}
    assert float(limits["a"].split()[-1]) == pytest.approx(0.6, abs=0.05)
    assert float(limits["b"].split()[-1]) == pytest.approx(0.3, abs=0.05)
    assert box.density >= 0.9 and box.coverage >= 0.75
    assert box.rule().startswith("event in ")
    assert "a >= " in box.rule() and "b <= " in box.rule()
    # the planted box is found on every random half: both restrictions reproduce
    assert box.resamples == 10
    assert box.reproduced == {"a": pytest.approx(1.0), "b": pytest.approx(1.0)}
    assert box.warning() == ""
    assert "Checked on 10 random halves" in box.rule()
    assert box.held_out_density >= 0.85
    # density and coverage carry their standard errors
    inside = round(box.mass * len(y))
    assert box.density_se == pytest.approx(np.sqrt(box.density * (1 - box.density) / inside))
    assert f"± {box.density_se:.1%}" in box.rule()
    # a small sweep whose event is pure noise: whatever PRIM peels does not come back
    rng = np.random.default_rng(3)
    noise_x = x.iloc[:300].reset_index(drop=True)
    noise = prim_box(noise_x, rng.random(300) < 0.3, "noise", min_density=0.9)
    assert noise.restrictions, "PRIM always peels something out of noise"
    assert noise.density > noise.base_rate + 0.1, "in sample it looks like a finding"
    assert noise.held_out_density < noise.base_rate + 0.5 * (noise.density - noise.base_rate)
    assert noise.warning().startswith("unstable:")


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


def test_a_large_store_is_peeled_on_a_sample_and_measured_on_every_run(monkeypatch) -> None:
    from sim.analysis import discovery
    from sim.analysis.results import from_frames

    x, y = planted(4000, seed=1)
    runs = x.assign(law=x["law"].astype(str), event=y.astype(int), run_id=range(len(x)))
    params = [{"name": "a", "low": 0, "high": 1}, {"name": "b", "low": 0, "high": 1},
              {"name": "c", "low": 0, "high": 1},
              {"name": "law", "values": ["square", "linear"]}]
    rs = from_frames(runs, params=params)
    monkeypatch.setattr(discovery, "PRIM_SAMPLE", 1500)
    monkeypatch.setattr(discovery, "RESAMPLES", 2)
    box = discovery.discover(rs, "event==1", min_density=0.9)
    assert box.sample == 1500
    assert box.n_runs == 4000
    assert "found by PRIM on a random sample of 1500 runs" in box.rule()
    assert set(dict(box.restrictions)) == {"a", "b"}
    inside = (runs["a"] >= box.limits["a"][0]) & (runs["b"] <= box.limits["b"][1])
    assert box.density == pytest.approx(runs.loc[inside, "event"].mean())
    assert box.mass == pytest.approx(inside.mean())


def test_prim_is_imported_without_the_rest_of_the_workbench() -> None:
    import subprocess
    import sys

    # PRIM works, the experiment framework is never imported, and nothing of the
    # workbench stays half-imported (a later plain import of the workbench then imports
    # the whole package, as if PRIM had never been loaded)
    code = "\n".join([
        "import sys",
        "seen = []",
        "class Spy:",
        "    def find_spec(self, name, path=None, target=None):",
        "        seen.append(name)",
        "sys.meta_path.insert(0, Spy())",
        "from sim.analysis.discovery import import_prim",
        "prim = import_prim()",
        "assert hasattr(prim.Prim, 'find_box')",
        "assert 'ema_workbench.analysis.prim' in seen",
        "assert 'ema_workbench.em_framework.evaluators' not in seen",
        "assert not [m for m in sys.modules if m.startswith('ema_workbench')]",
    ])
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
