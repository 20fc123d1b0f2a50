"""The moves as the command line reads them: ``--inject`` text and ``--policies`` (names or a
policies file). The schemas are :mod:`sim.core.moves`; this module only turns text and
files into them, with exit code 2 and a message naming what is wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sim.core.moves import BASELINE_POLICY, Policy
from sim.core.policies import apply_policy
from sim.core.scenario import Scenario, format_errors, parse_value
from sim.errors import UserError


def parse_inject(text: str) -> dict[str, Any]:
    """``--inject 'week=8,move=rok_approve,rung=4'`` (values in TOML syntax where they
    parse; ``set.<dotted.name>=value`` for a parameter change) to an inject table."""
    out: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UserError(f"--inject {text!r}: expected key=value pairs, e.g. "
                            "'week=8,move=rok_approve,rung=4'")
        key = key.strip()
        if key.startswith("set."):
            out.setdefault("set", {})[key[4:]] = parse_value(value.strip())
        else:
            out[key] = parse_value(value.strip())
    return out


def resolve_policies(scenario: Scenario, spec: str, origin: str) -> dict[str, Policy]:
    """The policies ``--policies`` names: ``all`` (the scenario's), a comma-separated list
    of names (``status-quo`` is the scenario as written unless the scenario defines it),
    or a TOML file of ``[policies.<name>]`` tables. Exit 2 for unknown names, a bad file
    or a policy that does not validate on the scenario."""
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
    """The ``[policies.<name>]`` tables of a TOML file, validated (exit 2 naming the file
    and the field otherwise)."""
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
