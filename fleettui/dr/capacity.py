"""Where lost replicas could run: the scheduler's filters, as far as the cache knows them.

A replica fits a node when the node is Ready and schedulable, its labels carry
the pod template's nodeSelector, every NoSchedule/NoExecute taint is tolerated
(config/scheduling.py, the rule the engine's placement shares) and allocatable − requested
covers the replica's requests. Among nodes that fit, the one with the most free
CPU takes it (the default scheduler's LeastAllocated scoring, simplified).
"""

from __future__ import annotations

from collections.abc import Iterable

from fleettui.config.scheduling import node_admits, tolerates
from fleettui.dr.model import NodeSite, Replicas

__all__ = ["Capacity", "admits", "tolerates"]

def admits(node: NodeSite, replica: Replicas) -> bool:
    """Every filter except resources (those change as replicas are placed)."""
    return node_admits(ready=node.ready, schedulable=node.schedulable, labels=node.labels, taints=node.taints,
                       node_selector=replica.node_selector, tolerations=replica.tolerations)


class Capacity:
    """Free CPU/memory per surviving node, consumed as replicas are placed, so
    applications failing over at once compete for the same room (as they would)."""

    def __init__(self, nodes: Iterable[NodeSite]) -> None:
        self.nodes = {(n.cluster, n.name): n for n in nodes}
        self.free = {k: [n.cpu_free_m, n.mem_free_b] for k, n in self.nodes.items()}
        self.by_cluster: dict[str, list[tuple[str, str]]] = {}
        for key in self.nodes:
            self.by_cluster.setdefault(key[0], []).append(key)

    def place(self, replica: Replicas, clusters: Iterable[str], count: int) -> dict[str, int]:
        """Place up to `count` replicas on nodes of `clusters`; returns placed per cluster."""
        candidates = [k for c in clusters for k in self.by_cluster.get(c, ())
                      if admits(self.nodes[k], replica)]
        placed: dict[str, int] = {}
        cpu, mem = replica.pod_cpu_m, replica.pod_mem_b
        for _ in range(count):
            best = None
            for k in candidates:
                free = self.free[k]
                if free[0] >= cpu and free[1] >= mem and (best is None or free[0] > self.free[best][0]):
                    best = k
            if best is None:
                break
            self.free[best][0] -= cpu
            self.free[best][1] -= mem
            placed[best[0]] = placed.get(best[0], 0) + 1
        return placed
