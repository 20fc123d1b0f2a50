"""Escalation ladders and the escalation index.

South Korea's graded ladder follows the article: statements/sanctions, then non-lethal
aid, then defensive weapons to Kyiv, then offensive weapons "if the threshold is
exceeded". The West's ladder is public condemnation (Rutte's statement, in the article),
then increased support to Ukraine.

Escalation index, 0-100, one number per week::

    E = 100 * (w_rok * rung/4 + w_nk * nk_commit + w_tech * tech
               + w_nato * nato_rung/2 + w_desp * desperation) / (sum of weights)

with ``nk_commit = min(1, North Korean troops in Russia / nk_reference_troops)``. Every
term is on 0-1, so E is 0 when nobody has moved and 100 when every actor is at the top of
its ladder. Weights are scenario parameters (``[escalation]``).
"""

from __future__ import annotations

ROK_RUNGS: tuple[str, ...] = (
    "none",
    "statements",
    "nonlethal_aid",
    "defensive_weapons",
    "offensive_weapons",
)
"""South Korea's rungs, index = rung number."""

ROK_RUNG_EVENTS: tuple[str, ...] = (
    "",
    "South Korea issues statements and sanctions",
    "South Korea approves non-lethal aid to Ukraine",
    "South Korea approves defensive weapons for Ukraine",
    "South Korea approves offensive weapons for Ukraine",
)
"""What the event log says when South Korea first reaches each rung."""

NATO_RUNGS: tuple[str, ...] = ("none", "condemnation", "increased_support")
"""The West's rungs, index = rung number."""


def escalation_index(
    *,
    rok_rung: int,
    nk_troops: float,
    nk_reference_troops: float,
    tech: float,
    nato_rung: int,
    desperation: float,
    weights: tuple[float, float, float, float, float],
) -> float:
    """The weekly escalation index (0-100); see the module docstring for the formula."""
    w_rok, w_nk, w_tech, w_nato, w_desp = weights
    total = w_rok + w_nk + w_tech + w_nato + w_desp
    if total <= 0:
        return 0.0
    commit = min(1.0, nk_troops / nk_reference_troops) if nk_reference_troops > 0 else 0.0
    score = (
        w_rok * rok_rung / (len(ROK_RUNGS) - 1)
        + w_nk * commit
        + w_tech * tech
        + w_nato * nato_rung / (len(NATO_RUNGS) - 1)
        + w_desp * desperation
    )
    return 100.0 * score / total


def highest_rung(perception: float, thresholds: tuple[float, ...]) -> int:
    """The highest rung whose threshold perception has reached (0 if none)."""
    rung = 0
    for k, threshold in enumerate(thresholds, start=1):
        if perception >= threshold:
            rung = k
    return rung
