"""What the analysis commands look at unless told otherwise, and the check of the outcomes
they are told to look at. Nothing heavy is imported here, so that the CLI can use it
before it imports the analysis stack."""

from __future__ import annotations

from sim.errors import UserError

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


def check_outcomes(names: list[str]) -> None:
    """``--outcome``: numeric outcomes only (what distributions and indices are of)."""
    from sim.core.outcomes import NUMERIC
    from sim.core.params import did_you_mean

    for name in names:
        if name not in NUMERIC:
            raise UserError(f"--outcome: {name!r} is not a numeric outcome",
                            hint=did_you_mean(name, NUMERIC) or "one of " + ", ".join(NUMERIC))
