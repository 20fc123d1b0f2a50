"""What the analysis commands look at unless told otherwise. A module of constants with no
imports, so that the CLI can read them before it imports the analysis stack."""

from __future__ import annotations

KEY_OUTCOMES: list[str] = [
    "escalation_peak", "rok_max_rung", "ukraine_area_end_km2", "casualties_north_korea",
    "nk_prestige_min", "tech_level",
]
"""Outcomes analysed by default: escalation, the ladder, the front, the North's losses and
prestige, and the technology Seoul fears."""

EVENT = "offensive"
"""Scenario discovery's default event: South Korea sends offensive weapons."""

MIN_DENSITY = 0.75
"""PRIM's default least share of runs in the box with the event."""
