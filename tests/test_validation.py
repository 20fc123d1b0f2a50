"""Validate before anything is written: every bad option or range of a sweep exits 2 before
the store folder exists; the size of the work is known first and bounded; the plan is
streamed. And one check, one did-you-mean, one SALib problem for parameters (issue 10)."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from sim.batch.designs import Design, build_design, salib_problem
from sim.batch.executors import default_workers, useful_workers
from sim.batch.specs import ParamSpec, parse_param
from sim.batch.sweep import MAX_RUNS
from sim.batch.tasks import iter_tasks
from sim.cli import main
from sim.core.scenario import Scenario, load_scenario
from sim.core.seeds import derive_seed
from sim.errors import ScenarioError, UserError
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SMALL = ["--samples", "4", "--replicates", "2", "--weeks", "8", "--quiet",
         "--executor", "serial"]


def scenario_file(tmp_path: Path, sweep: str) -> str:
    path = tmp_path / "sc.toml"
    path.write_text(f"[sweep]\n{sweep}\n")
    return str(path)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--workers", "0"], "--workers: expected a whole number >= 1, got 0"),
        (["--workers", "-3", "--executor", "process"], "--workers"),
        (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"],
         "cannot reach the Dask scheduler"),
        (["--executor", "dask", "--scheduler", "not an address"], "expected tcp://HOST:PORT"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --executor dask"),
        (["--param", "north_korea.troop_quality=0.5,3"], "expected a value <= 1"),
        (["--param", "north_korea.max_waves=1,2.5"], "expected a whole number"),
        (["--param", "north_korea.troop_quality=0.5,a"], "mix text and numbers"),
        (["--param", "combat.law=square,true"], "expected numbers or text, got"),
        (["--seed", "-1"], "--seed: expected a whole number from 0"),
        (["--weeks", "0"], "--weeks: expected a whole number from 1 to 520"),
        (["--weeks", "521"], "from 1 to 520"),
        (["--param", "north_korea.troop_quality=0.5:0.9",
          "--set", "north_korea.troop_quality=0.7"], "that parameter is swept"),
        (["--param", "weeks=4:10"], "the horizon 'weeks' is swept"),
        (["--samples", "100000000"], "= 200,000,000 runs; one sweep runs at most 10,000,000"),
        (["--replicates", "1000000000"], "runs; one sweep runs at most"),
        (["--design", "grid", "--param", "north_korea.troop_quality=0:1:20000"],
         "at most 10,000"),
        (["--second-order"], "--second-order applies to --design sobol only"),
        (["--chunk-size", "0"], "--chunk-size"),
    ],
)
def test_every_check_runs_before_the_store_is_created(tmp_path, capsys, args, fragment):
    out = tmp_path / "s"
    assert main(["sweep", BASELINE, *SMALL, "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert err.count("error:") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ('"north_korea.troop_quality" = { values = [0.5, "high"] }', "mix text and numbers"),
        ('"north_korea.troop_quality" = { values = [0.5, 3.0] }', "expected a value <= 1"),
        ('"north_korea.max_waves" = { values = [1, 2.5] }', "expected a whole number"),
        ('"north_korea.troop_quality" = { low = "0.1", high = 0.9 }', "expected a number"),
        ('"north_korea.troop_quality" = { low = 0.1, high = true }', "expected a number"),
        ('"north_korea.troop_quality" = { low = 0.1, high = 1.5 }', "leaves the parameter's"),
        ('"start_date" = { values = ["2024-10-28"] }', "not a parameter that can be swept"),
    ],
)
def test_validate_and_sweep_refuse_bad_sweep_tables(tmp_path, capsys, entry, fragment):
    path = scenario_file(tmp_path, entry)
    assert main(["validate", path]) == 2
    assert fragment in capsys.readouterr().err
    assert main(["sweep", path, *SMALL, "--out", str(tmp_path / "s")]) == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_absurd_worker_counts_are_capped_at_what_helps() -> None:
    assert useful_workers(10**6, "process", None) == default_workers()
    assert useful_workers(10**6, "dask", None) == default_workers()  # a local cluster
    assert useful_workers(64, "dask", "tcp://cluster:8786") == 64  # its own workers
    assert useful_workers(8, "serial", None) == 1
    with pytest.raises(UserError, match="--workers"):
        useful_workers(0, "process", None)


def test_the_size_limit_is_stated_with_the_number(tmp_path, capsys) -> None:
    samples = MAX_RUNS // 2 + 1  # x 2 replicates: just over the limit
    assert main(["sweep", BASELINE, *SMALL, "--samples", str(samples), "--out",
                 str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert f"{2 * samples:,} runs" in err and "hint: lower --samples or --replicates" in err


# ---------------------------------------------------------------- the plan is streamed
Q = ParamSpec("north_korea.troop_quality", "float", 0.3, 1.0, 7)
W = ParamSpec("north_korea.max_waves", "int", 1, 4)
LAW = ParamSpec("combat.law", "category", values=("square", "linear"))


def test_grid_points_come_in_itertools_product_order() -> None:
    specs = [Q, W, LAW]
    levels = [s.grid_levels() for s in specs]
    expected = [dict(zip([s.name for s in specs], c, strict=True))
                for c in itertools.product(*levels)]
    design = Design(specs, "grid", None, 0)
    assert design.points() == expected
    assert design.points(5, 9) == expected[5:9]


@pytest.mark.parametrize("method", ["grid", "mc", "lhs", "sobol"])
def test_streamed_tasks_equal_the_whole_plan(method) -> None:
    design = Design([Q, W, LAW], method, 8, seed=3)
    points = build_design([Q, W, LAW], method, 8, seed=3)
    reps = 3
    total = design.n_points * reps
    done = np.zeros(total, dtype=bool)
    done[[0, 4, 5, total - 1]] = True
    expected = [(pid * reps + r, pid, r, derive_seed(11, pid, r), pt, "")
                for pid, pt in enumerate(points) for r in range(reps)
                if not done[pid * reps + r]]
    assert list(iter_tasks(design, reps, 11, done, block=5)) == expected


def test_policy_tasks_share_futures_and_seeds() -> None:
    """Every policy runs every point with the seed of (point, replicate): common random
    numbers; blocks that cross from one policy to the next lose nothing."""
    design = Design([Q, W], "lhs", 7, seed=3)
    points = build_design([Q, W], "lhs", 7, seed=3)
    reps, pols = 2, ["hold", "arm", "talk"]
    done = np.zeros(design.n_points * reps * len(pols), dtype=bool)
    done[[1, 15, 30]] = True
    expected = [((k * len(points) + pid) * reps + r, pid, r, derive_seed(11, pid, r), pt,
                 pol) for k, pol in enumerate(pols) for pid, pt in enumerate(points)
                for r in range(reps) if not done[(k * len(points) + pid) * reps + r]]
    assert list(iter_tasks(design, reps, 11, done, pols, block=5)) == expected


def test_a_large_legal_sweep_starts_without_building_its_plan() -> None:
    specs = [ParamSpec(f"north_korea.{n}", "float", 0.1, 0.9, 200)
             for n in ("troop_quality", "learning_rate", "initial_experience")]
    design = Design(specs, "grid", None, 0)  # 8,000,000 points
    done = np.zeros(design.n_points, dtype=bool)
    tracemalloc.start()
    tasks = iter_tasks(design, 1, 0, done)
    first = list(itertools.islice(tasks, 1000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(first) == 1000 and first[-1][0] == 999
    assert peak < 20e6  # 8 million task tuples with dicts would take gigabytes


# ---------------------------------------------------------------- parameter metadata
@pytest.mark.parametrize(
    ("param", "entry"),
    [
        ("north_korea.troop_quality=0.5:3", '"north_korea.troop_quality" = {low=0.5, high=3}'),
        ("combat.law=square,cubic", '"combat.law" = {values=["square", "cubic"]}'),
        ("north_korea.troop_quality=0.5,2", '"north_korea.troop_quality" = {values=[0.5, 2]}'),
        ("combat.law=0:1", '"combat.law" = {low=0, high=1}'),
        ("north_korea.troop_qualty=0:1", '"north_korea.troop_qualty" = {low=0, high=1}'),
    ],
)
def test_sweep_table_and_param_share_one_check(tmp_path, param, entry) -> None:
    with pytest.raises(UserError) as by_param:
        parse_param(param)
    with pytest.raises(ScenarioError) as by_table:
        load_scenario(scenario_file(tmp_path, entry))
    # Same words after the origin ("--param ...:" vs "file: sweep:").
    assert by_param.value.message.split(": ", 1)[1] in by_table.value.message


def test_one_did_you_mean_for_every_way_of_naming_a_parameter(tmp_path) -> None:
    typo, right = "north_korea.troop_qualty", "north_korea.troop_quality"
    messages = []
    for call in (
        lambda: parse_param(f"{typo}=0:1"),
        lambda: Scenario().with_overrides({typo: 0.5}),
        lambda: load_scenario(scenario_file(tmp_path, f'"{typo}" = {{low=0, high=1}}')),
    ):
        with pytest.raises(UserError) as exc:
            call()
        messages.append(str(exc.value))
    path = tmp_path / "k.toml"
    path.write_text("[north_korea]\ntroop_qualty = 0.5\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    messages.append(str(exc.value))
    assert all(f"did you mean {right}" in m for m in messages), messages


def test_one_salib_problem_for_designs_and_analysis() -> None:
    specs = [Q, W, LAW]
    problem = salib_problem(specs)
    assert problem == salib_problem([s.to_dict() for s in specs])  # as stored in manifests
    assert problem["bounds"] == [[0.3, 1.0], [1.0, 4.0], [0.0, 1.0]]
    assert salib_problem(specs, unit=True)["bounds"] == [[0.0, 1.0]] * 3
