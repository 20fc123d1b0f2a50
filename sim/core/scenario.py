"""Scenario schema, loading, validation and dotted overrides.

A scenario is a TOML file. Every parameter has a type, a unit, a range, a default and a
source (see :mod:`sim.core.params`); unknown keys, wrong types and out-of-range values raise
:class:`ScenarioError`, whose message names the file, the field and what was expected. The
CLI turns that error into exit code 2.

Sources quoted below: "article" is ``shared/seed-article.txt`` (late October 2024);
"reported" figures are those in ``shared/sources.md`` with who reported them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import math
import re
import reprlib
import tomllib
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.core.injects import Inject
from sim.core.params import did_you_mean, param
from sim.core.policies import Policy
from sim.errors import ScenarioError

MAX_SCENARIO_BYTES = 1_000_000
"""Largest scenario file read (the bundled ones are a few kB): a bigger file is refused at
once instead of being parsed for minutes."""
MAX_DEPTH = 16
"""Deepest nesting of tables and lists a scenario may have (the schema needs 4)."""
MAX_ERRORS_SHOWN = 6
"""Problems listed in one message; the rest are counted (a file with hundreds of unknown
keys gets a short message)."""
MAX_NAME_LENGTH = 80
"""Longest scenario name: it becomes a folder name (results/<name>-<seed>)."""

# Strict types: a number written as text ("0.9") or a boolean is refused for a numeric
# field instead of being converted; TOML gives each value its own type, so a value of the
# wrong type is a mistake in the file.
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class _Section(BaseModel):
    model_config = _STRICT


class Front(_Section):
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


class NorthKorea(_Section):
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
        source="record: North Korean troops in sustained, large-scale assaults in week 6 (ISW, "
        "6 Dec 2024; Pentagon, 16 Dec; NIS, 19 Dec), weeks 5-7",
        doc="Week the main body of the Kursk contingent is committed to sustained assaults "
        "(the assault fought in week 5 shows in the state at week 6, as reported).",
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
        "formations across open ground): multiplies their share and their column's losses.",
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
        source="modeller: rest and refit before returning to the line (no return was reported "
        "by 31 Jan 2025)",
        doc="Weeks North Korean units spend off the line before they return.",
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
        doc="How often Pyongyang decides to reinforce, hold or draw down.",
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


class Russia(_Section):
    """Moscow: forces in Kursk, desperation, and the reward package to Pyongyang."""

    troops_kursk: int = param(
        30_000, ge=0, le=200_000, unit="personnel", kind="assumption",
        source="modeller: order of the ~30,000 Russian troops Ukraine's commander-in-chief "
        "said were redeployed to Kursk (Aug 2024); not in sources.md, swept widely",
        doc="Russian troops on the Kursk front at the start.",
    )
    troop_quality: float = param(
        0.5, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller: reference level", doc="Training quality of Russian units.",
    )
    experience: float = param(
        0.6, ge=0, le=1, unit="0-1", kind="assumption",
        source="modeller: units in the war since 2022", doc="Combat experience of Russian units.",
    )
    replacement_rate: float = param(
        0.5, ge=0, le=2, unit="share of losses/week", kind="assumption",
        source="modeller", doc="Share of last week's losses replaced (scaled by desperation).",
    )
    initial_desperation: float = param(
        0.5, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: NATO's Rutte on Putin's 'growing desperation' (level is the modeller's)",
        doc="Desperation at the start.",
    )
    desperation_area_weight: float = param(
        0.6, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of Ukrainian-held area (relative to the start) in desperation.",
    )
    desperation_loss_weight: float = param(
        0.4, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of recent Russian losses in desperation.",
    )
    finance_usd_per_soldier_month: float = param(
        2_000.0, ge=0, le=20_000, unit="USD/soldier/month", kind="reported",
        source="record: ~$2,000 a month per soldier, mostly kept by the state (NIS), range "
        "$800-2,300; the article: Moscow 'will reward Kim with finance'",
        doc="Cash paid to Pyongyang per deployed soldier.",
    )
    food_tonnes_per_1000_week: float = param(
        40.0, ge=0, le=1_000, unit="t/1000 troops/week", kind="assumption",
        source="article: reward 'with ... food'; amount is the modeller's",
        doc="Food shipped per 1,000 deployed soldiers per week.",
    )
    fuel_barrels_week: float = param(
        29_000.0, ge=0, le=500_000, unit="barrels/week", kind="reported",
        source="reported: over 1 million barrels of oil Mar-Nov 2024 (~35 weeks), open-source "
        "satellite analysis (Nov 2024)",
        doc="Baseline oil shipments to North Korea.",
    )
    fuel_barrels_per_1000_week: float = param(
        2_000.0, ge=0, le=50_000, unit="barrels/1000 troops/week", kind="assumption",
        source="article: reward 'with ... fuel'; increment is the modeller's",
        doc="Extra oil per 1,000 deployed soldiers per week.",
    )
    tech_transfer_rate: float = param(
        0.01, ge=0, le=0.2, unit="tech level/week per 10,000 troops", kind="assumption",
        source="article: 'possibly give him access to Russian military technologies'; "
        "sources.md: space, missile, submarine, air defence named",
        doc="Technology level transferred per week at full commitment and desperation.",
    )


class Ukraine(_Section):
    """Kyiv's Kursk grouping."""

    troops_kursk: int = param(
        12_000, ge=0, le=100_000, unit="personnel", kind="assumption",
        source="modeller: several brigades; not in sources.md, swept widely",
        doc="Ukrainian troops holding the Kursk salient at the start.",
    )
    troop_quality: float = param(
        0.6, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Training quality of Ukrainian units.",
    )
    experience: float = param(
        0.8, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Combat experience of Ukrainian units.",
    )
    western_support: float = param(
        1.0, ge=0, le=3, unit="x equipment", kind="assumption", source="modeller: reference",
        doc="Equipment multiplier from Western support at the start.",
    )
    replacement_rate: float = param(
        0.8, ge=0, le=2, unit="share of losses/week", kind="calibrated",
        source="calibrated: with it the model keeps ~450 km² Ukrainian-held at week 11, as "
        "the record has it (DeepState, Russian MoD, mid-January 2025); Ukraine kept feeding "
        "units into the salient",
        doc="Share of last week's losses replaced.",
    )
    rok_defensive_boost: float = param(
        0.05, ge=0, le=1, unit="x equipment", kind="assumption",
        source="article: Seoul 'will consider sending defensive weapons to Kiev'",
        doc="Equipment gain once South Korea sends defensive weapons.",
    )
    rok_offensive_boost: float = param(
        0.15, ge=0, le=2, unit="x equipment", kind="assumption",
        source="article: 'if the threshold is exceeded, offensive weapons may also be sent'",
        doc="Further equipment gain once South Korea sends offensive weapons.",
    )


