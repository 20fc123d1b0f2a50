"""What `plot`, `analyze` and `compare` compute for an opened result set, and the files they
write. Folders are built in a temporary sibling that is renamed into place, so an
interrupted command never leaves half a folder; each carries a stamp (:mod:`cache`) naming
the store it was computed from, which `report` uses to reuse it."""

from __future__ import annotations

import json
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.analysis.cache import read_stamp, write_stamp
from sim.analysis.defaults import EVENT, MIN_DENSITY, check_outcomes
from sim.analysis.discovery import Box, Discovery, check_event, start_discovery
from sim.analysis.parallel import Workers
from sim.analysis.progress import Progress
from sim.analysis.render import FigureJob, render
from sim.analysis.results import ResultSet
from sim.analysis.sensitivity import (
    Sensitivity,
    forest_inputs,
    forest_ranking,
    forest_sensitivity,
    is_sobol,
    ranking_frame,
    sobol_sensitivity,
)
from sim.analysis.summary import (
    FAN_SERIES,
    NUMERIC_OUTCOMES,
    describe_outcomes,
    distributions,
    fan_bands,
    retaken_by_week,
    rung_probabilities,
)
from sim.core.outcomes import BY_NAME
from sim.errors import UserError
from sim.outdir import replace_dir

if TYPE_CHECKING:
    from sim.core.scenario import Scenario

SCATTER_SAMPLE = 5_000
"""Runs drawn in the parameter scatter at most (a seeded random sample beyond it)."""


# ---------------------------------------------------------------- figures
def figure_jobs(rs: ResultSet, scatter_outcome: str = "escalation_peak",
                progress: Progress | None = None) -> list[FigureJob]:
    """The figures that make sense for this result set, with their data computed."""
    step = progress.step if progress else (lambda _: None)
    advance = progress.advance if progress else (lambda: None)
    if rs.kind == "run":
        if not rs.has_series:
            return []
        frame = rs.query("SELECT * EXCLUDE (run_id) FROM series ORDER BY week")
        series = {c: frame[c].to_numpy(dtype=float) for c in frame.columns}
        title = f"{rs.name}, seed {rs.manifest.get('base_seed')}"
        scenario = run_scenario_of(rs.root)
        if scenario is None:  # a run folder without its scenario: no thresholds to draw
            return [FigureJob("run", "plot_run", (series, title))]
        return [FigureJob("run", "plot_scenario_run", (series, scenario, title))]
    step(f"outcome distributions over {rs.n_runs:,} runs")
    jobs = [FigureJob(f"outcome_{name}", "plot_outcome_distribution",
                      (dist, BY_NAME[name].unit, BY_NAME[name].doc, rs.name))
            for name, dist in distributions(rs).items()]
    advance()
    if rs.has_series:
        step(f"fan-chart bands over {rs.n_runs * (rs.horizon + 1):,} weekly rows")
        bands = {s: fan_bands(rs, s) for s in FAN_SERIES}
        jobs.append(FigureJob("fan_charts", "plot_fan_charts", (bands, rs.name, rs.n_runs),
                              cost=3))
        advance()
        step("rung probabilities by week")
        jobs.append(FigureJob("rung_probabilities", "plot_rung_probabilities",
                              (rung_probabilities(rs), retaken_by_week(rs), rs.name,
                               rs.n_runs)))
    advance()
    if rs.param_names:
        step("parameter scatter")
        sample = SCATTER_SAMPLE if rs.n_runs > SCATTER_SAMPLE else None
        runs = rs.frame([*rs.param_names, scatter_outcome, "rok_max_rung"], sample=sample)
        jobs.append(FigureJob(f"scatter_{scatter_outcome}", "plot_param_scatter",
                              (runs, rs.param_names, scatter_outcome,
                               BY_NAME[scatter_outcome].unit, rs.name, rs.n_runs),
                              cost=len(rs.param_names)))
    advance()
    return jobs


def run_scenario_of(root: Path) -> Scenario | None:
    """The resolved scenario a `wargame run` folder keeps (scenario.json), or None if it
    is missing or not one this code reads."""
    from pydantic import ValidationError

    from sim.core.scenario import Scenario

    try:
        return Scenario.model_validate_json((root / "scenario.json").read_text())
    except (OSError, ValueError, ValidationError):
        return None


FIGURE_STEPS = 4
"""Progress steps of :func:`figure_jobs` before its figures are counted."""


def write_figures(rs: ResultSet, folder: Path, formats: tuple[str, ...],
                  scatter_outcome: str = "escalation_peak",
                  progress: Progress | None = None,
                  workers: Workers | None = None) -> list[Path]:
    """Every figure that makes sense for this result set, into ``folder``."""
    jobs = figure_jobs(rs, scatter_outcome, progress)
    if progress:
        progress.add(len(jobs))
        progress.step(f"drawing {len(jobs)} figures")
    return render(jobs, folder, formats, workers,
                  advance=progress.advance if progress else None)


