"""The map: the Kursk front as a grid of sectors, and the ground Ukraine holds on it.

Columns run along the border (axes of attack), rows in depth into Russia; Ukraine holds,
in each column, the sectors nearest the border (``BatchState.depth``). The fighting moves
the line (:mod:`sim.core.combat`); this module declares the map's parameters, lays out the
salient at the start, and reports the ground held and when Kursk is retaken.
"""

from __future__ import annotations

import numpy as np
from pydantic import model_validator

from sim.core.declarations import Event, Outcome, Part, Series
from sim.core.params import Section, param


class FrontSection(Section):
    """The coarse Kursk map: a grid of sectors, columns along the border, rows in depth."""

    sector_km2: float = param(
        25.0, ge=5, le=100, unit="km²", kind="assumption",
        source="design: 'sectors of a few tens of km²'",
        doc="Area of one map sector.",
    )
    columns: int = param(
        10, ge=2, le=40, unit="sectors", kind="assumption",
        source="modeller: ~50 km of front along the border at 5 km a sector",
        doc="Sectors along the border (axes of attack).",
    )
    rows: int = param(
        6, ge=1, le=20, unit="sectors", kind="assumption",
        source="modeller: ~30 km deepest penetration; grid of 10x6x25 km² = 1,500 km² "
        "covers the ~1,300 km² peak claimed by Ukraine's commander-in-chief (Aug 2024)",
        doc="Sectors in depth from the border into Russia.",
    )
    ukraine_held_km2: float = param(
        700.0, ge=0, le=10_000, unit="km²", kind="article",
        source="article: '1,000 square kilometers in August to 700 square kilometers now'",
        doc="Ukrainian-held area of Kursk at the start (late October 2024).",
    )
    unit_size: int = param(
        500, ge=50, le=5000, unit="personnel", kind="assumption",
        source="modeller: battalion-sized manoeuvre units",
        doc="Personnel per unit agent; smaller means more unit agents.",
    )

    @model_validator(mode="after")
    def _fits_the_map(self) -> FrontSection:
        """The salient held at the start must fit on the grid."""
        grid_km2 = self.columns * self.rows * self.sector_km2
        if self.ukraine_held_km2 > grid_km2:
            raise ValueError(
                f"ukraine_held_km2={self.ukraine_held_km2:g} exceeds the map "
                f"(columns*rows*sector_km2 = {grid_km2:g} km²)"
            )
        return self


def initial_depths(sectors: int, columns: int, rows: int) -> np.ndarray:
    """Spread ``sectors`` Ukrainian-held sectors over the columns, deepest in the middle.

    The salient was deepest along the Sudzha axis, in its middle; a triangular profile
    (largest-remainder rounding, capped at ``rows``) is the simplest shape with that property.
    """
    sectors = min(sectors, columns * rows)
    weights = 1.0 + np.minimum(np.arange(columns), np.arange(columns)[::-1])
    depth = np.zeros(columns, dtype=np.int64)
    remaining = sectors
    while remaining > 0:
        open_cols = depth < rows
        share = np.where(open_cols, weights, 0.0)
        ideal = remaining * share / share.sum()
        add = np.minimum(np.floor(ideal).astype(np.int64), rows - depth)
        if add.sum() == 0:  # hand out single sectors by largest remainder
            order = np.argsort(-(ideal - np.floor(ideal)), kind="stable")
            for c in order:
                if remaining and depth[c] < rows:
                    depth[c] += 1
                    remaining -= 1
            continue
        depth += add
        remaining -= int(add.sum())
    return depth


PART = Part(
    section="front", params=FrontSection,
    outcomes=(
        Outcome("kursk_retaken", "flag", "0/1", "Kursk fully retaken by the horizon",
                lambda s: (~np.isnan(s.retaken_week)).astype(np.int64)),
        Outcome("retaken_week", "week", "week",
                "week Kursk was fully retaken (NaN: not retaken)", lambda s: s.retaken_week),
        Outcome("ukraine_area_end_km2", "level", "km²",
                "Ukrainian-held area of Kursk at the horizon", lambda s: s.area),
    ),
    series=(Series("ukraine_area_km2", "km²", "Ukrainian-held area of Kursk",
                   lambda s: s.area),),
    events=(Event.rises(lambda s: ~np.isnan(s.retaken_week),
                        "Kursk fully retaken by Russian and North Korean forces"),),
)
"""The map as a part of the model (:mod:`sim.core.parts`)."""
