"""What `plot`, `analyze`, `compare` and `report` compute for a loaded result set, and the
files they write. Figures and tables are written into a temporary folder that is renamed
into place, so an interrupted command never leaves half a folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis.discovery import Box, event_mask, params_frame, prim_box
from sim.analysis.plots import (
    FAN_SERIES,
    plot_compare,
    plot_fan_charts,
    plot_outcome_distribution,
    plot_param_scatter,
    plot_run,
    plot_rung_probabilities,
    plot_sensitivity,
    save_figure,
)
from sim.analysis.results import ResultSet
from sim.analysis.sensitivity import sensitivity
from sim.analysis.summary import (
    NUMERIC_OUTCOMES,
    compare_rungs,
    compare_table,
    describe_outcomes,
    fan_bands,
    retaken_by_week,
    rung_probabilities,
)
from sim.batch.outdir import replace_dir
from sim.core.outcomes import BY_NAME
from sim.errors import UserError

KEY_OUTCOMES: list[str] = [
    "escalation_peak", "rok_max_rung", "ukraine_area_end_km2", "casualties_north_korea",
    "nk_prestige_min", "tech_level",
]
"""Outcomes analysed by default: escalation, the ladder, the front, the North's losses and
prestige, and the technology Seoul fears."""


def write_figures(rs: ResultSet, folder: Path, formats: tuple[str, ...],
                  scatter_outcome: str = "escalation_peak") -> list[Path]:
    """Every figure that makes sense for this result set, into ``folder``."""
    out: list[Path] = []
    n = len(rs.runs)
    if rs.kind == "run" and rs.timeseries is not None:
        series = {c: rs.timeseries[c].to_numpy(dtype=float) for c in rs.timeseries.columns
                  if c != "run_id"}
        out += save_figure(plot_run(series, f"{rs.name}, one run"), folder / "run", formats)
        return out
    for name in NUMERIC_OUTCOMES:
        unit, meaning = BY_NAME[name].unit, BY_NAME[name].doc
        fig = plot_outcome_distribution(rs.runs[name].to_numpy(dtype=float), name, unit,
                                        meaning, rs.name)
        out += save_figure(fig, folder / f"outcome_{name}", formats)
    if rs.timeseries is not None:
        bands = {s: fan_bands(rs.timeseries, s) for s in FAN_SERIES}
        out += save_figure(plot_fan_charts(bands, rs.name, n), folder / "fan_charts", formats)
        fig = plot_rung_probabilities(rung_probabilities(rs.timeseries),
                                      retaken_by_week(rs.runs, rs.horizon), rs.name, n)
        out += save_figure(fig, folder / "rung_probabilities", formats)
    if rs.param_names:
        fig = plot_param_scatter(rs.runs, rs.param_names, scatter_outcome,
                                 BY_NAME[scatter_outcome].unit, rs.name)
        out += save_figure(fig, folder / f"scatter_{scatter_outcome}", formats)
    return out


def plot_results(rs: ResultSet, formats: tuple[str, ...], scatter_outcome: str) -> Path:
    """`wargame plot`: figures into DIR/figures, plus the outcome summary as CSV."""
    if scatter_outcome not in NUMERIC_OUTCOMES:
        raise UserError(f"--outcome: expected a numeric outcome such as escalation_peak, "
                        f"got {scatter_outcome!r}")
    target = rs.root / "figures"

    def fill(tmp: Path) -> None:
        write_figures(rs, tmp, formats, scatter_outcome)
        describe_outcomes(rs.runs).to_csv(tmp / "outcome_summary.csv")

    replace_dir(target, fill, "figures", option="")
    return target


@dataclass
class Analysis:
    """Sensitivity per outcome and one scenario-discovery box."""

    sensitivity: dict[str, tuple[str, pd.DataFrame]] = field(default_factory=dict)
    box: Box | None = None
    discovery_note: str = ""


def analyze_results(rs: ResultSet, outcomes: list[str], event: str,
                    min_density: float) -> Analysis:
    """Sensitivity of each outcome and a PRIM box for ``event``."""
    if rs.kind != "sweep" or not rs.params:
        raise UserError(f"{rs.root}: analyze needs a sweep store (this is a single run)",
                        hint="run `wargame sweep` first")
    for o in outcomes:
        if o not in NUMERIC_OUTCOMES:
            raise UserError(f"--outcome: {o!r} is not a numeric outcome",
                            hint="one of " + ", ".join(NUMERIC_OUTCOMES))
    result = Analysis({o: sensitivity(rs, o) for o in outcomes})
    y, label = event_mask(rs.runs, event)
    try:
        result.box = prim_box(params_frame(rs.runs, rs.params), y, label, min_density)
    except UserError as exc:  # the event never or always happens: say so, not an error
        result.discovery_note = exc.message
    return result


def write_analysis(rs: ResultSet, result: Analysis) -> Path:
    """CSV tables and bar charts into DIR/analysis."""
    target = rs.root / "analysis"

    def fill(tmp: Path) -> None:
        for o, (method, table) in result.sensitivity.items():
            table.to_csv(tmp / f"sensitivity_{method}_{o}.csv")
            save_figure(plot_sensitivity(table, method, o, rs.name),
                        tmp / f"sensitivity_{o}", ("png", "svg"))
        if result.box is not None:
            b = result.box
            pd.DataFrame([{"event": b.event, "density": b.density, "coverage": b.coverage,
                           "mass": b.mass, "base_rate": b.base_rate, "runs": b.n_runs,
                           "restrictions": "; ".join(f"{p} {c}" for p, c in b.restrictions),
                           "rule": b.rule()}]).to_csv(tmp / "discovery.csv", index=False)
        (tmp / "discovery.txt").write_text((result.box.rule() if result.box
                                            else result.discovery_note) + "\n")

    replace_dir(target, fill, "analysis", option="")
    return target


def compare_results(sets: list[ResultSet], outcomes: list[str]) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """Side-by-side outcome table and rung probabilities of several result sets."""
    names = [unique_label(rs, sets) for rs in sets]
    named = dict(zip(names, (rs.runs for rs in sets), strict=True))
    return compare_table(named, outcomes), compare_rungs(named)


def unique_label(rs: ResultSet, sets: list[ResultSet]) -> str:
    """The scenario name, or the folder name where two sets share a scenario."""
    same = [s for s in sets if s.name == rs.name]
    return rs.name if len(same) == 1 else rs.root.name


def write_compare(sets: list[ResultSet], outcomes: list[str], target: Path) -> Path:
    table, rungs = compare_results(sets, outcomes)
    named = {unique_label(rs, sets): rs.runs for rs in sets}

    def fill(tmp: Path) -> None:
        table.to_csv(tmp / "compare_outcomes.csv", index=False)
        rungs.to_csv(tmp / "compare_rungs.csv")
        units = {o: BY_NAME[o].unit for o in outcomes}
        save_figure(plot_compare(named, outcomes, units), tmp / "compare", ("png", "svg"))

    replace_dir(target, fill, "compare", [rs.root for rs in sets])
    return target

