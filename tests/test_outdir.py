"""Output folders: a command replaces a folder only if it wrote it (its marker says so and
nothing was added); never the current folder, an ancestor of it, an input of the command or
a folder of the user's own files. Scenario names are safe folder names; ``--out`` is read
as a shell path (``~``), and a file, /proc or a symbolic link is refused clearly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import UserError
from sim.outdir import MARKER, check_replaceable, user_path
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
RUN = ["run", BASELINE, "--weeks", "3"]


@pytest.fixture(autouse=True)
def _figures(fast_figures) -> None:
    """Placeholder figures: these tests are about folders, not pictures."""


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its content (None for folders), symlinks unfollowed."""
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            out[rel] = os.readlink(p).encode() if p.is_symlink() else (
                None if p.is_dir() else p.read_bytes())
    return out


@pytest.fixture
def user_files(tmp_path: Path) -> Path:
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "thesis.docx").write_bytes(b"years of work")
    (mine / "sub" / "data.csv").write_text("1,2,3\n")
    return mine


def test_run_never_replaces_a_folder_of_user_files(tmp_path, user_files, capsys) -> None:
    before = tree(tmp_path)
    assert main([*RUN, "--out", str(user_files)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert tree(tmp_path) == before


@pytest.mark.parametrize("where", ["cwd", "parent", "root"])
def test_run_never_replaces_the_current_folder_or_its_ancestors(tmp_path, monkeypatch, capsys,
                                                                where) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("keep")
    monkeypatch.chdir(work)
    out = {"cwd": ".", "parent": "..", "root": "/"}[where]
    before = tree(tmp_path)
    assert main([*RUN, "--out", out]) == 2
    err = capsys.readouterr().err
    assert "current folder" in err and "Traceback" not in err
    assert tree(tmp_path) == before


def test_run_replaces_its_own_run_folder_but_not_after_a_user_adds_to_it(tmp_path, capsys):
    out = tmp_path / "r"
    assert main([*RUN, "--seed", "1", "--out", str(out)]) == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "run" and "outcomes.json" in marker["files"]
    assert main([*RUN, "--seed", "2", "--out", str(out)]) == 0  # its own: replaced
    assert json.loads((out / "outcomes.json").read_text())["seed"] == 2
    assert main(["plot", str(out), "--formats", "png"]) == 0  # a nested output of ours
    assert main([*RUN, "--seed", "3", "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine now")
    capsys.readouterr()
    assert main([*RUN, "--seed", "4", "--out", str(out)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine now"
    assert json.loads((out / "outcomes.json").read_text())["seed"] == 3


def test_outputs_of_another_kind_are_not_replaced(tmp_path, capsys) -> None:
    run = tmp_path / "r"
    assert main([*RUN, "--out", str(run)]) == 0
    sweep = tmp_path / "s"
    assert main(["sweep", BASELINE, "--samples", "4", "--replicates", "2", "--weeks", "8",
                 "--quiet", "--executor", "serial", "--out", str(sweep)]) == 0
    before = tree(tmp_path)
    assert main(["compare", str(sweep), str(run), "--out", str(run)]) == 2
    assert "input of this command" in capsys.readouterr().err
    other = tmp_path / "r2"
    assert main([*RUN, "--out", str(other)]) == 0
    before = tree(tmp_path)
    assert main(["compare", str(sweep), str(run), "--out", str(other)]) == 2
    assert "is a run folder, not a compare folder" in capsys.readouterr().err
    assert tree(tmp_path) == before


def test_inputs_and_their_ancestors_are_never_replaced(tmp_path, capsys) -> None:
    store = tmp_path / "stores" / "s"
    assert main(["sweep", BASELINE, "--samples", "4", "--replicates", "2", "--weeks", "8",
                 "--quiet", "--executor", "serial", "--out", str(store)]) == 0
    before = tree(tmp_path)
    for out in (store, store.parent):
        assert main(["run", "--from-sweep", str(store), "--run-id", "1", "--out",
                     str(out)]) == 2
        assert "input of this command" in capsys.readouterr().err
        assert main(["compare", str(store), str(store), "--out", str(out)]) == 2
        assert "input of this command" in capsys.readouterr().err
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("/tmp/victim", "'/'"), ("../../x", "'/'"), ("..", "leading dot"),
     ("a\x07b", "'\\x07'"), ("x" * 81, "longer than 80"), ("a\\b", "'\\\\'"),
     ("", "expected a name")],
)
def test_scenario_names_are_safe_folder_names(tmp_path, monkeypatch, capsys, name,
                                             fragment) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.toml"
    path.write_text(f"name = {json.dumps(name)}\n")
    assert main(["run", str(path), "--weeks", "2"]) == 2
    err = capsys.readouterr().err
    assert "name:" in err and fragment in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]
    assert main(["validate", str(path)]) == 2


def test_out_is_expanded_like_a_shell_path(tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    assert main([*RUN, "--out", "~/runs/r"]) == 0
    assert (home / "runs" / "r" / "outcomes.json").is_file()
    assert not (tmp_path / "~").exists()
    assert user_path("~", "--out") == home
    assert main([*RUN, "--out", "~no_such_user_here/r"]) == 2
    assert "cannot expand '~no_such_user_here'" in capsys.readouterr().err
    assert main(["compare", "~/runs/r", "~/runs/r", "--out", "~/cmp"]) == 0


def test_a_file_proc_or_a_symlink_is_refused(tmp_path, user_files, capsys) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(user_files)
    cases = {str(file): "is a file", "/proc": "system folder",
             "/proc/wargame-out": "system folder", str(link): "symbolic link",
             str(file / "below"): "is a file, not a folder"}
    before = tree(tmp_path)
    for out, fragment in cases.items():
        assert main([*RUN, "--out", out]) == 2, out
        assert fragment in capsys.readouterr().err, out
        assert main(["sweep", BASELINE, "--quiet", "--out", out]) == 2, out
        assert fragment in capsys.readouterr().err, out
    assert tree(tmp_path) == before


def test_plot_replaces_its_figures_only_while_they_are_its_own(tmp_path, capsys) -> None:
    run = tmp_path / "r"
    assert main([*RUN, "--out", str(run)]) == 0
    assert main(["plot", str(run), "--formats", "png"]) == 0
    assert main(["plot", str(run), "--formats", "png"]) == 0  # replaced: its own
    (run / "figures" / "annotated.png").write_bytes(b"my notes")
    capsys.readouterr()
    assert main(["plot", str(run), "--formats", "png"]) == 2
    assert "annotated.png" in capsys.readouterr().err
    assert (run / "figures" / "annotated.png").read_bytes() == b"my notes"


def test_check_replaceable_allows_new_and_empty_folders(tmp_path) -> None:
    assert check_replaceable(tmp_path / "new", "run") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert check_replaceable(tmp_path / "empty", "compare") == tmp_path / "empty"
    with pytest.raises(UserError, match="input of this command"):
        check_replaceable(tmp_path / "empty", "compare", [tmp_path / "empty"])
