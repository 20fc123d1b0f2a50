"""`wargame report`: one self-contained HTML page (images embedded as base64) with the
manifest, the outcome table, every figure, and the sensitivity and discovery results."""

from __future__ import annotations

import base64
import html
import json
import tempfile
from pathlib import Path

import pandas as pd

from sim.analysis.commands import KEY_OUTCOMES, Analysis, analyze_results, write_figures
from sim.analysis.results import ResultSet
from sim.analysis.summary import describe_outcomes, max_rung_probabilities
from sim.batch.store import atomic_write_bytes
from sim.errors import UserError

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:0.5em 0 1.5em}
.rule{background:#fff6e0;padding:0.8em;border-left:4px solid #E69F00}"""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="-", border=0)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def build_report(rs: ResultSet, analysis: Analysis | None, figures: list[Path]) -> str:
    """The HTML text."""
    m = rs.manifest
    meta = {
        "scenario": rs.name, "folder": str(rs.root), "kind": rs.kind,
        "runs analysed": len(rs.runs), "runs failed": rs.n_failed,
        "design": json.dumps({k: v for k, v in m.get("design", {}).items() if k != "params"}),
        "swept parameters": ", ".join(rs.param_names) or "-",
        "base seed": m.get("base_seed"), "scenario hash": m.get("scenario_hash"),
        "versions": json.dumps(m.get("versions", {})), "git commit": m.get("git_commit"),
        "command": m.get("command"), "started": m.get("started"),
        "finished": m.get("finished"), "status": m.get("status"),
    }
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(rs.name)} report"
             f"</title><style>{CSS}</style>",
             f"<h1>Kursk escalation wargame: {html.escape(rs.name)}</h1>",
             "<h2>Provenance</h2>",
             _table(pd.DataFrame({"value": {k: str(v) for k, v in meta.items()
                                            if v is not None}})),
             "<h2>Outcomes</h2>", _table(describe_outcomes(rs.runs)),
             "<h3>South Korea's highest rung</h3>",
             _table(max_rung_probabilities(rs.runs).to_frame("share of runs"))]
    if analysis is not None:
        parts.append("<h2>Which parameters drive escalation</h2>")
        for outcome, (method, table) in analysis.sensitivity.items():
            label = (
                "Sobol indices (SALib; S1 first order, ST total, ± 95% confidence)"
                if method == "sobol" else "model-free ranking (permutation importance of a "
                "random-forest surrogate, scikit-learn; not a variance share)"
            )
            parts += [f"<h3>{html.escape(outcome)}: {label}</h3>", _table(table)]
        parts.append("<h2>Scenario discovery (PRIM, EMA Workbench)</h2>")
        text = analysis.box.rule() if analysis.box else analysis.discovery_note
        parts.append(f"<p class='rule'>{html.escape(text)}</p>")
    parts.append("<h2>Figures</h2>")
    parts += [_img(p) for p in figures if p.suffix == ".png"]
    return "\n".join(parts) + "\n"


def write_report(rs: ResultSet, event: str = "offensive", min_density: float = 0.75) -> Path:
    """Render figures (into a temporary folder), analyse if it is a sweep, write
    DIR/report.html atomically."""
    analysis = None
    if rs.kind == "sweep" and rs.params:
        try:
            analysis = analyze_results(rs, KEY_OUTCOMES, event, min_density)
        except UserError as exc:  # e.g. a Sobol design with missing points: say so
            analysis = Analysis(discovery_note=f"analysis unavailable: {exc.message}")
    with tempfile.TemporaryDirectory() as tmp:
        figures = write_figures(rs, Path(tmp), ("png",))
        text = build_report(rs, analysis, figures)
    target = rs.root / "report.html"
    atomic_write_bytes(target, text.encode())
    return target