def check_scatter_outcome(name: str) -> None:
    if name not in NUMERIC_OUTCOMES:
        raise UserError(f"--outcome: expected a numeric outcome such as escalation_peak, "
                        f"got {name!r}")


def plot_results(rs: ResultSet, formats: tuple[str, ...], scatter_outcome: str,
                 progress: Progress | None = None,
                 workers: Workers | None = None) -> tuple[Path, pd.DataFrame]:
    """`wargame plot`: figures into DIR/figures, plus the outcome summary as CSV (also
    returned)."""
    check_scatter_outcome(scatter_outcome)
    target = rs.root / "figures"
    summary = describe_outcomes(rs)

    def fill(tmp: Path) -> None:
        files = write_figures(rs, tmp, formats, scatter_outcome, progress, workers)
        summary.to_csv(tmp / "outcome_summary.csv")
        write_stamp(tmp, "figures", rs.digest, formats=list(formats),
                    scatter_outcome=scatter_outcome, files=[p.name for p in files])

    replace_dir(target, fill, "figures", option="")
    return target, summary


def stamped_figures(rs: ResultSet, fmt: str = "png") -> list[Path] | None:
    """The figures `plot` wrote for this very store in format ``fmt``, in their order, or
    None if there are none or they are stale."""
    folder = rs.root / "figures"
    stamp = read_stamp(folder, "figures", rs.digest)
    if stamp is None or fmt not in stamp.get("formats", []):
        return None
    files = [folder / name for name in stamp.get("files", []) if name.endswith(f".{fmt}")]
    return files if files and all(p.is_file() for p in files) else None


# ---------------------------------------------------------------- analysis
@dataclass
class Analysis:
    """Sensitivity per outcome and one scenario-discovery box."""

    sensitivity: dict[str, Sensitivity] = field(default_factory=dict)
    box: Box | None = None
    discovery_note: str = ""
    event: str = EVENT
    min_density: float = MIN_DENSITY
    reused: list[str] = field(default_factory=list)  # what came from a stamped folder


@dataclass
class PendingAnalysis:
    """An analysis whose forests and PRIM run in the workers (see :func:`start_analysis`);
    :meth:`finish` waits for them."""

    result: Analysis
    outcomes: list[str]
    forests: dict[Future, tuple[str, str]]  # future -> (outcome, how the rows were chosen)
    discovery: Discovery | None = None
    progress: Progress | None = None

    def finish(self) -> Analysis:
        result = self.result
        for fut in as_completed(self.forests):
            outcome, note = self.forests[fut]
            result.sensitivity[outcome] = forest_sensitivity(outcome, fut.result(), note)
            if self.progress:
                self.progress.advance()
        if self.discovery is not None:
            try:
                result.box = self.discovery.result()
            except UserError as exc:  # the event never or always happens: say so
                result.discovery_note = exc.message
        if self.progress:
            self.progress.advance()
        result.sensitivity = {o: result.sensitivity[o] for o in self.outcomes}  # given order
        return result


def start_analysis(rs: ResultSet, outcomes: list[str], event: str, min_density: float,
                   progress: Progress | None = None, previous: Analysis | None = None,
                   workers: Workers | None = None) -> PendingAnalysis:
    """Start the sensitivity of each outcome and a PRIM box for ``event``: PRIM (the
    longest single task) and the forests go to the workers, and this process is free to
    compute other things (the report's figures) until :meth:`PendingAnalysis.finish`.
    Parts of ``previous`` (an analysis of this same store) are reused."""
    if rs.kind != "sweep" or not rs.params:
        raise UserError(f"{rs.root}: analyze needs a sweep store (this is a single run)",
                        hint="run `wargame sweep` first")
    check_outcomes(outcomes)
    check_event(rs, event)  # a bad --event stops before any work
    step = progress.step if progress else (lambda _: None)
    advance = progress.advance if progress else (lambda: None)
    workers = workers or Workers(1)
    result = Analysis(event=event, min_density=min_density)
    discovery = None
    if previous is not None and (previous.event, previous.min_density) == (event,
                                                                           min_density):
        result.box, result.discovery_note = previous.box, previous.discovery_note
        result.reused.append("discovery")
    else:
        step(f"scenario discovery (PRIM) for {event}")
        discovery = start_discovery(rs, event, min_density, workers=workers)
    forests: dict[Future, tuple[str, str]] = {}
    todo = []
    for o in outcomes:
        if previous is not None and o in previous.sensitivity:
            result.sensitivity[o] = previous.sensitivity[o]
            result.reused.append(o)
            advance()
        else:
            todo.append(o)
    if todo and is_sobol(rs):
        for o in todo:
            step(f"Sobol indices of {o}")
            result.sensitivity[o] = sobol_sensitivity(rs, o)
            advance()
    elif todo:
        step(f"model-free ranking of {len(todo)} outcomes")
        frame = ranking_frame(rs, todo)
        for o in todo:
            problem, x, y, note = forest_inputs(rs, o, frame)
            forests[workers.submit(forest_ranking, problem, x, y)] = (o, note)
    return PendingAnalysis(result, list(outcomes), forests, discovery, progress)


