"""`wargame compare A B C ...`: several result folders side by side, and what each of them
is before any of their numbers.

Outcomes of two ensembles differ for two reasons: their scenarios, and what their designs
spread the runs over. A 4,000-run Latin hypercube over 25 uncertain parameters and a
240-run sweep over 4 (the other 21 fixed at the scenario's values) give wider and
differently centred distributions even for the same scenario. So the comparison first
states each ensemble's runs, design and swept parameters (:func:`describe_designs`), warns
where they differ in what they sweep (:func:`design_differences`), and with
``--shared-params`` compares only the runs inside the parameter space every ensemble
covers (:func:`shared_space`):

* a parameter every ensemble sweeps: the runs inside the range they all cover (a category:
  the values they all have);
* a parameter some sweep and the others fix at one value: in the ensembles that sweep it,
  the runs within ``SLICE`` of its range around that value (a slice: the runs of a
  25-parameter hypercube near the values a 4-parameter sweep fixes). Where the others fix
  it at different values, no run is in every ensemble's space: exit 2.

Every slice divides the runs left by about ten, so a comparison across many fixed
parameters leaves too few runs to say anything: below ``MIN_RUNS`` in any ensemble the
command exits 2, names the parameters and says how to compare like with like (sweep the
scenarios over the same parameters).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.plots import compare_chart
from sim.analysis.render import FigureJob, render
from sim.analysis.results import ResultSet, _ident
from sim.analysis.summary import compare_rungs, compare_table, distributions
from sim.errors import UserError
from sim.outdir import replace_dir

SLICE = 0.05
"""--shared-params: a parameter one ensemble sweeps and another fixes at v is kept within
v ± 5 % of the sweeping ensemble's range: narrow enough that the slice stands for v (the
outcome moves little across it for any parameter of the baseline's ranges), wide enough to
keep a tenth of the runs."""

MIN_RUNS = 30
"""--shared-params: fewer runs than this left in an ensemble is too few for its 5-95 %
interval (the interval of a 5 % quantile needs dozens of runs) to mean anything."""

COMPARE_SAMPLE = 20_000
"""Runs per set drawn into the violins at most (their shape does not change beyond it)."""

LISTED = 6
"""Parameter names listed in a message before "and N more"."""


def unique_label(rs: ResultSet, sets: list[ResultSet]) -> str:
    """The scenario name, or the folder name where two sets share a scenario."""
    same = [s for s in sets if s.name == rs.name]
    return rs.name if len(same) == 1 else rs.root.name


def _swept(rs: ResultSet) -> dict[str, dict[str, Any]]:
    """The parameters a set sweeps (its design's), by name; a policy sweep's ``policy``
    is a choice compared within one store, not an uncertainty: left out."""
    return {p["name"]: p for p in rs.params if p["name"] != "policy"}


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _range(p: dict[str, Any]) -> str:
    if p.get("values") is not None:
        return "{" + ", ".join(map(str, p["values"])) + "}"
    return f"{p['low']:,g} to {p['high']:,g}"


def design_words(rs: ResultSet) -> str:
    """A design in words: "lhs, 400 points x 5 replicates"."""
    if rs.kind == "run":
        return f"one run (seed {rs.manifest.get('base_seed')})"
    d = rs.manifest.get("design") or {}
    text = str(d.get("method", "?"))
    points, replicates = rs.manifest.get("n_points"), d.get("replicates")
    if points is not None and replicates is not None:
        text += f", {points:,} points x {replicates} replicates"
    if d.get("policies"):
        text += f" x {len(d['policies'])} policies ({', '.join(d['policies'])})"
    return text


def describe_designs(named: dict[str, ResultSet]) -> pd.DataFrame:
    """One row per set: its folder, runs, design, horizon and swept parameters."""
    rows = {}
    for label, rs in named.items():
        swept = _swept(rs)
        rows[label] = {"folder": str(rs.root), "runs": rs.n_runs, "design": design_words(rs),
                       "weeks": rs.horizon, "swept": len(swept),
                       "parameters": "; ".join(f"{n} {_range(p)}" for n, p in swept.items())}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "set"
    return frame


def design_differences(named: dict[str, ResultSet]) -> list[str]:
    """Why the sets' outcomes differ besides their scenarios: parameters swept in some
    sets only, the same parameter over different ranges, different horizons. Empty when
    they sweep the same parameters over the same ranges to the same week."""
    swept = {label: _swept(rs) for label, rs in named.items()}
    everywhere = set.intersection(*(set(s) for s in swept.values()))
    some = sorted(set().union(*swept.values()) - everywhere)
    out = []
    if some:
        counts = ", ".join(f"{label} {len(s)}" for label, s in swept.items())
        out.append(f"the sets do not sweep the same parameters (swept: {counts}); "
                   f"{len(some)} are swept in some sets and fixed in others ({_names(some)}): "
                   "their outcomes differ also because of that, not only because of the "
                   "scenarios. --shared-params compares only the runs inside the parameter "
                   "space every set covers")
    for name in sorted(everywhere):
        ranges = {label: _range(s[name]) for label, s in swept.items()}
        if len(set(ranges.values())) > 1:
            out.append(f"{name} is swept over different ranges: "
                       + ", ".join(f"{r} in {label}" for label, r in ranges.items()))
    weeks = {label: rs.horizon for label, rs in named.items()}
    if len(set(weeks.values())) > 1:
        out.append("the runs end in different weeks ("
                   + ", ".join(f"{label} week {w}" for label, w in weeks.items())
                   + "): outcomes at the horizon are not comparable")
    return out


def fixed_value(rs: ResultSet, name: str) -> Any:
    """The value a set that does not sweep ``name`` runs with: its scenario's (with the
    sweep's --set overrides), as resolved when it ran."""
    from sim.analysis.commands import run_scenario_of
    from sim.core.scenario import ScenarioError, get_dotted, parse_scenario

    m = rs.manifest
    try:
        if rs.kind == "run":
            scenario = run_scenario_of(rs.root)
        else:
            scenario = parse_scenario(m["scenario_text"], f"{rs.root}/manifest.json")
            if m.get("overrides"):
                scenario = scenario.with_overrides(m["overrides"])
    except (KeyError, TypeError, ScenarioError):
        scenario = None
    if scenario is None:
        raise UserError(f"--shared-params: {rs.root}: cannot tell which value of {name} its "
                        "runs fix (no readable scenario in the folder)")
    return get_dotted(scenario, name)


def shared_space(named: dict[str, ResultSet]) -> tuple[dict[str, list[str]], list[str]]:
    """The parameter space every set covers (see the module's docstring): per set, the
    SQL conditions that keep its runs inside it, and the restrictions in words."""
    swept = {label: _swept(rs) for label, rs in named.items()}
    conditions: dict[str, list[str]] = {label: [] for label in named}
    said = []
    for name in sorted(set().union(*swept.values())):
        sweepers = [label for label, s in swept.items() if name in s]
        fixers = [label for label in named if label not in sweepers]
        col = _ident(name)
        specs = [swept[label][name] for label in sweepers]
        if specs[0].get("values") is not None:  # a category
            if fixers:
                values = {str(fixed_value(named[f], name)) for f in fixers}
            else:
                values = set.intersection(*({str(v) for v in p["values"]} for p in specs))
            if not values or (fixers and len(values) > 1):
                raise UserError(f"--shared-params: no run of every set shares a value of "
                                f"{name} ({_per_set(named, swept, name)})")
            narrowed = [label for label, p in zip(sweepers, specs, strict=True)
                        if {str(v) for v in p["values"]} != values]
            for label in narrowed:
                conditions[label].append(f"CAST({col} AS VARCHAR) IN ("
                                         + ", ".join(_text(v) for v in sorted(values)) + ")")
            if narrowed:
                said.append(f"{name} in {{{', '.join(sorted(values))}}}")
            continue
        if not fixers:
            lo, hi = max(p["low"] for p in specs), min(p["high"] for p in specs)
            if lo > hi:
                raise UserError(f"--shared-params: the ranges of {name} do not overlap "
                                f"({_per_set(named, swept, name)})")
            if any((p["low"], p["high"]) != (lo, hi) for p in specs):
                for label in sweepers:
                    conditions[label].append(f"{col} BETWEEN {lo!r} AND {hi!r}")
                said.append(f"{name} from {lo:g} to {hi:g}")
            continue
        values = {float(fixed_value(named[f], name)) for f in fixers}
        if len(values) > 1:
            raise UserError(f"--shared-params: {name} is fixed at different values "
                            f"({_per_set(named, swept, name)}): no run is in every set's "
                            "parameter space")
        v = values.pop()
        for label in sweepers:
            p = swept[label][name]
            half = SLICE * (p["high"] - p["low"])
            if not p["low"] - half <= v <= p["high"] + half:
                raise UserError(f"--shared-params: {label} sweeps {name} over {_range(p)}, "
                                f"which does not reach {v:g}, the value {', '.join(fixers)} "
                                "fix")
            conditions[label].append(f"{col} BETWEEN {v - half!r} AND {v + half!r}")
        said.append(f"{name} within {SLICE:.0%} of its range around {v:g} (fixed in "
                    f"{', '.join(fixers)})")
    return conditions, said


def _per_set(named: dict[str, ResultSet], swept: dict[str, dict[str, Any]],
             name: str) -> str:
    return ", ".join(f"{_range(swept[label][name])} in {label}" if name in swept[label]
                     else f"{fixed_value(named[label], name)} in {label}" for label in named)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def restrict(rs: ResultSet, conditions: list[str]) -> ResultSet:
    """The set with its ``runs`` view narrowed to the runs meeting every condition (the
    original view renamed underneath, so every query of the analysis sees only them)."""
    if not conditions:
        return rs
    rs.con.execute("ALTER VIEW runs RENAME TO runs_unrestricted")
    rs.con.execute("CREATE VIEW runs AS SELECT * FROM runs_unrestricted WHERE "
                   + " AND ".join(conditions))
    n = int(rs.query("SELECT count(*) AS n FROM runs")["n"].iloc[0])
    return dataclasses.replace(rs, n_runs=n)


def restrict_to_shared(named: dict[str, ResultSet]) -> tuple[dict[str, ResultSet],
                                                               list[str]]:
    """Each set narrowed to the shared parameter space (:func:`shared_space`), and the
    restrictions in words; UserError when no parameter is swept at all or a set keeps
    fewer than ``MIN_RUNS`` runs."""
    if not any(_swept(rs) for rs in named.values()):
        raise UserError("--shared-params: none of the sets sweeps a parameter; there is "
                        "nothing to restrict")
    conditions, said = shared_space(named)
    before = {label: rs.n_runs for label, rs in named.items()}
    out = {label: restrict(rs, conditions[label]) for label, rs in named.items()}
    short = {label: rs.n_runs for label, rs in out.items() if rs.n_runs < MIN_RUNS}
    if short:
        counts = ", ".join(f"{label} {n:,} of {before[label]:,}" for label, n in short.items())
        slices = [s.split(" ")[0] for s in said if " within " in s]
        raise UserError(
            f"--shared-params: too few runs inside the parameter space every set covers "
            f"(at least {MIN_RUNS} needed; left: {counts})"
            + (f"; {len(slices)} parameters are swept in some sets and fixed in others "
               f"({_names(slices)}), and each keeps about a tenth of the runs" if slices
               else ""),
            hint="compare like with like: sweep every scenario over the same parameters "
                 "and ranges (the same --param list, or the same [sweep] table)")
    return out, said


def compare_results(sets: list[ResultSet], outcomes: list[str],
                    shared: bool = False) -> Comparison:
    """Everything `wargame compare` prints and writes for several result folders."""
    named = {unique_label(rs, sets): rs for rs in sets}
    designs = describe_designs(named)
    differences = design_differences(named)
    restricted: list[str] = []
    if shared:
        named, restricted = restrict_to_shared(named)
        designs["runs compared"] = [rs.n_runs for rs in named.values()]
    return Comparison(named, designs, differences, restricted,
                      compare_table(named, outcomes), compare_rungs(named), outcomes)


@dataclasses.dataclass
class Comparison:
    """Several result sets side by side (see :func:`compare_results`)."""

    named: dict[str, ResultSet]  # label -> set (narrowed with --shared-params)
    designs: pd.DataFrame  # describe_designs
    differences: list[str]  # design_differences
    restricted: list[str]  # --shared-params: the restrictions in words (else empty)
    table: pd.DataFrame  # compare_table
    rungs: pd.DataFrame  # compare_rungs
    outcomes: list[str]


def write_compare(c: Comparison, target: Path) -> Path:
    """The tables and the figure into ``target`` (replaced only if compare wrote it)."""
    dists = {label: distributions(rs, c.outcomes) for label, rs in c.named.items()}
    levels = [o for o in c.outcomes
              if compare_chart([d[o] for d in dists.values()]) == "level"]
    samples = {label: rs.frame(levels, sample=COMPARE_SAMPLE
                               if rs.n_runs > COMPARE_SAMPLE else None)
               for label, rs in c.named.items()}
    note = ("; only runs inside the parameter space every set covers" if c.restricted
            else "; the sets sweep different parameters: see compare_designs.csv"
            if c.differences else "")

    def fill(tmp: Path) -> None:
        c.table.to_csv(tmp / "compare_outcomes.csv", index=False)
        c.rungs.to_csv(tmp / "compare_rungs.csv")
        designs = c.designs.copy()
        designs["restricted to"] = "; ".join(c.restricted)
        designs.to_csv(tmp / "compare_designs.csv")
        render([FigureJob("compare", "plot_compare", (dists, samples, c.outcomes, note))],
               tmp, ("png", "svg"))

    replace_dir(target, fill, "compare", [rs.root for rs in c.named.values()])
    return target
