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


# -- usage, cost and fit (fleettui.metrics) --

_WORKLOADS_WITH_JOBS = "('Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet')"


async def node_capacity(store: Store, cluster: str) -> list[tuple[Any, ...]]:
    """(name, allocatable cpu_m, allocatable mem_b) of one cluster's nodes."""
    return await store._fetchall("SELECT name, cpu_m, mem_b FROM objects WHERE kind = 'Node' AND cluster = ?",
                                 (cluster,))


async def pod_facts(store: Store, cluster: str) -> list[tuple[Any, ...]]:
    """(namespace, name, node, phase, cpu_m, mem_b, app, workload, owner) of one cluster's pods."""
    return await store._fetchall(
        "SELECT namespace, name, node, phase, cpu_m, mem_b, json_extract(data, '$.app'),"
        " json_extract(data, '$.workload'), json_extract(data, '$.owner')"
        " FROM objects WHERE kind = 'Pod' AND cluster = ?", (cluster,))


async def workload_apps(store: Store, cluster: str) -> list[tuple[Any, ...]]:
    """(namespace, "Kind/name", app) of one cluster's workloads a KubeVela app placed."""
    return await store._fetchall(
        f"SELECT namespace, kind || '/' || name, json_extract(data, '$.app') FROM objects"
        f" WHERE kind IN {_WORKLOADS_WITH_JOBS} AND cluster = ? AND json_extract(data, '$.app') IS NOT NULL",
        (cluster,))


async def requested_by_node(store: Store) -> list[tuple[Any, ...]]:
    """(cluster, node, cpu_m, mem_b) requested by pods bound to each node and not finished."""
    return await store._fetchall(
        "SELECT cluster, node, sum(cpu_m), sum(mem_b) FROM objects WHERE kind = 'Pod'"
        " AND phase IN ('Pending', 'Running') AND node IS NOT NULL GROUP BY cluster, node")


async def cluster_places(store: Store) -> list[tuple[Any, ...]]:
    """(name, provider, region) of every cluster, the fleet file's words first."""
    return await store._fetchall(
        "SELECT name, coalesce(provider, found_provider), coalesce(region, found_region) FROM clusters")
