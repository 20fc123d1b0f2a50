"""What-if branches and policy sweeps: an empty variant is the straight run; identical
policies on common random numbers give identical rows; both are stored like sweeps and
every stored row can be re-run alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.policies import paired_differences, share_higher
from sim.batch.branch import run_branches
from sim.cli import main
from sim.core.engine import run_batch
from sim.core.moves import Inject, Policy
from sim.core.scenario import Scenario
from sim.core.seeds import derive_seed
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")

VARIANTS = """
[[variant]]
name = "straight"

[[variant]]
name = "arm"
description = "Seoul approves offensive weapons at the branch week"
inject = [{ week = 8, move = "rok_approve", rung = 4 }]

[[variant]]
name = "wave"
inject = [{ week = 10, move = "nk_wave", troops = 8000 }]
"""


def test_an_empty_variant_is_the_straight_run(baseline: Scenario) -> None:
    variants = {"straight": Policy(),
                "wave": Policy(inject=[Inject(week=10, move="nk_wave", troops=8000)])}
    res = run_branches(baseline, 8, variants, 30, base_seed=4)
    seeds = [derive_seed(4, 0, rep) for rep in range(30)]
    straight = run_batch([baseline] * 30, seeds)
    for name, col in straight.outcomes.items():
        np.testing.assert_array_equal(res.outcomes["straight"][name], col, err_msg=name)
    for rep in range(30):
        np.testing.assert_array_equal(res.series["straight"][rep], straight.series_block(rep))
    # Until the branch week every variant is the trunk; a wave then adds casualties.
    np.testing.assert_array_equal(res.series["wave"][:, :9], res.series["straight"][:, :9])
    runs = pd.DataFrame(res.run_columns())
    diff = paired_differences(runs, "casualties_north_korea", "straight")
    higher = share_higher(runs, "casualties_north_korea", "straight")
    assert diff.loc["wave", "ci95_low"] > 0 and higher["wave"] > 0.5


def test_wargame_branch_stores_variants_like_a_policy_sweep(tmp_path: Path, capsys) -> None:
    variants = tmp_path / "variants.toml"
    variants.write_text(VARIANTS)
    out = tmp_path / "b"
    assert main(["branch", BASELINE, "--at-week", "8", "--variants", str(variants),
                 "--replicates", "12", "--weeks", "20", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "each variant minus 'straight'" in printed and "arm" in printed
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 36 and set(runs["policy"]) == {"straight", "arm", "wave"}
    # Common random numbers: every variant has the same seeds, replicate by replicate.
    seeds = runs.pivot(index="replicate", columns="policy", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert (out / "branch" / "branches.png").stat().st_size > 10_000
    assert json.loads((out / "manifest.json").read_text())["design"]["method"] == "branch"
    # Any row is one ordinary run of its variant.
    capsys.readouterr()
    assert main(["run", "--from-sweep", str(out), "--run-id", "17",
                 "--out", str(tmp_path / "r")]) == 0
    assert "reproduces the stored row exactly" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "fragment"), [
    ('[[variant]]\nname = "a b"\n', "variant.0.name"),
    ('[[variant]]\nname = "x"\ninject = [{ week = 3, move = "nato_raise" }]\n',
     "is before the branch week 8"),
    ('[[variant]]\nname = "x"\nset = { "front.rows" = 3 }\n', "fixed when a run starts"),
    ('[[variant]]\nname = "x"\n[[variant]]\nname = "x"\n', "names must differ"),
    ("", "variant"),
])
def test_a_bad_variants_file_exits_2(tmp_path: Path, capsys, text: str, fragment: str) -> None:
    f = tmp_path / "v.toml"
    f.write_text(text)
    out = tmp_path / "b"
    assert main(["branch", BASELINE, "--at-week", "8", "--variants", str(f),
                 "--replicates", "3", "--out", str(out)]) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


def test_identical_policies_give_identical_rows(tmp_path: Path) -> None:
    policies = tmp_path / "p.toml"
    policies.write_text('[policies.a]\ninject = [{ week = 4, move = "nato_raise" }]\n'
                        '[policies.b]\ninject = [{ week = 4, move = "nato_raise" }]\n'
                        '[policies.c]\ninject = [{ week = 4, move = "rok_approve", '
                        'rung = 4 }]\n')
    out = tmp_path / "s"
    assert main(["sweep", BASELINE, "--policies", str(policies), "--samples", "5",
                 "--replicates", "3", "--weeks", "16", "--quiet", "--executor", "serial",
                 "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs").sort_values("run_id")
    assert len(runs) == 45
    key = ["point_id", "replicate"]
    a = runs[runs["policy"] == "a"].drop(columns=["run_id", "policy", "duration_s"])
    b = runs[runs["policy"] == "b"].drop(columns=["run_id", "policy", "duration_s"])
    pd.testing.assert_frame_equal(a.set_index(key), b.set_index(key))
    c = runs[runs["policy"] == "c"].set_index(key)
    assert (c["seed"] == a.set_index(key)["seed"]).all()
    assert (c["rok_max_rung"] == 4).all()


def test_policy_sweep_checks(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    for args, fragment in (
        (["--policies", "nonesuch,hold"], "no policy 'nonesuch'"),
        (["--policies", "hold"], "at least two policies"),
        (["--policies", "all", "--param", "nato.support_increase=0:0.2"],
         None),  # levers may be swept by --param when no policy sets them
    ):
        code = main(["sweep", BASELINE, *args, "--samples", "2", "--replicates", "1",
                     "--weeks", "6", "--quiet", "--executor", "serial", "--out", str(out)])
        if fragment is None:
            assert code == 0
        else:
            assert code == 2 and fragment in capsys.readouterr().err
            assert not out.exists()


def test_compare_and_analyze_a_policy_sweep(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    assert main(["sweep", BASELINE, "--policies", "hold,arm-week-8", "--samples", "6",
                 "--replicates", "4", "--weeks", "26", "--quiet", "--executor", "serial",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    cmp_dir = tmp_path / "c"
    assert main(["compare", str(out), "--reference", "hold", "--satisfice",
                 "escalation_peak<50", "--satisfice", "ukraine_area_km2@26>=200",
                 "--out", str(cmp_dir)]) == 0
    printed = capsys.readouterr().out
    assert "24 futures" in printed and "P(better than hold)" in printed
    # The printed and written numbers are the paired differences of the stored runs.
    runs = pd.read_parquet(out / "runs")
    t = runs.pivot_table(index=["point_id", "replicate"], columns="policy",
                         values="escalation_peak")
    paired = pd.read_csv(cmp_dir / "paired_escalation_peak.csv", index_col=0)
    assert paired.loc["arm-week-8", "mean_difference"] == pytest.approx(
        (t["arm-week-8"] - t["hold"]).mean())
    sat = pd.read_csv(cmp_dir / "satisficing.csv", index_col=0)
    assert 0 <= sat.loc["hold", "share_satisficing"] <= 1
    assert (cmp_dir / "robustness.png").stat().st_size > 10_000
    # analyze on a policy sweep ends with the same comparison.
    assert main(["analyze", str(out), "--outcome", "escalation_peak"]) == 0
    printed = capsys.readouterr().out
    assert "regret (shortfall against the best policy" in printed
    assert "P(better than hold) ± se" in printed
    # ... and so does the report, every estimate with its uncertainty
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "Policies on the same futures" in page and 'alt="robustness"' in page
    assert "P(best) ± se" in page and "median [95% CI]" in page
    for args, fragment in ((["--better", "rok_max_rung=up"], "expected OUTCOME=higher"),
                           (["--outcome", "rok_max_rung"], "which way is better"),
                           (["--reference", "nope"], "no policy 'nope'")):
        assert main(["compare", str(out), "--out", str(tmp_path / "x"), *args]) == 2
        assert fragment in capsys.readouterr().err
