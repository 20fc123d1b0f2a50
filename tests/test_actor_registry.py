"""The actor registry: an actor declared in one file and registered in one line is wired
everywhere (scenario files, sweeps, the store's runs and time series, the Mesa model's
agents and event log), and the registry cannot change once the schema is built.

The throwaway actor (tests/actors/japan.py) is registered in a fresh interpreter: the
scenario schema, the outcome columns and the series are built once, from the registry as
it stands when they are first imported, so registering it in this test process (where
they are built already) is refused (see the last test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.actors import ACTORS, register
from tests.conftest import ROOT

SCRIPT = """
import json, sys
from sim.core.actors import register
from tests.actors import japan
register(japan.ACTOR)  # the one line

from sim.cli import main
from sim.core.model import EscalationModel
from sim.core.scenario import load_scenario
code = main(["sweep", sys.argv[1], "--design", "lhs", "--samples", "4", "--replicates", "2",
             "--weeks", "8", "--param", "japan.alert_rate=0.2:0.8", "--executor", "serial",
             "--quiet", "--out", sys.argv[2]])
model = EscalationModel(load_scenario(sys.argv[1]), rng=3, weeks=8).run()
print(json.dumps({"code": code, "events": model.events, "alert": model.japan.alert,
                  "outcome": model.outcomes()["japan_alert_end"],
                  "agent": type(model.japan).__name__}))
"""


@pytest.fixture(scope="module")
def japan_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("japan")
    scenario = tmp / "with-japan.toml"
    scenario.write_text((ROOT / "scenarios" / "baseline.toml").read_text()
                        + "\n[japan]\nalert_rung = 2\n")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(scenario), str(tmp / "store")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return tmp / "store", json.loads(done.stdout.strip().splitlines()[-1])


def test_a_registered_actor_reaches_the_store(japan_sweep: tuple[Path, dict]) -> None:
    store, run = japan_sweep
    assert run["code"] == 0
    runs = pd.read_parquet(store / "runs")
    assert len(runs) == 8 and (runs["status"] == "ok").all()
    # Seoul stands on rung 2 from week 0, so Tokyo is on alert from week 0 (it moves after
    # Seoul in the week); a higher rate gives a higher alert after the same weeks 0-8.
    alert, rate = runs["japan_alert_end"].to_numpy(), runs["japan.alert_rate"].to_numpy()
    assert np.allclose(alert, 1 - (1 - rate) ** 9)
    weekly = pd.read_parquet(store / "timeseries")
    assert "japan_alert" in weekly.columns
    first = weekly[weekly["run_id"] == weekly["run_id"].min()].sort_values("week")
    rate0 = runs.loc[runs["run_id"] == first["run_id"].iloc[0], "japan.alert_rate"].iloc[0]
    assert first["japan_alert"].iloc[0] == pytest.approx(rate0)
    assert len(first) == 9 and first["japan_alert"].iloc[-1] > rate0


def test_a_registered_actor_is_an_agent_with_events(japan_sweep: tuple[Path, dict]) -> None:
    _, run = japan_sweep
    assert run["agent"] == "JapanAgent"
    assert run["alert"] == run["outcome"] == pytest.approx(1 - 0.5**9)
    assert [0, "Japan goes on alert"] in run["events"]


def test_the_registry_closes_once_the_schema_is_built() -> None:
    import sim.core.scenario  # noqa: F401  (builds the schema from the registry)
    from tests.actors import japan

    with pytest.raises(RuntimeError, match="register before"):
        register(japan.ACTOR)
    assert japan.ACTOR not in ACTORS
