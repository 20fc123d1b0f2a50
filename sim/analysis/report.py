"""`wargame report`: one self-contained HTML page (images embedded as base64) with the
provenance, the outcome table, every figure, and the sensitivity and discovery results.

The page reuses what `plot` and `analyze` wrote for the same store (their folders carry a
stamp with the store's digest, :mod:`cache`); what is missing or stale it computes, and
writes into ``figures/`` and ``analysis/`` as those commands would, so the next report of
an unchanged store only assembles the page.

The page is a list of sections (:data:`SECTIONS`), each a function of a
:class:`ReportContext` returning HTML: a new kind of result adds a function to the list.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.analysis.cache import read_stamp
from sim.analysis.commands import (
    Analysis,
    PendingAnalysis,
    plot_results,
    stamped_analysis,
    stamped_figures,
    start_analysis,
    write_analysis,
)
from sim.analysis.defaults import EVENT, KEY_OUTCOMES, MIN_DENSITY
from sim.analysis.parallel import Workers
from sim.analysis.progress import Progress
from sim.analysis.results import ResultSet
from sim.analysis.sensitivity import display_table
from sim.analysis.summary import describe_outcomes, max_rung_probabilities, with_uncertainty
from sim.batch.store import atomic_write_bytes
from sim.errors import UserError

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:0.5em 0 1.5em}
.rule{background:#fff6e0;padding:0.8em;border-left:4px solid #E69F00}
.warn{background:#fdecea;padding:0.8em;border-left:4px solid #D55E00}
.note{color:#555;font-size:0.9em}"""


@dataclass
class ReportContext:
    """What the sections of a report draw from."""

    rs: ResultSet
    analysis: Analysis | None
    figures: list[Path]
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="-", border=0)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def provenance_section(ctx: ReportContext) -> str:
    rs, m = ctx.rs, ctx.rs.manifest
    meta = {
        "scenario": rs.name, "folder": str(rs.root), "kind": rs.kind,
        "runs analysed": rs.n_runs, "runs failed": rs.n_failed,
        "design": json.dumps({k: v for k, v in m.get("design", {}).items() if k != "params"}),
        "swept parameters": ", ".join(rs.param_names) or "-",
        "base seed": m.get("base_seed"), "scenario hash": m.get("scenario_hash"),
        "versions": json.dumps(m.get("versions", {})), "git commit": m.get("git_commit"),
        "command": m.get("command"), "started": m.get("started"),
        "finished": m.get("finished"), "status": m.get("status"), "store digest": rs.digest,
    }
    return "<h2>Provenance</h2>\n" + _table(pd.DataFrame(
        {"value": {k: str(v) for k, v in meta.items() if v is not None}}))


def outcomes_section(ctx: ReportContext) -> str:
    return "\n".join([
        "<h2>Outcomes</h2>",
        "<p class='note'>Quantiles with their 95% confidence intervals and means with "
        "their standard errors: the Monte Carlo uncertainty of these runs.</p>",
        _table(with_uncertainty(ctx.outcomes)),
        "<h3>South Korea's highest rung</h3>",
        _table(with_uncertainty(max_rung_probabilities(ctx.rs)))])


def sensitivity_section(ctx: ReportContext) -> str:
    if ctx.analysis is None:
        return ""
    parts = ["<h2>Which parameters drive escalation</h2>"]
    for outcome, sens in ctx.analysis.sensitivity.items():
        label = (
            "Sobol indices (SALib; S1 first order, ST total, ± 95% confidence)"
            if sens.method == "sobol" else "model-free ranking (permutation importance of a "
            "random-forest surrogate, scikit-learn; not a variance share)"
        )
        parts.append(f"<h3>{html.escape(outcome)}: {label}</h3>")
        parts.append(f"<p class='note'>{html.escape(sens.note)}</p>")
        if sens.warning:
            parts.append(f"<p class='warn'>{html.escape(sens.warning)}</p>")
        shown = display_table(sens)
        if shown is not None:
            parts.append(_table(shown))
    return "\n".join(parts)


def discovery_section(ctx: ReportContext) -> str:
    if ctx.analysis is None:
        return ""
    a = ctx.analysis
    text = a.box.rule() if a.box else a.discovery_note
    warning = a.box.warning() if a.box else ""
    return ("<h2>Scenario discovery (PRIM, EMA Workbench)</h2>\n"
            f"<p class='rule'>{html.escape(text)}</p>"
            + (f"\n<p class='warn'>{html.escape(warning)}</p>" if warning else ""))


def policies_section(ctx: ReportContext) -> str:
    """A store of policies on the same futures (`wargame sweep --policies`, `wargame
    branch`): the paired differences against the first policy and the robustness table,
    with their Monte Carlo uncertainty, and the robustness figure."""
    if "policy" not in ctx.rs.columns:
        return ""
    from sim.analysis.policies import POLICY_OUTCOMES, compare_policies
    from sim.analysis.policy_plots import plot_robustness

    c = compare_policies(ctx.rs, POLICY_OUTCOMES)
    parts = ["<h2>Policies on the same futures</h2>",
             f"<p class='note'>{len(c.policies)} policies on the same {c.futures:,} futures "
             "(design point × replicate, common random numbers), each compared with "
             f"'{html.escape(c.reference)}': mean paired differences with 95% intervals, "
             "P(better) with its standard error. `wargame compare DIR --satisfice ...` adds "
             "satisficing criteria and another reference.</p>"]
    for o, d in c.differences.items():
        parts += [f"<h3>{html.escape(o)}: paired differences</h3>", _table(with_uncertainty(d))]
    parts += ["<h3>Robustness</h3>", _table(with_uncertainty(c.table).T.rename_axis("measure"))]
    buf = io.BytesIO()
    plot_robustness(c, ctx.rs.name).savefig(buf, format="png", dpi=110)
    data = base64.b64encode(buf.getvalue()).decode()
    parts.append(f'<img alt="robustness" src="data:image/png;base64,{data}">')
    return "\n".join(parts)


