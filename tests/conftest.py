"""Shared fixtures: paths to the bundled scenarios, the baseline scenario, and one outcome or
series of a scenario over many seeds (the actors' tests compare averages: single runs are
noisy)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from sim.core.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def outcomes_over_seeds(sc: Scenario, key: str, seeds: Iterable[int] = range(30)
                        ) -> np.ndarray:
    """One outcome of single runs (the Mesa model) over seeds."""
    from sim.batch.runner import run_scenario

    return np.array([run_scenario(sc, s).outcomes[key] for s in seeds], dtype=float)


def series_over_seeds(sc: Scenario, name: str, seeds: int = 20) -> np.ndarray:
    """One weekly series over seeds 0..seeds-1 (one batch): shape (seeds, weeks + 1)."""
    from sim.core.engine import run_batch
    from sim.core.series import SERIES_INDEX

    res = run_batch([sc] * seeds, np.arange(seeds))
    return np.stack([res.series_block(i)[:, SERIES_INDEX[name]] for i in range(seeds)])


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
    import sim.analysis.compare as compare
    import sim.cli.rundir as rundir

    monkeypatch.setattr(rundir, "plot_scenario_run", lambda *a, **k: None)
    monkeypatch.setattr(rundir, "save_figure", _stub_save)
    monkeypatch.setattr(commands, "render", _stub_render)
    monkeypatch.setattr(compare, "render", _stub_render)
