"""`wargame forecast` (sim/batch/forecast.py, forecast_scores.py): each origin's calibration
sees only the observations known by then, the forecasts continue the accepted runs, every
later observation is scored for the posterior, the prior, persistence and the trend, and a
study cut short resumes to the same numbers.

Kept quick: a 10-week synthetic scenario and record, 30 particles, two generations, the
serial executor."""

from __future__ import annotations

import copy
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import tomli_w

from sim.batch.forecast import ForecastSpec, continue_particles, record_at
from sim.batch.forecast_scores import _events, evaluate_study
from sim.batch.observations import parse_record
from sim.batch.priors import Prior
from sim.batch.specs import specs_for
from sim.cli import main
from sim.core.scenario import load_scenario
from sim.errors import UserError

SCENARIO = """name = "tiny"
weeks = 10

[sweep]
"russia.troops_kursk" = { low = 20000, high = 50000 }
"north_korea.capture_probability" = { low = 0.0, high = 0.05 }
"north_korea.arrival_week" = { low = 1, high = 4 }
"combat.law" = { values = ["square", "linear"] }
"""
BASE = {"quantity": "q", "source": "synthetic", "reported": "-"}
RECORD = {"name": "tiny-record", "observation": [
    {**BASE, "id": "area_w2", "series": "ukraine_area_km2", "kind": "level", "week": 2,
     "best": 680, "low": 600, "high": 750},
    {**BASE, "id": "cas_w3", "series": "casualties_north_korea", "kind": "cumulative",
     "week": 3, "best": 200, "low": 0, "high": 600},
    {**BASE, "id": "area_w5", "series": "ukraine_area_km2", "kind": "level", "week": 5,
     "best": 640, "low": 550, "high": 720},
    {**BASE, "id": "cas_w7", "series": "casualties_north_korea", "kind": "cumulative",
     "week": 7, "best": 900, "low": 500, "high": 1500},
    {**BASE, "id": "contact", "series": "nk_troops_in_combat", "kind": "event_week",
     "best": 5, "low": 4, "high": 6},
    {**BASE, "id": "area_w9", "series": "ukraine_area_km2", "kind": "level", "week": 9,
     "best": 600, "low": 450, "high": 700},
]}
ARGS = ["--origins", "3,5", "--population", "30", "--generations", "2", "--members", "60",
        "--executor", "serial", "--quiet", "--no-figures"]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("forecast")
    (root / "tiny.toml").write_text(SCENARIO)
    (root / "record.toml").write_text(tomli_w.dumps(RECORD))
    out = root / "study"
    assert main(["forecast", str(root / "tiny.toml"), "--record", str(root / "record.toml"),
                 "--out", str(out), *ARGS]) == 0
    return {"root": root, "out": out, "scores": pd.read_csv(out / "evaluation" / "scores.csv")}


def spec_for(root, record_doc: dict) -> ForecastSpec:
    sc = load_scenario(root / "tiny.toml")
    record = parse_record(record_doc, "record.toml")
    return ForecastSpec(sc, Prior(tuple(specs_for(sc, [], "tiny.toml"))), record, record_doc,
                        [3, 5], population=30, generations=2, members=60)


def test_the_record_at_an_origin_holds_only_what_was_known() -> None:
    record = parse_record(RECORD, "r")
    known, _ = record_at(RECORD, record, 5)
    assert [e.id for e in known.entries] == ["area_w2", "cas_w3", "area_w5"]
    # the contact event's range closes at week 6: not known at week 5
    known6, _ = record_at(RECORD, record, 6)
    assert "contact" in [e.id for e in known6.entries]
    assert record_at(RECORD, record, 1) is None