def analyze_results(rs: ResultSet, outcomes: list[str], event: str, min_density: float,
                    progress: Progress | None = None, previous: Analysis | None = None,
                    workers: Workers | None = None) -> Analysis:
    """Sensitivity of each outcome and a PRIM box for ``event`` (see
    :func:`start_analysis`)."""
    return start_analysis(rs, outcomes, event, min_density, progress, previous,
                          workers).finish()


ANALYSIS_STEPS_EXTRA = 1
"""Progress steps of :func:`analyze_results` besides one per outcome (discovery)."""


def write_analysis(rs: ResultSet, result: Analysis, formats: tuple[str, ...] = ("png",),
                   progress: Progress | None = None, workers: Workers | None = None) -> Path:
    """CSV tables, bar charts, the discovery rule and ``analysis.json`` (everything the
    report needs) into DIR/analysis."""
    target = rs.root / "analysis"

    def fill(tmp: Path) -> None:
        saved: dict[str, Any] = {"event": result.event, "min_density": result.min_density,
                                  "sensitivity": {}, "box": None,
                                  "discovery_note": result.discovery_note}
        jobs = []
        for o, sens in result.sensitivity.items():
            csv = f"sensitivity_{sens.method}_{o}.csv"
            sens.table.to_csv(tmp / csv)
            saved["sensitivity"][o] = {"method": sens.method, "csv": csv, "note": sens.note,
                                        "warning": sens.warning}
            jobs.append(FigureJob(f"sensitivity_{o}", "plot_sensitivity", (sens, rs.name)))
        if progress:
            progress.add(len(jobs))
            progress.step(f"drawing {len(jobs)} charts")
        render(jobs, tmp, formats, workers, advance=progress.advance if progress else None)
        if result.box is not None:
            b = result.box
            pd.DataFrame([{"event": b.event, "density": b.density,
                           "density_se": b.density_se, "coverage": b.coverage,
                           "coverage_se": b.coverage_se, "mass": b.mass,
                           "base_rate": b.base_rate, "runs": b.n_runs,
                           "prim_sample": b.sample, "resamples": b.resamples,
                           "reproduced": "; ".join(f"{p} {v:.0%}"
                                                   for p, v in b.reproduced.items()),
                           "held_out_density": b.held_out_density,
                           "warning": b.warning(),
                           "restrictions": "; ".join(f"{p} {c}" for p, c in b.restrictions),
                           "rule": b.rule()}]).to_csv(tmp / "discovery.csv", index=False)
            saved["box"] = {k: getattr(b, k) for k in BOX_FIELDS}
        (tmp / "discovery.txt").write_text((result.box.rule() if result.box
                                            else result.discovery_note) + "\n")
        (tmp / "analysis.json").write_text(json.dumps(saved, indent=2) + "\n")
        write_stamp(tmp, "analysis", rs.digest, outcomes=list(result.sensitivity),
                    event=result.event, min_density=result.min_density)

    replace_dir(target, fill, "analysis", option="")
    return target


BOX_FIELDS = ("event", "restrictions", "density", "coverage", "mass", "base_rate", "n_runs",
              "sample", "density_se", "coverage_se", "reproduced", "resamples",
              "held_out_density")
"""What ``analysis.json`` keeps of a PRIM box (all but the limits, which are in its rule)."""


def stamped_analysis(rs: ResultSet) -> Analysis | None:
    """What `analyze` wrote for this very store, read back; None if absent or stale."""
    folder = rs.root / "analysis"
    if read_stamp(folder, "analysis", rs.digest) is None:
        return None
    try:
        saved = json.loads((folder / "analysis.json").read_text())
        result = Analysis(event=saved["event"], min_density=float(saved["min_density"]),
                          discovery_note=saved.get("discovery_note", ""))
        for o, s in saved["sensitivity"].items():
            table = pd.read_csv(folder / s["csv"], index_col=0, keep_default_na=False,
                                na_values=[""])
            if "note" in table.columns:
                table["note"] = table["note"].fillna("").astype(str)
            result.sensitivity[o] = Sensitivity(o, s["method"], table, s["note"],
                                                s["warning"])
        if saved.get("box"):
            b = saved["box"]
            result.box = Box(**{**{k: b[k] for k in BOX_FIELDS},
                                "restrictions": [tuple(r) for r in b["restrictions"]]})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result
