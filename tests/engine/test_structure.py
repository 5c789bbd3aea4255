"""The engine's seams stay seams: its modules import each other without cycles (a cycle
is where two modules became one object split by size), and no engine module reaches into
another object's private attributes (the resource keeper owns its semaphore and its
drift records; `engine._sem` from outside is how the old drift check was written)."""

from __future__ import annotations

import ast
from pathlib import Path

import fleettui.engine

ENGINE = Path(fleettui.engine.__file__).parent
PACKAGE = "fleettui.engine"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = path.relative_to(ENGINE.parent.parent).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(), filename=str(path))
    return out


def import_graph(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Every import counts, the ones inside functions and under TYPE_CHECKING too: a
    function-level import is how a cycle hides, not how it goes away."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

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
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_the_engine():
    modules = _modules()
    assert f"{PACKAGE}.resourcekeeper.keeper" in modules  # the walk sees sub-packages
    assert cycles(import_graph(modules)) == []


def test_no_engine_module_reaches_into_another_objects_private_attributes():
    reaches = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                reaches.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert reaches == []
