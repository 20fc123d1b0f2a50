"""Designs: the number of points and where they fall."""

from __future__ import annotations

import numpy as np
import pytest

from sim.batch.designs import build_design
from sim.batch.specs import ParamSpec, parse_param, specs_for
from sim.core.scenario import Scenario
from sim.errors import UserError

Q = ParamSpec("north_korea.troop_quality", "float", 0.3, 1.0, 8)
T = ParamSpec("south_korea.offensive_threshold", "float", 0.4, 0.9, 6)
W = ParamSpec("north_korea.max_waves", "int", 1, 4)
LAW = ParamSpec("combat.law", "category", values=("square", "linear"))


def column(points, name):
    return np.array([p[name] for p in points])


def test_grid_is_full_factorial_over_the_levels() -> None:
    pts = build_design([Q, T], "grid", None, seed=0)
    assert len(pts) == 8 * 6
    assert sorted(set(column(pts, Q.name))) == pytest.approx(list(np.linspace(0.3, 1.0, 8)))
    assert sorted(set(column(pts, T.name))) == pytest.approx(list(np.linspace(0.4, 0.9, 6)))


def test_grid_with_categories_and_integers() -> None:
    pts = build_design([W, LAW], "grid", None, seed=0)
    assert len(pts) == 3 * 2  # default 3 levels for the integer: 1, 2 (rounded 2.5), 4
    assert set(column(pts, LAW.name)) == {"square", "linear"}
    assert all(isinstance(p[W.name], int) for p in pts)


@pytest.mark.parametrize("method", ["mc", "lhs"])
def test_sampled_designs_have_n_points_within_range(method) -> None:
    pts = build_design([Q, T, W, LAW], method, 200, seed=1)
    assert len(pts) == 200
    q = column(pts, Q.name)
    assert q.min() >= 0.3 and q.max() <= 1.0
    assert set(column(pts, W.name)) <= {1, 2, 3, 4}
    assert set(column(pts, LAW.name)) == {"square", "linear"}


def test_latin_hypercube_fills_every_stratum() -> None:
    pts = build_design([Q], "lhs", 50, seed=3)
    u = (column(pts, Q.name) - 0.3) / 0.7
    assert sorted(np.floor(u * 50).astype(int)) == list(range(50))


def test_sobol_point_count_follows_saltelli() -> None:
    assert len(build_design([Q, T, W], "sobol", 16, seed=0)) == 16 * (3 + 2)
    assert len(build_design([Q, T, W], "sobol", 16, seed=0, calc_second_order=True)) == 16 * 8
    with pytest.raises(UserError, match="power of two"):
        build_design([Q], "sobol", 10, seed=0)


def test_designs_are_deterministic_in_the_seed() -> None:
    assert build_design([Q, T], "lhs", 20, seed=5) == build_design([Q, T], "lhs", 20, seed=5)
    assert build_design([Q, T], "lhs", 20, seed=5) != build_design([Q, T], "lhs", 20, seed=6)


def test_parse_param_forms() -> None:
    assert parse_param("north_korea.troop_quality=0.3:1.0:8") == Q
    assert parse_param("combat.law=square,linear") == LAW
    assert parse_param("north_korea.max_waves=1:4").kind == "int"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("north_korea.troop_qualty=0.3:1.0", "is not a parameter"),
        ("north_korea.troop_quality=1.0:0.3", "low < high"),
        ("north_korea.troop_quality=0.5:0.5", "low < high"),
        ("north_korea.troop_quality=0.3:2", "leaves the parameter's bounds"),
        ("north_korea.troop_quality=0.3:1:1", "levels must be at least 2"),
        ("north_korea.troop_quality=a:b", "with numbers"),
        ("north_korea.troop_quality", "expected name="),
        ("combat.law=square,cubic", "expected one of"),
        ("combat.law=0:1", "is a category"),
    ],
)
def test_bad_params_are_refused(text, fragment) -> None:
    with pytest.raises(UserError, match=fragment):
        parse_param(text)


def test_nothing_to_sweep_is_an_error() -> None:
    with pytest.raises(UserError, match="nothing to sweep"):
        specs_for(Scenario(), [], "x.toml")
