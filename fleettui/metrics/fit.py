"""Where does it fit: which clusters have room for N replicas of a pod now.

Pure, from the cache's nodes (allocatable, requested by the pods bound to them, labels,
taints, unschedulable, ready): a replica fits a node when the node is ready and
schedulable, its labels satisfy the pod's nodeSelector, the pod tolerates every
NoSchedule/NoExecute taint, and allocatable − requested covers the pod's requests
(the scheduler's NodeResourcesFit, as requests and never usage decide placement).
Replicas are packed greedily, node after node, as many as each takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fleettui.config.quantity import cpu_millis, memory_bytes


@dataclass(frozen=True)
class PodShape:
    cpu_m: int
    mem_b: int
    replicas: int = 1
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: Sequence[Mapping[str, Any]] = ()
    name: str = ""


@dataclass(frozen=True)
class NodeFacts:
    name: str
    cpu_alloc_m: int
    mem_alloc_b: int
    cpu_req_m: int
    mem_req_b: int
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: Sequence[Mapping[str, Any]] = ()
    ready: bool = True
    unschedulable: bool = False


@dataclass(frozen=True)
class Fit:
    cluster: str
    fits: bool
    replicas: int  # how many replicas the cluster has room for now (capped at 10 × asked)
    nodes: int  # nodes that take at least one
    cpu_free_m: int
    mem_free_b: int
    reason: str

    def record(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "fits": self.fits, "room": self.replicas, "nodes": self.nodes,
                "cpu_free_m": self.cpu_free_m, "mem_free_b": self.mem_free_b, "reason": self.reason}


def tolerates(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    """Kubernetes' rule: an empty key with Exists tolerates everything; an empty effect
    matches every effect; Exists ignores the value; Equal (the default) compares it."""
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator") or "Equal"
        if not t.get("key"):
            if op == "Exists":
                return True
            continue
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def node_reason(pod: PodShape, node: NodeFacts) -> str | None:
    """Why no replica can go on this node (None: it can take some, room permitting)."""
    if not node.ready:
        return "not ready"
    if node.unschedulable:
        return "unschedulable"
    for k, v in pod.node_selector.items():
        if node.labels.get(k) != v:
            return "node selector"
    for taint in node.taints:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod.tolerations, taint):
            return f"taint {taint.get('key')}{'=' + taint['value'] if taint.get('value') else ''}:{taint.get('effect')}"
    return None


def room_on(pod: PodShape, node: NodeFacts) -> int:
    free_cpu = node.cpu_alloc_m - node.cpu_req_m
    free_mem = node.mem_alloc_b - node.mem_req_b
    limits = []
    if pod.cpu_m > 0:
        limits.append(free_cpu // pod.cpu_m)
    if pod.mem_b > 0:
        limits.append(free_mem // pod.mem_b)
    room = min(limits) if limits else 10 * max(1, pod.replicas)
    return max(0, int(room))


def fit_cluster(cluster: str, pod: PodShape, nodes: Sequence[NodeFacts]) -> Fit:
    room = used_nodes = 0
    blocked: dict[str, int] = {}
    short = 0
    cpu_free = mem_free = 0
    for n in nodes:
        why = node_reason(pod, n)
        if why is not None:
            blocked[why] = blocked.get(why, 0) + 1
            continue
        cpu_free += max(0, n.cpu_alloc_m - n.cpu_req_m)
        mem_free += max(0, n.mem_alloc_b - n.mem_req_b)
        r = room_on(pod, n)
        if r:
            room += r
            used_nodes += 1
        else:
            short += 1
    room = min(room, 10 * max(1, pod.replicas))
    fits = room >= pod.replicas
    parts = []
    if fits:
        parts.append(f"room for {room} on {used_nodes} node{'s' * (used_nodes != 1)}")
    else:
        parts.append(f"room for {room} of {pod.replicas}")
    if short:
        parts.append(f"{short} too full")
    parts.extend(f"{count} {why}" for why, count in sorted(blocked.items()))
    if not nodes:
        parts = ["no nodes in the cache"]
    return Fit(cluster, fits, room, used_nodes, cpu_free, mem_free, "; ".join(parts))


def rank(pods: Sequence[PodShape], fleet: Mapping[str, Sequence[NodeFacts]]) -> list[Fit]:
    """Clusters that fit every pod shape first; among them the most CPU, then memory, left
    after placing the replicas, so the top row is the least crowded choice. Shapes are
    checked one by one against the same free room (an application's components each fit)."""
    fits = []
    for cluster, nodes in fleet.items():
        each = [fit_cluster(cluster, p, nodes) for p in pods]
        worst = min(each, key=lambda f: (f.fits, f.replicas))
        reason = "; ".join(f"{p.name}: {f.reason}" if len(pods) > 1 else f.reason
                           for p, f in zip(pods, each, strict=True))
        fits.append(Fit(cluster, all(f.fits for f in each), worst.replicas, worst.nodes,
                        worst.cpu_free_m, worst.mem_free_b, reason))
    need_cpu = sum(p.cpu_m * p.replicas for p in pods)
    need_mem = sum(p.mem_b * p.replicas for p in pods)
    return sorted(fits, key=lambda f: (not f.fits, -(f.cpu_free_m - need_cpu), -(f.mem_free_b - need_mem),
                                       f.cluster))


def shapes_from_objects(docs: Iterable[Mapping[str, Any]]) -> list[PodShape]:
    """Pod shapes from an application file: Deployments / StatefulSets / DaemonSets / Pods
    as written, and the pod templates inside a KubeVela Application's `k8s-objects`
    components and `webservice`/`worker` properties (cpu, memory, replicas via `scaler`)."""
    out: list[PodShape] = []
    for doc in docs:
        if not isinstance(doc, Mapping):
            continue
        kind = doc.get("kind")
        if kind == "Application":
            for comp in (doc.get("spec") or {}).get("components") or []:
                props = comp.get("properties") or {}
                if comp.get("type") == "k8s-objects":
                    out.extend(shapes_from_objects(props.get("objects") or []))
                elif comp.get("type") in ("webservice", "worker", "statefulset"):
                    replicas = next((int((t.get("properties") or {}).get("replicas", 1))
                                     for t in comp.get("traits") or [] if t.get("type") == "scaler"), 1)
                    out.append(PodShape(cpu_millis(props.get("cpu")), memory_bytes(props.get("memory")),
                                        replicas, name=str(comp.get("name", ""))))
            continue
        if kind == "Pod":
            spec, replicas = doc.get("spec") or {}, 1
        elif kind in ("Deployment", "StatefulSet", "ReplicaSet"):
            spec = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
            replicas = int((doc.get("spec") or {}).get("replicas", 1) or 0)
        else:
            continue
        cpu = sum(cpu_millis(((c.get("resources") or {}).get("requests") or {}).get("cpu"))
                  for c in spec.get("containers") or [])
        mem = sum(memory_bytes(((c.get("resources") or {}).get("requests") or {}).get("memory"))
                  for c in spec.get("containers") or [])
        out.append(PodShape(cpu, mem, replicas, dict(spec.get("nodeSelector") or {}),
                            list(spec.get("tolerations") or []),
                            name=f"{kind}/{(doc.get('metadata') or {}).get('name', '')}"))
    return out


def shape_from_summary(kind: str, name: str, desired: int | None, data: Mapping[str, Any]) -> PodShape | None:
    """A workload's pod shape from the cache's summary (`pod_cpu_m`, `pod_mem_b`,
    `node_selector`, `tolerations`, as the sync keeps them for Deployments and
    StatefulSets); None for a summary without a pod template."""
    if "pod_cpu_m" not in data and "pod_mem_b" not in data:
        return None
    return PodShape(int(data.get("pod_cpu_m") or 0), int(data.get("pod_mem_b") or 0),
                    # a workload scaled to zero still asks where one replica would go
                    max(1, int(desired or 0)), dict(data.get("node_selector") or {}),
                    list(data.get("tolerations") or []), name=f"{kind}/{name}")
