"""Named queries for capacity-aware placement: per node, what it offers and what the
pods bound to it request (Pending and Running pods hold their requests, as the
scheduler counts them). Aggregated here so the engine reads a row per node, not
every pod of the fleet, on each deploy pass."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fleettui.store.store import Store


async def nodes(store: Store, clusters: Sequence[str]) -> list[tuple[Any, ...]]:
    """(cluster, name, ready, cpu_m, mem_b, data) of the nodes of `clusters`
    (cpu/mem: allocatable; data: labels, taint_list, unschedulable, gpu)."""
    if not clusters:
        return []
    marks = ",".join("?" * len(clusters))
    return await store._fetchall(
        f"SELECT cluster, name, ready, cpu_m, mem_b, data FROM objects WHERE kind = 'Node' AND cluster IN ({marks})",
        tuple(clusters))


async def node_requests(store: Store, clusters: Sequence[str]) -> list[tuple[Any, ...]]:
    """(cluster, node, cpu_m, mem_b, gpu) requested by the pods bound to each node."""
    if not clusters:
        return []
    marks = ",".join("?" * len(clusters))
    return await store._fetchall(
        "SELECT cluster, node, COALESCE(SUM(cpu_m), 0), COALESCE(SUM(mem_b), 0),"
        " COALESCE(SUM(json_extract(data, '$.gpu')), 0) FROM objects"
        f" WHERE kind = 'Pod' AND node IS NOT NULL AND node != '' AND phase IN ('Pending', 'Running')"
        f" AND cluster IN ({marks}) GROUP BY cluster, node", tuple(clusters))
