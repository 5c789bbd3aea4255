"""The topology tree fleet → region → zone → cluster → namespace → workload, plus nodes.

A pure function of rows already read from the store, so it can be tested with
fixtures. A cluster's health is its row's (the store's one cluster rule, so the
tree and the clusters pane agree: one NotReady node of five is "degraded" in
both); above it, health rolls up as the worst below (see `health.worst`), so a
problem shows at every level above it. Counts are leaves (workloads and nodes)
per health word, so a collapsed branch still says how many things are wrong.

A cluster whose nodes span several zones (its zone is "a,b,c") sits directly
under its region with its zones listed, not under a zone that does not exist.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace

from fleettui.store.models import ClusterRow, NamespaceRow, NodeRow, TopologyNode, WorkloadRow
from fleettui.store.rollup_health import is_problem, nodes_health, worst

NO_REGION = "(no region)"
NO_ZONE = "(no zone)"


def _counts(children: Iterable[TopologyNode]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for child in children:
        total.update(child.counts)
    return dict(total)


def _branch(key: str, kind: str, name: str, children: list[TopologyNode], *,
            own_health: str | None = None, health: str | None = None,
            detail: str = "") -> TopologyNode:
    """`health` given: this level's own rule decides; else the worst below (and `own_health`)."""
    healths = [c.health for c in children]
    if own_health is not None:
        healths.append(own_health)
    return TopologyNode(
        key=key,
        kind=kind,
        name=name,
        health=health if health is not None else worst(healths),
        counts=_counts(children),
        detail=detail,
        children=tuple(children),
    )


def _leaf(key: str, kind: str, name: str, health: str, detail: str) -> TopologyNode:
    return TopologyNode(key=key, kind=kind, name=name, health=health, counts={health: 1}, detail=detail)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def build_topology(
    clusters: Iterable[ClusterRow],
    namespaces: Iterable[NamespaceRow],
    workloads: Iterable[WorkloadRow],
    nodes: Iterable[NodeRow],
) -> TopologyNode:
    index = _Rows(namespaces, workloads, nodes)
    return _fleet(clusters, lambda c: _cluster(c, index.children(c.name)))


def build_outline(
    clusters: Iterable[ClusterRow],
    leaf_counts: Mapping[str, Mapping[str, int]],
    *,
    expandable: Collection[str] = (),
    namespaces: Iterable[NamespaceRow] = (),
    workloads: Iterable[WorkloadRow] = (),
    nodes: Iterable[NodeRow] = (),
    opened: Collection[str] = (),
    memo: dict[str, tuple[tuple, TopologyNode]] | None = None,
) -> TopologyNode:
    """The tree down to the clusters, for a fleet too large to read whole on a key press:
    each cluster's counts are `leaf_counts[cluster]` (its workloads and nodes per health
    word, as the full tree would count them) and its children are not read (`partial`),
    except for the clusters in `opened`, built from the rows given (theirs only).

    `memo` (kept by the caller between calls) holds the unopened clusters' nodes: one
    whose row (the same object: the store hands back an unchanged row as the one it
    handed before) and counts are unchanged is not built again."""
    index = _Rows(namespaces, workloads, nodes)
    built: dict[str, tuple[tuple, TopologyNode]] = {}

    def cluster_node(c: ClusterRow) -> TopologyNode:
        if c.name in opened:
            return _cluster(c, index.children(c.name))
        counts = leaf_counts.get(c.name, {})
        inputs = (c, tuple(counts.items()), c.name in expandable)
        hit = memo.get(c.name) if memo is not None else None
        if hit is not None and hit[0][0] is c and hit[0][1:] == inputs[1:]:
            built[c.name] = hit
            return hit[1]
        node = replace(_cluster(c, []), counts=dict(counts), partial=c.name in expandable)
        built[c.name] = (inputs, node)
        return node

    tree = _fleet(clusters, cluster_node)
    if memo is not None:
        memo.clear()
        memo.update(built)
    return tree


