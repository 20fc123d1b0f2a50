"""The shape of the house: small files, no import loops, and imports that only run down the
layers. These are the rules a newcomer relies on to find a thing in one place and to change
a layer without touching the ones below it (issue 17).

Layers, from the bottom (a module may import its own layer and the ones below):

0. the ground floor: ``sim/errors.py``, ``sim/outdir.py`` (output-folder safety) and the
   package's ``sim/__init__.py`` (its version; the public names it re-exports are imported
   lazily on first use, PEP 562, and are not a dependency of anything that imports ``sim``);
1. ``sim/core``: the model (scenario, rules, engine, the Mesa model);
2. ``sim/batch``: many runs (sweeps, branches, calibration, stores);
3. ``sim/analysis``: what the stored runs say (tables, figures, reports);
4. ``sim/view``: the browser view of one run (it draws with the analysis' figures);
5. ``sim/cli`` and ``sim/__main__.py``: the command line, which drives all of them.

Imports are read from the source with :mod:`ast`: every ``import`` that runs (at module
level or inside a function), and none under ``if TYPE_CHECKING:``, which never runs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

SIM = ROOT / "sim"
MAX_LINES = 550

LAYERS: dict[str, int] = {
    "sim": 0, "sim.errors": 0, "sim.outdir": 0,
    "sim.core": 1,
    "sim.batch": 2,
    "sim.analysis": 3,
    "sim.view": 4,
    "sim.cli": 5, "sim.__main__": 5,
}
LAYER_NAMES = ("ground floor", "core", "batch", "analysis", "view", "cli")

OVER_LIMIT_ALLOWED: frozenset[str] = frozenset()
"""Files allowed over :data:`MAX_LINES` (none; an entry that is no longer needed fails)."""

LOOPS_ALLOWED: frozenset[frozenset[str]] = frozenset()
"""Runtime import loops allowed (none; an entry that is no longer needed fails)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sim_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: anywhere in the tree except the body of an
    ``if TYPE_CHECKING:`` (its ``else:`` does run)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The sim modules that ``name`` imports at run time. ``from a.b import c`` is an edge
    to ``a.b.c`` when that is a module, else to ``a.b``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        for t in targets:
            while t and t not in modules:  # `import sim.core.engine.x`: the module part
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = sim_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_of(module: str) -> int | None:
    best = None
    for prefix, layer in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return None if best is None else best[1]


def loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


# ---------------------------------------------------------------- the rules
def test_no_file_in_sim_exceeds_the_line_limit() -> None:
    over = {str(p.relative_to(ROOT)): n for p in SIM.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    unexpected = {f: n for f, n in over.items() if f not in OVER_LIMIT_ALLOWED}
    assert not unexpected, f"files over {MAX_LINES} lines: {unexpected}; split them by topic"
    stale = sorted(OVER_LIMIT_ALLOWED - set(over))
    assert not stale, f"no longer over the limit, drop from OVER_LIMIT_ALLOWED: {stale}"


def test_the_only_import_loops_are_type_only() -> None:
    found = [c for c in loops(import_graph()) if frozenset(c) not in LOOPS_ALLOWED]
    assert not found, ("runtime import loops (move what both need to a lower module, or "
                       f"import it under TYPE_CHECKING if only a type needs it): {found}")
    stale = [sorted(c) for c in LOOPS_ALLOWED
             if frozenset(c) not in {frozenset(x) for x in loops(import_graph())}]
    assert not stale, f"loops gone, drop from LOOPS_ALLOWED: {stale}"


def test_every_module_has_a_layer() -> None:
    missing = [m for m in sim_modules() if layer_of(m) is None]
    assert not missing, f"modules in no layer (add them to LAYERS): {missing}"


def test_no_import_runs_up_the_layers() -> None:
    graph = import_graph()
    up = []
    for src, targets in graph.items():
        if src == "sim":  # the lazy re-exports of the public names (module docstring)
            continue
        for dst in targets:
            a, b = layer_of(src), layer_of(dst)
            if a is not None and b is not None and b > a:
                up.append(f"{src} ({LAYER_NAMES[a]}) imports {dst} ({LAYER_NAMES[b]})")
    assert not up, "imports up the layers:\n" + "\n".join(sorted(up))


def _imported_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running ``code``."""
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return set(out.stdout.splitlines()[-1].split())


HEAVY = {"mesa", "pandas", "pyabc", "matplotlib", "duckdb", "sklearn", "SALib"}


def test_sweep_workers_import_neither_mesa_nor_pandas() -> None:
    """A sweep's worker processes start from the forkserver's imports: Mesa (~1.4 s) and
    pandas are not among them, nor pyabc (~3 s), since the batch engine needs none."""
    from sim.batch.executors import WORKER_MODULES

    code = "\n".join(f"import {m}" for m in (*WORKER_MODULES, "sim.batch.sweep"))
    assert not _imported_after(code) & HEAVY


def test_validate_starts_without_the_analysis_stack() -> None:
    """`wargame validate` (and `wargame --help`) load the scenario schema, not the model,
    the analysis or pyarrow: their start-up is what an analyst waits for at every call."""
    code = ("from sim.cli import main\n"
            "main(['validate', 'scenarios/baseline.toml'])")
    assert not _imported_after(code) & (HEAVY | {"pyarrow"})


def test_the_rules_see_function_level_imports_and_skip_type_only_ones(tmp_path: Path) -> None:
    """The checker itself: a function-level import is an edge, a TYPE_CHECKING one is not,
    and a loop through them is found."""
    src = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.b import X\n"
           "def f():\n    from sim.c import y\n")
    path = tmp_path / "a.py"
    path.write_text(src)
    modules = {"sim.a": path, "sim.b": path, "sim.c": path}
    assert imports_of("sim.a", path, modules) == {"sim.c"}
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("sim.batch.abc.smc") == 2 and layer_of("sim.outdir") == 0
