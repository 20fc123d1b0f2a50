"""Scenario files: the bundled ones validate; bad ones fail with one clear message that
names the file and the field; arbitrary documents never end in a traceback."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.scenario import (
    Scenario,
    load_scenario,
    parameter_info,
    parameter_names,
    parse_assignments,
    parse_scenario,
)
from sim.errors import ScenarioError
from tests.conftest import SCENARIOS


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenarios_validate_and_describe_themselves(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.description.strip(), f"{path.name} needs a description"
    assert sc.sweep, f"{path.name} needs a [sweep] table"


def test_at_least_six_bundled_scenarios() -> None:
    assert len(SCENARIOS) >= 6


def test_every_parameter_has_unit_source_and_range() -> None:
    for name in parameter_names():
        info = parameter_info(name)
        assert info.get("unit"), name
        assert info.get("source"), name
        assert info.get("kind") in {"article", "reported", "calibrated", "assumption"}, name
        if info["type"] in ("float", "int"):
            low = info["ge"] if "ge" in info else info["gt"]  # a KeyError if neither
            assert low < info["le"], name


def test_unknown_key_names_file_field_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "[north_korea]\ntroop_qualty = 0.5\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert "north_korea.troop_qualty" in msg
    assert "north_korea.troop_quality" in msg  # the suggestion


def test_out_of_range_value_says_what_was_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "[south_korea]\noffensive_threshold = 1.5\n")
    expected = r"south_korea\.offensive_threshold: expected a value <= 1"
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(path)


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, '[russia]\ntroops_kursk = "many"\n')
    with pytest.raises(ScenarioError, match=r"russia\.troops_kursk: expected a whole number"):
        load_scenario(path)


def test_thresholds_must_rise(tmp_path: Path) -> None:
    path = write(tmp_path, "[south_korea]\ndefensive_threshold = 0.8\noffensive_threshold = 0.6\n")
    with pytest.raises(ScenarioError, match="rise rung by rung"):
        load_scenario(path)


def test_area_cannot_exceed_map(tmp_path: Path) -> None:
    path = write(tmp_path, "[front]\nukraine_held_km2 = 5000\n")
    with pytest.raises(ScenarioError, match="exceeds the map"):
        load_scenario(path)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write(tmp_path, "[front\n"))


@pytest.mark.parametrize(
    ("sweep", "fragment"),
    [
        ('"north_korea.nope" = { low = 0, high = 1 }', "is not a parameter"),
        ('"north_korea.troop_quality" = { low = 0.9, high = 0.3 }', "expected low < high"),
        ('"north_korea.troop_quality" = { low = 0.5, high = 2 }', "leaves the parameter's bounds"),
        ('"combat.law" = { values = ["square", "cubic"] }', "expected one of"),
        ('"combat.law" = { low = 0, high = 1 }', "is a category: give its values"),
    ],
)
def test_bad_sweep_entries(tmp_path: Path, sweep: str, fragment: str) -> None:
    with pytest.raises(ScenarioError, match=fragment):
        load_scenario(write(tmp_path, f"[sweep]\n{sweep}\n"))


def test_overrides_validate_like_the_file() -> None:
    sc = Scenario().with_overrides(parse_assignments(["north_korea.troop_quality=0.9"]))
    assert sc.north_korea.troop_quality == 0.9
    with pytest.raises(ScenarioError, match="unknown parameter"):
        Scenario().with_overrides({"north_korea.quality": 1})
    with pytest.raises(ScenarioError, match="expected a value <= 1"):
        Scenario().with_overrides(parse_assignments(["north_korea.troop_quality=7"]))
    with pytest.raises(ScenarioError, match=r"expected dotted\.name=value"):
        parse_assignments(["north_korea.troop_quality"])
    assert parse_assignments(["combat.law=linear"]) == {"combat.law": "linear"}


# --------------------------------------------------------------- property-based
KNOWN = parameter_names()
sections = sorted({n.split(".")[0] for n in KNOWN if "." in n})
leaf_values = (
    st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.booleans()
    | st.lists(st.integers(), max_size=3)
)
keys = st.sampled_from([n.split(".")[-1] for n in KNOWN]) | st.text(
    alphabet=string.ascii_lowercase + "_", min_size=1, max_size=10
)
section_tables = st.dictionaries(keys, leaf_values, max_size=4)
documents = st.dictionaries(
    st.sampled_from([*sections, "sweep", "weeks", "name", "description", "bogus"]),
    section_tables | leaf_values,
    max_size=5,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_is_a_scenario_or_a_clear_error(doc: dict) -> None:
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):  # not representable as TOML (e.g. NaN key types)
        return
    try:
        sc = parse_scenario(text, "fuzz.toml")
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz.toml: ")
    else:
        assert isinstance(sc, Scenario)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_scenario_or_a_clear_error(text: str) -> None:
    try:
        parse_scenario(text, "fuzz.toml")
    except ScenarioError as exc:
        assert "fuzz.toml" in str(exc)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KNOWN), st.text(max_size=12))
def test_any_set_value_is_applied_or_a_clear_error(name: str, value: str) -> None:
    try:
        Scenario().with_overrides(parse_assignments([f"{name}={value}"]))
    except ScenarioError as exc:
        assert name in str(exc)
