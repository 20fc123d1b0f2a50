"""Scenario discovery claims a rule only where the runs support it: a planted rule is found
with its lift and intervals and not flagged; pure noise and a rare event get no rule; PRIM
(our array port) peels exactly as EMA Workbench's does; events parse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.boxes import ALPHA, lift_interval, wilson
from sim.analysis.discovery import (
    MIN_EVENTS,
    discover,
    event_mask,
    find_rule,
    import_ema,
    too_few,
)
from sim.analysis.prim import find_box, get_quantile
from sim.errors import UserError


def planted(n: int = 3000, seed: int = 0, rate: float = 0.95,
            noise: float = 0.03) -> tuple[pd.DataFrame, np.ndarray]:
    """The event happens in ``rate`` of the runs with a >= 0.6 and b <= 0.3, and in
    ``noise`` of the others; c and law do nothing."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n),
                      "law": pd.Categorical(rng.choice(["square", "linear"], n))})
    inside = (x["a"] >= 0.6) & (x["b"] <= 0.3)
    y = np.where(inside, rng.random(n) < rate, rng.random(n) < noise)
    return x, y


@pytest.mark.parametrize("method", ["PRIM", "CART"])
def test_a_planted_rule_is_found_with_its_lift_and_intervals_and_not_flagged(method) -> None:
    x, y = planted()
    box, boxes, chosen = find_rule(method, x, y, "event", min_density=0.9)
    limits = dict(box.restrictions)
    assert set(limits) == {"a", "b"}
    assert float(limits["a"].split()[-1]) == pytest.approx(0.6, abs=0.25 if method == "CART"
                                                           else 0.05)
    assert float(limits["b"].split()[-1]) == pytest.approx(0.3, abs=0.05)
    assert box.density >= 0.9
    # the numbers, with their intervals, are those of the runs in the box
    inside = (x["a"] >= box.limits["a"][0]) & (x["b"] <= box.limits["b"][1])
    assert box.density == pytest.approx(y[inside].mean())
    assert (box.density_lo, box.density_hi) == pytest.approx(wilson(int(y[inside].sum()),
                                                                    int(inside.sum())))
    assert box.density_lo < box.density < box.density_hi
    assert box.lift == pytest.approx(box.density / y.mean())
    assert box.lift_lo < box.lift < box.lift_hi
    assert box.lift_lo > 5  # 95% / 13%: far above 1
    # held out, the boxes found on one half still beat the base rate on the other
    assert box.resamples == 10
    assert box.reproduced["a"] >= 0.5 and box.reproduced["b"] == 1.0
    assert box.held_out_density >= 0.8 and box.held_out_p < 1e-6
    assert box.warning() == "" and box.verdict == "rule"
    rule = box.rule()
    assert rule.startswith(f"event in {box.density:.0%} (95% CI ")
    assert "times the base rate of 13% (95% CI " in rule
    assert f"Held out: {method} again on 10 random halves" in rule
    assert boxes.loc[chosen, "density"] >= 0.9


@pytest.mark.parametrize("method", ["PRIM", "CART"])
@pytest.mark.parametrize("seed", range(3))
def test_no_rule_is_claimed_for_pure_noise(method, seed) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 600
    x = pd.DataFrame({f"p{i}": rng.random(n) for i in range(8)})
    x["law"] = pd.Categorical(rng.choice(["u", "v", "w"], n))
    y = rng.random(n) < 0.2
    box, _, _ = find_rule(method, x, y, "noise", min_density=0.75)
    # in sample, whatever was peeled looks like a finding ...
    assert method == "CART" or box.density > box.base_rate + 0.1
    # ... but on the halves it did not see it does not beat the base rate
    assert box.held_out_p >= ALPHA
    assert "not significant: on runs" in box.warning()
    assert box.verdict in ("no lift", "not significant")
    assert "Do not read this rule as a finding" in box.warning()


def test_no_rule_is_claimed_for_a_rare_event() -> None:
    from sim.analysis.results import from_frames

    # the planted rule, but with 40 events in 4,000 runs: too few to check a rule
    x, y = planted(4000, seed=1, rate=0.2, noise=0.0)
    keep = np.flatnonzero(y)[:40]
    y = np.zeros(len(y), dtype=bool)
    y[keep] = True
    assert too_few(y, "event").startswith("too few events for a rule: 40 of 4000 runs (1.0% "
                                          "± 0.2%) have 'event'")
    assert f"at least {MIN_EVENTS} runs with the event" in too_few(y, "event")
    runs = x.assign(law=x["law"].astype(str), event=y.astype(int), run_id=range(len(x)))
    params = [{"name": "a", "low": 0, "high": 1}, {"name": "b", "low": 0, "high": 1},
              {"name": "c", "low": 0, "high": 1},
              {"name": "law", "values": ["square", "linear"]}]
    found = discover(from_frames(runs, params=params), "event==1")
    assert isinstance(found, str) and found.startswith("too few events for a rule: 40 of 4000")
    # an event that never happens, or always does, is the same case
    assert too_few(np.zeros(100, dtype=bool), "e").startswith("too few events for a rule: "
                                                              "0 of 100 runs")
    assert "without it" in too_few(np.ones(100, dtype=bool), "e")
    assert too_few(np.arange(200) < MIN_EVENTS, "e") == ""


