"""Room in a cluster for pods: allocatable − requested CPU, memory and GPUs per node,
behind the scheduler's filters (Ready, schedulable, nodeSelector, taints — the rule
config/scheduling.py shares with the DR what-if). Pure: a snapshot in, numbers and
the reasons for them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fleettui.config.quantity import cpu_millis, memory_bytes, quantity_number
from fleettui.config.scheduling import GPU_RESOURCE, node_admits

PRIORITY_LABEL = "fleettui.io/priority"


@dataclass(frozen=True)
class NodeRoom:
    cluster: str
    name: str
    cpu_free_m: int
    mem_free_b: int
    gpu_free: int = 0
    ready: bool = True
    schedulable: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[tuple[str, str, str], ...] = ()  # (key, value, effect)


@dataclass(frozen=True)
class PodNeeds:
    """What one pod asks of a node."""

    cpu_m: int = 0
    mem_b: int = 0
    gpu: int = 0
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, str], ...] = ()

    def describe(self) -> str:
        parts = [f"{self.cpu_m}m cpu", f"{_gib(self.mem_b)} memory"]
        if self.gpu:
            parts.append(f"{self.gpu} gpu")
        return ", ".join(parts)


def _gib(b: int) -> str:
    return f"{b / 2**30:.1f}Gi" if b >= 2**30 else f"{b // 2**20}Mi"


def pod_needs(workload: Mapping[str, Any]) -> PodNeeds:
    """The per-pod requests of a rendered workload's pod template (a Job, Deployment,
    StatefulSet...): containers summed, the largest init container if larger, a limit
    standing for an absent request (core/v1 defaulting)."""
    spec = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}

    def one(c: Mapping[str, Any]) -> tuple[int, int, int]:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        return (cpu_millis(req.get("cpu", lim.get("cpu"))), memory_bytes(req.get("memory", lim.get("memory"))),
                quantity_number(req.get(GPU_RESOURCE, lim.get(GPU_RESOURCE))))

    cpu = mem = gpu = 0
    for c in spec.get("containers") or []:
        a, b, g = one(c)
        cpu, mem, gpu = cpu + a, mem + b, gpu + g
    for c in spec.get("initContainers") or []:
        a, b, g = one(c)
        cpu, mem, gpu = max(cpu, a), max(mem, b), max(gpu, g)
    return PodNeeds(cpu, mem, gpu, dict(spec.get("nodeSelector") or {}),
                    tuple(dict(t) for t in spec.get("tolerations") or ()))


def explicit_needs(resources: Mapping[str, Any], base: PodNeeds) -> PodNeeds:
    """`resources: {cpu, memory, gpu}` of a placement policy in place of the template's."""
    return PodNeeds(cpu_millis(resources["cpu"]) if "cpu" in resources else base.cpu_m,
                    memory_bytes(resources["memory"]) if "memory" in resources else base.mem_b,
                    quantity_number(resources["gpu"]) if "gpu" in resources else base.gpu,
                    base.node_selector, base.tolerations)


def _per_node(node: NodeRoom, need: PodNeeds) -> int:
    limits = [free // want for free, want in ((node.cpu_free_m, need.cpu_m), (node.mem_free_b, need.mem_b),
                                              (node.gpu_free, need.gpu)) if want > 0]
    if any(free < 0 for free in (node.cpu_free_m, node.mem_free_b)):
        return 0
    return max(0, min(limits)) if limits else 1_000_000  # nothing requested: only the filters bound it


@dataclass(frozen=True)
class ClusterRoom:
    """How many pods like `need` one cluster can take, and why not more."""

    cluster: str
    fits: int
    nodes: int
    admitting: int  # nodes that pass the filters
    cpu_free_m: int  # on admitting nodes
    mem_free_b: int
    gpu_free: int
    why_not: str = ""  # when fits is 0: the filter or resource that stops it

    def describe(self) -> str:
        free = f"free {self.cpu_free_m}m cpu, {_gib(self.mem_free_b)}" + (f", {self.gpu_free} gpu" if self.gpu_free
                                                                         else "")
        return (f"room for {self.fits} pod(s) on {self.admitting}/{self.nodes} node(s) ({free})"
                + (f": {self.why_not}" if self.why_not else ""))


def cluster_room(cluster: str, nodes: Iterable[NodeRoom], need: PodNeeds) -> ClusterRoom:
    nodes = list(nodes)
    admitting = [n for n in nodes if node_admits(ready=n.ready, schedulable=n.schedulable, labels=n.labels,
                                                 taints=n.taints, node_selector=need.node_selector,
                                                 tolerations=need.tolerations)]
    fits = sum(_per_node(n, need) for n in admitting)
    why = ""
    if not nodes:
        why = "no nodes known (not synced yet?)"
    elif not admitting:
        why = _filter_reason(nodes, need)
    elif not fits:
        short = [name for name, free, want in (
            ("cpu", max(n.cpu_free_m for n in admitting), need.cpu_m),
            ("memory", max(n.mem_free_b for n in admitting), need.mem_b),
            (GPU_RESOURCE, max(n.gpu_free for n in admitting), need.gpu)) if want > free]
        why = "insufficient " + (", ".join(short) or "room on any single node")
    return ClusterRoom(cluster, min(fits, 1_000_000), len(nodes), len(admitting),
                       sum(max(0, n.cpu_free_m) for n in admitting), sum(max(0, n.mem_free_b) for n in admitting),
                       sum(max(0, n.gpu_free) for n in admitting), why)


def _filter_reason(nodes: Sequence[NodeRoom], need: PodNeeds) -> str:
    if not any(n.ready and n.schedulable for n in nodes):
        return "no Ready schedulable node"
    if need.node_selector and not any(all(n.labels.get(k) == v for k, v in need.node_selector.items())
                                      for n in nodes):
        return "no node matches nodeSelector " + ",".join(f"{k}={v}" for k, v in need.node_selector.items())
    return "every matching node has a taint the pod does not tolerate"


def priority_of(labels: Mapping[str, str], key: str = PRIORITY_LABEL) -> int:
    try:
        return int(labels.get(key, "0"))
    except ValueError:
        return 0


@dataclass(frozen=True)
class Choice:
    chosen: tuple[str, ...]
    reasons: tuple[str, ...]  # one line per candidate, chosen first


def choose_clusters(candidates: Sequence[str], rooms: Mapping[str, ClusterRoom], *, pods: int, count: int,
                    priorities: Mapping[str, int]) -> Choice:
    """The `count` candidates with room for all `pods`: most room first (how many such
    pods fit), ties broken by the higher priority, then the topology's order."""
    order = {c: i for i, c in enumerate(candidates)}
    able = [c for c in candidates if rooms[c].fits >= pods]
    ranked = sorted(able, key=lambda c: (-rooms[c].fits, -priorities.get(c, 0), order[c]))
    chosen = tuple(ranked[:count])
    reasons = []
    for c in (*chosen, *(x for x in candidates if x not in chosen)):
        r = rooms[c]
        verdict = "chosen" if c in chosen else (
            f"not chosen: needs room for {pods} pod(s)" if c not in able else "not chosen: others have more room")
        reasons.append(f"{c}: {verdict}; {r.describe()}; priority {priorities.get(c, 0)}")
    return Choice(chosen, tuple(reasons))
