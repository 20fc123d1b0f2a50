"""The record as data: entries validate like scenarios (one clear message naming the file and
the entry, exit 2), and the simulated value of each kind of entry is what its definition
says, on hand-made series."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from sim.batch.observations import (
    censor,
    excess,
    load_record,
    observe,
    parse_record,
    week_of,
)
from sim.cli import main
from sim.core.series import SERIES_INDEX, SERIES_NAMES
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")

AREA = {"id": "area_w4", "quantity": "Ukrainian-held area", "series": "ukraine_area_km2",
        "kind": "level", "week": 4, "best": 700, "low": 560, "high": 800,
        "source": "General Staff", "reported": "23 Nov 2024"}


def record(*entries: dict, **top) -> dict:
    """A record document; a field set to None is left out."""
    return {"name": "test", **top,
            "observation": [{k: v for k, v in e.items() if v is not None} for e in entries]}


def write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "record.toml"
    path.write_text(data if isinstance(data, str) else tomli_w.dumps(data))
    return path


def test_a_valid_record_resolves_weeks_dates_and_defaults(tmp_path: Path) -> None:
    rec = load_record(write(tmp_path, record(
        AREA,
        {**AREA, "id": "area_date", "week": None, "date": "2025-01-13"},
        {"id": "contact", "quantity": "first contact", "series": "nk_troops_in_combat",
         "kind": "event_week", "best": 1, "low": 1, "high": 2, "source": "s", "reported": "r"},
        {"id": "rung", "quantity": "highest rung", "series": "rok_rung", "kind": "rung",
         "week": 13, "best": 1, "low": 1, "high": 1, "source": "s", "reported": "r"},
    )))
    by_id = {e.id: e for e in rec.entries}
    assert by_id["area_date"].week == 11  # 77 days after 28 Oct 2024
    assert by_id["area_w4"].scale == 240  # the range's width
    assert by_id["contact"].week == 2 and by_id["contact"].since == 0  # known by its high
    assert by_id["contact"].threshold == 1.0  # the default
    assert by_id["rung"].scale == 1.0  # a single value: one rung
    assert [e.id for e in rec.select(until_week=4)] == ["area_w4", "contact"]
    assert [e.id for e in rec.select(after_week=4)] == ["area_date", "rung"]


def test_week_of_counts_whole_weeks() -> None:
    assert week_of("2024-10-28", "2024-10-28") == 0
    assert week_of("2024-11-03", "2024-10-28") == 0
    assert week_of("2024-11-04", "2024-10-28") == 1
    assert week_of("2025-01-31", "2024-10-28") == 13


@pytest.mark.parametrize(("entry", "fragments"), [
    ({**AREA, "series": "ukraine_area"},
     ["observation 1 (id 'area_w4')", "not a weekly series", "did you mean ukraine_area_km2"]),
    ({**AREA, "series": None, "outcome": "retaken_wek", "kind": "event_week"},
     ["not an outcome", "did you mean retaken_week"]),
    ({**AREA, "series": None, "outcome": "rok_max_rung_name"}, ["is a category"]),
    ({**AREA, "outcome": "retaken_week"}, ["exactly one of series"]),
    ({**AREA, "low": 710}, ["expected low <= best <= high"]),
    ({**AREA, "kind": "total"}, ["kind", "expected one of level, cumulative, event_week, rung"]),
    ({**AREA, "date": "2024-11-23"}, ["give week or date, not both"]),
    ({**AREA, "week": None, "date": "23 Nov"}, ["expected an ISO date"]),
    ({**AREA, "week": None}, ["missing week (or date)"]),
    ({**AREA, "wek": 3}, ["wek", "unknown field", "did you mean week"]),
    ({**AREA, "threshold": 2}, ["threshold applies to kind event_week only"]),
    ({k: v for k, v in AREA.items() if k != "source"}, ["source: missing"]),
    ({**AREA, "week": -1}, ["week", ">= 0"]),
])
def test_bad_entries_exit_2_naming_file_entry_and_field(tmp_path, capsys, entry, fragments):
    path = write(tmp_path, record(entry))
    assert main(["calibrate", BASELINE, "--record", str(path), "--check"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(path) in err
    for f in fragments:
        assert f in err, (f, err)


@pytest.mark.parametrize(("text", "fragment"), [
    ("name = 'x'\nobservation = [", "not valid TOML"),
    ("name = 'x'\n", "observation: missing"),
    ("name = 'x'\nobservation = []\n", "observation"),
])
def test_bad_files_exit_2(tmp_path, capsys, text, fragment) -> None:
    path = write(tmp_path, text)
    assert main(["calibrate", BASELINE, "--record", str(path), "--check"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and fragment in err


def test_missing_record_file_and_duplicate_ids_exit_2(tmp_path, capsys) -> None:
    assert main(["calibrate", BASELINE, "--record", str(tmp_path / "nope.toml"),
                 "--check"]) == 2
    assert "no such record file" in capsys.readouterr().err
    path = write(tmp_path, record(AREA, AREA))
    assert main(["calibrate", BASELINE, "--record", str(path), "--check"]) == 2
    assert "'area_w4' is used twice" in capsys.readouterr().err


def test_record_and_scenario_must_share_week_0(tmp_path, capsys) -> None:
    path = write(tmp_path, record(AREA, start_date="2024-11-04"))
    assert main(["calibrate", BASELINE, "--record", str(path), "--check"]) == 2
    assert "week 0 is 2024-11-04" in capsys.readouterr().err


def test_outcome_entries_must_sit_at_the_horizon(tmp_path, capsys) -> None:
    path = write(tmp_path, record(
        AREA, {**AREA, "id": "deaths", "series": None, "outcome": "casualties_north_korea",
               "kind": "cumulative", "week": 2, "best": 10, "low": 0, "high": 20}))
    assert main(["calibrate", BASELINE, "--record", str(path), "--check"]) == 2
    assert "'deaths': outcome 'casualties_north_korea' is read at the end of the runs " \
        "(week 4)" in " ".join(capsys.readouterr().err.split())
    ok = write(tmp_path, record(AREA, {**AREA, "id": "deaths", "series": None,
                                       "outcome": "casualties_north_korea",
                                       "kind": "cumulative", "week": 4}))
    assert main(["calibrate", BASELINE, "--record", str(ok), "--check"]) == 0


def test_observe_reads_each_kind_off_the_series() -> None:
    """Two runs, weeks 0-4, hand-made series: level, cumulative, rung window, event week
    (and an event that never happens), and an outcome read at the horizon."""
    s = np.zeros((2, 5, len(SERIES_NAMES)))
    s[:, :, SERIES_INDEX["ukraine_area_km2"]] = [[700, 690, 650, 600, 500],
                                                 [700, 700, 700, 700, 700]]
    s[:, :, SERIES_INDEX["rok_rung"]] = [[0, 1, 3, 1, 1], [0, 0, 0, 1, 2]]
    s[:, :, SERIES_INDEX["nato_rung"]] = [[0, 1, 1, 2, 2], [0, 0, 0, 0, 1]]
    rec = parse_record(record(
        {**AREA, "week": 3},
        {**AREA, "id": "rung", "series": "rok_rung", "kind": "rung", "since_week": 3,
         "week": 4, "best": 1, "low": 1, "high": 1},
        {**AREA, "id": "rung_all", "series": "rok_rung", "kind": "rung", "week": 4,
         "best": 1, "low": 1, "high": 1},
        {**AREA, "id": "support", "series": "nato_rung", "kind": "event_week",
         "threshold": 2, "week": None, "best": 3, "low": 3, "high": 3},
        {**AREA, "id": "waves", "series": None, "outcome": "nk_waves", "kind": "cumulative",
         "week": 4, "best": 0, "low": 0, "high": 0},
    ), "hand-made")
    v = observe(rec.entries, s, {"nk_waves": np.array([0, 2])})
    np.testing.assert_array_equal(v[:, 0], [600, 700])
    np.testing.assert_array_equal(v[:, 1], [1, 2])  # weeks 3-4 only: the 3 is outside
    np.testing.assert_array_equal(v[:, 2], [3, 2])
    assert v[0, 3] == 3 and np.isnan(v[1, 3])  # run 1 never reaches rung 2
    np.testing.assert_array_equal(v[:, 4], [0, 2])
    # The distance's parts: zero inside the range, in units of the range outside it; an
    # event that never happened counts as the week after the horizon (4 + 1).
    e = excess(rec.entries, v, weeks=4)
    np.testing.assert_allclose(e[:, 0], [0.0, 0.0])
    np.testing.assert_allclose(e[:, 1], [0.0, 1.0])
    np.testing.assert_allclose(e[:, 3], [0.0, 2.0])
    np.testing.assert_allclose(e[:, 4], [0.0, 2.0])
    assert censor(rec.entries, v, 4)[1, 3] == 5



def test_the_real_record_loads_and_maps_onto_the_model() -> None:
    """Every entry of observations/kursk-2024-25.toml names a series or outcome the model
    produces, and `wargame calibrate --check` accepts it with the baseline's priors."""
    from sim.batch.observations import load_record
    from sim.cli import main as cli_main
    from tests.conftest import ROOT

    path = ROOT / "observations" / "kursk-2024-25.toml"
    record = load_record(path)
    assert record.name == "kursk-2024-25"
    assert cli_main(["calibrate", str(ROOT / "scenarios" / "baseline.toml"), "--record",
                     str(path), "--check"]) == 0