def test_a_later_observation_does_not_reach_the_origins_calibration(study, tmp_path) -> None:
    """Change an observation after week 3 (and its record's digest with it): the week-3
    calibration is the same, file for file."""
    changed = copy.deepcopy(RECORD)
    changed["observation"][3].update(best=5000, low=4000, high=6000)  # cas_w7
    (tmp_path / "tiny.toml").write_text(SCENARIO)
    (tmp_path / "record.toml").write_text(tomli_w.dumps(changed))
    out = tmp_path / "changed"
    assert main(["forecast", str(tmp_path / "tiny.toml"), "--record",
                 str(tmp_path / "record.toml"), "--out", str(out), *ARGS]) == 0
    a, b = study["out"] / "origin-w03", out / "origin-w03"
    for name in ("calibration/posterior.parquet", "calibration/record.toml",
                 "members.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # ... while the week-5 origin saw nothing of it either, and the scores of cas_w7 moved
    assert (study["out"] / "origin-w05" / "calibration" / "posterior.parquet").read_bytes() \
        == (out / "origin-w05" / "calibration" / "posterior.parquet").read_bytes()
    new = pd.read_csv(out / "evaluation" / "scores.csv")
    old = study["scores"]
    pick = (old["id"] == "cas_w7") & (old["forecaster"] == "posterior")
    assert not np.allclose(old.loc[pick, "crps"], new.loc[pick, "crps"])


def test_every_later_observation_is_scored_by_every_forecaster(study) -> None:
    s = study["scores"]
    assert sorted(s["origin"].unique()) == [3, 5]
    after3 = set(s.loc[s["origin"] == 3, "id"])
    assert after3 == {"area_w5", "cas_w7", "contact", "area_w9"}
    assert set(s.loc[s["origin"] == 5, "id"]) == {"cas_w7", "contact", "area_w9"}
    assert set(s["forecaster"]) == {"posterior", "prior", "persistence", "trend"}
    post = s[s["forecaster"] == "posterior"]
    assert post["crps"].notna().all() and post["pit"].between(0, 1).all()
    # persistence of area_w9 from week 5 is the week-5 area; the trend through weeks 2
    # and 5 goes on: 640 - 40/3 * 4
    base = s[(s["origin"] == 5) & (s["id"] == "area_w9")].set_index("forecaster")
    assert base.loc["persistence", "median"] == 640
    assert base.loc["trend", "median"] == pytest.approx(640 - 40 / 3 * 4)
    # no casualty figure before week 3: persistence of cas_w7 from week 3 is undefined
    und = s[(s["origin"] == 3) & (s["id"] == "cas_w7") & (s["forecaster"] == "trend")]
    assert "fewer than two" in und["undefined"].iloc[0]
    ev = pd.read_csv(study["out"] / "evaluation" / "events.csv")
    # contact (4-6) from week 3: "not by week 3" is not after the origin; "by week 6" is
    assert set(ev.loc[ev["origin"] == 3, "week"]) == {6}
    assert (ev["happened"] == 1).all()
    summary = pd.read_csv(study["out"] / "evaluation" / "summary.csv")
    assert list(summary["origin"]) == ["3", "5", "all"]
    assert (summary["n_prior"] == summary["observations"]).all()
    assert "skill vs prior" in (study["out"] / "evaluation" / "table.md").read_text()


def test_events_an_event_week_settles() -> None:
    e = parse_record(RECORD, "r").entries[4]  # contact, range 4-6
    assert _events(e, 2) == [(3, 0), (6, 1)]
    assert _events(e, 3) == [(6, 1)]


def test_the_forecast_continues_the_accepted_runs(study) -> None:
    """A continued particle repeats the values its calibration accepted; with its seed
    changed it does not, and the study says so instead of forecasting."""
    from sim.batch.abc.folder import CalibrationDir
    from sim.batch.executors import Execution

    spec = spec_for(study["root"], RECORD)
    cal, _ = spec.calibration(5)
    root = study["out"] / "origin-w05" / "calibration"
    with Execution("serial").start() as ex:
        members, bands = continue_particles(spec, cal, root, ex)
    stored = pd.read_parquet(study["out"] / "origin-w05" / "members.parquet")
    pd.testing.assert_frame_equal(members, stored)
    assert set(bands["series"]) == {"ukraine_area_km2", "casualties_north_korea",
                                    "nk_troops_in_combat"}
    folder = CalibrationDir(root)
    t = json.loads((root / "manifest.json").read_text())["posterior"]["generation"]
    pop = pd.read_parquet(folder.population_path(t))
    pop["seed"] = pop["seed"] + 1
    bad = study["root"] / "bad"
    shutil.copytree(root, bad)
    pop.to_parquet(CalibrationDir(bad).population_path(t))
    with Execution("serial").start() as ex, pytest.raises(UserError, match="do not repeat"):
        continue_particles(spec, cal, bad, ex)


def test_a_study_cut_short_resumes_to_the_same_numbers(study, tmp_path, capsys) -> None:
    """Copy the finished study, take away what a kill during the second origin's
    calibration leaves undone (its last generation, its forecast, the prior ensemble, the
    evaluation), and resume: the scores are the same."""
    out = tmp_path / "cut"
    shutil.copytree(study["out"], out)
    cal = out / "origin-w05" / "calibration"
    for name in ("posterior.parquet", "predictive_values.parquet",
                 "predictive_series.parquet", "tiny-calibrated.toml"):
        (cal / name).unlink()
    shutil.rmtree(cal / "generations" / "gen-0001")
    m = json.loads((cal / "manifest.json").read_text())
    m.update(status="running", generations=m["generations"][:1])
    (cal / "manifest.json").write_text(json.dumps(m))
    sm = json.loads((out / "manifest.json").read_text())
    del sm["origins"]["5"]
    sm["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(sm))
    for p in (out / "origin-w05" / "members.parquet", out / "prior.parquet"):
        p.unlink()
    args = ["forecast", str(study["root"] / "tiny.toml"), "--record",
            str(study["root"] / "record.toml"), "--out", str(out), *ARGS]
    assert main(args) == 2  # an existing study needs --resume
    assert "--resume" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "evaluation" / "scores.csv"),
                                  study["scores"])
    assert main([*args[:-len(ARGS)], *ARGS[:2], "--seed", "1", "--resume", "--quiet"]) == 2
    assert "differs in" in capsys.readouterr().err


def test_evaluation_needs_a_finished_study(tmp_path) -> None:
    with pytest.raises(UserError, match="not a forecast study"):
        evaluate_study(tmp_path)