def test_the_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    """Wilson's interval of the density and the delta-method interval of the lift, on
    binomial draws from a known box: each should miss the truth about 1 time in 20."""
    rng = np.random.default_rng(7)
    inside, outside, d, q = 150, 2850, 0.3, 0.02  # a small box: 45 + 57 events expected
    lift = d * (inside + outside) / (d * inside + q * outside)
    hits = rng.binomial(inside, d, 4000)
    rest = rng.binomial(outside, q, 4000)
    density_ok = lift_ok = 0
    for h, r in zip(hits, rest, strict=True):
        lo, hi = wilson(int(h), inside)
        density_ok += lo <= d <= hi
        lo, hi = lift_interval(int(h), inside, int(h + r), inside + outside)
        lift_ok += lo <= lift <= hi
    assert density_ok / 4000 == pytest.approx(0.95, abs=0.015)
    assert lift_ok / 4000 == pytest.approx(0.95, abs=0.015)


def _ema_limits(box, x: pd.DataFrame, i: int) -> dict:
    full, lims = box.box_lims[0], box.box_lims[i]
    out: dict = {}
    for col in full.columns:
        if isinstance(x[col].dtype, pd.CategoricalDtype):
            if set(lims[col].iloc[0]) != set(full[col].iloc[0]):
                out[col] = set(map(str, lims[col].iloc[0]))
            continue
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        lo = lo if lo > float(full[col].iloc[0]) else -np.inf
        hi = hi if hi < float(full[col].iloc[1]) else np.inf
        if np.isfinite(lo) or np.isfinite(hi):
            out[col] = (lo, hi)
    return out


def test_prim_peels_and_pastes_exactly_as_ema_workbench() -> None:
    import logging
    import warnings

    ema = import_ema("ema_workbench.analysis.prim")
    logging.getLogger("EMA").setLevel(logging.WARNING)
    rng = np.random.default_rng(1)
    n = 500
    mixed = pd.DataFrame({f"p{i}": rng.random(n) for i in range(4)})
    mixed["k"] = pd.Categorical(rng.choice(["u", "v", "w"], n))
    mixed["q"] = np.round(rng.random(n) * 5) / 5  # ties at the cuts
    cases = {
        "planted": planted(600, seed=2),
        "noise": (planted(300)[0], np.random.default_rng(3).random(300) < 0.3),
        "mixed": (mixed, (((mixed["p0"] > 0.5) & (mixed["k"] != "w") & (rng.random(n) < 0.8))
                          | (rng.random(n) < 0.1)).to_numpy()),
    }
    pasted = 0
    for name, (x, y) in cases.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = ema.Prim(x, y, mass_min=0.05).find_box()
        ours = find_box(x, y)
        expected = theirs.peeling_trajectory[["coverage", "density", "mass", "res_dim"]]
        got = ours.frame()
        assert len(got) == len(expected), name
        for col in expected.columns:
            np.testing.assert_array_equal(got[col].to_numpy(dtype=float),
                                          expected[col].to_numpy(dtype=float), err_msg=name)
        for i in range(len(got)):
            assert ours.limits(i) == _ema_limits(theirs, x, i), (name, i)
        pasted += int((np.diff(got["mass"]) > 0).sum())
    assert pasted > 0, "the cases exercise pasting too"
    for data in ([1.0, 1.0, 2.0, 2.0, 2.0, 3.0], [5.0], [0.0, 0.0, 0.0, 1.0]):
        for q in (0.05, 0.5, 0.95):
            util = import_ema("ema_workbench.analysis.prim_util")
            assert get_quantile(np.array(data), q) == util.get_quantile(np.array(data), q)


def test_events_parse_and_evaluate() -> None:
    runs = pd.DataFrame({"rok_max_rung": [1, 4, 3], "escalation_peak": [10.0, 60.0, 45.0],
                         "rok_max_rung_name": ["statements", "offensive_weapons", "x"]})
    assert list(event_mask(runs, "offensive")[0]) == [False, True, False]
    assert list(event_mask(runs, "escalation_peak>=45")[0]) == [False, True, True]
    assert list(event_mask(runs, "rok_max_rung_name==offensive_weapons")[0]) == [
        False, True, False]
    with pytest.raises(UserError, match="--event"):
        event_mask(runs, "nonsense>>3")


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
    found = discovery.discover(rs, "event==1", min_density=0.9)
    assert not isinstance(found, str)
    box = found.box
    assert box.sample == 1500
    assert box.n_runs == 4000
    assert "PRIM ran on a random sample of 1500 runs" in box.rule()
    assert set(dict(box.restrictions)) == {"a", "b"}
    inside = (runs["a"] >= box.limits["a"][0]) & (runs["b"] <= box.limits["b"][1])
    assert box.density == pytest.approx(runs.loc[inside, "event"].mean())
    assert box.mass == pytest.approx(inside.mean())
    assert box.resamples == 10 and box.warning() == ""


def test_ema_is_imported_without_the_rest_of_the_workbench() -> None:
    import subprocess
    import sys

    # CART works, the experiment framework is never imported, and nothing of the
    # workbench stays half-imported (a later plain import of the workbench then imports
    # the whole package, as if CART had never been loaded)
    code = "\n".join([
        "import sys",
        "seen = []",
        "class Spy:",
        "    def find_spec(self, name, path=None, target=None):",
        "        seen.append(name)",
        "sys.meta_path.insert(0, Spy())",
        "from sim.analysis.discovery import import_ema",
        "cart = import_ema('ema_workbench.analysis.cart')",
        "assert hasattr(cart.CART, 'build_tree')",
        "assert 'ema_workbench.analysis.cart' in seen",
        "assert 'ema_workbench.em_framework.evaluators' not in seen",
        "assert not [m for m in sys.modules if m.startswith('ema_workbench')]",
    ])
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