def figures_section(ctx: ReportContext) -> str:
    return "<h2>Figures</h2>\n" + "\n".join(_img(p) for p in ctx.figures if p.suffix == ".png")


SECTIONS: list[Callable[[ReportContext], str]] = [
    provenance_section, outcomes_section, policies_section, sensitivity_section,
    discovery_section, figures_section,
]
"""The report's sections, in page order."""


def build_report(ctx: ReportContext) -> str:
    """The HTML text."""
    name = html.escape(ctx.rs.name)
    parts = [f"<!doctype html><meta charset='utf-8'><title>{name} report</title>"
             f"<style>{CSS}</style>", f"<h1>Kursk escalation wargame: {name}</h1>"]
    parts += [text for section in SECTIONS if (text := section(ctx))]
    return "\n".join(parts) + "\n"


def write_calibration_report(root: Path) -> Path:
    """`wargame report` on a folder of `wargame calibrate`: the provenance and the
    calibration's section (what was fitted to what, posterior and predictive tables and
    figures) as one self-contained page, DIR/report.html written atomically."""
    from sim.analysis.calibration import calibration_section
    from sim.analysis.calibration_plots import load_calibration

    m = load_calibration(root).manifest
    name = html.escape(str(m.get("scenario_name", root.name)))
    meta = {k: m.get(k) for k in ("scenario_path", "record_path", "command", "seed",
                                  "git_commit", "started", "finished", "status")}
    meta["versions"] = json.dumps(m.get("versions", {}))
    page = "\n".join([
        f"<!doctype html><meta charset='utf-8'><title>{name} calibration</title>"
        f"<style>{CSS}</style>", f"<h1>Kursk escalation wargame: {name}, calibrated</h1>",
        "<h2>Provenance</h2>",
        _table(pd.DataFrame({"value": {k: str(v) for k, v in meta.items() if v is not None}})),
        calibration_section(root)]) + "\n"
    target = root / "report.html"
    atomic_write_bytes(target, page.encode())
    return target


def start_report_analysis(rs: ResultSet, event: str, min_density: float,
                          progress: Progress | None = None,
                          workers: Workers | None = None) -> PendingAnalysis | Analysis | None:
    """The analysis shown in the report: reused from ``analysis/`` where it is fresh,
    otherwise started (finished and written by :func:`finish_report_analysis`); None for
    a single run."""
    if rs.kind != "sweep" or not rs.params:
        return None
    previous = stamped_analysis(rs)
    outcomes = list(dict.fromkeys([*KEY_OUTCOMES, *(previous.sensitivity if previous
                                                    else [])]))
    try:
        return start_analysis(rs, outcomes, event, min_density, progress, previous, workers)
    except UserError as exc:  # e.g. a Sobol design with missing points: say so
        if "--event" in exc.message:
            raise
        return Analysis(discovery_note=f"analysis unavailable: {exc.message}")


def finish_report_analysis(rs: ResultSet, pending: PendingAnalysis | Analysis | None,
                           progress: Progress | None = None,
                           workers: Workers | None = None) -> Analysis | None:
    if not isinstance(pending, PendingAnalysis):
        return pending
    analysis = pending.finish()
    if set(analysis.reused) != {*pending.outcomes, "discovery"}:
        write_analysis(rs, analysis, progress=progress, workers=workers)
    return analysis


def write_report(rs: ResultSet, event: str = EVENT, min_density: float = MIN_DENSITY,
                 progress: Progress | None = None, workers: Workers | None = None) -> Path:
    """Figures and analysis (reused or computed), then DIR/report.html atomically. The
    analysis starts first: its forests are fitted in the workers while this process
    computes the figures' summaries, and drawn after them."""
    pending = start_report_analysis(rs, event, min_density, progress, workers)
    figures = stamped_figures(rs)
    if figures is None:
        # figures/ is missing or stale (then re-drawn as `plot` would), or of this very store
        # but without PNG (then re-drawn with PNG added, keeping the formats asked before)
        stamp = read_stamp(rs.root / "figures", "figures", rs.digest) or {}
        formats = tuple(dict.fromkeys(["png", *stamp.get("formats", [])]))
        plot_results(rs, formats, stamp.get("scatter_outcome", "escalation_peak"), progress,
                     workers)
        figures = stamped_figures(rs) or []
    elif progress:
        progress.advance(4)
    analysis = finish_report_analysis(rs, pending, progress, workers)
    ctx = ReportContext(rs, analysis, figures, describe_outcomes(rs))
    target = rs.root / "report.html"
    atomic_write_bytes(target, build_report(ctx).encode())
    return target
