"""The calibration the defaults rest on: Russian forces alone take the Ukrainian-held
area from ~1,000 km² (August 2024) to ~700 km² (late October 2024), as the article says."""

from __future__ import annotations

from sim.core.precursor import OCTOBER_KM2, precursor_area
from sim.core.scenario import Scenario


def test_precursor_reproduces_the_article() -> None:
    areas = precursor_area(Scenario(), seeds=40)
    assert abs(areas.mean() - OCTOBER_KM2) <= 60, areas.mean()


def test_precursor_is_sensitive_to_the_calibrated_parameter() -> None:
    """A guard that the calibration test can fail: a much harder breakthrough leaves far
    more ground in Ukrainian hands."""
    hard = Scenario().with_overrides({"combat.breakthrough_ratio": 6.0})
    assert precursor_area(hard, seeds=20).mean() > OCTOBER_KM2 + 150
