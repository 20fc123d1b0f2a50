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


def _stub_figures(rs, folder: Path, formats, scatter_outcome: str = "escalation_peak"):
    return _stub_save(None, folder / "figure", formats)


@pytest.fixture
def fast_figures(monkeypatch):
    """Figures as placeholder files, for tests of what commands do with folders and
    arguments (the figures themselves are tested in test_analysis_cli and test_cli)."""
    import matplotlib.figure

    import sim.analysis.commands as commands
    import sim.analysis.report as report
    import sim.batch.rundir as rundir

    monkeypatch.setattr(rundir, "plot_run", lambda *a, **k: None)
    monkeypatch.setattr(rundir, "save_figure", _stub_save)
    monkeypatch.setattr(commands, "write_figures", _stub_figures)
    monkeypatch.setattr(report, "write_figures", _stub_figures)
    monkeypatch.setattr(commands, "save_figure", _stub_save)
    for name in ("plot_sensitivity", "plot_compare"):
        monkeypatch.setattr(commands, name, lambda *a, **k: matplotlib.figure.Figure())
