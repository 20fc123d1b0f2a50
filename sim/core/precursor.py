"""The precursor period: the pre-deployment Russian advance fitted to the article's figures.

The article: Russia reduced the Ukrainian-held area "from 1,000 square kilometers in
August to 700 square kilometers now" (late October 2024), before any North Korean unit
fought. :func:`precursor` builds that situation from a scenario (1,000 km² held, no North
Korean troops, ten weeks: mid-August to late October) and :func:`precursor_area` runs it
over many seeds. ``combat.attrition`` and ``combat.breakthrough_ratio`` carry the
``calibrated`` label because their defaults make that mean land near 700 km²
(tests/test_precursor.py holds it there).
"""

from __future__ import annotations

import numpy as np

from sim.core.engine import run_batch
from sim.core.scenario import Scenario

AUGUST_KM2 = 1_000.0
"""Ukrainian-held area in August 2024 (the article)."""
OCTOBER_KM2 = 700.0
"""Ukrainian-held area in late October 2024 (the article)."""
WEEKS_AUG_TO_OCT = 10
"""Mid-August to 28 October 2024, rounded to whole weeks."""


def precursor(scenario: Scenario) -> Scenario:
    """The same scenario set back to August 2024: 1,000 km² held, no North Koreans, no
    injects (they belong to the scenario's own weeks)."""
    return scenario.model_copy(update={"inject": []}).with_overrides(
        {
            "front.ukraine_held_km2": AUGUST_KM2,
            "north_korea.troops_to_kursk": 0,
            "north_korea.max_waves": 0,
            "weeks": WEEKS_AUG_TO_OCT - 1,  # a run plays weeks 0 to its horizon: ten weeks
        },
        origin="precursor",
    )


def precursor_area(scenario: Scenario, seeds: int = 40) -> np.ndarray:
    """Ukrainian-held area after the precursor period, one value per seed (0..seeds-1)."""
    pre = precursor(scenario)
    res = run_batch([pre] * seeds, np.arange(seeds), keep_series=False)
    return res.outcomes["ukraine_area_end_km2"]
