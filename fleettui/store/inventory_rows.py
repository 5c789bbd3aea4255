"""Named queries for whole-fleet analysis (the DR what-if): the raw rows of pods,
nodes, workloads, Services and applications, read in one pass each.

Kept in the store so the schema stays private to it (tests/store/test_sql_boundary.py);
the analysis above turns these tuples into its own model.
"""

from __future__ import annotations

from typing import Any

from fleettui.store.rows import WORKLOAD_KINDS
from fleettui.store.store import Store

_MARKS = ",".join("?" * len(WORKLOAD_KINDS))


async def pods(store: Store) -> list[tuple[Any, ...]]:
    """(cluster, namespace, name, phase, health, cpu_m, mem_b, node, data) of every pod."""
    return await store._fetchall(
        "SELECT cluster, namespace, name, phase, health, cpu_m, mem_b, node, data FROM objects WHERE kind = 'Pod'")


async def nodes(store: Store) -> list[tuple[Any, ...]]:
    """(cluster, name, ready, cpu_m, mem_b, data) of every node (cpu/mem: allocatable)."""
    return await store._fetchall("SELECT cluster, name, ready, cpu_m, mem_b, data FROM objects WHERE kind = 'Node'")


async def workloads(store: Store) -> list[tuple[Any, ...]]:
    """(cluster, kind, namespace, name, ready, desired, data) of every workload kind."""
    return await store._fetchall(
        f"SELECT cluster, kind, namespace, name, ready, desired, data FROM objects WHERE kind IN ({_MARKS})",
        WORKLOAD_KINDS)


async def services(store: Store) -> list[tuple[Any, ...]]:
    """(cluster, namespace, name, data) of every Service."""
    return await store._fetchall("SELECT cluster, namespace, name, data FROM objects WHERE kind = 'Service'")


async def application_documents(store: Store) -> list[tuple[Any, ...]]:
    """(namespace, name, document) of every application not being deleted, every hub."""
    return await store._fetchall("SELECT namespace, name, document FROM applications WHERE deleting = 0")


async def application_workloads(store: Store) -> list[tuple[Any, ...]]:
    """(namespace, app, cluster, kind, resource namespace, name): the workloads each
    application applied, per cluster."""
    return await store._fetchall(
        "SELECT DISTINCT namespace, app, cluster, kind, res_namespace, name FROM app_resources"
        f" WHERE kind IN ({_MARKS})", WORKLOAD_KINDS)
