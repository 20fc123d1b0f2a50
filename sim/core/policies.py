"""Levers and policies: the choices a government makes, apart from the world's
uncertainties.

A scenario's ``[levers]`` table marks parameters as choices (South Korea's thresholds and
diplomacy effort, NATO's support, the size of North Korea's waves, Russia's technology
transfer, ...) with the range a policy may set them in; its ``[sweep]`` table holds the
uncertainties (the futures). ``[policies.<name>]`` entries name policies: lever values
(``set``) and/or injects (``inject``). ``wargame sweep --policies`` runs every policy on the
same sampled futures with the same seeds (common random numbers), so that differences
between policies are not noise (EMA Workbench's levers/uncertainties split, with paired
runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from sim.core.injects import Inject

if TYPE_CHECKING:
    from sim.core.scenario import Scenario


class Policy(BaseModel):
    """A named policy: lever values and/or injects."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    description: str = Field("", max_length=500)
    set: dict[str, float | int | str] = Field(default_factory=dict)
    inject: list[Inject] = Field(default_factory=list)


BASELINE_POLICY = "status-quo"
"""The name under which a policy sweep also runs the scenario as written (no lever
changed, no inject added), unless the scenario names a policy so itself."""


def apply_policy(scenario: Scenario, policy: Policy, origin: str) -> Scenario:
    """The scenario with the policy's lever values and injects, validated as one."""
    sc = scenario.with_overrides(dict(policy.set), origin=origin) if policy.set else scenario
    if policy.inject:
        data: dict[str, Any] = sc.model_dump()
        data["inject"] = data["inject"] + [i.model_dump(exclude_defaults=True)
                                           for i in policy.inject]
        from sim.core.scenario import validate_scenario

        sc = validate_scenario(data, origin)
    return sc
