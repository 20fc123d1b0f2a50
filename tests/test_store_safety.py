"""The sweep store keeps every result safe: one writer at a time (an OS lock), readers see
committed parts only and refuse runs stored twice or parts of mixed schemas, a resume
refuses a changed format, code or time-series choice and never touches a complete store,
a lost manifest is rebuilt from the parts, and an unreadable part is named and skipped or
run again, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.analysis.results import load_results
from sim.batch.store import Store, StoreWarning
from sim.batch.tables import runs_schema
from sim.cli import main
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SMALL = ["--design", "lhs", "--samples", "4", "--replicates", "2", "--weeks", "8", "--quiet",
         "--executor", "serial", "--batch-rows", "2", "--chunk-size", "2"]
TOTAL = 8


def sweep(out: Path, *extra: str) -> int:
    return main(["sweep", BASELINE, *SMALL, "--out", str(out), *extra])


def rows(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> Path:
    """A finished 8-run store, in 4 parts; tests copy it."""
    out = tmp_path_factory.mktemp("store") / "s"
    assert sweep(out) == 0
    return out


@pytest.fixture
def store(complete: Path, tmp_path: Path) -> Path:
    out = tmp_path / "s"
    shutil.copytree(complete, out)
    return out


def parts(out: Path, kind: str = "runs") -> list[Path]:
    return sorted((out / kind).glob("part-*.parquet"))


# ---------------------------------------------------------------- one writer
def test_a_second_writer_exits_2_naming_the_holder(store: Path, capsys) -> None:
    m = manifest(store)
    m["status"] = "interrupted"
    (store / "manifest.json").write_text(json.dumps(m))
    before = (store / "manifest.json").read_bytes()
    with Store(store).lock("wargame sweep (the first writer)"):
        assert sweep(store, "--resume") == 2
        err = capsys.readouterr().err
        assert f"process {os.getpid()}" in err and "the first writer" in err
    assert (store / "manifest.json").read_bytes() == before


SPAWN = ["--design", "lhs", "--samples", "30", "--replicates", "4", "--weeks", "12",
         "--quiet", "--executor", "serial", "--batch-rows", "8"]


def _spawn(out: Path, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "sim", "sweep", BASELINE, *SPAWN, "--chunk-size", "4",
            "--out", str(out), *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_concurrent_resumes_one_writes_the_other_exits_2(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    assert main(["sweep", BASELINE, *SPAWN, "--chunk-size", "40", "--out", str(out)]) == 0
    for p in parts(out)[1:]:  # as if killed after its first part
        p.unlink()
        (out / "timeseries" / p.name).unlink()
    m = manifest(out)
    (out / "manifest.json").write_text(json.dumps({**m, "status": "running"}))
    assert len(rows(out)) == 40

    a = _spawn(out, "--resume")
    deadline = time.monotonic() + 120
    while f'"pid": {a.pid}' not in (out / ".lock").read_text():
        assert a.poll() is None, f"the resume ended before it was seen holding the lock: {a}"
        assert time.monotonic() < deadline, "the resume never took the lock"
        time.sleep(0.01)
    a.send_signal(signal.SIGSTOP)  # a holds the lock and writes no more until continued
    try:
        # The second resume: this test's own process.
        assert main(["sweep", BASELINE, *SPAWN, "--out", str(out), "--resume"]) == 2
        err = capsys.readouterr().err
        assert f"another sweep is writing this store (process {a.pid}" in err
    finally:
        a.send_signal(signal.SIGCONT)
    assert a.wait(timeout=120) == 0, a.stderr.read()
    final = rows(out)
    assert len(final) == 120 and final["run_id"].is_unique
    assert manifest(out)["status"] == "complete" and manifest(out)["runs_done"] == 120


# ---------------------------------------------------------------- readers
def test_readers_see_committed_parts_only(store: Path) -> None:
    # A killed writer can leave a timeseries part whose runs part never came, and temp files.
    ts = parts(store, "timeseries")[0]
    shutil.copy(ts, store / "timeseries" / "part-000099.parquet")
    shutil.copy(parts(store)[0], store / "runs" / ".part-000100.parquet.tmp")
    rs = load_results(store)
    assert rs.n_runs == TOTAL
    weeks = rs.query("SELECT run_id, count(*) AS n FROM series GROUP BY run_id")
    assert len(weeks) == TOTAL
    assert weeks["n"].eq(9).all()


def test_runs_stored_twice_are_flagged_and_repaired(store: Path, capsys) -> None:
    shutil.copy(parts(store)[1], store / "runs" / "part-000050.parquet")
    shutil.copy(parts(store, "timeseries")[1], store / "timeseries" / "part-000050.parquet")
    assert main(["plot", str(store)]) == 2
    err = capsys.readouterr().err
    assert "stored more than once" in err and f"wargame store repair {store}" in err
    assert main(["store", "check", str(store)]) == 1
    assert "repeat a run_id" in capsys.readouterr().err
    assert main(["store", "repair", str(store)]) == 0
    assert main(["store", "check", str(store)]) == 0
    final = rows(store)
    assert len(final) == TOTAL and final["run_id"].is_unique
    ts = pd.read_parquet(store / "timeseries")
    assert len(ts) == TOTAL * 9


# ---------------------------------------------------------------- resume refuses
@pytest.mark.parametrize(
    ("change", "extra", "fragment"),
    [
        ({"format_version": 1}, [], "the store format (stored 1"),
        ({"columns_digest": "0123456789abcdef"}, [], "the code that defines the outcome columns"),
        ({}, ["--no-timeseries"], "the time-series choice (stored with weekly series: "
                                  "drop --no-timeseries)"),
        ({"timeseries": False}, [], "add --no-timeseries"),
    ],
)
def test_resume_refuses_a_changed_format_code_or_timeseries_choice(store, capsys, change,
                                                                   extra, fragment) -> None:
    m = {**manifest(store), **change, "status": "interrupted"}
    (store / "manifest.json").write_text(json.dumps(m))
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file()}
    assert sweep(store, "--resume", *extra) == 2
    err = capsys.readouterr().err
    assert "cannot resume" in err and fragment in err
    assert {p: p.read_bytes() for p in store.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    "extra",
    [["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], ["--no-timeseries"],
     ["--seed", "5"], ["--workers", "0"], []],
)
def test_a_resume_never_changes_a_complete_store(store, extra) -> None:
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file() and p.name != ".lock"}
    code = sweep(store, "--resume", *extra)
    assert code == (0 if not extra else 2)
    after = {p: p.read_bytes() for p in store.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before
    assert manifest(store)["status"] == "complete"


# ---------------------------------------------------------------- repair
def test_a_lost_manifest_and_points_are_rebuilt_from_the_parts(store, capsys) -> None:
    original = manifest(store)
    points = pd.read_parquet(store / "points.parquet")
    (store / "manifest.json").unlink()
    (store / "points.parquet").unlink()
    assert sweep(store, "--resume") == 2
    assert "lost its manifest.json" in capsys.readouterr().err
    assert main(["store", "check", str(store)]) == 1
    assert "manifest.json is missing (repair rebuilds it" in capsys.readouterr().err
    assert main(["store", "repair", str(store)]) == 0
    rebuilt = manifest(store)
    for key in ("scenario_text", "scenario_hash", "design", "base_seed", "n_points",
                "runs_total", "timeseries", "columns_digest", "format_version"):
        assert rebuilt[key] == original[key], key
    assert rebuilt["runs_done"] == TOTAL and rebuilt["status"] == "complete"
    pd.testing.assert_frame_equal(pd.read_parquet(store / "points.parquet"), points)
    assert main(["run", "--from-sweep", str(store), "--run-id", "5", "--out",
                 str(store.parent / "r")]) == 0
    assert "reproduces the stored row exactly" in capsys.readouterr().out


def test_an_unreadable_part_is_named_skipped_and_run_again(store, capsys) -> None:
    clean = rows(store)
    bad = parts(store)[1]
    bad.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.warns(StoreWarning, match=bad.name):
        rs = load_results(store)
    assert rs.n_runs == TOTAL - 2
    m = manifest(store)
    (store / "manifest.json").write_text(json.dumps({**m, "status": "interrupted"}))
    assert sweep(store, "--resume") == 0
    err = capsys.readouterr().err
    assert f"warning: {bad}: unreadable part moved to" in err and "Traceback" not in err
    assert (store / "quarantine" / f"runs-{bad.name}").exists()  # set aside, not deleted
    pd.testing.assert_frame_equal(rows(store).drop(columns="duration_s"),
                                  clean.drop(columns="duration_s"))
    assert manifest(store)["status"] == "complete"


def test_every_part_has_one_schema_and_mixed_schemas_are_refused(store, capsys) -> None:
    schemas = [pq.read_schema(p) for p in parts(store)]
    assert all(s.equals(schemas[0]) for s in schemas)
    # A part with a column missing (as plain readers would silently drop it).
    t = pq.read_table(parts(store)[2]).drop_columns(["escalation_peak"])
    pq.write_table(t, parts(store)[2])
    assert main(["plot", str(store)]) == 2
    err = capsys.readouterr().err
    assert parts(store)[2].name in err and "escalation_peak" in err
    assert main(["store", "check", str(store)]) == 1


def test_a_batch_with_another_schema_never_reaches_the_disk(tmp_path) -> None:
    st = Store(tmp_path)
    st.create()
    schema = runs_schema([("north_korea.troop_quality", pa.float64())])
    other = runs_schema([("north_korea.troop_quality", pa.int64())])
    with pytest.raises(ValueError, match="schema"):
        st.write_batch(0, other.empty_table(), None, schema)
    assert not list(tmp_path.rglob("*.parquet"))
