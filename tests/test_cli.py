"""The single-run CLI as a user types it: outputs written where it says, numbers equal to
the model's, and every bad input answered by one message and exit code 2."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from sim.batch.runner import run_scenario
from sim.cli import main
from sim.core.scenario import load_scenario
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")


def wargame(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd,
        timeout=120,
    )


def test_run_writes_outcomes_series_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", BASELINE, "--seed", "4", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"outcomes.json", "timeseries.csv", "timeseries.png", "events.txt"} <= names
    record = json.loads((out / "outcomes.json").read_text())
    expected = run_scenario(load_scenario(BASELINE), 4).outcomes
    for k, v in expected.items():
        got = record["outcomes"][k]
        assert (got is None and math.isnan(v)) if isinstance(v, float) and math.isnan(v) \
            else got == v, k
    lines = (out / "timeseries.csv").read_text().splitlines()
    assert len(lines) == 1 + 52 + 1  # header + weeks 0..52
    assert (out / "timeseries.png").stat().st_size > 10_000


def test_run_default_folder_and_overrides(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", BASELINE, "--weeks", "5", "--set", "north_korea.arrival_week=1"]) == 0
    record = json.loads((tmp_path / "results" / "baseline-0" / "outcomes.json").read_text())
    assert record["seed"] == 0


def test_bundled_name_resolves(tmp_path: Path) -> None:
    assert main(["validate", "baseline"]) == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "missing.toml"], "missing.toml: no such scenario file"),
        (["run", BASELINE, "--set", "north_korea.troop_quality=2"],
         "north_korea.troop_quality: expected a value <= 1"),
        (["run", BASELINE, "--set", "north_korea.quality=0.5"], "north_korea.quality"),
        (["run", BASELINE, "--set", "combat.law=cubic"], "combat.law: expected one of"),
        (["run", BASELINE, "--weeks", "0"], "--weeks"),
        (["validate", BASELINE, "--set", "weeks=abc"], "weeks: expected a whole number"),
    ],
)
def test_bad_input_exits_2_with_the_field_named(args, fragment, capsys, tmp_path) -> None:
    code = main([*args, "--out", str(tmp_path / "o")] if args[0] == "run" else args)
    assert code == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_bad_file_from_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[north_korea]\ntroop_quality = 'high'\n")
    proc = wargame("run", str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr and "north_korea.troop_quality" in proc.stderr
    assert wargame("validate", str(bad)).returncode == 2
    assert wargame("validate", BASELINE).returncode == 0


def test_list_and_describe(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline", "elite-performance", "poor-performance", "tech-transfer",
                 "low-threshold", "second-wave"):
        assert name in out
    assert main(["describe", str(ROOT / "scenarios" / "low-threshold.toml")]) == 0
    out = capsys.readouterr().out
    assert "south_korea.offensive_threshold" in out and "0.45 *" in out
    assert "[reported]" in out and "[article]" in out and "[calibrated]" in out


def test_parameter_docs_are_current() -> None:
    """docs/parameters.md is generated from the schema; regenerate it with
    `wargame describe --markdown > docs/parameters.md` when a parameter changes."""
    from sim.cli.run import parameters_markdown
    from sim.core.scenario import Scenario

    assert (ROOT / "docs" / "parameters.md").read_text() == parameters_markdown(Scenario())
