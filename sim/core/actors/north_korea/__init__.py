"""North Korea: the 11th Army ("Storm Corps") deployment, Kim's prestige, and what comes
after Kursk.

Kim's prestige rides on how his soldiers fare (the article), or on the story the regime
tells (the record); he reinforces or draws down from prestige, from what Russia pays, or to
keep the force at strength: rival stories a scenario selects by name
(:mod:`~sim.core.actors.north_korea.commitment`). The Kursk contingent enters the line in a
vanguard and a main body, is pulled back after heavy losses and returns
(:mod:`~sim.core.actors.north_korea.deployment`). Once Kursk is retaken Pyongyang admits
the deployment, and its forces go home, stay in support roles or are committed inside
Ukraine proper (:mod:`~sim.core.actors.north_korea.after_kursk`). The disguise (troops
presented as Buryats and Yakuts, the article) makes the deployment visible to outsiders
only gradually (:func:`visibility`).

The package is one actor: its section (:mod:`~sim.core.actors.north_korea.section`), its
state (:mod:`~sim.core.actors.north_korea.state`), the rules above, and here its weekly
step and what it reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.actors.north_korea import after_kursk, commitment
from sim.core.actors.north_korea.after_kursk import fight_beyond_kursk
from sim.core.actors.north_korea.deployment import (
    enter,
    pull_back,
    pull_back_after_losses,
    send_wave,
)
from sim.core.actors.north_korea.section import NorthKoreaSection
from sim.core.actors.north_korea.state import (
    ROLE_UKRAINE,
    ROLES,
    NorthKoreaState,
    init,
    nk_mean_experience,
    vanguard_personnel,
    visibility,
)
from sim.core.declarations import Actor, Event, Outcome, Series

if TYPE_CHECKING:
    from sim.core.state import BatchState

__all__ = ["ACTOR", "ROLES", "ROLE_UKRAINE", "NorthKoreaSection", "NorthKoreaState",
           "enter", "fight_beyond_kursk", "nk_mean_experience", "pull_back", "send_wave",
           "vanguard_personnel", "visibility"]


def step(s: BatchState) -> None:
    """The week's rules, after the fighting: the admission (so that this week's prestige
    sees it), prestige, the pull-back after heavy losses, the after-Kursk choice and the
    homecoming, then (at decision weeks) a draw-down or a wave."""
    commitment.admit(s)
    commitment.update_prestige(s)
    pull_back_after_losses(s)
    after_kursk.step(s)
    commitment.decide(s)


_ROLE_EVENTS = {
    1: "North Korea brings its forces home from Russia",
    2: "North Korea's forces stay in Russia in support roles",
    3: "North Korean forces are committed inside Ukraine proper",
}


ACTOR = Actor(
    key="nk", name="North Korea", section="north_korea", params=NorthKoreaSection,
    state=NorthKoreaState, init=init, step=step,
    outcomes=(
        Outcome("nk_prestige_end", "level", "0-1", "Kim's prestige at the horizon",
                lambda s: s.nk.prestige),
        Outcome("nk_prestige_min", "level", "0-1", "Kim's lowest prestige during the run",
                lambda s: s.nk.prestige_min),
        Outcome("nk_waves", "count", "waves", "North Korean reinforcement waves sent",
                lambda s: s.nk.waves),
        Outcome("nk_drawdowns", "count", "count", "North Korean draw-downs",
                lambda s: s.nk.drawdowns),
        Outcome("nk_experience_end", "level", "0-1",
                "mean combat experience of North Korean units at the end", nk_mean_experience),
        Outcome("nk_troops_sent", "count", "personnel",
                "North Korean soldiers sent to Russia in all", lambda s: s.nk.sent),
        Outcome("nk_admission_week", "week", "week",
                "week Pyongyang admitted the deployment (NaN: never)",
                lambda s: s.nk.admission_week),
        Outcome("nk_after_kursk", "category", "category",
                "what North Korea's forces do after Kursk: home, support, ukraine (none: no "
                "choice, Kursk not retaken)", lambda s: np.array(ROLES, dtype=object)[s.nk.role]),
        Outcome("nk_after_kursk_week", "week", "week",
                "week the forces began their role after Kursk (NaN: never)",
                lambda s: s.nk.role_week),
    ),
    series=(
        Series("nk_troops_in_russia", "personnel",
               "North Korean soldiers deployed with Russia (in Russia or inside Ukraine)",
               lambda s: s.nk.troops_in_russia(s)),
        Series("nk_troops_in_kursk", "personnel",
               "North Korean soldiers sent to the Kursk front (in the line, waiting or "
               "resting)", lambda s: s.nk.troops_in_kursk(s)),
        Series("nk_troops_in_combat", "personnel",
               "North Korean soldiers fighting (the Kursk line, or inside Ukraine proper)",
               lambda s: s.nk.in_combat(s)),
        Series("nk_troops_resting", "personnel",
               "North Korean soldiers pulled off the line to rest and refit",
               NorthKoreaState.resting),
        Series("nk_in_contact", "0/1", "North Korean units fought Ukrainian forces this week",
               NorthKoreaState.in_contact),
        Series("nk_assaulting", "0/1",
               "the North Korean main body is committed to sustained assaults",
               lambda s: s.nk.assaulting.astype(float)),
        Series("nk_experience", "0-1",
               "mean combat experience of North Korean units in the line", nk_mean_experience),
        Series("nk_prestige", "0-1", "Kim's prestige", lambda s: s.nk.prestige),
        Series("nk_waves", "waves", "reinforcement waves sent", lambda s: s.nk.waves),
        Series("nk_troops_sent", "personnel",
               "North Korean soldiers sent to Russia, cumulative", lambda s: s.nk.sent),
        Series("nk_reinforcements_sent", "personnel",
               "North Korean soldiers sent in reinforcement waves, cumulative",
               lambda s: s.nk.reinforced),
        Series("nk_returns", "count",
               "times pulled-back North Korean units returned to the line, cumulative",
               lambda s: s.nk.returns),
        Series("nk_drawdowns", "count", "North Korean draw-downs, cumulative",
               lambda s: s.nk.drawdowns),
        Series("nk_admitted", "0/1", "Pyongyang has admitted the deployment",
               lambda s: s.nk.admitted(s)),
        Series("nk_role", "role 0-3",
               "what the forces do after Kursk: 0 none yet, 1 home, 2 support, 3 ukraine",
               lambda s: s.nk.role),
        Series("nk_troops_in_ukraine", "personnel",
               "North Korean soldiers committed inside Ukraine proper",
               lambda s: s.nk.troops_in_ukraine(s)),
    ),
    events=(
        Event.rises(lambda s: s.nk.deployed, "North Korean units enter combat in Kursk"),
        Event.rises(lambda s: s.nk.assaulting,
                    "North Korea's main body joins sustained assaults"),
        Event.rises(lambda s: s.nk.pullbacks,
                    "North Korean units are pulled back to rest after heavy losses"),
        Event.rises(lambda s: s.nk.returns, "North Korean units return to the line"),
        Event.rises(lambda s: s.nk.waves,
                    lambda waves: f"North Korea sends reinforcement wave {waves}"),
        Event.rises(lambda s: s.nk.drawdowns, "North Korea draws troops down"),
        Event.rises(lambda s: s.nk.admitted(s),
                    "North Korea admits the deployment and honours its fallen"),
        Event(lambda s: s.nk.role,
              lambda before, now: [_ROLE_EVENTS[now]] if now != before else []),
    ),
)
"""Pyongyang in the registry (:mod:`sim.core.actors`)."""