class SouthKorea(_Section):
    """Seoul: threat perception, the graded ladder, and covert diplomacy."""

    initial_rung: int = param(
        2, ge=0, le=4, unit="rung 0-4", kind="reported",
        source="record: demining vehicles, body armour and gas masks sent since 2022-23, "
        "'not a reaction to the deployment': Seoul stands on the non-lethal aid rung at week 0",
        doc="The ladder rung Seoul stands on before the deployment (2: non-lethal aid).",
    )
    crisis_week: int = param(
        5, ge=0, le=520, unit="week", kind="reported",
        source="record: martial law declared and lifted on 3 Dec 2024 (week 5), the President "
        "impeached on 14 Dec; 'the weapons question froze'",
        doc="Week a domestic crisis in Seoul freezes the ladder.",
    )
    crisis_weeks: int = param(
        16, ge=0, le=520, unit="weeks", kind="assumption",
        source="modeller: an acting government makes no new commitments until the crisis is "
        "resolved; how long that would take was unknown in January 2025 (0: no crisis)",
        doc="Weeks the ladder stays frozen from crisis_week.",
    )
    initial_perception: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Threat perception at the start.",
    )
    perception_rate: float = param(
        0.3, ge=0.01, le=1, unit="1/week", kind="assumption", source="modeller",
        doc="Share of the gap to the perceived threat closed each week.",
    )
    weight_troops: float = param(
        0.35, ge=0, le=2, unit="per 10,000 troops", kind="assumption",
        source="article: 'the threat could prompt South Korea to increase its support'",
        doc="Perceived threat per 10,000 North Korean troops seen deployed.",
    )
    weight_experience: float = param(
        0.25, ge=0, le=2, unit="per experience", kind="assumption",
        source="design: combat experience the North gains",
        doc="Perceived threat from the North's mean combat experience.",
    )
    weight_tech: float = param(
        0.6, ge=0, le=3, unit="per tech level", kind="assumption",
        source="article: Seoul feared 'Russia could provide Pyongyang with advanced technology'",
        doc="Perceived threat per unit of technology transferred to the North.",
    )
    statement_threshold: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Perception to issue statements and sanctions (rung 1).",
    )
    nonlethal_threshold: float = param(
        0.3, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Perception to send non-lethal aid (rung 2).",
    )
    defensive_threshold: float = param(
        0.45, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'Seoul will consider sending defensive weapons' (level is the modeller's)",
        doc="Perception to send defensive weapons to Ukraine (rung 3).",
    )
    offensive_threshold: float = param(
        0.65, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'if the threshold is exceeded, offensive weapons may also be sent'",
        doc="Perception to send offensive weapons to Ukraine (rung 4).",
    )
    delivery_weeks: int = param(
        4, ge=0, le=52, unit="weeks", kind="assumption", source="modeller",
        doc="Weeks between approving a weapons rung and the weapons reaching Ukrainian units.",
    )
    diplomacy_effort: float = param(
        0.5, ge=0, le=1, unit="0-1", kind="assumption",
        source="article: 'increase covert diplomacy with China and Russia'",
        doc="Intensity of covert diplomacy with Beijing and Moscow.",
    )
    diplomacy_damping: float = param(
        0.25, ge=0, le=1, unit="share", kind="assumption", source="modeller",
        doc="Share of the perceived threat that fully successful diplomacy removes.",
    )
    diplomacy_threshold_raise: float = param(
        0.1, ge=0, le=0.5, unit="0-1", kind="assumption", source="modeller",
        doc="How far fully successful diplomacy raises every rung's threshold.",
    )


class China(_Section):
    """Beijing: pressure for restraint on Pyongyang and Moscow."""

    restraint_base: float = param(
        0.2, ge=0, le=1, unit="0-1", kind="assumption", source="modeller",
        doc="Baseline pressure for restraint.",
    )
    restraint_sensitivity: float = param(
        0.5, ge=0, le=2, unit="per escalation", kind="assumption", source="modeller",
        doc="Extra pressure per unit of last week's escalation index (0-1).",
    )
    receptiveness: float = param(
        0.4, ge=0, le=1, unit="0-1", kind="assumption",
        source="sources.md: China and Russia as North Korea's most important partners",
        doc="How far Beijing responds to Seoul's covert diplomacy.",
    )
    restraint_effect: float = param(
        0.5, ge=0, le=1, unit="share", kind="assumption", source="modeller",
        doc="Share by which full pressure cuts reinforcement odds and technology transfer.",
    )


class Nato(_Section):
    """NATO/US: statements and Western support to Ukraine."""

    support_trigger_troops: int = param(
        1_500, ge=0, le=100_000, unit="personnel", kind="calibrated",
        source="record: the US allowed ATACMS strikes into Kursk in week 3 (17 Nov 2024), "
        "citing the North Korean troops, two weeks after first contact",
        doc="North Korean troops seen in combat at which the West raises support (rung 2).",
    )
    support_increase: float = param(
        0.1, ge=0, le=2, unit="x equipment", kind="assumption", source="modeller",
        doc="Equipment gain for Ukraine when the West raises support.",
    )


class Combat(_Section):
    """Attrition and breakthrough on contested sectors."""

    law: Literal["square", "linear"] = param(
        "square", unit="category", kind="assumption",
        source="modeller: aimed (drone-spotted) fire -> Lanchester square law; 'linear' "
        "(area fire) is the alternative to sweep",
        doc="Lanchester law for weekly attrition.",
    )
    attrition: float = param(
        0.01, ge=0, le=0.5, unit="casualties/effective strength/week", kind="calibrated",
        source="calibrated: 1,000 -> 700 km² Aug-Oct 2024 (article) with Russian forces only",
        doc="Weekly casualties inflicted per unit of effective enemy strength.",
    )
    defence_multiplier: float = param(
        2.5, ge=1, le=5, unit="x", kind="assumption",
        source="modeller: prepared positions; attackers lose more than defenders",
        doc="Defender's firepower advantage.",
    )
    breakthrough_ratio: float = param(
        3.2, ge=1, le=10, unit="ratio", kind="calibrated",
        source="calibrated: 1,000 -> 700 km² Aug-Oct 2024 (article), with Ukraine replacing "
        "80 % of its losses",
        doc="Attacker/defender effective-strength ratio at which a week's fighting gains half "
        "a sector (the fog-blurred ratio passes it half the time).",
    )
    counterattack_ratio: float = param(
        3.0, ge=1, le=10, unit="ratio", kind="assumption", source="modeller",
        doc="Defender/attacker ratio at which Ukraine's counter-attacks win back half a "
        "sector a week.",
    )
    noise: float = param(
        0.35, ge=0, le=2, unit="log-sd", kind="assumption", source="modeller",
        doc="Fog of war (log-normal sd): how sharply the weekly gain rises with the force "
        "ratio, and how much a week's gain varies around its expectation.",
    )
    morale_recovery: float = param(
        0.1, ge=0, le=1, unit="1/week", kind="assumption", source="modeller",
        doc="Share of lost morale a unit recovers each week.",
    )


class Escalation(_Section):
    """Weights of the escalation index (documented in the README)."""

    weight_rok: float = param(
        0.3, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of South Korea's rung (0-4, scaled to 0-1).",
    )
    weight_nk: float = param(
        0.2, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of North Korean commitment (waves sent and troops in combat).",
    )
    weight_tech: float = param(
        0.2, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of Russian technology transferred to the North.",
    )
    weight_nato: float = param(
        0.1, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of the West's rung (0-2, scaled to 0-1).",
    )
    weight_desperation: float = param(
        0.2, ge=0, le=1, unit="weight", kind="assumption", source="modeller",
        doc="Weight of Russian desperation.",
    )
    nk_reference_troops: int = param(
        30_000, ge=1, le=200_000, unit="personnel", kind="assumption",
        source="modeller: about three times the reported first wave (10,000-12,000)",
        doc="North Korean troops in Russia at which its commitment term reaches 1.",
    )


class SweepRange(BaseModel):
    """An uncertain parameter's plausible range: ``low``/``high`` (numbers) or ``values``."""

    model_config = _STRICT

    low: float | None = None
    high: float | None = None
    levels: int | None = None
    values: list[str | float | int] | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _no_booleans(cls, v: Any) -> Any:
        if isinstance(v, list) and any(isinstance(x, bool) for x in v):
            raise ValueError(f"values: expected numbers or text, got {_short(v)}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> SweepRange:
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low/high or values, not both")
            if not self.values:
                raise ValueError("values must not be empty")
            if len({isinstance(v, str) for v in self.values}) > 1:
                raise ValueError(f"values mix text and numbers: {_short(self.values)}")
            return self
        if self.low is None or self.high is None:
            raise ValueError("expected low and high (numbers) or values (a list)")
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        if self.levels is not None and self.levels < 2:
            raise ValueError("levels must be at least 2")
        return self


class Scenario(BaseModel):
    """One complete, validated scenario."""

    model_config = _STRICT

    name: str = "defaults"
    description: str = ""
    weeks: int = param(
        52, ge=1, le=520, unit="weeks", kind="assumption",
        source="design: about a year from late October 2024", doc="Horizon of a run.",
    )
    start_date: str = param(
        "2024-10-28", unit="date", kind="article",
        source="article: late October 2024", doc="Calendar date of week 0.",
    )
    front: Front = Front()
    north_korea: NorthKorea = NorthKorea()
    russia: Russia = Russia()
    ukraine: Ukraine = Ukraine()
    south_korea: SouthKorea = SouthKorea()
    china: China = China()
    nato: Nato = Nato()
    combat: Combat = Combat()
    escalation: Escalation = Escalation()
    sweep: dict[str, SweepRange] = {}
    levers: dict[str, SweepRange] = {}
    policies: dict[str, Policy] = {}
    inject: list[Inject] = []

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        grid_km2 = self.front.columns * self.front.rows * self.front.sector_km2
        if self.front.ukraine_held_km2 > grid_km2:
            raise ValueError(
                f"front.ukraine_held_km2={self.front.ukraine_held_km2:g} exceeds the map "
                f"(columns*rows*sector_km2 = {grid_km2:g} km²)"
            )
        if self.north_korea.troops_to_kursk > self.north_korea.troops_in_russia:
            raise ValueError(
                "north_korea.troops_to_kursk must not exceed north_korea.troops_in_russia"
            )
        sk = self.south_korea
        rungs = [
            sk.statement_threshold, sk.nonlethal_threshold,
            sk.defensive_threshold, sk.offensive_threshold,
        ]
        if any(b < a for a, b in itertools.pairwise(rungs)):
            raise ValueError(
                "south_korea thresholds must rise rung by rung: statement <= nonlethal "
                f"<= defensive <= offensive, got {rungs}"
            )
        if self.north_korea.drawdown_prestige > self.north_korea.reinforce_prestige:
            raise ValueError(
                "north_korea.drawdown_prestige must not exceed north_korea.reinforce_prestige"
            )
        if self.north_korea.assault_week < self.north_korea.arrival_week:
            raise ValueError(
                "north_korea.assault_week must not come before north_korea.arrival_week"
            )
        self._check_moves()
        return self

    def _check_moves(self) -> None:
        """Injects fire inside the horizon and change parameters a run can change; levers
        are parameters that are not also uncertainties; policies set levers."""
        start = dt.date.fromisoformat(str(self.start_date))
        injects = []
        for i, inj in enumerate(self.inject):
            try:
                inj = inj.at_week(start)
            except ValueError as exc:
                raise ValueError(f"inject[{i}]: {exc}") from None
            if inj.week >= self.weeks:
                raise ValueError(f"inject[{i}]: week {inj.week} is past the horizon "
                                 f"({self.weeks} weeks)")
            for name in inj.set:
                check_changeable(name, f"inject[{i}].set")
            injects.append(inj)
        self.inject = injects
        if any(i.set for i in injects):  # the values, applied in week order, must validate
            later: dict[str, Any] = {}
            for inj in sorted(injects, key=lambda i: i.week):
                later.update(inj.set)
            try:
                self.model_copy(update={"inject": [], "policies": {}}).with_overrides(
                    later, origin="inject")
            except ScenarioError as exc:
                msg = exc.message.removeprefix("inject: ").removeprefix("(document): ")
                raise ValueError(f"inject set (the changes, in week order): {msg}") from None
        for name in self.levers:
            check_changeable(name, "levers")
            if name in self.sweep:
                raise ValueError(f"levers: '{name}' is also in [sweep]: a parameter is either "
                                 "a choice (lever) or an uncertainty, not both")
            try:
                check_sweep_range(name, self.levers[name])
            except ValueError as exc:
                raise ValueError(f"levers: {exc}") from None
        for pname, policy in self.policies.items():
            if not _SLUG.match(pname):
                raise ValueError(f"policies: name '{pname}' must be letters, digits, '-' or "
                                 "'_'")
            for name in policy.set:
                check_changeable(name, f"policies.{pname}.set")
                if self.levers and name not in self.levers:
                    raise ValueError(f"policies.{pname}.set: '{name}' is not a lever "
                                     f"(levers: {', '.join(self.levers)})")

    @field_validator("sweep")
    @classmethod
    def _sweep(cls, v: dict[str, SweepRange]) -> dict[str, SweepRange]:
        for dotted, rng in v.items():
            check_sweep_range(dotted, rng)
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_slug(v)

    @field_validator("start_date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        # A TOML date (start_date = 2024-10-28, unquoted) is a date: accept it as such.
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v.isoformat()
        if isinstance(v, str):
            try:
                dt.date.fromisoformat(v)
            except ValueError as exc:
                raise ValueError("expected an ISO date such as 2024-10-28") from exc
        return v

    def with_overrides(self, overrides: dict[str, Any], origin: str = "--set") -> Scenario:
        """A copy with dotted parameters replaced, validated as if written in the file."""
        data = self.model_dump()
        for dotted, value in overrides.items():
            _set_dotted(data, dotted, value, origin)
        return validate_scenario(data, origin)

    def with_injects(self, injects: list[dict[str, Any]], origin: str = "--inject"
                     ) -> Scenario:
        """A copy with more injects (tables as in ``[[inject]]``), validated."""
        data = self.model_dump()
        data["inject"] = [*data["inject"], *injects]
        return validate_scenario(data, origin)

    def digest(self) -> str:
        """A short hash of the resolved parameters (not the file's formatting)."""
        text = self.model_dump_json(exclude={"sweep"})
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FIXED = ("weeks", "start_date")
"""Parameters a run cannot change once it started: its horizon, its calendar, its map."""


def check_changeable(name: str, where: str) -> None:
    """A parameter that injects, levers and policies may set."""
    if name not in parameter_names():
        hint = did_you_mean(name, parameter_names())
        raise ValueError(f"{where}: '{_short(name)}' is not a parameter"
                         + (f" ({hint})" if hint else ""))
    if name in _FIXED or name.startswith("front."):
        raise ValueError(f"{where}: '{name}' is fixed when a run starts (the horizon, the "
                         "calendar and the map cannot change mid-run)")


SECTIONS: dict[str, type[_Section]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in Scenario.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, _Section)
}


def parameter_names() -> list[str]:
    """All dotted parameter names a scenario accepts (``weeks``, ``front.sector_km2``, ...)."""
    names = ["weeks", "start_date"]
    for section, cls in SECTIONS.items():
        names += [f"{section}.{f}" for f in cls.model_fields]
    return names


def parameter_info(dotted: str) -> dict[str, Any]:
    """Type, bounds, unit, source and doc of one dotted parameter."""
    if dotted not in parameter_names():
        raise ScenarioError(f"unknown parameter '{dotted}'", hint=_suggest(dotted))
    field = _field(dotted)
    info: dict[str, Any] = {"name": dotted, "default": field.default, "doc": field.description}
    info.update(field.json_schema_extra or {})  # type: ignore[arg-type]
    info["type"] = getattr(field.annotation, "__name__", str(field.annotation))
    for meta in field.metadata:
        for bound in ("ge", "le", "gt"):
            if getattr(meta, bound, None) is not None:
                info[bound] = getattr(meta, bound)
    if "Literal" in str(field.annotation):
        info["type"] = "category"
        info["choices"] = list(field.annotation.__args__)  # type: ignore[union-attr]
    return info


def get_dotted(scenario: Scenario, dotted: str) -> Any:
    """The resolved value of a dotted parameter."""
    obj: Any = scenario
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, validate and (optionally) override a scenario file.

    Raises :class:`ScenarioError` for a missing file, bad TOML or an invalid parameter;
    nothing else escapes for any input document.
    """
    path = Path(path)
    text = read_scenario_text(path)
    scenario = parse_scenario(text, str(path), default_name=path.stem)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin=f"{path} (--set)")
    return scenario


def read_scenario_text(path: Path) -> str:
    """The text of a scenario file, refusing what is not one: a missing path, a folder, a
    device or pipe, a file over :data:`MAX_SCENARIO_BYTES`, bytes that are not UTF-8."""
    try:
        if path.is_dir():
            raise ScenarioError(f"{path}: is a folder, expected a scenario file (.toml)")
        if not path.exists():
            raise ScenarioError(f"{path}: no such scenario file")
        if not path.is_file():
            raise ScenarioError(f"{path}: not a regular file, expected a scenario file (.toml)")
        with path.open("rb") as fh:
            data = fh.read(MAX_SCENARIO_BYTES + 1)
    except ValueError as exc:  # a NUL byte in the path
        raise ScenarioError(f"{path!r}: not a usable file name ({exc})") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_SCENARIO_BYTES:,} bytes; a scenario "
                            "file is a few kB", hint="is this the right file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from None


def parse_scenario(text: str, origin: str, default_name: str = "unnamed") -> Scenario:
    """Validate a scenario from TOML text; ``origin`` names it in error messages."""
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{origin}: larger than {MAX_SCENARIO_BYTES:,} characters")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{origin}: nested more than {MAX_DEPTH} levels deep") from None
    data.setdefault("name", default_name)
    return validate_scenario(data, origin)


def _depth(data: Any) -> int:
    """How deeply tables and lists nest (iteratively: no recursion on hostile input)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(node, dict):
            stack += [(v, d + 1) for v in node.values()]
        elif isinstance(node, list):
            stack += [(v, d + 1) for v in node]
    return deepest


def validate_scenario(data: dict[str, Any], origin: str) -> Scenario:
    """Validate a nested dict, turning pydantic's errors into one readable message."""
    if _depth(data) > MAX_DEPTH:
        raise ScenarioError(f"{origin}: nested more than {MAX_DEPTH} levels deep")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, origin)) from None
    except (RecursionError, OverflowError) as exc:  # pathological nesting or numbers
        raise ScenarioError(f"{origin}: cannot read the document ({exc})") from None


def parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax where it parses (numbers, booleans), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, KeyError):
        return text


def check_slug(name: str) -> str:
    """A scenario name that is safe as a folder name: no path separator, no leading dot (so
    no ``.`` or ``..``), no ``..``, no control characters, at most
    :data:`MAX_NAME_LENGTH` characters."""
    if not name.strip():
        raise ValueError("expected a name (it names the result folder)")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"longer than {MAX_NAME_LENGTH} characters (it names the result "
                         "folder)")
    bad = [c for c in name if c in "/\\:" or unicodedata.category(c)[0] == "C"]
    if bad or name.startswith(".") or ".." in name or name != name.strip():
        shown = repr(bad[0]) if bad else "a leading dot, '..' or outer spaces"
        raise ValueError(f"{name!r} cannot name a folder ({shown}); use letters, digits, "
                         "'-' and '_'")
    return name


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``['a.b=1', ...]`` to ``{'a.b': 1}``; a malformed item raises ScenarioError."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set {item!r}: expected dotted.name=value")
        key, _, value = item.partition("=")
        out[key.strip()] = parse_value(value.strip())
    return out


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, origin: str) -> None:
    if dotted not in parameter_names():
        raise ScenarioError(
            f"{origin}: {_short(dotted)}: unknown parameter", hint=_suggest(dotted)
        )
    node = data
    *parents, leaf = dotted.split(".")
    for p in parents:
        node = node[p]
    node[leaf] = value


