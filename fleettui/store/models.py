"""The values the panes read out of the store.

Every row says which cluster it belongs to and when it was observed (UTC epoch
seconds), so stale data can be shown with its age: `row.age(now)`. Values are
frozen; a pane diffs the new rows against the ones it shows, keyed by `key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fleettui.store.rollup_health import UNKNOWN


def _age(now: float, then: float | None) -> float | None:
    return None if then is None else max(0.0, now - then)


def _pct(part: int | float | None, whole: int | float | None) -> float | None:
    if not whole or part is None:
        return None
    return 100.0 * part / whole


@dataclass(frozen=True)
class FleetSummary:
    """The header line: the whole fleet in a few numbers."""

    clusters_total: int
    clusters_healthy: int
    nodes_ready: int
    nodes_total: int
    workloads_total: int
    workloads_unhealthy: int
    last_sync: float | None
    clusters_unreachable: int = 0
    pods_running: int = 0
    pods_pending: int = 0
    pods_failed: int = 0
    warning_events: int = 0
    clusters_via_gateway: int = 0  # reached through the hub's Cluster Gateway


@dataclass(frozen=True)
class ClusterRow:
    """One member cluster: registration, the last health probe and rolled-up counts.

    `reachable` is None until the first probe; when a probe fails the counts,
    version and `last_seen` are kept from the last success and `last_error`
    says what went wrong, so the row is stale, not blank.
    """

    name: str
    context: str | None
    provider: str | None
    region: str | None
    zone: str | None
    version: str | None
    nodes_ready: int
    nodes_total: int
    cpu_alloc_m: int
    cpu_req_m: int
    mem_alloc_b: int
    mem_req_b: int
    pods_running: int
    pods_pending: int
    pods_failed: int
    health: str
    reachable: bool | None
    latency_ms: float | None
    last_seen: float | None
    last_error: str | None
    observed_at: float | None
    source: str = "kubeconfig"
    registration: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    server: str | None = None
    workloads_total: int = 0
    workloads_unhealthy: int = 0
    warning_events: int = 0
    last_attempt: float | None = None
    access: str = "direct"  # direct | gateway (through the hub's Cluster Gateway)
    # OCM registration on the hub ({} when none): state, accepted, joined, available,
    # taints, clusterset, csrs, pending_csrs (sync.discovery's words)
    hub: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_req_pct(self) -> float | None:
        return _pct(self.cpu_req_m, self.cpu_alloc_m)

    @property
    def mem_req_pct(self) -> float | None:
        return _pct(self.mem_req_b, self.mem_alloc_b)

    @property
    def stale(self) -> bool:
        """The numbers shown are not from a successful probe just now."""
        return self.reachable is not True

    def age(self, now: float) -> float | None:
        """Seconds since the cluster last answered (None: never)."""
        return _age(now, self.last_seen)


@dataclass(frozen=True)
class NodeRow:
    cluster: str
    name: str
    ready: bool
    health: str
    message: str
    version: str | None
    roles: tuple[str, ...]
    zone: str | None
    cpu_alloc_m: int
    mem_alloc_b: int
    cpu_req_m: int
    mem_req_b: int
    pods: int
    unschedulable: bool
    observed_at: float

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.name}"

    def age(self, now: float) -> float | None:
        return _age(now, self.observed_at)


@dataclass(frozen=True)
class NamespaceRow:
    cluster: str
    name: str
    phase: str
    health: str
    workloads_total: int
    workloads_unhealthy: int
    pods: int
    observed_at: float

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.name}"

    def age(self, now: float) -> float | None:
        return _age(now, self.observed_at)


@dataclass(frozen=True)
class WorkloadRow:
    """A Deployment, StatefulSet or DaemonSet: ready/desired and why it is unhealthy."""

    cluster: str
    kind: str
    namespace: str
    name: str
    ready: int
    desired: int
    health: str
    message: str
    observed_at: float
    images: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.kind}/{self.namespace}/{self.name}"

    def age(self, now: float) -> float | None:
        return _age(now, self.observed_at)


@dataclass(frozen=True)
class PodRow:
    """A pod as a summary only (phase, readiness, restarts, node, reason)."""

    cluster: str
    namespace: str
    name: str
    phase: str
    ready: int
    containers: int
    restarts: int
    node: str | None
    reason: str | None
    health: str
    observed_at: float

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ServiceRow:
    cluster: str
    namespace: str
    name: str
    type: str
    cluster_ip: str | None
    ports: tuple[str, ...]
    observed_at: float

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class EventRow:
    """A Warning event (Normal events are not synced)."""

    cluster: str
    namespace: str
    name: str
    type: str
    reason: str
    message: str
    involved_kind: str
    involved_name: str
    count: int
    last_timestamp: float | None
    observed_at: float

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.namespace}/{self.name}"

    def age(self, now: float) -> float | None:
        return _age(now, self.last_timestamp or self.observed_at)


@dataclass(frozen=True)
class ObjectRow:
    """Any cached kind as its summary: what a pane of a kind registered later
    (`sync.kinds.register_kind`) reads, without SQL of its own. `data` holds the
    summary's keys that have no column of their own."""

    cluster: str
    kind: str
    namespace: str
    name: str
    health: str | None
    message: str | None
    phase: str | None
    ready: int | None
    desired: int | None
    data: Mapping[str, object]
    observed_at: float

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ClusterDetail:
    """What Enter on a cluster shows."""

    cluster: ClusterRow
    nodes: tuple[NodeRow, ...]
    namespaces: tuple[NamespaceRow, ...]
    unhealthy_workloads: tuple[WorkloadRow, ...]
    warning_events: tuple[EventRow, ...]


@dataclass(frozen=True)
class TopologyNode:
    """One node of the tree fleet → region → zone → cluster → (namespace → workload | nodes → node).

    `health` is the worst of everything below; `counts` maps each health word to
    how many leaves (workloads and nodes) below have it, so a collapsed branch
    still says "2 unhealthy". `key` is a stable path for diffing the tree.
    """

    key: str
    kind: str  # fleet | region | zone | cluster | namespace | workload | nodes | node
    name: str
    health: str = UNKNOWN
    counts: Mapping[str, int] = field(default_factory=dict)
    detail: str = ""
    children: tuple[TopologyNode, ...] = ()
    # children exist but were not read (an outline of a large fleet): read when opened
    partial: bool = False

    def walk(self):
        """Depth-first iteration over this node and everything below it."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, key: str) -> TopologyNode | None:
        for node in self.walk():
            if node.key == key:
                return node
        return None


@dataclass(frozen=True)
class JoinRow:
    """A cluster registered on the hub and not accepted (or denied), with its agents' CSRs."""

    cluster: str
    state: str  # pending acceptance | denied
    csrs: tuple[Mapping[str, Any], ...]  # {name, state, requestor, created}, oldest first
    observed_at: float | None

    @property
    def key(self) -> str:
        return self.cluster

    @property
    def pending_csrs(self) -> int:
        return sum(1 for c in self.csrs if c.get("state") == "pending")
