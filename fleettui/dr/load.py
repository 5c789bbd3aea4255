"""Store rows → the `Inventory` a what-if reads (no network).

Applications are the engine's (every hub in the cache): the workloads each one
applied per cluster (`app_resources`), judged by the live summaries the sync
keeps — ready pods per node, the pod template's requests, nodeSelector and
tolerations. Service endpoints are Services' selectors matched against ready
pods, as the endpoints controller matches them; a multi-cluster services feed
can pass its own `EndpointRow`s instead (`endpoints=`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from fleettui.config.dr_policy import ResiliencePolicy
from fleettui.dr.model import (
    UNKNOWN_NODE,
    AppSite,
    ClusterSite,
    EndpointRow,
    Inventory,
    NodeSite,
    Replicas,
)
from fleettui.store import inventory_rows
from fleettui.store.services import service_sets


def _data(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _ready_pod(phase: str | None, health: str) -> bool:
    # a Running pod with every container ready (health 'healthy'); Terminating pods are 'progressing'
    return phase == "Running" and health == "healthy"


async def load_inventory(store, fleet=None, *, endpoints: Iterable[EndpointRow] | None = None) -> Inventory:
    """`store`: an open `fleettui.store.Store`; `fleet`: a `FleetFile` or None."""
    fleet_clusters = fleet.clusters if fleet is not None else {}
    clusters = tuple(
        ClusterSite(c.name, c.region, tuple(z for z in (c.zone or "").split(",") if z), c.reachable is not False,
                    getattr(fleet_clusters.get(c.name), "prometheus", None))
        for c in await store.clusters())

    pods = await inventory_rows.pods(store)
    requested: dict[tuple[str, str], list[int]] = {}
    ready_pods: list[tuple[str, str, str | None, dict[str, Any]]] = []
    for cluster, ns, _name, phase, health, cpu, mem, node, data in pods:
        if node and phase in ("Pending", "Running"):
            r = requested.setdefault((cluster, node), [0, 0])
            r[0] += cpu or 0
            r[1] += mem or 0
        if _ready_pod(phase, health):
            ready_pods.append((cluster, ns, node, _data(data)))

    nodes = []
    for cluster, name, ready, cpu, mem, data in await inventory_rows.nodes(store):
        d = _data(data)
        req = requested.get((cluster, name), [0, 0])
        nodes.append(NodeSite(cluster, name, d.get("zone"), bool(ready), not d.get("unschedulable"),
                              (cpu or 0) - req[0], (mem or 0) - req[1], dict(d.get("labels") or {}),
                              tuple((t.get("key", ""), t.get("value", ""), t.get("effect", ""))
                                    for t in d.get("taint_list") or [])))

    per_workload: dict[tuple[str, str, str], dict[str, int]] = {}
    for cluster, ns, node, d in ready_pods:
        if d.get("workload"):
            by_node = per_workload.setdefault((cluster, ns, d["workload"]), {})
            by_node[node or UNKNOWN_NODE] = by_node.get(node or UNKNOWN_NODE, 0) + 1

    live: dict[tuple[str, str, str, str], Replicas] = {}
    for cluster, kind, ns, name, ready, desired, data in await inventory_rows.workloads(store):
        d = _data(data)
        seen_on_nodes = per_workload.get((cluster, ns, f"{kind}/{name}"))
        if seen_on_nodes is not None:
            by_node = seen_on_nodes
        else:
            by_node = {UNKNOWN_NODE: int(ready or 0)} if ready else {}
        live[(cluster, kind, ns, name)] = Replicas(
            cluster, kind, ns, name, int(desired or 0), by_node, int(d.get("pod_cpu_m") or 0),
            int(d.get("pod_mem_b") or 0), dict(d.get("node_selector") or {}), tuple(d.get("tolerations") or ()))

    apps = await _apps(store, live)
    if endpoints is None:
        services = await inventory_rows.services(store)
        node_zone = {(n.cluster, n.name): n.zone for n in nodes}
        endpoints = endpoints_from_pods(
            [(c, ns, n, _data(d).get("selector") or {}) for c, ns, n, d in services],
            [(c, ns, node_zone.get((c, node or "")), d.get("labels") or {}) for c, ns, node, d in ready_pods])
    policy = fleet.resilience if fleet is not None else ResiliencePolicy()
    traffic = fleet.traffic if fleet is not None else ()
    clusterset = frozenset((r.namespace, r.name) for r in await service_sets(store))
    return Inventory(clusters, tuple(nodes), apps, tuple(endpoints), tuple(traffic), policy, clusterset)


async def _apps(store, live: Mapping[tuple[str, str, str, str], Replicas]) -> tuple[AppSite, ...]:
    docs = await inventory_rows.application_documents(store)
    resources = await inventory_rows.application_workloads(store)
    by_app: dict[tuple[str, str], list[Replicas]] = {}
    for ns, app, cluster, kind, rns, name in resources:
        # applied but not (yet) seen by the sync: it wants replicas and has none ready
        w = live.get((cluster, kind, rns, name)) or Replicas(cluster, kind, rns, name, 0, {})
        by_app.setdefault((ns, app), []).append(w)
    out = []
    for ns, name, doc in docs:
        labels = (_data(doc).get("metadata") or {}).get("labels") or {}
        out.append(AppSite(ns, name, dict(labels), tuple(by_app.get((ns, name), ()))))
    return tuple(out)


def endpoints_from_pods(services: Iterable[tuple[str, str, str, Mapping[str, str]]],
                        pods: Iterable[tuple[str, str, str | None, Mapping[str, str]]]) -> list[EndpointRow]:
    """services: (cluster, namespace, name, selector); pods: ready ones as (cluster,
    namespace, node zone, labels). A Service without a selector has no endpoints
    the cache can know (its Endpoints are managed by hand) and is left out."""
    by_ns: dict[tuple[str, str], list[tuple[str | None, Mapping[str, str]]]] = {}
    for cluster, ns, zone, labels in pods:
        by_ns.setdefault((cluster, ns), []).append((zone, labels))
    rows = []
    for cluster, ns, name, selector in services:
        if not selector:
            continue
        counts: dict[str | None, int] = {}
        for zone, labels in by_ns.get((cluster, ns), ()):
            if all(labels.get(k) == v for k, v in selector.items()):
                counts[zone] = counts.get(zone, 0) + 1
        if not counts:
            rows.append(EndpointRow(ns, name, cluster, 0))
        rows.extend(EndpointRow(ns, name, cluster, n, zone) for zone, n in sorted(counts.items(), key=str))
    return rows
