"""Write one run's results into a folder: its outcomes (JSON), weekly series (CSV), event
log, the resolved scenario, and a figure of the main series (PNG).

Why in the CLI: the folder holds a figure, drawn by :mod:`sim.analysis.plots`, and only
the command line sits above the analysis layer (``tests/test_structure.py``).

Everything is written into a temporary sibling folder that is renamed into place at the
end, so an interrupted write never leaves a half-written result folder; an existing folder
is replaced only if it is a run folder that wargame wrote (:mod:`sim.outdir`).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.analysis.plots import plot_scenario_run
from sim.analysis.style import save_figure
from sim.batch.runner import RunResult
from sim.core.scenario import Scenario
from sim.outdir import MARKER, replace_dir


def json_safe(outcomes: dict[str, Any]) -> dict[str, Any]:
    """NaN (a week that never happened) becomes null so the JSON is standard."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in outcomes.items()}


def write_run_dir(out: Path, scenario: Scenario, result: RunResult,
                  inputs: Sequence[Path] = ()) -> list[Path]:
    """Write the run into ``out``; returns the files written. ``out`` is replaced only if
    it is a run folder that wargame wrote (see :mod:`sim.outdir`), never one of
    ``inputs``, the current folder or a folder holding anything else."""

    def fill(tmp: Path) -> None:
        meta = {"scenario": scenario.name, "seed": result.seed, "digest": scenario.digest()}
        (tmp / "outcomes.json").write_text(
            json.dumps({**meta, "outcomes": json_safe(result.outcomes)}, indent=2) + "\n"
        )
        names = list(result.series)
        with (tmp / "timeseries.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(names)
            for row in zip(*(result.series[n] for n in names), strict=True):
                writer.writerow([f"{v:.6g}" for v in row])
        (tmp / "events.txt").write_text(
            "".join(f"week {w:>3}: {text}\n" for w, text in result.events)
        )
        (tmp / "scenario.json").write_text(scenario.model_dump_json(indent=2) + "\n")
        fig = plot_scenario_run(result.series, scenario, f"{scenario.name}, seed {result.seed}")
        save_figure(fig, tmp / "timeseries", ("png",))

    out = replace_dir(Path(out), fill, "run", inputs)
    return sorted(p for p in out.iterdir() if p.name != MARKER)
