"""What `plot`, `analyze` and `compare` compute for an opened result set, and the files they
write. Folders are built in a temporary sibling that is renamed into place, so an
interrupted command never leaves half a folder; each carries a stamp (:mod:`cache`) naming
the store it was computed from, which `report` uses to reuse it."""

from __future__ import annotations

import json
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis.boxes import Box
from sim.analysis.cache import read_stamp, write_stamp
from sim.analysis.defaults import EVENT, MIN_DENSITY, check_outcomes
from sim.analysis.discovery import (
    METHODS,
    RESAMPLES,
    Discovery,
    View,
    check_event,
    start_discovery,
    trajectory_table,
)
from sim.analysis.parallel import Workers
from sim.analysis.progress import Progress
from sim.analysis.render import FigureJob, render
from sim.analysis.results import ResultSet
from sim.analysis.sensitivity import (
    Sensitivity,
    flagged_indices,
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
    """Sensitivity per outcome and scenario discovery: a box per method (PRIM, and CART on
    request), or the note saying why there is none (too few events)."""

    sensitivity: dict[str, Sensitivity] = field(default_factory=dict)
    boxes: dict[str, Box] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)  # the boxes each method offered
    discovery_note: str = ""
    event: str = EVENT
    min_density: float = MIN_DENSITY
    methods: tuple[str, ...] = ("PRIM",)
    reused: list[str] = field(default_factory=list)  # what came from a stamped folder

    @property
    def box(self) -> Box | None:
        """PRIM's box, the one every analysis has (when there are events enough)."""
        return self.boxes.get("PRIM")

    def discovery_text(self) -> str:
        """Each method's rule and its flags, or why there is no rule."""
        if not self.boxes:
            return self.discovery_note
        return "\n".join(f"{m}: {b.rule()}" + (f"\n  FLAGGED: {b.warning()}" if b.warning()
                                                else "") for m, b in self.boxes.items())


@dataclass
class PendingAnalysis:
    """An analysis whose forests and discovery run in the workers (see
    :func:`start_analysis`); :meth:`finish` waits for them, saying which are still
    running."""

    result: Analysis
    outcomes: list[str]
    forests: dict[Future, str]  # future -> outcome
    notes: dict[str, str]  # outcome -> how the rows were chosen
    discovery: Discovery | None = None
    progress: Progress | None = None

    def finish(self) -> Analysis:
        result = self.result
        futures: dict[Future, str] = dict(self.forests)
        if self.discovery is not None:
            futures.update({f: m for m, f in self.discovery.futures.items()})
        pending = set(futures)
        while pending:
            if self.progress:
                self.progress.step(_running(futures, pending, self.discovery))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                name = futures[fut]
                if name in self.notes:
                    result.sensitivity[name] = forest_sensitivity(name, fut.result(),
                                                                  self.notes[name])
                    if self.progress:
                        self.progress.advance()
        if self.discovery is not None:
            result.discovery_note = self.discovery.note
            for m in self.discovery.futures:
                found = self.discovery.result(m)
                result.boxes[m], result.views[m] = found.box, (found.boxes, found.chosen)
        if self.progress:
            self.progress.advance()
        result.sensitivity = {o: result.sensitivity[o] for o in self.outcomes}  # given order
        return result


def _running(futures: dict[Future, str], pending: set[Future],
             discovery: Discovery | None) -> str:
    """What the workers are still computing, for the progress bar."""
    forests = [futures[f] for f in pending if futures[f] not in METHODS]
    methods = [futures[f] for f in pending if futures[f] in METHODS]
    parts = []
    if methods and discovery is not None:
        parts.append(f"{' and '.join(methods)} for '{discovery.label}' and its check on "
                     f"{RESAMPLES} held-out halves")
    if forests:
        parts.append(f"model-free ranking of {len(forests)} outcome"
                     + ("s" if len(forests) > 1 else ""))
    return "running " + "; ".join(parts)


def start_analysis(rs: ResultSet, outcomes: list[str], event: str, min_density: float,
                   progress: Progress | None = None, previous: Analysis | None = None,
                   workers: Workers | None = None,
                   methods: tuple[str, ...] = ("PRIM",)) -> PendingAnalysis:
    """Start the sensitivity of each outcome and scenario discovery for ``event`` (with
    each of ``methods``): discovery and the forests go to the workers, and this process is
    free to compute other things (the report's figures) until
    :meth:`PendingAnalysis.finish`. Parts of ``previous`` (an analysis of this same store)
    are reused."""
    if rs.kind != "sweep" or not rs.params:
        raise UserError(f"{rs.root}: analyze needs a sweep store (this is a single run)",
                        hint="run `wargame sweep` first")
    check_outcomes(outcomes)
    check_event(rs, event)  # a bad --event stops before any work
    step = progress.step if progress else (lambda _: None)
    advance = progress.advance if progress else (lambda: None)
    workers = workers or Workers(1)
    result = Analysis(event=event, min_density=min_density, methods=methods)
    discovery = None
    if previous is not None and (previous.event, previous.min_density) == (
            event, min_density) and set(methods) <= set(previous.methods):
        result.boxes, result.views = previous.boxes, previous.views
        result.discovery_note, result.methods = previous.discovery_note, previous.methods
        result.reused.append("discovery")
    else:
        step(f"scenario discovery ({' and '.join(methods)}) for {event}")
        discovery = start_discovery(rs, event, min_density, workers=workers, methods=methods)
    forests: dict[Future, str] = {}
    notes: dict[str, str] = {}
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
        step(f"reading the runs for the model-free ranking of {len(todo)} outcomes")
        frame = ranking_frame(rs, todo)
        for o in todo:
            problem, x, y, notes[o] = forest_inputs(rs, o, frame)
            forests[workers.submit(forest_ranking, problem, x, y)] = o
    return PendingAnalysis(result, list(outcomes), forests, notes, discovery, progress)


