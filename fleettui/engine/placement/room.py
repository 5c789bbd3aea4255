"""The capacity snapshot placement decides on: nodes of the candidate clusters from
the store (what `fleettui sync` last saw), each with allocatable − requested."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fleettui.engine.placement.capacity import NodeRoom
from fleettui.store import capacity_rows
from fleettui.store.store import Store


async def load_nodes(store: Store, clusters: Sequence[str]) -> dict[str, list[NodeRoom]]:
    requested = {(c, n): (int(cpu or 0), int(mem or 0), int(gpu or 0))
                 for c, n, cpu, mem, gpu in await capacity_rows.node_requests(store, clusters)}
    out: dict[str, list[NodeRoom]] = {c: [] for c in clusters}
    for cluster, name, ready, cpu, mem, data in await capacity_rows.nodes(store, clusters):
        try:
            d = json.loads(data or "{}")
        except ValueError:
            d = {}
        cpu_r, mem_r, gpu_r = requested.get((cluster, name), (0, 0, 0))
        out.setdefault(cluster, []).append(NodeRoom(
            cluster, name, (cpu or 0) - cpu_r, (mem or 0) - mem_r, int(d.get("gpu") or 0) - gpu_r,
            bool(ready), not d.get("unschedulable"), dict(d.get("labels") or {}),
            tuple((t.get("key", ""), t.get("value", ""), t.get("effect", "")) for t in d.get("taint_list") or [])))
    return out
