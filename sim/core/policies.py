"""Policies applied to a scenario: a policy's lever values and injects, validated as one
scenario (the schema of a policy is :class:`sim.core.moves.Policy`; ``--policies`` is read
by the CLI, :mod:`sim.cli.moves`).

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

from typing import Any

from sim.core.moves import Policy
from sim.core.scenario import Scenario, validate_scenario


def apply_policy(scenario: Scenario, policy: Policy, origin: str) -> Scenario:
    """The scenario with the policy's lever values and injects, validated as one."""
    sc = scenario.with_overrides(dict(policy.set), origin=origin) if policy.set else scenario
    if policy.inject:
        data: dict[str, Any] = sc.model_dump()
        data["inject"] = data["inject"] + [i.model_dump(exclude_defaults=True)
                                           for i in policy.inject]
        sc = validate_scenario(data, origin)
    return sc
