"""`wargame report`: one self-contained HTML page (images embedded as base64) that opens
with the answer: a one-screen summary (the question the runs answer, the key
probabilities and quantities with their 95 % Monte Carlo intervals, the top drivers with
every flag the analysis raised about them), then a table of contents, then the sections:
provenance, outcomes, policies, sensitivity (with its charts), scenario discovery and
every figure. Outcomes are named in words with their units; the long tables sit below
the summary, trimmed or folded.

The page reuses what `plot` and `analyze` wrote for the same store (their folders carry a
stamp with the store's digest, :mod:`cache`); what is missing or stale it computes, and
writes into ``figures/`` and ``analysis/`` as those commands would, so the next report of
an unchanged store only assembles the page.

The page is a list of sections (:data:`SECTIONS`), each a function of a
:class:`ReportContext` returning a :class:`Section` (its title, anchor and HTML) or None:
a new kind of result adds a function to the list, and the table of contents follows.
"""

from __future__ import annotations

import base64
import html
import io
import json
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.cache import read_stamp
from sim.analysis.commands import (
    Analysis,
    PendingAnalysis,
    plot_results,
    run_scenario_of,
    stamped_analysis,
    stamped_figures,
    start_analysis,
    write_analysis,
)
from sim.analysis.compare import design_words
from sim.analysis.defaults import EVENT, KEY_OUTCOMES, MIN_DENSITY
from sim.analysis.parallel import Workers
from sim.analysis.progress import Progress
from sim.analysis.results import ResultSet
from sim.analysis.sensitivity import Sensitivity, display_table, unreadable
from sim.analysis.style import fmt_interval, fmt_number, outcome_title, words
from sim.analysis.summary import (
    describe_outcomes,
    headline,
    max_rung_probabilities,
    with_uncertainty,
)
from sim.batch.store import atomic_write_bytes
from sim.core.actors.south_korea import ROK_RUNGS
from sim.core.outcomes import BY_NAME
from sim.errors import UserError

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:0.5em 0 1.5em}
.rule{background:#fff6e0;padding:0.8em;border-left:4px solid #E69F00}
.warn{background:#fdecea;padding:0.8em;border-left:4px solid #D55E00}
.note{color:#555;font-size:0.9em}
.summary{border:1px solid #ccc;border-radius:6px;padding:0.4em 1.2em;background:#fafafa}
.summary table{font-size:0.95em}.flag{color:#B03A00;font-size:0.9em}
.drivers td{text-align:left}
nav ol{columns:2;font-size:0.95em}details{margin:0.5em 0 1.5em}
summary{cursor:pointer;color:#0072B2}code{font-size:0.9em;color:#555}"""

TOP_ROWS = 10
"""Rows of a long table (sensitivity) shown before the rest is folded."""

TOP_DRIVERS = 3
"""Parameters named per outcome in the summary."""


@dataclass
class ReportContext:
    """What the sections of a report draw from."""

    rs: ResultSet
    analysis: Analysis | None
    figures: list[Path]
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Section:
    """One section of the page: its title (the table of contents' entry), its anchor and
    its HTML (without the heading)."""

    title: str
    anchor: str
    body: str


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="-", border=0)


def _folded(frame: pd.DataFrame, what: str, rows: int = TOP_ROWS) -> str:
    """A table's first ``rows`` rows, the whole table folded below them (a reader
    scrolling the page meets the top of each table, not all of it)."""
    if len(frame) <= rows:
        return _table(frame)
    return (_table(frame.head(rows))
            + f"<details><summary>all {len(frame)} rows of {html.escape(what)}</summary>"
            + _table(frame) + "</details>")


def _png(data: bytes, alt: str) -> str:
    return (f'<img alt="{html.escape(alt)}" '
            f'src="data:image/png;base64,{base64.b64encode(data).decode()}">')


def _img(path: Path) -> str:
    return _png(path.read_bytes(), path.stem)


def _drawn(fig: Any, alt: str) -> str:
    """A figure drawn here, embedded (closed after)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return _png(buf.getvalue(), alt)


def _named(name: str) -> str:
    """An outcome in words with its unit, its column name after it."""
    words = outcome_title(name) if name in BY_NAME else name
    return f"{html.escape(words)} <code>{html.escape(name)}</code>"


# ---------------------------------------------------------------- the summary
def _description(rs: ResultSet) -> str:
    """The scenario's own description: the question its author asked."""
    if rs.kind == "run":
        scenario = run_scenario_of(rs.root)
        return scenario.description if scenario is not None else ""
    try:
        return str(tomllib.loads(rs.manifest.get("scenario_text", "")).get("description",
                                                                             ""))
    except (tomllib.TOMLDecodeError, TypeError):
        return ""


def _question(rs: ResultSet) -> str:
    what = _description(rs)
    scenario = f"<b>{html.escape(rs.name)}</b>" + (f": {html.escape(what)}" if what else "")
    if rs.kind == "run":
        return (f"<p>{scenario}</p><p>One run of {rs.horizon} weeks (seed "
                f"{html.escape(str(rs.manifest.get('base_seed')))}): what happened in it. "
                "One run is one possible future, not a probability; sweep the scenario for "
                "those.</p>")
    swept = [p for p in rs.param_names if p != "policy"]
    failed = f" ({rs.n_failed:,} failed runs left out)" if rs.n_failed else ""
    return (f"<p>{scenario}</p><p>How likely is each outcome, and what drives it, across "
            f"{rs.n_runs:,} runs of {rs.horizon} weeks{failed}: "
            f"{html.escape(design_words(rs))} over {len(swept)} uncertain parameters (the "
            "ranges of the scenario's <code>[sweep]</code> table or of <code>--param"
            "</code>; see Provenance)?</p>")


def _headline_value(row: pd.Series) -> str:
    if row["kind"] == "probability":
        return fmt_interval(row["estimate"], row["lo"], row["hi"])
    unit = f" {row['unit']}" if row["unit"] in ("km²",) else ""
    return (f"median {fmt_number(row['estimate'])}{unit} [{fmt_number(row['lo'])}-"
            f"{fmt_number(row['hi'])}]; 90% of runs {fmt_number(row['q05'])}-"
            f"{fmt_number(row['q95'])}")


def _headline_table(rs: ResultSet) -> str:
    """The key numbers, a column per policy in a store of policies."""
    if rs.kind == "run":
        return _table(pd.DataFrame({"this run": _run_row(rs)}))
    groups: list[str | None] = [None]
    if "policy" in rs.columns:
        groups = list(rs.query("SELECT DISTINCT policy FROM runs ORDER BY policy")["policy"])
    columns = {}
    for g in groups:
        h = headline(rs, g)
        columns["all runs" if g is None else f"policy {g}"] = h.apply(_headline_value,
                                                                        axis=1)
    frame = pd.DataFrame(columns)
    frame.index = [words(m) for m in frame.index]
    return _table(frame)


def _run_row(rs: ResultSet) -> dict[str, str]:
    """The key outcomes of a single run, in words."""
    r = rs.query("SELECT * FROM runs").iloc[0]
    retaken = r["kursk_retaken"] == 1
    return {
        "Kursk fully retaken": (f"yes, in week {int(r['retaken_week'])}" if retaken
                                else f"no, not by week {rs.horizon}"),
        "South Korea's highest rung": ROK_RUNGS[int(r["rok_max_rung"])].replace("_", " "),
        **{outcome_title(o): fmt_number(float(r[o])) for o in
           ("ukraine_area_end_km2", "casualties_north_korea", "escalation_peak")},
    }


def _flags(obj: Any) -> list[str]:
    """Every flag an analysis result carries, read defensively: a ``warning`` (text or a
    method returning it) and any ``flags`` or ``warnings`` (text or a list of texts), so
    that flags the analysis adds later ("too few events", "not better than the base
    rate", ...) reach the summary without a change here."""
    found: list[str] = []
    for attr in ("warning", "warnings", "flags"):
        value = getattr(obj, attr, None)
        if callable(value):
            value = value()
        if isinstance(value, str):
            value = [value]
        if isinstance(value, Iterable):
            found += [str(v) for v in value if v and str(v) not in found]
    return found


def top_drivers(sens: Sensitivity, k: int = TOP_DRIVERS) -> tuple[list[str], list[str]]:
    """The ``k`` parameters that matter most for an outcome, with their index, and the
    flags that qualify them: the sensitivity's own warnings, the parameters left out
    because their index cannot be read (its note), and a column of booleans the analysis
    may add to mark which indices to trust (``significant`` or ``reliable``)."""
    flags = _flags(sens)
    table = sens.table
    if display_table(sens) is None:
        return [], flags
    score = "ST" if sens.method == "sobol" and "ST" in table else "importance"
    if score not in table:
        return [], flags
    keep = pd.Series(True, index=table.index)
    if "note" in table:  # 'undefined' or 'unreliable' (a 'flagged' index is read)
        noted = pd.Series(unreadable(table), index=table.index)
        keep &= ~noted
        top_noted = table[noted].sort_values(score, ascending=False).index[:k]
        if len(top_noted):
            flags.append("unreliable indices left out: " + ", ".join(top_noted))
    for col in ("significant", "reliable"):
        if col in table and table[col].dtype == bool:
            if (~table[col] & keep).any():
                flags.append(f"not {col}: " + ", ".join(table.index[~table[col] & keep][:k]))
            keep &= table[col]
    top = table[keep].sort_values(score, ascending=False).head(k)
    label = "ST" if score == "ST" else "importance"
    return [f"{p} ({label} {v:.2f})" for p, v in top[score].items()], flags


def _drivers(analysis: Analysis) -> str:
    rows = []
    for o, sens in analysis.sensitivity.items():
        names, flags = top_drivers(sens)
        how = "Sobol total index" if sens.method == "sobol" else "model-free ranking"
        cell = ", ".join(html.escape(n) for n in names) or "-"
        cell += f" <span class='note'>({how})</span>"
        flag = "".join(f"<div class='flag'>{html.escape(f)}</div>" for f in flags)
        rows.append(f"<tr><td>{_named(o)}</td><td>{cell}{flag}</td></tr>")
    box = analysis.box
    if box is not None:
        rule = html.escape(box.rule())
        flag = "".join(f"<div class='flag'>{html.escape(f)}</div>" for f in _flags(box))
    else:
        rule, flag = html.escape(analysis.discovery_note or "-"), ""
    rows.append(f"<tr><td>where {html.escape(analysis.event)} becomes likely (PRIM)</td>"
                f"<td style='text-align:left'>{rule}{flag}</td></tr>")
    return ("<h3>What drives it</h3><table class='drivers'><tr><th>outcome</th>"
            "<th>top parameters</th>"
            "</tr>" + "".join(rows) + "</table>")


def summary_block(ctx: ReportContext) -> str:
    """The one-screen summary that opens the page."""
    parts = ["<section class='summary' id='summary'><h2>The answer in brief</h2>",
             _question(ctx.rs), _headline_table(ctx.rs)]
    if ctx.rs.kind != "run":
        parts.append("<p class='note'>Probabilities with their 95% Monte Carlo intervals "
                     "(Wilson); medians with their 95% intervals and the range of the "
                     "middle 90% of runs. The model's numbers under its assumptions, not "
                     "a forecast.</p>")
    if ctx.analysis is not None and ctx.analysis.sensitivity:
        parts.append(_drivers(ctx.analysis))
    parts.append("</section>")
    return "\n".join(parts)


# ---------------------------------------------------------------- the sections
def provenance_section(ctx: ReportContext) -> Section:
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
    return Section("Provenance", "provenance", _table(pd.DataFrame(
        {"value": {k: str(v) for k, v in meta.items() if v is not None}})))


def outcomes_section(ctx: ReportContext) -> Section:
    shown = with_uncertainty(ctx.outcomes.drop(columns="unit"))
    shown.insert(0, "what (unit)", [outcome_title(o) for o in shown.index])
    key = [o for o in KEY_OUTCOMES if o in shown.index]
    return Section("Outcomes", "outcomes", "\n".join([
        "<p class='note'>Quantiles with their 95% confidence intervals and means with "
        "their standard errors: the Monte Carlo uncertainty of these runs. The key "
        "outcomes first; every outcome below.</p>",
        _table(shown.loc[key]),
        f"<details><summary>all {len(shown)} outcomes</summary>{_table(shown)}</details>",
        "<h3>South Korea's highest rung</h3>",
        _table(with_uncertainty(max_rung_probabilities(ctx.rs)))]))


def sensitivity_section(ctx: ReportContext) -> Section | None:
    if ctx.analysis is None or not ctx.analysis.sensitivity:
        return None
    from sim.analysis.plots import plot_sensitivity

    folder = _fresh_analysis(ctx)
    parts = []
    for outcome, sens in ctx.analysis.sensitivity.items():
        label = (
            "Sobol indices (SALib; S1 first order, ST total, ± 95% confidence)"
            if sens.method == "sobol" else "model-free ranking (permutation importance of a "
            "random-forest surrogate, scikit-learn; not a variance share)"
        )
        parts.append(f"<h3>{_named(outcome)}</h3><p class='note'>{label}. "
                     f"{html.escape(sens.note)}</p>")
        parts += [f"<p class='warn'>{html.escape(f)}</p>" for f in _flags(sens)]
        chart = folder / f"sensitivity_{outcome}.png" if folder else None
        parts.append(_img(chart) if chart is not None and chart.is_file()
                     else _drawn(plot_sensitivity(sens, ctx.rs.name), f"sensitivity_{outcome}"))
        shown = display_table(sens)
        if shown is not None:
            parts.append(_folded(shown, f"the {outcome} table"))
    return Section("Which parameters drive the outcomes", "sensitivity", "\n".join(parts))


def _fresh_analysis(ctx: ReportContext) -> Path | None:
    """``analysis/`` if it holds the analysis of this very store (its charts can be
    embedded as they are), else None."""
    folder = ctx.rs.root / "analysis"
    return folder if read_stamp(folder, "analysis", ctx.rs.digest) is not None else None


def discovery_section(ctx: ReportContext) -> Section | None:
    if ctx.analysis is None:
        return None
    a = ctx.analysis
    parts = [] if a.boxes else [f"<p class='rule'>{html.escape(a.discovery_note)}</p>"]
    for method, box in a.boxes.items():  # PRIM, and CART when analyze was asked for it
        parts.append(f"<p class='rule'>{method}: {html.escape(box.rule())}</p>")
        parts += [f"<p class='warn'>{html.escape(f)}</p>" for f in _flags(box)]
    folder = _fresh_analysis(ctx)
    if folder is not None:  # the analysis' own charts of the discovery, if it drew any
        parts += [_img(p) for p in sorted(folder.glob("*.png"))
                  if not p.name.startswith("sensitivity_")]
    return Section("Scenario discovery (PRIM, EMA Workbench)", "discovery", "\n".join(parts))


def policies_section(ctx: ReportContext) -> Section | None:
    """A store of policies on the same futures (`wargame sweep --policies`, `wargame
    branch`): the paired differences against the first policy and the robustness table,
    with their Monte Carlo uncertainty, and the robustness figure."""
    if "policy" not in ctx.rs.columns:
        return None
    from sim.analysis.policies import POLICY_OUTCOMES, compare_policies
    from sim.analysis.policy_plots import plot_robustness

    c = compare_policies(ctx.rs, POLICY_OUTCOMES)
    parts = [f"<p class='note'>{len(c.policies)} policies on the same {c.futures:,} futures "
             "(design point × replicate, common random numbers), each compared with "
             f"'{html.escape(c.reference)}': mean paired differences with 95% intervals, "
             "P(better) with its standard error. `wargame compare DIR --satisfice ...` adds "
             "satisficing criteria and another reference.</p>"]
    for o, d in c.differences.items():
        parts += [f"<h3>{_named(o)}: paired differences</h3>", _table(with_uncertainty(d))]
    parts += ["<h3>Robustness</h3>", _table(with_uncertainty(c.table).T.rename_axis("measure"))]
    parts.append(_drawn(plot_robustness(c, ctx.rs.name), "robustness"))
    return Section("Policies on the same futures", "policies", "\n".join(parts))


FIGURE_GROUPS: tuple[tuple[str, str], ...] = (
    ("rung_probabilities", "Escalation over time"),
    ("fan_charts", "Main weekly series"),
    ("run", "The run week by week"),
    ("scatter_", "Parameters against an outcome"),
    ("outcome_", "Each outcome's distribution"),
)
"""The figures in page order: the ones a principal asks about first (stem prefix, title)."""


def figures_section(ctx: ReportContext) -> Section | None:
    pngs = [p for p in ctx.figures if p.suffix == ".png"]
    if not pngs:
        return None
    parts, placed = [], set()
    for prefix, title in FIGURE_GROUPS:
        group = [p for p in pngs if p.stem.startswith(prefix) and p not in placed]
        if group:
            parts.append(f"<h3>{title}</h3>")
            parts += [_img(p) for p in group]
            placed.update(group)
    rest = [p for p in pngs if p not in placed]
    if rest:
        parts += ["<h3>Other figures</h3>", *(_img(p) for p in rest)]
    return Section("Figures", "figures", "\n".join(parts))


SECTIONS: list[Callable[[ReportContext], Section | None]] = [
    provenance_section, outcomes_section, policies_section, sensitivity_section,
    discovery_section, figures_section,
]
"""The report's sections, in page order (after the summary and the table of contents)."""


def build_report(ctx: ReportContext) -> str:
    """The HTML text: the summary, the table of contents, the sections."""
    name = html.escape(ctx.rs.name)
    sections = [s for section in SECTIONS if (s := section(ctx)) is not None]
    toc = "".join(f"<li><a href='#{s.anchor}'>{html.escape(s.title)}</a></li>"
                  for s in sections)
    parts = [f"<!doctype html><meta charset='utf-8'><title>{name} report</title>"
             f"<style>{CSS}</style>", f"<h1>Kursk escalation wargame: {name}</h1>",
             summary_block(ctx), f"<nav><h2>Contents</h2><ol>{toc}</ol></nav>"]
    parts += [f"<h2 id='{s.anchor}'>{html.escape(s.title)}</h2>\n{s.body}" for s in sections]
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
