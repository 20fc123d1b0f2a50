"""Shutdown: SIGTERM stops a sweep as Ctrl-C does (every finished run flushed, the manifest
'interrupted', the workers stopped); a sweep killed with -9 leaves no worker behind: its
pool workers notice it is gone, exit within seconds, write nothing more and release the
caller's pipes, and a resume completes the store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")


SWEEP = ["sweep", BASELINE, "--design", "lhs", "--samples", "60", "--replicates", "4",
         "--weeks", "12", "--quiet", "--batch-rows", "4", "--chunk-size", "2"]


def spawn(out: Path, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "sim", *SWEEP, "--out", str(out), *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_parts(out: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while len(list((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir()
              else []) < n:
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before it could be stopped: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            pytest.fail("no parts appeared")
        time.sleep(0.02)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc): the forkserver and the pool workers."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    found, stack = [], [pid]
    while stack:
        for c in children.get(stack.pop(), []):
            found.append(c)
            stack.append(c)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_sigterm_flushes_marks_interrupted_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "s"
    proc = spawn(out, "--executor", "serial")
    wait_for_parts(out, 1, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    stored = pd.read_parquet(out / "runs")
    assert manifest["status"] == "interrupted"
    assert manifest["runs_done"] == len(stored) > 0 and stored["run_id"].is_unique
    assert main([*SWEEP, "--executor", "serial", "--chunk-size", "40", "--out", str(out),
                 "--resume"]) == 0
    final = pd.read_parquet(out / "runs")
    assert len(final) == 240 and final["run_id"].is_unique
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_kill_9_leaves_no_worker_and_no_extra_rows(tmp_path: Path) -> None:
    out = tmp_path / "s"
    proc = spawn(out, "--executor", "process", "--workers", "2")
    wait_for_parts(out, 2, proc)
    workers = descendants(proc.pid)
    assert len(workers) >= 2  # the forkserver and its pool workers
    os.kill(proc.pid, signal.SIGKILL)
    # The caller's pipes close: no worker holds them open.
    proc.communicate(timeout=20)
    deadline = time.monotonic() + 10
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if alive(p)]
    rows = len(pd.read_parquet(out / "runs"))
    time.sleep(1.0)
    assert len(pd.read_parquet(out / "runs")) == rows  # nobody writes after the kill
    # A part the killed process was half-way through writing stays a hidden temp file,
    # which no reader counts; resume removes it and finishes the sweep, nothing lost or
    # stored twice.
    assert main([*SWEEP, "--executor", "serial", "--chunk-size", "40", "--out", str(out),
                 "--resume"]) == 0
    assert not list((out / "runs").glob(".*.tmp"))
    final = pd.read_parquet(out / "runs")
    assert len(final) == 240 and final["run_id"].is_unique
