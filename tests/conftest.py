"""Shared fixtures: paths to the bundled scenarios and a small, fast scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.core.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")
