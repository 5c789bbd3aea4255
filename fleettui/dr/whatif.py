"""What breaks if a cluster, a zone or a region fails — computed from the cache.

Per application: replicas lost, where the remaining ones run, whether it still
has the healthy replicas the resilience policy asks for, and where the lost
replicas could go. In a cluster that survives in part (a zone of a multi-zone
cluster) Kubernetes itself reschedules them onto the remaining nodes; replicas
of a cluster that is gone can only move to the application's other clusters
(a multi-cluster failover, or an operator scaling those up), so that is where
the fit check looks. Services: endpoints left per Service. Alerting: clusters
whose own Prometheus goes down with them (alert rules and the Watchdog fall
silent). Traffic: each entry's active pools before and after.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from fleettui.dr.capacity import Capacity
from fleettui.dr.model import UNKNOWN_NODE, AppSite, Domain, Failure, Inventory, resolve
from fleettui.dr.traffic import TrafficState, resolve_all
from fleettui.engine.selectors import parse_selector


@dataclass(frozen=True)
class AppImpact:
    namespace: str
    name: str
    tier1: bool
    desired: int
    healthy_before: int
    lost: int
    needed: int
    remaining: dict[str, int]  # cluster -> healthy replicas left
    rescheduled: dict[str, int] = field(default_factory=dict)  # cluster -> lost replicas that fit there
    nowhere: int = 0  # lost replicas that fit on no surviving node
    survives: bool = True
    reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ServiceImpact:
    namespace: str
    service: str
    before: int
    after: int
    clusters_before: tuple[str, ...]
    clusters_after: tuple[str, ...]

    @property
    def verdict(self) -> str:
        return "no endpoints" if self.after == 0 else "fewer endpoints"


@dataclass(frozen=True)
class AlertingImpact:
    cluster: str
    prometheus: str | None

    @property
    def message(self) -> str:
        if self.prometheus:
            return f"its Prometheus ({self.prometheus}) goes down with it: alert rules and the Watchdog fall silent"
        return "no Prometheus in the fleet file: nothing alerts for it"


@dataclass(frozen=True)
class WhatIf:
    domain: Domain
    clusters_down: tuple[str, ...]
    nodes_down: int
    apps: tuple[AppImpact, ...]
    services: tuple[ServiceImpact, ...]
    alerting: tuple[AlertingImpact, ...]
    traffic_before: tuple[TrafficState, ...]
    traffic_after: tuple[TrafficState, ...]

    @property
    def tier1_failures(self) -> tuple[AppImpact, ...]:
        return tuple(a for a in self.apps if a.tier1 and not a.survives)


def is_tier1(app: AppSite, inv: Inventory) -> bool:
    tier1 = inv.policy.tier1
    if tier1 is None:
        return True
    for m in tier1:
        if m.selector is not None:
            if parse_selector(m.selector).matches(app.labels):
                return True
        elif m.pattern is not None and fnmatch.fnmatchcase(app.key if "/" in m.pattern else app.name, m.pattern):
            return True
    return False


def _reason(kept: int, desired: int, needed: int, lost: int, down_before: int) -> str:
    if desired == 0:
        return "no replicas in the cache (workloads not synced, or scaled to zero)"
    text = f"{kept} of {desired} replicas left (needs {needed})"
    if lost:
        text += f"; loses {lost}"
    if down_before:
        text += f"; {down_before} already unreachable"
    return text


def app_survival(app: AppSite, inv: Inventory, failure: Failure | None) -> tuple[int, int, int, dict[str, int]]:
    """(desired, healthy before, lost, remaining per cluster) — the part of the
    analysis the score repeats for every domain, so it stays allocation-light."""
    desired = before = lost = 0
    remaining: dict[str, int] = {}
    reachable = {c.name for c in inv.clusters if c.reachable}
    for w in app.workloads:
        desired += w.desired
        if w.cluster not in reachable:
            continue
        for node, n in w.ready_by_node.items():
            before += n
            gone = failure is not None and (w.cluster in failure.clusters or (
                node != UNKNOWN_NODE and (w.cluster, node) in failure.nodes))
            if gone:
                lost += n
            else:
                remaining[w.cluster] = remaining.get(w.cluster, 0) + n
    return desired, before, lost, remaining


def _app_impact(app: AppSite, inv: Inventory, failure: Failure, capacity: Capacity) -> AppImpact:
    desired, before, lost, remaining = app_survival(app, inv, failure)
    up = {c.name for c in inv.clusters if c.reachable}
    down_before = sum(w.ready for w in app.workloads if w.cluster not in up)
    needed = inv.policy.needed(desired)
    kept = sum(remaining.values())
    rescheduled: dict[str, int] = {}
    nowhere = 0
    alive = up - failure.clusters
    for w in app.workloads:
        gone = sum(n for node, n in w.ready_by_node.items()
                   if w.cluster in failure.clusters or (w.cluster, node) in failure.nodes)
        if not gone or w.cluster not in up:
            continue
        if w.cluster in alive:
            targets = [w.cluster]
        else:
            targets = sorted({o.cluster for o in app.workloads if o.cluster in alive
                              and (o.kind, o.namespace, o.name) == (w.kind, w.namespace, w.name)})
        placed = capacity.place(w, targets, gone)
        for c, n in placed.items():
            rescheduled[c] = rescheduled.get(c, 0) + n
        nowhere += gone - sum(placed.values())
    survives = kept >= needed and desired > 0
    return AppImpact(app.namespace, app.name, is_tier1(app, inv), desired, before, lost, needed,
                     dict(sorted(remaining.items())), dict(sorted(rescheduled.items())), nowhere,
                     survives, _reason(kept, desired, needed, lost, down_before))


def _services(inv: Inventory, failure: Failure) -> list[ServiceImpact]:
    """Services the fleet depends on across clusters: the clusterset's exports and the
    traffic entries' Service pools. Without either in the cache, a Service left with no
    endpoint anywhere (per-cluster Services of the same name counted together)."""
    reachable = {c.name for c in inv.clusters if c.reachable}
    watched = set(inv.clusterset_services) | {(p.namespace, p.target) for t in inv.traffic for p in t.pools
                                              if p.kind == "Service"}
    groups: dict[tuple[str, str], list] = {}
    for e in inv.endpoints:
        if e.cluster in reachable and (not watched or (e.namespace, e.service) in watched):
            groups.setdefault((e.namespace, e.service), []).append(e)
    out = []
    for (ns, svc), rows in sorted(groups.items()):
        before = sum(e.ready for e in rows)
        left = [e for e in rows if not failure.loses_zone(e.cluster, e.zone)]
        after = sum(e.ready for e in left)
        if before and after < before and (watched or after == 0):
            out.append(ServiceImpact(ns, svc, before, after,
                                     tuple(sorted({e.cluster for e in rows if e.ready})),
                                     tuple(sorted({e.cluster for e in left if e.ready}))))
    return out


def _pool_health(inv: Inventory, failure: Failure | None):
    reachable = {c.name for c in inv.clusters if c.reachable}
    ready: dict[tuple[str, str, str], int] = {}
    for e in inv.endpoints:
        if failure is None or not failure.loses_zone(e.cluster, e.zone):
            key = (e.cluster, e.namespace, e.service)
            ready[key] = ready.get(key, 0) + e.ready

    def health(pool) -> tuple[bool, str]:
        if pool.cluster not in reachable:
            return False, "cluster unreachable" if inv.cluster(pool.cluster) else "cluster not in the cache"
        if failure is not None and pool.cluster in failure.clusters:
            return False, f"in the failed {failure.domain.kind}"
        if pool.kind == "Ingress":
            return True, "cluster up (Ingress not cached)"
        n = ready.get((pool.cluster, pool.namespace, pool.target), 0)
        return (n > 0), f"{n} ready endpoint{'s' if n != 1 else ''}"

    return health


def what_if(inv: Inventory, domain: Domain) -> WhatIf:
    failure = resolve(inv, domain)
    up = {c.name for c in inv.clusters if c.reachable}
    survivors = [n for n in inv.nodes if n.cluster in up and not failure.loses(n.cluster, n.name)]
    capacity = Capacity(survivors)
    # tier-1 applications claim the surviving room first, as a DR runbook would
    ordered = sorted(inv.apps, key=lambda a: (not is_tier1(a, inv), a.key))
    apps = [_app_impact(a, inv, failure, capacity) for a in ordered if a.workloads]
    # failures first, tier-1 first; applications with nothing running in the cache last
    apps.sort(key=lambda a: (a.desired == 0, a.survives, not a.tier1, a.key))
    alerting = [AlertingImpact(c.name, c.prometheus) for c in inv.clusters if c.name in failure.clusters]
    return WhatIf(domain, tuple(sorted(failure.clusters)), len(failure.nodes), tuple(apps),
                  tuple(_services(inv, failure)), tuple(alerting),
                  tuple(resolve_all(inv.traffic, _pool_health(inv, None))),
                  tuple(resolve_all(inv.traffic, _pool_health(inv, failure))))