@functools.cache
def _sweepable() -> tuple[str, ...]:
    return tuple(n for n in parameter_names()
                 if parameter_info(n)["type"] in ("int", "float", "category"))


def sweepable_names() -> list[str]:
    """Parameters a sweep can vary: every number and every category of the schema."""
    return list(_sweepable())


def check_sweep_range(dotted: str, rng: SweepRange) -> str:
    """The one check of a swept parameter (a scenario's ``[sweep]`` entry and ``--param``
    alike), driven by the schema: the name exists and can be swept, a category takes
    values among its choices, numbers stay within the parameter's bounds and have its type.
    Returns the kind to sweep it as: 'float', 'int' or 'category' (a list of values).
    Raises ValueError with a message that names the parameter."""
    if dotted not in sweepable_names():
        hint = did_you_mean(dotted, sweepable_names())
        raise ValueError(f"'{_short(dotted)}' is not a parameter that can be swept"
                         + (f" ({hint})" if hint else ""))
    info = parameter_info(dotted)
    if rng.values is not None:
        for v in rng.values:
            check_parameter_value(dotted, v)
        return "category"
    if info["type"] == "category":
        raise ValueError(f"{dotted} is a category: give its values, e.g. "
                         f"values = {list(info.get('choices', []))}")
    lo, hi = info.get("ge", info.get("gt", -math.inf)), info.get("le", math.inf)
    assert rng.low is not None and rng.high is not None
    if rng.low < lo or rng.high > hi or ("gt" in info and rng.low <= info["gt"]):
        raise ValueError(
            f"{dotted}: range {rng.low:g}:{rng.high:g} leaves the parameter's bounds "
            f"{lo:g}:{hi:g}"
        )
    return info["type"]


