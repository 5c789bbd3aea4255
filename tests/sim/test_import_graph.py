"""The simulator's modules import one another without a circle.

Every import counts: module-level, inside functions (the usual way a circle is
papered over) and under TYPE_CHECKING (a circle for readers and type checkers
all the same). The controllers once imported each other through the manager in
runtime.py; the seed modules through ClusterSpec in seed.py; cluster.py and
fields.py/patch.py through a re-exported `clone`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fleettui.sim

SIM = Path(fleettui.sim.__file__).parent


def sim_modules() -> dict[str, Path]:
    out = {}
    for path in SIM.rglob("*.py"):
        parts = ("fleettui", "sim", *path.relative_to(SIM).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(module: str, source: str, known: set[str], *, package: bool = False) -> set[str]:
    """Modules of `known` that `module` imports anywhere in its source.

    `from pkg import name` counts as importing `pkg.name` when that is a module, else `pkg`
    (so `from . import pods` in a package's registry does not make a circle through `__init__`).
    """
    here = module.split(".") if package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = here[: len(here) - node.level + 1] if node.level else []
            base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != module}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while (w := stack.pop()) != v:
                comp.append(w)
            comp.append(v)
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_module_of_the_simulator_imports_itself_in_a_circle():
    modules = sim_modules()
    graph = {m: imports(m, p.read_text(), set(modules), package=p.name == "__init__.py")
             for m, p in modules.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_sees_circles_through_lazy_and_type_only_imports():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    known = {"fleettui.sim.x.a", "fleettui.sim.x.b", "fleettui.sim.y"}
    lazy = "def f():\n    from .b import thing\n"
    type_only = "if TYPE_CHECKING:\n    from ..y import Thing\n"
    package = "from . import a, b\n"
    assert imports("fleettui.sim.x.a", lazy, known) == {"fleettui.sim.x.b"}
    assert imports("fleettui.sim.x.a", type_only, known) == {"fleettui.sim.y"}
    assert imports("fleettui.sim.x", package, known, package=True) == {"fleettui.sim.x.a", "fleettui.sim.x.b"}
