"""Agent-based wargame of the North Korea-Russia-Ukraine-South Korea escalation (Kursk, 2024).

Notebook use::

    from sim import EscalationModel, load_scenario
    model = EscalationModel(load_scenario("scenarios/baseline.toml"), rng=42)
    model.run()
    model.outcomes()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.core.engine import run_batch
    from sim.core.model import EscalationModel
    from sim.core.scenario import Scenario, load_scenario

__version__ = "0.1.0"
__all__ = ["EscalationModel", "Scenario", "__version__", "load_scenario", "run_batch"]


def __getattr__(name: str) -> Any:
    """Import on first use: ``import sim`` (every CLI command, every sweep worker) stays
    cheap, and a command that never builds a model never imports Mesa."""
    if name == "EscalationModel":
        from sim.core.model import EscalationModel

        return EscalationModel
    if name in ("Scenario", "load_scenario"):
        from sim.core import scenario

        return getattr(scenario, name)
    if name == "run_batch":
        from sim.core.engine import run_batch

        return run_batch
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
