"""No traceback on any input: text that looks like terminal markup prints as written;
pathological TOML is refused quickly; numbers must be numbers; a TOML date is a date; a
folder given as a scenario says so; many unknown keys give a short message; a bad --event
exits 2. And a property over the whole CLI: random argument lists and random scenario files
for run, sweep, plot, compare, analyze and report end in exit 0 or in one message with exit
code 2, and change nothing outside the command's own output folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import build_parser, main
from sim.core.scenario import Scenario, load_scenario, sweepable_names
from sim.errors import ScenarioError
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
MARKUP = "[/x] [bold]loud[/bold] [red]"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_markup_is_printed_literally_in_errors_lists_and_tables(tmp_path, monkeypatch,
                                                                capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    write(tmp_path / "scenarios", 'name = "odd"\ndescription = "[/x][b]:smile:"\n',
          "odd.toml")
    write(tmp_path / "scenarios", "[front]\ncolumns = 'x'\n", "[bold]bad.toml")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "[/x][b]:smile:" in out and "│ [bold]bad " in out
    assert main(["run", f"{MARKUP}.toml"]) == 2
    err = capsys.readouterr().err
    assert f"error: {MARKUP}.toml: no such scenario file" in err
    assert main(["run", BASELINE, "--set", f"{MARKUP}=1"]) == 2
    assert MARKUP in capsys.readouterr().err
    bad = write(tmp_path, f"[north_korea]\n'{MARKUP}' = 1\n", "[b]x.toml")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}/[b]x.toml: north_korea.{MARKUP}: unknown parameter" in err


def test_pathological_toml_is_refused_quickly(tmp_path) -> None:
    cases = {
        "a = " + "[" * 100_000 + "]" * 100_000: "nested more than",
        "a = " + "{b = " * 5_000 + "1" + "}" * 5_000: "nested more than",
        "." .join(["x"] * 5_000) + " = 1": "nested more than",
        'a = "' + "x" * 1_100_000 + '"': "larger than 1,000,000 bytes",
    }
    for text, fragment in cases.items():
        # Refused by a limit (size before parsing, depth before validating), not by
        # running out of stack or memory somewhere deeper.
        with pytest.raises(ScenarioError, match=fragment):
            load_scenario(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[north_korea]\ntroop_quality = "0.9"\n', "expected a number, got '0.9'"),
        ("[north_korea]\ntroop_quality = true\n", "expected a number, got True"),
        ("[north_korea]\nmax_waves = 2.0\n", "expected a whole number, got 2.0"),
        ('weeks = "52"\n', "expected a whole number, got '52'"),
        ("weeks = false\n", "expected a whole number, got False"),
        ("start_date = 2024-10-28T10:00:00\n", "start_date"),
    ],
)
def test_numbers_must_be_numbers(tmp_path, text, fragment) -> None:
    with pytest.raises(ScenarioError, match=fragment.replace("(", r"\(")):
        load_scenario(write(tmp_path, text))


def test_a_toml_date_is_a_start_date(tmp_path) -> None:
    sc = load_scenario(write(tmp_path, "start_date = 2024-11-04\n"))
    assert sc.start_date == "2024-11-04"
    assert Scenario().with_overrides({"start_date": dt.date(2024, 12, 2)}).start_date == \
        "2024-12-02"
    assert main(["run", BASELINE, "--set", "start_date=2024-11-11", "--weeks", "2",
                 "--out", str(tmp_path / "r")]) == 0


def test_a_folder_or_a_device_given_as_scenario_says_so(tmp_path, capsys) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "is a folder, expected a scenario file" in capsys.readouterr().err
    assert main(["validate", "/dev/null"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_hundreds_of_unknown_keys_give_a_short_message(tmp_path, capsys) -> None:
    path = write(tmp_path, "".join(f"key_{i} = {i}\n" for i in range(400)))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) <= 8 and "and 394 more problems" in err


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("events") / "s"
    assert main(["sweep", BASELINE, "--samples", "4", "--replicates", "2", "--weeks", "8",
                 "--quiet", "--executor", "serial", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("event", ["escalation_peak>=high", "rok_max_rung_name>=x",
                                   "escalation_peak>=", "[/x]"])
def test_a_bad_event_exits_2(small_store, capsys, event) -> None:
    out = small_store
    capsys.readouterr()
    for command in ("analyze", "report"):
        assert main([command, str(out), "--event", event]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --event") and "Traceback" not in err
    assert not (out / "analysis").exists() and not (out / "report.html").exists()


# ---------------------------------------------------------------- the CLI property
SWEPT = sweepable_names()
PATHS = ["inputs/small.toml", "inputs/random.toml", "inputs/store_a", "inputs/store_b",
         "inputs/store_corrupt", "inputs/store_twice", "inputs/run_a", "mine",
         "mine/thesis.txt", "notes.txt", "link", ".", "..", "/", "/proc", "~", "~/out",
         "~no_such_user_xyz/x", "", "out/new", "out/new/deeper", "results", f"{MARKUP}",
         "inputs", "inputs/store_a/runs", "inputs/store_a/figures", "baseline", "a\x00b"]
VALUES = ["-1", "0", "1", "2", "8", "1000000000", "abc", "0.5", MARKUP, ""]
SETS = ["north_korea.troop_quality=0.9", 'north_korea.troop_quality="0.9"',
        "north_korea.troop_quality=true", "weeks=3", "weeks=9999", f"name={MARKUP}",
        "name=../x", "start_date=2024-11-01", "start_date=9999-12-31", "nope=1",
        f"{MARKUP}=1", "=", "combat.law=cubic", "north_korea.arrival_week=1",
        "north_korea.troop_quality=[[[[1]]]]"]
PARAMS = ["north_korea.troop_quality=0.3:0.9", "north_korea.troop_quality=0.3:0.9:3",
          "north_korea.troop_quality=0.5,3", "combat.law=square,linear", "weeks=4:9",
          "x=1:2", "north_korea.troop_quality=a:b", "north_korea.max_waves=1:3:1000000",
          f"{MARKUP}=1", "combat.law=square,1", "north_korea.troop_quality=1e999:2"]
INJECTS = ["week=2,move=rok_approve,rung=4", "week=abc", "garbage", MARKUP,
           "week=1,set.north_korea.troop_quality=abc", "week=99999,move=nk_wave"]
EVENTS = ["offensive", "escalation_peak>=40", "escalation_peak>=abc", MARKUP,
          "rok_max_rung_name==offensive_weapons", "rok_max_rung<2"]
OUTCOMES = ["escalation_peak", "rok_max_rung", "nope", MARKUP, "rok_max_rung_name"]

paths, values = st.sampled_from(PATHS), st.sampled_from(VALUES)
# Half the time a path or value that makes sense, so that the calls that do work (and write)
# are exercised as much as the ones that are refused.
scenarios = st.sampled_from(["inputs/small.toml", "inputs/random.toml", "baseline"]) | paths
results = st.sampled_from(["inputs/store_a", "inputs/store_b", "inputs/run_a",
                           "inputs/store_corrupt"]) | paths
outs = st.sampled_from(["out/new", "results/x", "~/out", "inputs/run_a", "out/new/deeper",
                        "inputs/store_a/figures", "inputs/store_b"]) | paths
counts = st.sampled_from(["1", "2", "3"]) | values


def opt(flag: str, strategy) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy.map(lambda v: [flag, v]), max_size=1).map(
        lambda xs: [a for x in xs for a in x])


def command_args() -> st.SearchStrategy[list[str]]:
    def combine(*parts):
        return st.tuples(*parts).map(lambda ps: [a for p in ps for a in p])

    flag = lambda f: st.sampled_from([[], [f]])  # noqa: E731
    run = combine(st.just(["run"]), st.lists(scenarios, max_size=1), opt("--seed", counts),
                  opt("--weeks", counts), opt("--out", outs),
                  opt("--set", st.sampled_from(SETS)),
                  opt("--inject", st.sampled_from(INJECTS)), opt("--from-sweep", results),
                  opt("--run-id", counts))
    sweep = combine(st.just(["sweep"]), scenarios.map(lambda p: [p]),
                    st.just(["--samples", "4", "--replicates", "2", "--weeks", "8", "--quiet",
                             "--executor", "serial"]),
                    opt("--design", st.sampled_from(["grid", "mc", "lhs", "sobol", "posterior",
                                                     "x"])),
                    opt("--posterior", results),
                    opt("--samples", counts), opt("--replicates", counts),
                    opt("--seed", counts), opt("--weeks", st.sampled_from(["8", "0", "521"])),
                    opt("--param", st.sampled_from(PARAMS)),
                    opt("--set", st.sampled_from(SETS)), opt("--out", outs),
                    flag("--resume"), flag("--no-timeseries"), flag("--second-order"),
                    opt("--workers", counts), opt("--chunk-size", counts))
    plot = combine(st.just(["plot"]), results.map(lambda p: [p]),
                   opt("--outcome", st.sampled_from(OUTCOMES)),
                   opt("--formats", st.sampled_from(["png", "svg,png", "gif", "", MARKUP])))
    analyze = combine(st.just(["analyze"]), results.map(lambda p: [p]),
                      opt("--outcome", st.sampled_from(OUTCOMES)),
                      opt("--event", st.sampled_from(EVENTS)), opt("--density", values))
    compare = combine(st.just(["compare"]), st.lists(results, min_size=1, max_size=3),
                      opt("--outcome", st.sampled_from(OUTCOMES)), opt("--out", outs))
    report = combine(st.just(["report"]), results.map(lambda p: [p]),
                     opt("--event", st.sampled_from(EVENTS)), opt("--density", values))
    return st.one_of(run, sweep, plot, analyze, compare, report)


leaf = st.one_of(st.integers(-5, 10**6), st.floats(-1e3, 1e3), st.booleans(),
                 st.sampled_from(["0.9", MARKUP, "square", "../x", ""]),
                 st.just(dt.date(2024, 11, 4)))
fields = st.sampled_from(["troop_quality", "max_waves", "arrival_week", "law", "columns",
                          "offensive_threshold", "bogus", MARKUP])
sweep_entry = st.one_of(
    st.fixed_dictionaries({"low": st.one_of(st.floats(-1, 2), st.integers(-1, 60)),
                           "high": st.one_of(st.floats(-1, 2), st.integers(-1, 60))},
                          optional={"levels": st.sampled_from([1, 2, 3, 10**9])}),
    st.fixed_dictionaries({"values": st.lists(leaf, min_size=0, max_size=3)}),
)
documents = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["ok", "/tmp/victim", "../x", MARKUP, "", "a" * 100]),
    "weeks": leaf, "start_date": st.sampled_from(["2024-10-28", "9999-12-31", "x"]) | leaf,
    "north_korea": st.dictionaries(fields, leaf, max_size=3),
    "combat": st.dictionaries(fields, leaf, max_size=2),
    "sweep": st.dictionaries(st.sampled_from([*SWEPT[:12], "combat.law", "weeks",
                                              "start_date", "bogus"]), sweep_entry,
                             max_size=3),
    "bogus": leaf,
})
scenario_texts = documents.map(tomli_w.dumps) | st.text(max_size=60)


@pytest.fixture(scope="module")
def sandbox_template(tmp_path_factory) -> Path:
    """Inputs a user might point the CLI at: a scenario, sweep stores (one with an
    unreadable part, one with runs stored twice), a run folder, folders of their own
    files, a symbolic link, a home folder."""
    root = tmp_path_factory.mktemp("template")
    inputs = root / "inputs"
    inputs.mkdir()
    small = inputs / "small.toml"
    small.write_text('name = "small"\n[sweep]\n'
                     '"north_korea.troop_quality" = { low = 0.5, high = 0.9 }\n'
                     '"combat.law" = { values = ["square", "linear"] }\n')
    common = ["--samples", "4", "--replicates", "2", "--weeks", "8", "--quiet",
              "--executor", "serial", "--batch-rows", "4"]
    assert main(["sweep", str(small), *common, "--out", str(inputs / "store_a")]) == 0
    assert main(["sweep", str(small), *common, "--seed", "1", "--out",
                 str(inputs / "store_b")]) == 0
    shutil.copytree(inputs / "store_a", inputs / "store_corrupt")
    next(iter(sorted((inputs / "store_corrupt" / "runs").glob("part-*")))).write_bytes(b"x")
    shutil.copytree(inputs / "store_a", inputs / "store_twice")
    first = sorted((inputs / "store_twice" / "runs").glob("part-*"))[0]
    shutil.copy(first, first.with_name("part-000077.parquet"))
    assert main(["run", str(small), "--weeks", "8", "--out", str(inputs / "run_a")]) == 0
    (root / "mine" / "sub").mkdir(parents=True)
    (root / "mine" / "thesis.txt").write_text("years of work")
    (root / "mine" / "sub" / "data.csv").write_text("1,2\n")
    (root / "notes.txt").write_text("notes")
    (root / "link").symlink_to(root / "mine")
    (root / "home").mkdir()
    return root


@pytest.fixture
def fast_analysis(monkeypatch) -> None:
    """A placeholder forest ranking, and no worker processes (the forest's numbers are
    tested elsewhere): the property is about what the commands do with their arguments
    and folders."""
    import pandas as pd

    import sim.analysis.commands as commands
    import sim.cli.analysis as cli
    from sim.analysis.parallel import Workers

    def table(problem, x, y, seed=0):
        return pd.DataFrame({"importance": 0.0, "importance_a": 0.0, "importance_b": 0.0,
                             "spread": 0.0, "surrogate_r2": 0.5},
                            index=pd.Index(problem["names"], name="parameter"))

    monkeypatch.setattr(commands, "forest_ranking", table)
    monkeypatch.setattr(cli, "_workers", lambda preload: Workers(1))


def snapshot(root: Path) -> dict[str, bytes | str | None]:
    out: dict[str, bytes | str | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            key = str(p.relative_to(root))
            if p.is_symlink():
                out[key] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[key] = None
            else:
                out[key] = p.read_bytes()
    return out


def own_outputs(args: list[str], sandbox: Path) -> list[Path]:
    """Where this call may write: its --out (or default results/), or the figures/,
    analysis/ or report.html of its DIR (report writes all three: it (re)computes what plot
    and analyze would have written)."""
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            ns = build_parser().parse_args(args)
    except SystemExit:
        return []

    def place(text: str) -> Path | None:
        if not text or "\0" in text:
            return None
        text = os.path.expanduser(text)
        return None if text.startswith("~") else (sandbox / text)

    targets: list[Path | None] = []
    if ns.command in ("run", "sweep", "compare"):
        targets.append(place(ns.out) if ns.out is not None else sandbox / "results")
    elif ns.command in ("plot", "analyze", "report"):
        base = place(ns.dir)
        suffixes = {"plot": ["figures"], "analyze": ["analysis"],
                    "report": ["report.html", "figures", "analysis"]}
        targets += [base / x if base is not None else None for x in suffixes[ns.command]]
    return [Path(os.path.realpath(t)) for t in targets if t is not None]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(args=command_args(), text=scenario_texts)
def test_any_command_line_exits_0_or_2_and_touches_only_its_output(
        sandbox_template, fast_figures, fast_analysis, args, text) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outer = Path(tmp)
        sandbox = outer / "sandbox"
        shutil.copytree(sandbox_template, sandbox, symlinks=True)
        (sandbox / "link").unlink()
        (sandbox / "link").symlink_to(sandbox / "mine")
        (sandbox / "inputs" / "random.toml").write_text(text)
        (outer / "sentinel.txt").write_text("outside")
        before = snapshot(outer)
        err = io.StringIO()
        old_home = os.environ.get("HOME")
        os.environ["HOME"] = str(sandbox / "home")
        try:
            with contextlib.chdir(sandbox), contextlib.redirect_stderr(err), \
                    contextlib.redirect_stdout(io.StringIO()):
                try:
                    code = main(args)
                except SystemExit as exc:  # argparse: usage and one error line
                    code = exc.code
            allowed = own_outputs(args, sandbox)
        finally:
            os.environ["HOME"] = old_home or ""
        after = snapshot(outer)
        stderr = err.getvalue()
        assert "Traceback" not in stderr, (args, stderr)
        if code == 2:
            assert stderr.count("error:") == 1, (args, stderr)
        elif code == 1:  # a sweep that stored its failed runs says so
            assert args[0] == "sweep" and "runs failed" in stderr, (args, stderr)
        else:
            assert code == 0, (args, code, stderr)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        for key in changed:
            real = Path(os.path.realpath(outer / key))
            assert any(real == a or a in real.parents for a in allowed), (args, key, stderr)
        if code == 2:
            json.dumps(stderr)  # printable