class _Rows:
    """Namespaces, workloads and nodes by cluster, so each cluster's subtree is built in
    time linear in its own rows (a scan of every row per cluster was quadratic, ~1 s of
    the UI loop for a fleet of 1,000)."""

    def __init__(self, namespaces: Iterable[NamespaceRow], workloads: Iterable[WorkloadRow],
                 nodes: Iterable[NodeRow]) -> None:
        self.ns_by_cluster: dict[str, list[NamespaceRow]] = defaultdict(list)
        for ns in namespaces:
            self.ns_by_cluster[ns.cluster].append(ns)
        self.wl_by_ns: dict[tuple[str, str], list[WorkloadRow]] = defaultdict(list)
        self.wl_namespaces: dict[str, set[str]] = defaultdict(set)
        for wl in workloads:
            self.wl_by_ns[(wl.cluster, wl.namespace)].append(wl)
            self.wl_namespaces[wl.cluster].add(wl.namespace)
        self.nodes_by_cluster: dict[str, list[NodeRow]] = defaultdict(list)
        for node in nodes:
            self.nodes_by_cluster[node.cluster].append(node)

    def children(self, cluster: str) -> list[TopologyNode]:
        ckey = f"cluster:{cluster}"
        children: list[TopologyNode] = []
        # namespaces the informer saw, plus any that only appear through workloads
        names: dict[str, NamespaceRow | None] = {ns.name: ns for ns in self.ns_by_cluster.get(cluster, [])}
        for ns_name in self.wl_namespaces.get(cluster, ()):
            if ns_name not in names:
                names[ns_name] = None
        for ns_name in sorted(names):
            wls = sorted(self.wl_by_ns.get((cluster, ns_name), []), key=lambda w: (w.kind, w.name))
            leaves = [
                _leaf(f"{ckey}/ns:{ns_name}/{w.kind}:{w.name}", "workload", w.name, w.health,
                      # the sync's message already starts with "ready/desired ready"
                      f"{w.kind} {w.message}" if w.message else f"{w.kind} {w.ready}/{w.desired}")
                for w in wls
            ]
            ns_row = names[ns_name]
            phase = ns_row.phase if ns_row is not None else "Active"
            own = "progressing" if phase == "Terminating" else None
            children.append(_branch(f"{ckey}/ns:{ns_name}", "namespace", ns_name, leaves,
                                    own_health=own, detail=_plural(len(leaves), "workload")))
        cluster_nodes = sorted(self.nodes_by_cluster.get(cluster, []), key=lambda n: n.name)
        if cluster_nodes:
            leaves = [
                _leaf(f"{ckey}/nodes/{n.name}", "node", n.name, n.health,
                      ("Ready" if n.ready else "NotReady") + (f" {n.message}" if n.message and not n.ready else ""))
                for n in cluster_nodes
            ]
            ready = sum(1 for n in cluster_nodes if n.ready)
            children.append(_branch(
                f"{ckey}/nodes", "nodes", "nodes", leaves,
                health=nodes_health(ready, len(cluster_nodes), any_problem=any(
                    n.ready and is_problem(n.health) for n in cluster_nodes)),
                detail=f"{ready}/{len(cluster_nodes)} ready"))
        return children


def _cluster(c: ClusterRow, children: list[TopologyNode]) -> TopologyNode:
    detail = c.version or ""
    zones = [z for z in (c.zone or "").split(",") if z]
    if len(zones) > 1:
        detail = f"zones {', '.join(zones)}" + (f"  {detail}" if detail else "")
    if c.reachable is False:
        detail = f"unreachable: {c.last_error or 'no answer'}"
    return _branch(f"cluster:{c.name}", "cluster", c.name, children, health=c.health or "unknown",
                   detail=detail)


def _fleet(clusters: Iterable[ClusterRow], cluster_node: Callable[[ClusterRow], TopologyNode]) -> TopologyNode:
    tree: dict[str, dict[str, list[TopologyNode]]] = defaultdict(lambda: defaultdict(list))
    spanning: dict[str, list[TopologyNode]] = defaultdict(list)  # multi-zone clusters, by region
    cluster_count = 0
    for c in sorted(clusters, key=lambda c: c.name):
        cluster_count += 1
        region = c.region or NO_REGION
        node = cluster_node(c)
        if len([z for z in (c.zone or "").split(",") if z]) > 1:
            spanning[region].append(node)
        else:
            tree[region][c.zone or NO_ZONE].append(node)

    regions: list[TopologyNode] = []
    for region in sorted(set(tree) | set(spanning)):
        below = [
            _branch(f"region:{region}/zone:{zone}", "zone", zone, tree[region][zone],
                    detail=_plural(len(tree[region][zone]), "cluster"))
            for zone in sorted(tree[region])
        ]
        n = sum(len(z.children) for z in below) + len(spanning[region])
        below += spanning[region]
        regions.append(_branch(f"region:{region}", "region", region, below,
                               detail=_plural(n, "cluster")))
    return _branch("fleet", "fleet", "fleet", regions, detail=_plural(cluster_count, "cluster"))
