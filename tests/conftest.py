"""Shared fixtures: paths to the bundled scenarios and a small, fast scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.core.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def _stub_save(fig, path: Path, formats=("png",)) -> list[Path]:
    out = []
    for fmt in formats:
        target = path.with_suffix(f".{fmt}")
        target.write_bytes(b"figure")
        out.append(target)
    return out


def _stub_render(jobs, folder: Path, formats, workers=None, advance=None) -> list[Path]:
    """Each figure job as a placeholder file, in this process (no worker)."""
    out = []
    for job in jobs:
        out += _stub_save(None, folder / job.stem, formats)
        if advance:
            advance()
    return out


@pytest.fixture
def fast_figures(monkeypatch):
    """Figures as placeholder files, for tests of what commands do with folders and
    arguments (the figures themselves are tested in test_analysis_cli and test_cli)."""
    import sim.analysis.commands as commands
    import sim.batch.rundir as rundir

    monkeypatch.setattr(rundir, "plot_run", lambda *a, **k: None)
    monkeypatch.setattr(rundir, "save_figure", _stub_save)
    monkeypatch.setattr(commands, "render", _stub_render)
