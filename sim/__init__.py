"""Agent-based wargame of the North Korea-Russia-Ukraine-South Korea escalation (Kursk, 2024).

Notebook use::

    from sim import EscalationModel, load_scenario
    model = EscalationModel(load_scenario("scenarios/baseline.toml"), rng=42)
    model.run()
    model.outcomes()
"""

from sim.model import EscalationModel
from sim.scenario import Scenario, load_scenario

__version__ = "0.1.0"
__all__ = ["EscalationModel", "Scenario", "__version__", "load_scenario"]
