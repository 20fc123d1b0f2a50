"""North Korea's scenario section: the deployment, its stories and what comes after Kursk.

Every number with its unit, range and source (the record: ``shared/record-to-jan-2025.md``
and ``shared/record-feb-apr-2025.md``; the article: ``shared/seed-article.txt``). The two
mechanisms (``commitment`` and ``prestige_rule``) are categorical: a scenario names the
rule it believes, and a sweep or a calibration can weigh them against each other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from sim.core.params import Section, param


class NorthKoreaSection(Section):
    """Pyongyang: the 11th Army ('Storm Corps') deployment and Kim's prestige."""

    troops_in_russia: int = param(
        11_000, ge=0, le=100_000, unit="personnel", kind="reported",
        source="reported: ~10,000-12,000 (South Korean NIS, US DoD, late Oct-Nov 2024)",
        doc="North Korean troops sent to Russia in the first wave.",
    )
    troops_to_kursk: int = param(
        11_000, ge=0, le=100_000, unit="personnel", kind="reported",
        source="record: ~11,000 had moved to Kursk by late October (NIS, Nov 2024); up to "
        "8,000 (US Secretary of State, 31 Oct 2024); range 8,000-11,000",
        doc="Of those, the troops committed to the Kursk front.",
    )
    arrival_week: int = param(
        1, ge=0, le=52, unit="weeks", kind="reported",
        source="record: first contact with Ukrainian forces in week 1 (Ukraine's defence "
        "minister to KBS, 4-5 Nov 2024; US State Dept, 12 Nov: 'begun engaging'), weeks 1-2",
        doc="Week the first North Korean units (the vanguard) enter combat.",
    )
    vanguard_share: float = param(
        0.15, ge=0, le=1, unit="share", kind="assumption",
        source="modeller: a probing force of one or two battalions per axis before the main "
        "assault; the record has first contact in week 1 but sustained assaults only in week 6",
        doc="Share of the Kursk contingent in the line from arrival_week, before the main "
        "body joins the assault.",
    )
    assault_week: int = param(
        5, ge=0, le=52, unit="weeks", kind="reported",
        source="record: North Korean troops in sustained, large-scale assaults in weeks 5-7: "
        "first reported by ISW on 6 Dec 2024 (week 5), then the Pentagon (16 Dec: 'last "
        "week') and NIS (19 Dec)",
        doc="Week the main body of the Kursk contingent is committed to sustained assaults.",
    )
    troop_quality: float = param(
        0.8, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'well-equipped, highly trained mobile light infantry' "
        "(level is the modeller's; Russian line infantry = 0.5)",
        doc="Training quality of the Storm Corps units.",
    )
    initial_experience: float = param(
        0.0, ge=0, le=1, unit="0-1", kind="assumption",
        source="design brief: elite, but no recent combat experience (North Korea has fought "
        "no war since 1953)",
        doc="Combat experience on arrival.",
    )
    learning_rate: float = param(
        0.08, ge=0, le=1, unit="1/week", kind="assumption",
        source="modeller: experience closes ~8% of its gap per week in contact",
        doc="How fast experience grows with weeks in contact.",
    )
    coordination_penalty: float = param(
        0.3, ge=0, le=0.9, unit="share", kind="assumption",
        source="design: language barrier with Russian command",
        doc="Effectiveness lost to coordination at zero experience (shrinks with experience).",
    )
    drone_vulnerability: float = param(
        2.0, ge=1, le=4, unit="x casualties", kind="assumption",
        source="design: no experience of drone war",
        doc="Casualty multiplier at zero experience (shrinks to 1 with experience).",
    )
    disguise_weeks: int = param(
        4, ge=0, le=52, unit="weeks", kind="assumption",
        source="article: 'disguised as Buryats and Yakuts and sent to the front in civilian cars'",
        doc="Weeks over which the deployment stays (partly) deniable to outside observers.",
    )
    assault_exposure: float = param(
        4.0, ge=1, le=8, unit="x exposure", kind="calibrated",
        source="record: ~1,100 North Korean casualties by week 7 and ~3,000 by week 11 (NIS, "
        "JCS, 19 Dec 2024-13 Jan 2025) after sustained assaults began in week 6; the model "
        "without it gives a fifth of that",
        doc="How much more exposed to fire North Korean infantry is while assaulting (dense "
        "formations across open ground) at zero experience (the excess shrinks with "
        "experience): multiplies their share and their column's losses.",
    )
    capture_probability: float = param(
        0.0007, ge=0, le=0.05, unit="per casualty", kind="reported",
        source="record: two wounded soldiers captured alive by 11 Jan 2025 (a third died of "
        "wounds) against ~3,000 casualties (Zelensky; NIS): 2/3,000; soldiers were reported "
        "to avoid capture",
        doc="Probability that a North Korean casualty is taken prisoner alive.",
    )
    pullback_loss_share: float = param(
        0.35, ge=0, le=1, unit="share", kind="calibrated",
        source="record: units pulled off the line from mid-January 2025 (weeks 11-13) after "
        "heavy losses (NYT ~30 Jan; NIS 4 Feb), when ~3,000-4,000 of ~11,000 had been hit; the "
        "share is set so the model pulls back in weeks 11-13",
        doc="Share of the Kursk contingent lost since it last entered the line at which its "
        "units are pulled back to rest and refit (0: never).",
    )
    rest_weeks: int = param(
        4, ge=1, le=52, unit="weeks", kind="assumption",
        source="record: pulled off the line from mid-January 2025 (weeks 11-13), back at the "
        "front from the first week of February 'after about a month's lull' (NIS, 27 Feb; "
        "week 14)",
        doc="Weeks of fighting North Korean units miss once pulled back, before they return.",
    )
    initial_prestige: float = param(
        0.6, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'the prestige of the Pyongyang leader ... depends on the military "
        "cooperation with Putin'",
        doc="Kim's prestige at the start.",
    )
    prestige_casualty_sensitivity: float = param(
        1.0, ge=0, le=10, unit="prestige per casualty share", kind="assumption",
        source="article: 'a possible failure of his soldiers ... could damage his image'",
        doc="Prestige lost per share of the deployed force lost in a week.",
    )
    prestige_prisoner_sensitivity: float = param(
        0.002, ge=0, le=0.1, unit="prestige per prisoner", kind="assumption",
        source="modeller: a captured soldier is public proof of the deployment",
        doc="Prestige lost per North Korean prisoner.",
    )
    prestige_success_gain: float = param(
        0.4, ge=0, le=10, unit="prestige per area share", kind="assumption",
        source="article: prestige rides on how the soldiers fare",
        doc="Prestige gained per share of the initial Kursk area retaken while in contact.",
    )
    prestige_tech_gain: float = param(
        0.3, ge=0, le=5, unit="prestige per tech level", kind="assumption",
        source="article: Kim seeks 'access to Russian military technologies'",
        doc="Prestige gained per unit of technology level received.",
    )
    decision_interval_weeks: int = param(
        4, ge=1, le=26, unit="weeks", kind="assumption",
        source="modeller",
        doc="How often Pyongyang decides to reinforce, hold or draw down (weeks after "
        "arrival_week).",
    )
    wave_size: int = param(
        4_000, ge=0, le=50_000, unit="personnel", kind="assumption",
        source="modeller: half the first wave committed to Kursk",
        doc="Troops in each reinforcement wave.",
    )
    max_waves: int = param(
        2, ge=0, le=10, unit="waves", kind="assumption",
        source="modeller",
        doc="Most reinforcement waves Pyongyang will send.",
    )
    reinforce_prestige: float = param(
        0.45, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller",
        doc="Prestige at or above which Pyongyang considers reinforcing.",
    )
    drawdown_prestige: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller",
        doc="Prestige below which Pyongyang draws troops down.",
    )
    drawdown_share: float = param(
        0.5, ge=0, le=1, unit="share", kind="assumption",
        source="modeller",
        doc="Share of remaining troops withdrawn in a draw-down.",
    )

    commitment: Literal["prestige", "bargain", "sustain"] = param(
        "prestige", unit="category", kind="assumption",
        source="prestige: the article ('a possible failure of his soldiers ... could damage "
        "his image'); bargain: the record (~4,000 killed and wounded by February, yet a second "
        "wave, back in the line, no unit sent home, 15,000 sent by April) and the article "
        "(Kim sought 'leverage over Putin' and technology); sustain: the record's one wave of "
        "~3,000 came after ~3,000-4,000 losses, about their size",
        doc="What drives Pyongyang's decisions to reinforce or draw down (the mechanism's "
        "rules: sim/core/actors/north_korea/commitment.py).",
    )
    bargain_pay_sensitivity: float = param(
        1.0, ge=0, le=5, unit="per reward ratio", kind="assumption",
        source="modeller: under the bargain, the odds of a wave follow the pay, as the "
        "desperation term follows Russia's demand",
        doc="bargain: odds of a wave per unit of Russia's weekly reward flow relative to the "
        "first wave's pay (1: the same odds as the prestige rule at the first wave's pay).",
    )
    bargain_min_pay: float = param(
        0.1, ge=0, le=1, unit="reward ratio", kind="assumption",
        source="modeller: 'he draws down only if Russia stops paying' (a tenth of the first "
        "wave's pay: as good as stopped)",
        doc="bargain: reward flow (relative to the first wave's pay) below which Russia "
        "counts as having stopped paying, and Pyongyang draws down.",
    )
    sustain_loss_share: float = param(
        0.3, ge=0.05, le=1, unit="share", kind="assumption",
        source="record: the wave of ~3,000 (January-February 2025) followed ~3,000-4,000 "
        "casualties of the ~11,000 sent, about 0.3 of the contingent",
        doc="sustain: losses since the last wave, as a share of the troops sent to Kursk, "
        "at which Pyongyang sends a wave the size of those losses (at most wave_size).",
    )
    prestige_rule: Literal["performance", "narrative"] = param(
        "performance", unit="category", kind="assumption",
        source="performance: the article (prestige rides on how the soldiers fare); "
        "narrative: the record (the deployment denied until 28 Apr 2025, rumours of deaths "
        "threatened, then a monument to the fallen and Kim's public honours)",
        doc="What moves Kim's prestige (sim/core/actors/north_korea/commitment.py).",
    )
    prestige_reward_gain: float = param(
        0.2, ge=0, le=2, unit="prestige per year of pay", kind="assumption",
        source="article: Moscow 'will reward Kim with finance, food and fuel'; level is the "
        "modeller's",
        doc="narrative: prestige gained over a year of Russia's rewards at the first wave's "
        "pay (in proportion to the weekly reward flow).",
    )
    prestige_admission_gain: float = param(
        0.1, ge=0, le=0.5, unit="prestige", kind="assumption",
        source="record: the admission of 28 Apr 2025 came with a monument to the fallen and "
        "Kim's praise of their 'heroism'; level is the modeller's",
        doc="narrative: prestige gained once, when the deployment is admitted and the fallen "
        "honoured.",
    )
    admission_lag_weeks: int = param(
        1, ge=0, le=26, unit="weeks", kind="reported",
        source="record: Russia declared Kursk retaken on 26 Apr 2025 (week 25) and praised "
        "the North Korean troops; Pyongyang admitted the deployment on 28 Apr (week 26)",
        doc="Weeks after Kursk is retaken at which Pyongyang admits the deployment (a regime "
        "admits a foreign deployment once it can present it as a victory).",
    )
    after_kursk_lag_weeks: int = param(
        2, ge=0, le=26, unit="weeks", kind="assumption",
        source="modeller: orders for a new task take a few weeks once Kursk is retaken",
        doc="Weeks after Kursk is retaken at which Pyongyang's forces go home, stay in "
        "support roles or are committed inside Ukraine proper.",
    )
    support_pay_share: float = param(
        0.5, ge=0, le=1, unit="share of pay", kind="assumption",
        source="modeller: garrison, border duty, fire support and engineering are worth less "
        "to Moscow than assault troops",
        doc="Share of the per-soldier rewards Russia keeps paying for troops in support roles.",
    )
    ukraine_pay_premium: float = param(
        1.5, ge=1, le=3, unit="x pay", kind="assumption",
        source="modeller: a combat deployment inside Ukraine proper is a larger favour, and "
        "a larger risk for Pyongyang, than Kursk",
        doc="Multiplier on the per-soldier rewards for troops committed inside Ukraine proper.",
    )
    support_loss_rate: float = param(
        0.002, ge=0, le=0.05, unit="share/week", kind="assumption",
        source="modeller: border duty under drones and shelling, about a tenth of the Kursk "
        "rate (record: ~4,700 of 11,000-14,000 in ~20 weeks, ~2 %/week)",
        doc="Weekly casualties of troops in support roles in Russia, as a share of them.",
    )
    ukraine_loss_rate: float = param(
        0.015, ge=0, le=0.1, unit="share/week", kind="assumption",
        source="modeller: the order of the Kursk rate (record: ~2 %/week of the contingent "
        "while it fought), less the pull-backs",
        doc="Weekly casualties of troops committed inside Ukraine proper, as a share of them, "
        "at Ukraine's starting equipment (they grow with it).",
    )
    loss_aversion: float = param(
        10.0, ge=0, le=50, unit="utility per share lost", kind="assumption",
        source="modeller: under the prestige and sustain rules the expected losses of a role "
        "weigh on the choice; under the bargain they are absorbed by the regime's narrative "
        "(weight 0)",
        doc="Weight of a role's expected losses over the next 26 weeks (as a share of the "
        "force) in the after-Kursk choice.",
    )
    home_weeks: int = param(
        4, ge=1, le=26, unit="weeks", kind="assumption",
        source="modeller: rail and air transport of ~10,000 soldiers home",
        doc="Weeks over which the force is brought home once Pyongyang chooses to.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> NorthKoreaSection:
        """Parameters that bound one another (checked for injects and policies too)."""
        if self.troops_to_kursk > self.troops_in_russia:
            raise ValueError("troops_to_kursk must not exceed troops_in_russia")
        if self.drawdown_prestige > self.reinforce_prestige:
            raise ValueError("drawdown_prestige must not exceed reinforce_prestige")
        if self.assault_week < self.arrival_week:
            raise ValueError("assault_week must not come before arrival_week")
        return self
