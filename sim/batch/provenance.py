"""Provenance: what every stored study (sweep, branch, calibration) says about where its
numbers came from, written the same way by all three.

- the scenario it ran, as its file's path and text and the ``--set`` overrides
  (:class:`ScenarioFile`), and its hash (:func:`scenario_hash`), which a resume compares;
- the code: package versions and the git commit (:func:`stamp`);
- when: UTC timestamps to the second (:func:`now`).

Every manifest is written by :func:`sim.batch.store.write_manifest`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.core.scenario import Scenario


@dataclass(frozen=True)
class ScenarioFile:
    """The scenario as the user gave it: its path, its file's text and the ``--set``
    overrides, stored so that a study can be re-run (and a stored run re-run alone)."""

    path: str
    text: str
    overrides: dict[str, Any] = field(default_factory=dict)


def scenario_hash(scenario: Scenario) -> str:
    """The hash of a resolved scenario (every value, its ``[sweep]`` table included): a
    resume refuses a scenario whose hash differs from the stored one."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def now() -> str:
    """The time now, UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions(*packages: str) -> dict[str, str]:
    """Versions that define a study's numbers, and those of ``packages`` (read from package
    metadata: importing Mesa only to ask would cost a second)."""
    from importlib.metadata import version

    import numpy as np

    import sim

    found = {"sim": sim.__version__, "mesa": version("mesa"), "numpy": np.__version__,
             "python": platform.python_version()}
    return {**found, **{p: version(p) for p in packages}}


def git_commit() -> str | None:
    """The commit of the checkout this code runs from, or None (not a checkout, no git)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def stamp(command: str, *packages: str) -> dict[str, Any]:
    """The fields a new manifest starts with: the command, the code (versions of the
    defaults and of ``packages``, git commit), when it started, and a running status."""
    return {"command": command, "versions": versions(*packages), "git_commit": git_commit(),
            "started": now(), "finished": None, "status": "running"}

