"""The parts of the simulation-based calibration check (sim/batch/sbc.py; the check itself
is benchmarks/coverage.py): synthetic records keep the real record's pattern, and coverage
and ranks are computed as SBC defines them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.batch.observations import parse_record
from sim.batch.priors import Prior
from sim.batch.sbc import check_case, summarise, synthetic_entries, synthetic_record
from sim.batch.specs import parse_param

BASE = {"quantity": "q", "source": "s", "reported": "r"}
RECORD = parse_record({"name": "real", "observation": [
    {**BASE, "id": "area", "series": "ukraine_area_km2", "kind": "level", "week": 4,
     "best": 700, "low": 560, "high": 800},
    {**BASE, "id": "prisoners", "series": "nk_prisoners", "kind": "cumulative", "week": 6,
     "best": 2, "low": 2, "high": 2},
    {**BASE, "id": "contact", "series": "nk_troops_in_combat", "kind": "event_week",
     "best": 2, "low": 1, "high": 3},
]}, "real")
PRIOR = Prior((parse_param("combat.noise=0:1"), parse_param("combat.law=square,linear")))


def test_synthetic_records_keep_the_pattern_and_centre_on_the_run() -> None:
    """Same entries, weeks, widths and scales; ranges centred on the simulated values; an
    event that never happened sits the week after the horizon."""
    entries = synthetic_entries(RECORD.entries, np.array([512.0, 5.0, np.nan]), weeks=6)
    area, prisoners, contact = entries
    assert (area.low, area.best, area.high) == (392.0, 512.0, 632.0)  # width 240
    assert (prisoners.low, prisoners.high) == (5.0, 5.0) and prisoners.scale == 1.0
    assert (contact.low, contact.best, contact.high) == (6.0, 7.0, 8.0)
    assert [e.week for e in entries] == [e.week for e in RECORD.entries]
    assert [e.scale for e in entries] == [e.scale for e in RECORD.entries]
    rec, text = synthetic_record(RECORD, entries, 3)
    assert rec.entries == entries and "synthetic" in text
    other, _ = synthetic_record(RECORD, synthetic_entries(
        RECORD.entries, np.array([500.0, 5.0, np.nan]), weeks=6), 3)
    assert other.digest != rec.digest


def test_coverage_and_ranks_of_one_case() -> None:
    post = pd.DataFrame({"combat.noise": np.linspace(0.0, 1.0, 101),
                         "combat.law": ["square"] * 80 + ["linear"] * 21,
                         "weight": np.ones(101)})
    inside = {r["parameter"]: r for r in check_case(
        PRIOR, {"combat.noise": 0.5, "combat.law": "square"}, post, seed=0)}
    assert inside["combat.noise"]["in50"] and inside["combat.noise"]["in90"]
    assert 40 <= inside["combat.noise"]["rank"] <= 60
    assert inside["combat.law"]["p_truth"] == pytest.approx(80 / 101)
    assert inside["combat.law"]["in50"] and inside["combat.law"]["in90"]
    edge = {r["parameter"]: r for r in check_case(
        PRIOR, {"combat.noise": 0.97, "combat.law": "linear"}, post, seed=0)}
    assert not edge["combat.noise"]["in90"] and edge["combat.noise"]["rank"] >= 90
    # 'linear' (21 %) is outside the smallest set holding 50 %, inside the one holding 90 %
    assert not edge["combat.law"]["in50"] and edge["combat.law"]["in90"]


def test_summary_of_uniform_ranks() -> None:
    """Cases whose ranks are uniform and whose intervals hold the truth at their nominal
    rates give those rates back, with binomial errors, and a flat histogram."""
    n = 200
    rng = np.random.default_rng(0)
    ranks = rng.integers(0, 100, size=n)
    checks = pd.DataFrame({
        "case": np.arange(n), "parameter": "combat.noise", "rank": ranks, "draws": 99,
        "in50": (ranks >= 25) & (ranks < 75), "in90": (ranks >= 5) & (ranks < 95),
        "width90": 0.5})
    s = summarise(checks, PRIOR.specs[:1])
    p = s["parameters"][0]
    assert abs(p["coverage50"] - 0.5) < 3 * p["se50"] and abs(p["coverage90"] - 0.9) < 0.06
    assert p["se90"] == pytest.approx(np.sqrt(p["coverage90"] * (1 - p["coverage90"]) / n))
    assert sum(p["rank_counts"]) == n and p["uniform_p"] > 0.01
    assert s["coverage90"] == pytest.approx(p["coverage90"])
