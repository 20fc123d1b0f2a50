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


def resolve_policies(scenario: Scenario, spec: str, origin: str) -> dict[str, Policy]:
    """The policies ``--policies`` names: ``all`` (the scenario's), a comma-separated list
    of names (``status-quo`` is the scenario as written unless the scenario defines it),
    or a TOML file of ``[policies.<name>]`` tables. Exit 2 for unknown names, a bad file
    or a policy that does not validate on the scenario."""
    from sim.errors import UserError

    spec = spec.strip()
    if spec.endswith(".toml"):
        found = _load_file(spec)
    elif spec == "all":
        if not scenario.policies:
            raise UserError(f"{origin}: --policies all: the scenario names no [policies.*]",
                            hint="add [policies.<name>] tables, or give a policies file")
        found = dict(scenario.policies)
    else:
        found = {}
        for name in filter(None, (n.strip() for n in spec.split(","))):
            if name in scenario.policies:
                found[name] = scenario.policies[name]
            elif name == BASELINE_POLICY:
                found[name] = Policy(description="the scenario as written")
            else:
                known = ", ".join([*scenario.policies, BASELINE_POLICY])
                raise UserError(f"{origin}: --policies: no policy '{name}' (known: {known})")
    if len(found) < 2:
        raise UserError(f"{origin}: --policies: compare at least two policies, got "
                        f"{len(found)}")
    for name, policy in found.items():
        apply_policy(scenario, policy, f"{origin}: policy '{name}'")  # validates
    return found


def _load_file(path: str) -> dict[str, Policy]:
    import tomllib
    from pathlib import Path

    from pydantic import TypeAdapter, ValidationError

    from sim.core.scenario import format_errors
    from sim.errors import UserError

    p = Path(path).expanduser()
    if not p.is_file():
        raise UserError(f"{p}: no such policies file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{p}: cannot read the policies ({exc})") from None
    table = data.get("policies")
    if not isinstance(table, dict) or set(data) - {"policies"}:
        raise UserError(f"{p}: expected only [policies.<name>] tables")
    try:
        return TypeAdapter(dict[str, Policy]).validate_python(table)
    except ValidationError as exc:
        raise UserError(format_errors(exc, f"{p}: policies")) from None