def analyze_results(rs: ResultSet, outcomes: list[str], event: str, min_density: float,
                    progress: Progress | None = None, previous: Analysis | None = None,
                    workers: Workers | None = None,
                    methods: tuple[str, ...] = ("PRIM",)) -> Analysis:
    """Sensitivity of each outcome and scenario discovery for ``event`` (see
    :func:`start_analysis`)."""
    return start_analysis(rs, outcomes, event, min_density, progress, previous,
                          workers, methods).finish()


ANALYSIS_STEPS_EXTRA = 1
"""Progress steps of :func:`analyze_results` besides one per outcome (discovery)."""


def write_analysis(rs: ResultSet, result: Analysis, formats: tuple[str, ...] = ("png",),
                   progress: Progress | None = None, workers: Workers | None = None) -> Path:
    """CSV tables, bar charts, the discovery rules (or why there are none), the trade-off
    figure and ``analysis.json`` (everything the report needs) into DIR/analysis."""
    target = rs.root / "analysis"
    workers = workers or Workers(1)

    def fill(tmp: Path) -> None:
        saved: dict[str, Any] = {"event": result.event, "min_density": result.min_density,
                                  "methods": list(result.methods), "sensitivity": {},
                                  "boxes": {m: b.as_dict() for m, b in result.boxes.items()},
                                  "discovery_note": result.discovery_note}
        jobs = []
        for o, sens in result.sensitivity.items():
            csv = f"sensitivity_{sens.method}_{o}.csv"
            sens.table.to_csv(tmp / csv)
            saved["sensitivity"][o] = {"method": sens.method, "csv": csv, "note": sens.note,
                                        "warning": sens.warning,
                                        "flagged": flagged_indices(sens)}
            jobs.append(FigureJob(f"sensitivity_{o}", "plot_sensitivity", (sens, rs.name)))
        tradeoff = None
        if result.views:
            box = next(iter(result.boxes.values()))
            sample = f", peeled on a sample of {box.sample} runs" if box.sample else ""
            printed = {m: (b.coverage, b.density, len(b.restrictions))
                       for m, b in result.boxes.items()}
            tradeoff = workers.submit(
                draw_tradeoff, result.views, printed, box.base_rate, result.min_density,
                f"{rs.name}: {box.event}, boxes offered ({box.n_runs} runs{sample})",
                tmp / "discovery_tradeoff", formats)
            trajectory_table(result.views).to_csv(tmp / "discovery_boxes.csv", index=False)
        if progress:
            progress.add(len(jobs))
            progress.step(f"drawing {len(jobs) + (tradeoff is not None)} charts")
        render(jobs, tmp, formats, workers, advance=progress.advance if progress else None)
        if tradeoff is not None:
            tradeoff.result()
        rows = [b.as_dict() | {"method": m, "verdict": b.verdict, "warning": b.warning(),
                              "rule": b.rule()} for m, b in result.boxes.items()]
        pd.DataFrame(rows or [{"method": "PRIM", "verdict": "too few events",
                               "warning": result.discovery_note}]).to_csv(
            tmp / "discovery.csv", index=False)
        (tmp / "discovery.txt").write_text(result.discovery_text() + "\n")
        (tmp / "analysis.json").write_text(json.dumps(saved, indent=2) + "\n")
        write_stamp(tmp, "analysis", rs.digest, outcomes=list(result.sensitivity),
                    event=result.event, min_density=result.min_density,
                    methods=list(result.methods))

    replace_dir(target, fill, "analysis", option="")
    return target


def draw_tradeoff(*args: Any) -> list[Path]:
    """:func:`sim.analysis.discovery_plots.save_tradeoff` in a worker, imported there:
    this process need not import matplotlib."""
    from sim.analysis.discovery_plots import save_tradeoff

    return save_tradeoff(*args)


def stamped_analysis(rs: ResultSet) -> Analysis | None:
    """What `analyze` wrote for this very store, read back; None if absent or stale."""
    folder = rs.root / "analysis"
    if read_stamp(folder, "analysis", rs.digest) is None:
        return None
    try:
        saved = json.loads((folder / "analysis.json").read_text())
        result = Analysis(event=saved["event"], min_density=float(saved["min_density"]),
                          methods=tuple(saved["methods"]),
                          discovery_note=saved.get("discovery_note", ""))
        for o, s in saved["sensitivity"].items():
            table = pd.read_csv(folder / s["csv"], index_col=0, keep_default_na=False,
                                na_values=[""])
            if "note" in table.columns:
                table["note"] = table["note"].fillna("").astype(str)
            result.sensitivity[o] = Sensitivity(o, s["method"], table, s["note"],
                                                s["warning"])
        result.boxes = {m: Box.from_dict(b) for m, b in saved["boxes"].items()}
        if result.boxes:
            boxes = pd.read_csv(folder / "discovery_boxes.csv")
            for m, rows in boxes.groupby("method"):
                chosen = int(np.flatnonzero(rows["chosen"].to_numpy())[0])
                result.views[str(m)] = (rows[["coverage", "density", "mass", "res_dim"]]
                                        .reset_index(drop=True), chosen)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    return result
