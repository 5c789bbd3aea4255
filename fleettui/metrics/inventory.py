"""What the cache says a cluster requests and can allocate, per cluster, node, namespace
and application: the "requested" and "allocatable" beside Prometheus' "used".

Requests count pods bound to a node and not terminal, as the clusters pane does (so a
namespace's figures add up to the cluster's); an application is the KubeVela
`app.oam.dev/name` on the pod or, failing that, on the workload that owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fleettui.store import inventory_rows
from fleettui.store.store import Store

Key = tuple[str, str]  # (scope, name)


@dataclass
class Figures:
    cpu_req_m: float = 0.0
    mem_req_b: float = 0.0
    cpu_alloc_m: float = 0.0
    mem_alloc_b: float = 0.0
    nodes: int = 0


@dataclass
class ClusterInventory:
    cluster: str
    figures: dict[Key, Figures] = field(default_factory=dict)
    # (namespace, "Kind/name" of the pod's owner, or "Pod/<name>" for a bare pod) ->
    # (workload scope name or None, application or None): Prometheus answers per owner
    owners: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)

    def get(self, scope: str, name: str) -> Figures:
        return self.figures.setdefault((scope, name), Figures())


@dataclass(frozen=True)
class PodFacts:
    namespace: str
    name: str
    node: str | None
    phase: str
    cpu_m: float
    mem_b: float
    app: str | None
    workload: str | None
    owner: str | None = None  # "Kind/name" of the controller that owns it (a ReplicaSet, ...)


def pod_app(pod: PodFacts, workload_apps: Mapping[tuple[str, str], str]) -> str | None:
    return pod.app or (workload_apps.get((pod.namespace, pod.workload)) if pod.workload else None)


def workload_name(namespace: str, workload: str) -> str:
    """The workload scope's row name: `shop/Deployment/frontend` (names repeat across namespaces)."""
    return f"{namespace}/{workload}"


def build(cluster: str, *, nodes: Iterable[tuple[str, float, float]], pods: Iterable[PodFacts],
          workload_apps: Mapping[tuple[str, str], str]) -> ClusterInventory:
    """Pure: nodes as (name, cpu_alloc_m, mem_alloc_b), every pod of the cluster."""
    inv = ClusterInventory(cluster)
    total = inv.get("cluster", "")
    for name, cpu, mem in nodes:
        f = inv.get("node", name)
        f.cpu_alloc_m, f.mem_alloc_b, f.nodes = cpu, mem, 1
        total.cpu_alloc_m += cpu
        total.mem_alloc_b += mem
        total.nodes += 1
    for p in pods:
        app = pod_app(p, workload_apps)
        workload = workload_name(p.namespace, p.workload) if p.workload else None
        inv.owners[(p.namespace, p.owner or f"Pod/{p.name}")] = (workload, app)
        if not p.node or p.phase not in ("Pending", "Running"):
            continue  # unscheduled or finished: it holds nothing on a node
        scopes = [("cluster", ""), ("node", p.node), ("namespace", p.namespace)]
        if app:
            scopes.append(("app", app))
        if workload:
            scopes.append(("workload", workload))
        for key in scopes:
            f = inv.get(*key)
            f.cpu_req_m += p.cpu_m
            f.mem_req_b += p.mem_b
    return inv



async def read(store: Store, cluster: str) -> ClusterInventory:
    nodes = await inventory_rows.node_capacity(store, cluster)
    pods = await inventory_rows.pod_facts(store, cluster)
    apps = await inventory_rows.workload_apps(store, cluster)
    return build(cluster, nodes=[(n, float(c or 0), float(m or 0)) for n, c, m in nodes],
                 pods=[PodFacts(r[0], r[1], r[2], r[3] or "Pending", float(r[4] or 0), float(r[5] or 0),
                                r[6], r[7], r[8]) for r in pods],
                 workload_apps={(r[0], r[1]): r[2] for r in apps})


async def read_nodes(store: Store) -> dict[str, list]:
    """Every cluster's nodes as `fit.NodeFacts` (requests summed from the pods on each)."""
    import orjson

    from fleettui.metrics.fit import NodeFacts

    rows = await inventory_rows.nodes(store)
    req = await inventory_rows.requested_by_node(store)
    used = {(r[0], r[1]): (int(r[2] or 0), int(r[3] or 0)) for r in req}
    out: dict[str, list] = {c.name: [] for c in await store.clusters()}
    for cluster, name, ready, cpu, mem, data in rows:
        d = orjson.loads(data or "{}")
        cpu_req, mem_req = used.get((cluster, name), (0, 0))
        out.setdefault(cluster, []).append(NodeFacts(
            name, int(cpu or 0), int(mem or 0), cpu_req, mem_req, d.get("labels") or {},
            d.get("taint_list") or [], bool(ready), bool(d.get("unschedulable"))))
    return out


async def read_shapes(store: Store, cluster: str, namespace: str, workloads: Iterable[str]) -> list:
    """The pod shapes (`fit.PodShape`) of the named workloads ("Kind/name") of one
    namespace, from the cache's summaries; kinds without a pod template are left out."""
    from fleettui.metrics.fit import shape_from_summary

    wanted: dict[str, set[str]] = {}
    for value in workloads:
        kind, _, name = value.partition("/")
        wanted.setdefault(kind, set()).add(name)
    out = []
    for kind, names in sorted(wanted.items()):
        for row in await store.objects(kind, cluster, namespace=namespace):
            if row.name in names and (shape := shape_from_summary(kind, row.name, row.desired, row.data)):
                out.append(shape)
    return out

