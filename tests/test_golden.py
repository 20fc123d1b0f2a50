"""Golden outcomes: the same scenario and seed keep giving the same numbers across
refactors and speed-ups. If a change to the model is *meant* to change results,
regenerate with ``python -m tests.test_golden`` and say so in the commit message."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from sim.batch.runner import run_scenario
from sim.core.scenario import load_scenario
from tests.conftest import SCENARIOS

GOLDEN = Path(__file__).with_name("golden_outcomes.json")
SEEDS = (0, 1)


def current() -> dict[str, dict]:
    out = {}
    for path in SCENARIOS:
        sc = load_scenario(path)
        for seed in SEEDS:
            rec = run_scenario(sc, seed).outcomes
            out[f"{sc.name}:{seed}"] = {
                k: None if isinstance(v, float) and math.isnan(v) else v for k, v in rec.items()
            }
    return out


def test_outcomes_match_the_golden_file() -> None:
    golden = json.loads(GOLDEN.read_text())
    now = current()
    assert set(now) == set(golden), (
        f"runs added: {sorted(set(now) - set(golden))}, "
        f"removed: {sorted(set(golden) - set(now))}")
    for key, rec in now.items():
        added, removed = set(rec) - set(golden[key]), set(golden[key]) - set(rec)
        assert not added and not removed, (
            f"{key}: outcomes added {sorted(added)}, removed {sorted(removed)}; regenerate "
            "with `python -m tests.test_golden` if the change is meant")
        for name, value in rec.items():
            want = golden[key][name]
            if isinstance(value, float) and want is not None:
                assert value == pytest.approx(want, rel=1e-9, abs=1e-12), (key, name)
            else:
                assert value == want, (key, name)


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"wrote {GOLDEN}\n")