SHARED = ROOT.parent / "shared"
RECORD_FILES = ("record-to-jan-2025.md", "record-feb-apr-2025.md")


def _dashes(text: str) -> str:
    return text.replace("\u2013", "-").replace("\u2014", "-")


def record_rows() -> list[tuple[str, str]]:
    """(quantity, week column) of every row of the shared record's tables."""
    rows = []
    for name in RECORD_FILES:
        for line in (SHARED / name).read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and len(cells) >= 5 and cells[0] != "quantity" \
                    and not set(cells[0]) <= {"-"}:
                rows.append((_dashes(cells[0]), _dashes(cells[1])))
    return rows


def _span(week: str) -> tuple[int, int] | None:
    """A week column as (first, last), or None for 'before week 0' and '-'."""
    parts = week.split("-")
    if not all(p.strip().isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[-1])


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"the shared record is not at {SHARED}")
def test_every_row_of_the_record_is_an_entry_or_unmapped_at_its_week() -> None:
    """Both shared files through 30 April 2025, row by row: each row is an [[observation]]
    of that quantity whose week lies in the row's week column (an event's best week; a
    level's or count's week), or an [[unmapped]] entry with the row's week and a reason;
    and every entry answers to a row (an observation may add ': what' to the quantity)."""
    record = load_record(ROOT / "observations" / "kursk-2024-25.toml")
    raw = tomllib.loads((ROOT / "observations" / "kursk-2024-25.toml").read_text())
    anchors = {o["id"]: o["best"] if o["kind"] == "event_week" else o["week"]
               for o in raw["observation"]}

    def answers(quantity: str, row: str) -> bool:
        return quantity == row or quantity.startswith(row + ": ")

    rows = record_rows()
    assert len(rows) == 42
    matched: set[str] = set()
    for quantity, week in rows:
        span = _span(week)
        hits = [e.id for e in record.entries if answers(_dashes(e.quantity), quantity)
                and span is not None and span[0] <= anchors[e.id] <= span[1]]
        unmapped = [u for u in record.unmapped if _dashes(u.quantity) == quantity
                    and _dashes(u.week) == week]
        assert hits or unmapped, f"row not encoded: {quantity!r}, week {week}"
        matched.update(hits)
    assert matched == {e.id for e in record.entries}, "entries that answer to no row"
    assert all(u.reason for u in record.unmapped)
    assert len(record.unmapped) == sum(1 for q, w in rows if not any(
        answers(_dashes(e.quantity), q) and (s := _span(w)) and s[0] <= anchors[e.id] <= s[1]
        for e in record.entries))


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DATES = re.compile(r"\b(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? "
                   r"((?:19|20)\d\d))\b|\b((?:19|20)\d\d)-(\d\d)-\d\d\b", re.IGNORECASE)


def test_nothing_after_april_2025_is_in_the_record_the_scenarios_or_the_model() -> None:
    """The record rule: no entry lies past week 27 (the end of the retaking's range), and no
    date after May 2025 (the month the record's reports about April were made) is written
    in observations/, scenarios/ or sim/."""
    record = load_record(ROOT / "observations" / "kursk-2024-25.toml")
    assert max(e.week for e in record.entries) == 27
    assert max(e.week for e in record.entries if e.id != "kursk_retaken") == 26
    late = []
    for folder, pattern in (("observations", "*.toml"), ("scenarios", "*.toml"),
                            ("sim", "*.py")):
        for path in sorted((ROOT / folder).rglob(pattern)):
            for m in DATES.finditer(path.read_text(encoding="utf-8")):
                if m[1]:
                    when = (int(m[2]), MONTHS.index(m[1].lower()) + 1)
                else:
                    when = (int(m[3]), int(m[4]))
                if when > (2025, 5):
                    late.append(f"{path.relative_to(ROOT)}: {m[0]}")
    assert not late, late
