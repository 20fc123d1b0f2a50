"""The README and benchmarks/README.md cite only paths and names that exist: a reader who
follows `sim/core/rng.py` or `sim.core.engine.run_batch` finds it.

What is checked, in backticks (inline code) and in Markdown links:

- paths under the checkout's own folders (``sim/``, ``tests/``, ``benchmarks/``, ``docs/``,
  ``scenarios/``, ``observations/``, ``calibrations/``), globs included (``scenarios/*.toml``
  must match something), ``path::test`` and ``path:line`` suffixes ignored;
- a bare file name of Python source (``combat.py``) must be a file somewhere in ``sim/``,
  ``tests/`` or ``benchmarks/``;
- dotted names from ``sim.`` on (``sim.core.engine.run_batch``,
  ``sim.core.model.EscalationModel.restore``): the longest prefix that is a module must
  exist, and the rest must be defined in it (a top-level def, class or assignment, then an
  attribute of that class), read from the source without importing it;
- short names, ``module.function`` (``engine.step_week``) and ``Class.method``
  (``EscalationModel.restore``), where the first part is a module or class of ``sim/``:
  defined there (a module's name may also be a method of one of its classes:
  ``model.snapshot()``). Scenario parameters (``combat.law``) are not code and are skipped.

Placeholders (``<name>``, ``{x}``, ``...``) and paths a command writes (``results/``) are not
citations of the checkout and are skipped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ("README.md", "benchmarks/README.md")
FOLDERS = ("sim", "tests", "benchmarks", "docs", "scenarios", "observations", "calibrations")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_PATH = re.compile(rf"^(?:\./)?((?:{'|'.join(FOLDERS)})/[\w./*-]*)")
_BARE_PY = re.compile(r"^[A-Za-z_]\w*\.py$")
_DOTTED = re.compile(r"^sim(?:\.[A-Za-z_]\w*)+")
_SHORT = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_FILE_SUFFIXES = {"py", "json", "csv", "png", "svg", "pdf", "toml", "html", "parquet", "md",
                  "txt"}


def _sim_files() -> list[Path]:
    return sorted((ROOT / "sim").rglob("*.py"))


def _classes() -> dict[str, list[Path]]:
    """Top-level classes of sim/, by name."""
    out: dict[str, list[Path]] = {}
    for path in _sim_files():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                out.setdefault(node.name, []).append(path)
    return out


def _parameters() -> set[str]:
    """Scenario parameters and their sections (``combat``, ``combat.law``)."""
    from sim.core.scenario import parameter_names

    names = set(parameter_names())
    return names | {n.split(".")[0] for n in names}


def _prose(text: str) -> str:
    """The document without its fenced code blocks (commands and output, not citations),
    except the paths a command line names (``python benchmarks/x.py``)."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            out += [f"`{m}`" for m in re.findall(r"(?:^|\s)((?:benchmarks|tests|scenarios|"
                                                  r"observations)/[\w./-]+)", line)]
        else:
            out.append(line)
    return "\n".join(out)


def citations(text: str) -> set[str]:
    """Every backticked token and link target of a Markdown text."""
    prose = _prose(text)
    found = set(_CODE.findall(prose)) | set(_LINK.findall(prose))
    return {c.strip() for c in found}


def _defined(path: Path, names: list[str]) -> bool:
    """Whether ``names[0]`` is defined at the top of module ``path`` (and ``names[1:]``
    inside it, as nested class attributes)."""
    body: list[ast.stmt] = ast.parse(path.read_text()).body
    for name in names:
        found = None
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
                    node.name == name):
                found = node
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    found = node
            elif isinstance(node, ast.ImportFrom | ast.Import) and any(
                    (a.asname or a.name).split(".")[0] == name for a in node.names):
                found = node
        if found is None:
            return False
        body = found.body if isinstance(found, ast.ClassDef) else []
    return True


def _in_class(path: Path, name: str) -> bool:
    """Whether some top-level class of module ``path`` defines ``name``."""
    return any(isinstance(node, ast.ClassDef) and _defined(path, [node.name, name])
               for node in ast.parse(path.read_text()).body)


