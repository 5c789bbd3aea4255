"""Raw SQL is private to fleettui.store: other packages use its named queries.

import-linter keeps sqlite3/aiosqlite imports inside the store (pyproject); this
scan catches the other way in: a module outside the store handed a `Store` (or a
connection) and calling SQL on it directly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fleettui

ROOT = Path(fleettui.__file__).parent
# Method names that run SQL on a store or an aiosqlite/sqlite3 connection or cursor.
SQL_CALLS = frozenset({
    "execute", "executemany", "executescript", "fetchall", "fetchone", "fetchmany",
    "_fetchall", "_fetchone", "_transaction", "transaction",
})


def _sql_text(call: ast.Call) -> bool:
    """Whether the call's first argument is statement text (a string or an f-string):
    what `.execute` on a connection takes."""
    if not call.args:
        return False
    first = call.args[0]
    return isinstance(first, ast.JoinedStr | ast.BinOp) or (
        isinstance(first, ast.Constant) and isinstance(first.value, str))


def sql_calls(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            if node.func.attr in ("execute", "executemany", "executescript") and not _sql_text(node):
                continue  # `mcs_actions.execute(clients, action)`: a verb, not a statement
            found.append(f"{filename}:{node.lineno}: .{node.func.attr}(")
    return found


def test_no_module_outside_the_store_runs_sql():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent)
        if rel.parts[1] == "store":
            continue
        offenders += sql_calls(path.read_text(), str(rel))
    assert offenders == [], "raw SQL outside fleettui/store (add a named query to Store):\n" + "\n".join(offenders)


def test_the_scan_sees_sql_calls():
    # the scan must be able to fail: the call that sync/fleet.py used to make
    src = 'async def f(store):\n    return await store.fetchall("SELECT uid FROM objects")\n'
    assert sql_calls(src, "x.py") == ["x.py:2: .fetchall("]
    assert sql_calls("async def f(s):\n    async with s._transaction() as c:\n        await c.execute('x')\n",
                     "y.py") == ["y.py:2: ._transaction(", "y.py:3: .execute("]
    assert sql_calls("def f(m, clients, action):\n    return m.execute(clients.get(1), action)\n", "z.py") == []


def test_the_store_has_no_public_raw_sql():
    from fleettui.store import Store

    assert not {"fetchall", "fetchone", "execute", "transaction"} & set(dir(Store))
