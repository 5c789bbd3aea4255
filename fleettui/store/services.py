"""The services pane's reads: one row per (namespace, service) across the clusterset.

Built from the ServiceExport, ServiceImport and multi-cluster EndpointSlice rows the
sync keeps, plus the exporting clusters' own Service rows (for fleettui's conflict
analysis, store/mcs.py). One query per kind, grouped here: the pane refreshes a fleet of
100 clusters × 40 services well within a second (bench/bench_services.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fleettui.store.mcs import Analysis, LocalExport, analyze
from fleettui.store.rollup_health import DEGRADED, UNHEALTHY, UNKNOWN, worst

if TYPE_CHECKING:
    from fleettui.store.store import Store

CLUSTERSET_DOMAIN = "svc.clusterset.local"


def dns_name(namespace: str, name: str) -> str:
    return f"{name}.{namespace}.{CLUSTERSET_DOMAIN}"


@dataclass(frozen=True)
class ExportStatus:
    """One cluster's ServiceExport as its MCS controller reports it."""

    cluster: str
    health: str
    message: str
    created: float
    conditions: dict[str, dict[str, str]]  # Valid/Ready/Conflict -> {status, reason, message}
    stale: bool = False

    def badge(self, type_: str) -> str:
        """`Valid`, `Ready`, `Conflict` as `True/Exported`; `?` before the controller answered."""
        c = self.conditions.get(type_)
        return f"{c['status']}/{c['reason']}" if c else "?"


@dataclass(frozen=True)
class ImportStatus:
    cluster: str
    type: str
    ports: list[dict[str, Any]]
    ips: list[str]
    clusters: list[str]  # status.clusters: the sources this consumer resolves to
    stale: bool = False


@dataclass(frozen=True)
class SourceEndpoints:
    """Endpoints one source cluster contributes, as a consumer sees them."""

    consumer: str
    source: str
    ready: int
    total: int
    addresses: list[str]


@dataclass(frozen=True)
class ServiceSetRow:
    namespace: str
    name: str
    exports: tuple[ExportStatus, ...]
    imports: tuple[ImportStatus, ...]
    endpoints: tuple[SourceEndpoints, ...]
    analysis: Analysis
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # exporting cluster -> Service summary

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def dns(self) -> str:
        return dns_name(self.namespace, self.name)

    @property
    def exporting(self) -> list[str]:
        return [e.cluster for e in self.exports]

    @property
    def importing(self) -> list[str]:
        return [i.cluster for i in self.imports]

    @property
    def import_type(self) -> str:
        types = {i.type for i in self.imports}
        return (self.analysis.import_type or (types.pop() if len(types) == 1 else "")) or "-"

    @property
    def ports(self) -> list[str]:
        return [p.label for p in self.analysis.ports]

    def ready_by_source(self) -> dict[str, int]:
        """Ready endpoints per source cluster (the best any consumer sees; 0 when every consumer lost it)."""
        out: dict[str, int] = {c: 0 for c in self.exporting} if self.imports else {}
        for ep in self.endpoints:
            out[ep.source] = max(out.get(ep.source, 0), ep.ready)
        return out

    @property
    def health(self) -> str:
        states = [e.health for e in self.exports]
        if self.imports and self.exports and not any(self.ready_by_source().values()):
            states.append(UNHEALTHY)
        if self.imports and not self.exports:
            states.append(DEGRADED)
        return worst(states) if states else UNKNOWN


async def service_sets(store: Store) -> list[ServiceSetRow]:
    """Every clusterset service: exported or imported somewhere; by namespace, name."""
    reachable = {r[0]: r[1] for r in await store._fetchall("SELECT name, reachable FROM clusters")}

    def stale(cluster: str) -> bool:
        return reachable.get(cluster) != 1

    exports: dict[tuple[str, str], list[ExportStatus]] = defaultdict(list)
    extra: dict[tuple[str, str, str], dict[str, Any]] = {}
    for cluster, ns, name, health, message, data in await _rows(store, "ServiceExport"):
        d = json.loads(data or "{}")
        exports[(ns, name)].append(ExportStatus(cluster, health, message, d.get("created") or 0.0,
                                                d.get("conditions") or {}, stale(cluster)))
        extra[(cluster, ns, name)] = d
    imports: dict[tuple[str, str], list[ImportStatus]] = defaultdict(list)
    for cluster, ns, name, _health, _message, data in await _rows(store, "ServiceImport"):
        d = json.loads(data or "{}")
        imports[(ns, name)].append(ImportStatus(cluster, d.get("import_type") or "ClusterSetIP",
                                                d.get("ports") or [], d.get("ips") or [],
                                                d.get("clusters") or [], stale(cluster)))
    endpoints: dict[tuple[str, str], list[SourceEndpoints]] = defaultdict(list)
    slices = await store._fetchall("SELECT cluster, namespace, ready, desired, data FROM objects "
                                  "WHERE kind = 'EndpointSlice'")
    for cluster, ns, ready, total, data in slices:
        d = json.loads(data or "{}")
        if d.get("service") and d.get("source_cluster"):
            endpoints[(ns, d["service"])].append(SourceEndpoints(
                cluster, d["source_cluster"], int(ready or 0), int(total or 0), d.get("addresses") or []))
    services: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    if exports:
        wanted = {(c, ns, n) for (ns, n), es in exports.items() for c in (e.cluster for e in es)}
        for cluster, ns, name, _h, _m, data in await _rows(store, "Service"):
            if (cluster, ns, name) in wanted:
                services[(ns, name)][cluster] = json.loads(data or "{}")
    rows = []
    for key in sorted(set(exports) | set(imports)):
        ex = sorted(exports.get(key, []), key=lambda e: e.cluster)
        svcs = services.get(key, {})
        analysis = analyze(LocalExport(e.cluster, e.created, svcs.get(e.cluster),
                                       extra[(e.cluster, *key)].get("exported_labels"),
                                       extra[(e.cluster, *key)].get("exported_annotations")) for e in ex)
        rows.append(ServiceSetRow(key[0], key[1], tuple(ex),
                                  tuple(sorted(imports.get(key, []), key=lambda i: i.cluster)),
                                  tuple(sorted(endpoints.get(key, []), key=lambda s: (s.consumer, s.source))),
                                  analysis, svcs))
    return rows


async def local_exports(store: Store, namespace: str, name: str) -> list[LocalExport]:
    """The current exports of one name with their Services, for an export/unexport preview."""
    for row in await service_sets(store):
        if (row.namespace, row.name) == (namespace, name):
            return [LocalExport(e.cluster, e.created, row.services.get(e.cluster)) for e in row.exports]
    return []


async def local_service(store: Store, cluster: str, namespace: str, name: str) -> dict[str, Any] | None:
    row = await store._fetchone("SELECT data FROM objects WHERE cluster = ? AND kind = 'Service' "
                               "AND namespace = ? AND name = ?", (cluster, namespace, name))
    return json.loads(row[0] or "{}") if row else None


async def _rows(store: Store, kind: str) -> list[tuple]:
    return await store._fetchall(
        "SELECT cluster, namespace, name, health, message, data FROM objects WHERE kind = ?", (kind,))