@functools.cache
def _adapter(dotted: str) -> TypeAdapter:
    field = _field(dotted)
    annotation = (Annotated[field.annotation, *field.metadata]  # type: ignore[name-defined]
                  if field.metadata else field.annotation)
    return TypeAdapter(annotation, config=ConfigDict(strict=True, allow_inf_nan=False))


def check_parameter_value(dotted: str, value: Any) -> Any:
    """Validate one value of one parameter on its own (type and bounds, strictly); raises
    ValueError naming the parameter and what was expected."""
    try:
        return _adapter(dotted).validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"{dotted}: {_error_text(exc.errors()[0])}") from None


def _field(dotted: str) -> Any:
    if "." in dotted:
        section, name = dotted.split(".", 1)
        return SECTIONS[section].model_fields[name]
    return Scenario.model_fields[dotted]


def _short(value: Any, limit: int = 60) -> str:
    """A bounded repr of any value, however large or deeply nested."""
    r = reprlib.Repr(maxlevel=3, maxstring=limit, maxother=limit, maxlist=6, maxdict=6)
    text = r.repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[:limit - 3] + "..."


_MESSAGES = {
    "greater_than_equal": "expected a value >= {ge}",
    "less_than_equal": "expected a value <= {le}",
    "greater_than": "expected a value > {gt}",
    "less_than": "expected a value < {lt}",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "string_type": "expected text",
    "literal_error": "expected one of {expected}",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "list_type": "expected a list",
    "missing": "missing",
}


