"""The numbers of a calibration and a hindcast as tables, and the calibration's section of
the HTML report.

- :func:`parameter_summary`: each parameter's prior range, posterior median and 90 %
  interval, and how much the data narrowed it;
- :func:`observation_summary`: each observation with the prior's and the posterior's
  simulated 5-95 % band and whether the posterior band covers it;
- :func:`hindcast_summary` / :func:`hindcast_scores`: the scores of ``wargame hindcast``;
- :func:`calibration_section`: an HTML fragment for ``wargame report`` (figures embedded).

All read what ``wargame calibrate`` stored (manifest.json); nothing is recomputed.
"""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration_plots import load_calibration, write_calibration_figures


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def parameter_summary(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per calibrated parameter."""
    rows = []
    for p in manifest["posterior"]["parameters"]:
        if "shares" in p:
            shares = p["shares"]
            rows.append({"parameter": p["name"], "prior": " / ".join(map(str, p["prior"])),
                         "posterior median": p["mode"],
                         "90% interval": ", ".join(f"{k} {v:.0%}" for k, v in shares.items()),
                         "90% width / prior width": np.nan})
        else:
            rows.append({"parameter": p["name"],
                         "prior": f"{_fmt(p['low'])} - {_fmt(p['high'])}",
                         "posterior median": _fmt(p["median"]),
                         "90% interval": f"{_fmt(p['q05'])} - {_fmt(p['q95'])}",
                         "90% width / prior width": p["narrowing"]})
    return pd.DataFrame(rows).set_index("parameter")


def _band(b: dict[str, Any], never_after: int) -> str:
    def one(v: float) -> str:
        return f">{never_after}" if b["kind"] == "event_week" and v > never_after else _fmt(v)

    return f"{one(b['q05'])} - {one(b['q95'])}"


def observation_summary(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per observation: the record, the prior and posterior 5-95 % bands, the
    posterior's share of runs inside the range, and whether the posterior band covers the
    best value and overlaps the range."""
    weeks = int(manifest["spec"]["weeks"])
    bands = {(b["ensemble"], b["id"]): b for b in manifest["observation_bands"]}
    rows = []
    for e in manifest["observations"]:
        pri, post = bands.get(("prior", e["id"])), bands.get(("posterior", e["id"]))
        if post is None:
            continue
        week = f"{e['since']}-{e['week']}" if e["kind"] in ("rung", "event_week") \
            else str(e["week"])
        rows.append({
            "observation": e["id"], "maps to": e["target"], "kind": e["kind"], "week": week,
            "best": _fmt(e["best"]), "range": f"{_fmt(e['low'])} - {_fmt(e['high'])}",
            "prior 5-95%": _band(pri, weeks) if pri else "-",
            "posterior 5-95%": _band(post, weeks),
            "in range": post["share_in_range"],
            "band covers best": post["covers_best"],
            "band overlaps range": post["overlaps_range"],
        })
    return pd.DataFrame(rows).set_index("observation")


def print_summary(root: str | Path, console: Any) -> None:
    """Print both tables (rich) for a finished calibration folder."""
    cf = load_calibration(root)
    m = cf.manifest
    post = m["posterior"]
    console.print(f"posterior: generation {post['generation']}, {post['particles']} "
                  f"particles, epsilon {post['epsilon']:.4g}; predictive ensembles of "
                  f"{m['predictive_runs']} runs each", highlight=False)
    console.print(frame_table(parameter_summary(m), "parameters: prior and posterior"))
    console.print(frame_table(observation_summary(m).drop(columns=["maps to", "kind"]),
                              "observations: simulated 5-95 % bands (event weeks: '>N' "
                              "= not by the horizon)"))


def frame_table(frame: pd.DataFrame, title: str) -> Any:
    """A DataFrame as a rich table (shares as percentages, flags as yes/no)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title)
    t.add_column(frame.index.name or "")
    for c in frame.columns:
        t.add_column(str(c), justify="right")
    for idx, row in frame.iterrows():
        cells = []
        for v in row.to_numpy():
            if isinstance(v, bool | np.bool_):
                cells.append(Text("yes") if v else Text("no", style="bold red"))
            elif isinstance(v, float):
                cells.append(Text("-" if np.isnan(v) else f"{v:.2f}"))
            else:
                cells.append(Text(str(v)))
        t.add_row(Text(str(idx)), *cells)
    return t


# ---------------------------------------------------------------- hindcast
def hindcast_scores(res: Any) -> pd.DataFrame:
    """Per observation and ensemble: the band, coverage and scores."""
    frame = res.table()
    cols = ["ensemble", "id", "week", "best", "q05", "q25", "median", "q75", "q95", "in50",
            "in90", "is90", "crps", "crps_scaled"]
    return frame[cols].set_index("id")


def hindcast_summary(res: Any) -> pd.DataFrame:
    """Per ensemble: coverage of the 50 % and 90 % intervals and the mean scaled scores,
    and the CRPS skill of the posterior over the prior."""
    frame = pd.DataFrame(res.summary).T
    frame.index.name = "ensemble"
    if res.skill:
        frame["CRPS skill vs prior"] = [res.skill["crps_skill"] if k == "posterior"
                                        else np.nan for k in frame.index]
    return frame


def hindcast_tables(res: Any) -> list[Any]:
    """The hindcast as rich tables, for the CLI."""
    from rich.table import Table

    title = (f"hindcast: {len(res.entries)} observations after week {res.from_week} "
             f"(runs to week {res.weeks})")
    scores = hindcast_scores(res)
    t = Table(title=title)
    for c in ("observation", "ensemble", "week", "best", "5-95%", "25-75%", "in 50%",
              "in 90%", "IS 90%", "CRPS"):
        t.add_column(c, justify="left" if c in ("observation", "ensemble") else "right")
    for idx, r in scores.iterrows():
        t.add_row(str(idx), r["ensemble"], str(r["week"]), _fmt(r["best"]),
                  f"{_fmt(r['q05'])} - {_fmt(r['q95'])}", f"{_fmt(r['q25'])} - {_fmt(r['q75'])}",
                  "yes" if r["in50"] else "no", "yes" if r["in90"] else "no",
                  _fmt(r["is90"]), _fmt(r["crps"]))
    s = hindcast_summary(res)
    t2 = Table(title="hindcast summary (scores scaled by each observation's range; "
                     "lower is better; skill > 0: the posterior beats the prior)")
    t2.add_column("ensemble")
    for c in s.columns:
        t2.add_column(str(c), justify="right")
    for idx, r in s.iterrows():
        t2.add_row(str(idx), *[("-" if pd.isna(v) else f"{v:.3g}") for v in r.to_numpy()])
    return [t, t2]


# ---------------------------------------------------------------- report
def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def calibration_section(folder: str | Path) -> str:
    """The calibration's section of the HTML report: what was fitted to what, the stop
    reason, both summary tables and the four figures (embedded; drawn from the folder's
    files if it has none)."""
    cf = load_calibration(folder)
    m = cf.manifest
    fmt = {"float_format": lambda v: f"{v:.3g}", "na_rep": "-", "border": 0}
    until = m["spec"].get("until_week")
    parts = [
        "<h2>Calibration against the record</h2>",
        f"<p>{html.escape(m['scenario_name'])} calibrated by ABC-SMC against "
        f"<code>{html.escape(str(m.get('record_path')))}</code>"
        + (f" (observations up to week {until})" if until is not None else "")
        + f": {len(m['generations'])} generations, {m['simulations']:,} simulations, "
        f"population {m['spec']['population']}, seed {m['seed']}. Stopped: "
        f"{html.escape(str(m.get('stop_reason')))}.</p>",
        "<h3>Parameters</h3>", parameter_summary(m).to_html(**fmt),
        "<h3>Observations</h3>", observation_summary(m).to_html(**fmt),
    ]
    figures = cf.root / "figures"
    names = ("marginals", "pairs", "generations", "predictive")
    if all((figures / f"{n}.png").is_file() for n in names):
        parts += [_img(figures / f"{n}.png") for n in names]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            parts += [_img(p) for p in write_calibration_figures(cf.root, target=Path(tmp))]
    return "\n".join(parts) + "\n"
