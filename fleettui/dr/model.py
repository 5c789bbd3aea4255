"""What a disaster-recovery what-if reads: the fleet as frozen values, and the
failure domains (a cluster, a zone, a region) mapped onto clusters and nodes.

Built from store rows by `dr.load`; the analysis never touches the store, so it
is a pure function of these values (fast, and testable without a simulator).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fleettui.config.dr_policy import DOMAIN_KINDS, ResiliencePolicy, TrafficEntry

UNKNOWN_NODE = ""  # replicas whose node the cache does not know (pods not synced)


@dataclass(frozen=True)
class ClusterSite:
    name: str
    region: str | None
    zones: tuple[str, ...]  # a multi-zone cluster lists several
    reachable: bool  # False: already down now (its cached replicas count for nothing)
    prometheus: str | None = None


@dataclass(frozen=True)
class NodeSite:
    cluster: str
    name: str
    zone: str | None
    ready: bool
    schedulable: bool
    cpu_free_m: int  # allocatable − requested by pods bound to it
    mem_free_b: int
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[tuple[str, str, str], ...] = ()  # (key, value, effect)


@dataclass(frozen=True)
class Replicas:
    """One workload of an application in one cluster: where its ready pods run,
    and what one more replica would need from a node."""

    cluster: str
    kind: str
    namespace: str
    name: str
    desired: int
    ready_by_node: Mapping[str, int]
    pod_cpu_m: int = 0
    pod_mem_b: int = 0
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, str], ...] = ()

    @property
    def ready(self) -> int:
        return sum(self.ready_by_node.values())

    @property
    def workload(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class AppSite:
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    workloads: tuple[Replicas, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class EndpointRow:
    """The seam for services: ready endpoints of one Service from one source
    cluster (and zone, when known). Fed today from Services and ready pods in the
    cache (`load.endpoints_from_pods`); a multi-cluster services feed (the MCS
    rows: service, source cluster, ready endpoints) passes its rows the same way."""

    namespace: str
    service: str
    cluster: str
    ready: int
    zone: str | None = None


@dataclass(frozen=True)
class Inventory:
    clusters: tuple[ClusterSite, ...]
    nodes: tuple[NodeSite, ...] = ()
    apps: tuple[AppSite, ...] = ()
    endpoints: tuple[EndpointRow, ...] = ()
    traffic: tuple[TrafficEntry, ...] = ()
    policy: ResiliencePolicy = field(default_factory=ResiliencePolicy)
    # (namespace, name) of the clusterset's multi-cluster services (ServiceExports): a
    # Service one cluster serves alone is that cluster's business, not a fleet impact
    clusterset_services: frozenset[tuple[str, str]] = frozenset()

    def cluster(self, name: str) -> ClusterSite | None:
        return next((c for c in self.clusters if c.name == name), None)

    def node_zone(self, node: NodeSite) -> str | None:
        if node.zone:
            return node.zone
        c = self.cluster(node.cluster)
        return c.zones[0] if c and len(c.zones) == 1 else None

    def domains(self, kind: str) -> list[str]:
        """Every cluster, zone or region the inventory knows, sorted."""
        if kind == "cluster":
            return sorted(c.name for c in self.clusters)
        if kind == "region":
            return sorted({c.region for c in self.clusters if c.region})
        zones = {z for c in self.clusters for z in c.zones}
        zones |= {z for n in self.nodes if (z := self.node_zone(n))}
        return sorted(zones)


class DomainError(ValueError):
    """The named cluster, zone or region is not in the cache."""


@dataclass(frozen=True)
class Domain:
    kind: str  # cluster | zone | region
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Failure:
    """A domain resolved: clusters that go down whole, and nodes lost in clusters
    that survive in part (a zone of a multi-zone cluster)."""

    domain: Domain
    clusters: frozenset[str]
    nodes: frozenset[tuple[str, str]]

    def loses(self, cluster: str, node: str) -> bool:
        return cluster in self.clusters or (cluster, node) in self.nodes

    def loses_zone(self, cluster: str, zone: str | None) -> bool:
        if cluster in self.clusters:
            return True
        return self.domain.kind == "zone" and zone == self.domain.name


def resolve(inv: Inventory, domain: Domain) -> Failure:
    if domain.kind not in DOMAIN_KINDS:
        raise DomainError(f"unknown failure domain kind {domain.kind!r} (cluster, zone or region)")
    known = inv.domains(domain.kind)
    if domain.name not in known:
        raise DomainError(f"no {domain.kind} {domain.name!r} in the cache (known: {', '.join(known) or 'none'})")
    if domain.kind == "cluster":
        return Failure(domain, frozenset({domain.name}), frozenset())
    if domain.kind == "region":
        return Failure(domain, frozenset(c.name for c in inv.clusters if c.region == domain.name), frozenset())
    by_cluster: dict[str, list[NodeSite]] = {}
    for n in inv.nodes:
        by_cluster.setdefault(n.cluster, []).append(n)
    whole: set[str] = set()
    part: set[tuple[str, str]] = set()
    for c in inv.clusters:
        nodes = by_cluster.get(c.name, [])
        lost = [n for n in nodes if inv.node_zone(n) == domain.name]
        # a cluster whose nodes all sit in the zone (or, nodes unknown, that lives only there) goes down whole
        if (nodes and len(lost) == len(nodes)) or (not nodes and c.zones == (domain.name,)):
            whole.add(c.name)
        else:
            part.update((n.cluster, n.name) for n in lost)
    return Failure(domain, frozenset(whole), frozenset(part))