def missing_short(head: str) -> str | None:
    """Why a short ``module.name`` or ``Class.name`` cites nothing (None: it exists, or
    is no citation of code)."""
    first, *rest = head.split(".")
    if head in _parameters() or rest[-1] in _FILE_SUFFIXES:
        return None
    modules = [p for p in _sim_files() if p.stem == first]
    if modules:
        ok = any(_defined(p, rest) or (len(rest) == 1 and _in_class(p, rest[0]))
                 for p in modules)
        return None if ok else f"{'.'.join(rest)} is not defined in sim/**/{first}.py"
    classes = _classes().get(first, [])
    if classes:
        ok = any(_defined(p, [first, *rest]) for p in classes)
        return None if ok else f"class {first} defines no {'.'.join(rest)}"
    return None


def missing_citation(token: str) -> str | None:
    """Why ``token`` cites nothing that exists (None: it exists, or is no citation)."""
    if any(mark in token for mark in ("<", "{", "...", "://")):
        return None
    words = token.split()
    if len(words) > 1:  # a command line: each word that cites something
        return next((f"{w}: {why}" for w in words if (why := missing_citation(w))), None)
    token = token.split("::")[0].split("#")[0]
    m = _PATH.match(token)
    if m:
        path = re.sub(r":\d+$", "", m[1]).rstrip(".")
        if "*" in path:
            return None if list(ROOT.glob(path)) else "no file matches"
        return None if (ROOT / path).exists() else "no such path"
    if _BARE_PY.match(token):
        found = [p for folder in ("sim", "tests", "benchmarks")
                 for p in (ROOT / folder).rglob(token)]
        return None if found else "no such file in sim/, tests/ or benchmarks/"
    m = _DOTTED.match(token)
    if m:
        parts = m[0].split(".")
        for k in range(len(parts), 0, -1):
            base = ROOT.joinpath(*parts[:k])
            module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else (
                base / "__init__.py")
            if module.is_file():
                rest = parts[k:]
                if not rest or _defined(module, rest):
                    return None
                return f"{'.'.join(rest)} is not defined in {module.relative_to(ROOT)}"
        return "no such module"
    head = re.split(r"[=(\[]", token)[0]
    if _SHORT.match(head):
        return missing_short(head)
    return None


@pytest.mark.parametrize("doc", DOCS)
def test_every_cited_path_and_name_exists(doc: str) -> None:
    text = (ROOT / doc).read_text()
    stale = {c: why for c in sorted(citations(text)) if (why := missing_citation(c))}
    assert not stale, f"{doc} cites what does not exist: {stale}"


def test_the_checker_catches_what_moved() -> None:
    """The checker itself: moved paths and names are caught, placeholders are not."""
    assert missing_citation("sim/core/rng.py") is None
    assert missing_citation("sim/rng.py") == "no such path"
    assert missing_citation("tests/test_golden.py::test_outcomes_match_the_golden_file") is None
    assert missing_citation("scenarios/*.toml") is None
    assert missing_citation("golden.py") is not None
    assert missing_citation("sim.core.engine.run_batch") is None
    assert missing_citation("sim.core.engine.no_such_function") is not None
    assert missing_citation("sim.core.model.EscalationModel.restore") is None
    assert missing_citation("sim.nowhere.thing") is not None
    assert missing_citation("engine.step_week") is None
    assert missing_citation("engine.no_such_step") is not None
    assert missing_citation("EscalationModel.restore(snapshot)") is None
    assert missing_citation("EscalationModel._no_such_method") is not None
    assert missing_citation("model.snapshot()") is None
    assert missing_citation("combat.law=square,linear") is None  # a parameter
    assert missing_citation("summary.json") is None
    assert missing_citation("python benchmarks/nothing.py --fast") is not None
    assert missing_citation("results/<name>/runs") is None
    assert citations("see `a/b.py` and [docs](docs/x.md)\n```\npython benchmarks/y.py\n```"
                     ) == {"a/b.py", "docs/x.md", "benchmarks/y.py"}