def _error_text(err: Any) -> str:
    """One pydantic error as plain words, with the offending value (bounded)."""
    etype = err["type"]
    if etype == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
    elif etype in _MESSAGES:
        try:
            msg = _MESSAGES[etype].format(**err.get("ctx", {}))
        except (KeyError, IndexError):
            msg = err["msg"]
    else:
        msg = err["msg"]
    if etype not in ("extra_forbidden", "missing", "value_error") and "input" in err:
        got = err["input"]
        msg += f", got {_short(repr(got) if isinstance(got, str) else got)}"
    return msg


def format_errors(exc: ValidationError, origin: str) -> str:
    errors = exc.errors()
    lines = []
    for err in errors[:MAX_ERRORS_SHOWN]:
        loc = ".".join(str(p) for p in err["loc"] if p not in ("", "__root__"))
        if err["type"] == "extra_forbidden":
            hint = did_you_mean(loc, parameter_names(), n=1)
            msg = "unknown parameter" + (f" ({hint})" if hint else "")
        else:
            msg = _error_text(err)
        lines.append(f"{origin}: {_short(loc, 120) or '(document)'}: {msg}")
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(f"{origin}: ... and {len(errors) - MAX_ERRORS_SHOWN} more problems")
    return "\n".join(lines)


def _suggest(dotted: str) -> str:
    return did_you_mean(dotted, parameter_names()) or "run `wargame describe` to list them"
