"""The multi-cluster Services controller of the simulated clusterset (MCS API, multicluster.x-k8s.io).

It stands in for what Submariner Lighthouse / the MCS reference implementation run:
a per-cluster agent that reports its ServiceExports to a broker, and a broker that
merges them (mcs_merge: KEP-1645) and pushes the result into every cluster that imports.

- ServiceExport conditions: Valid (Valid / NoService / InvalidServiceType for
  ExternalName), Ready (Pending until the broker has the export, one sync later
  Exported; False/Failed when not valid), Conflict (False/NoConflicts, or True with
  the first conflict's reason and every conflict in the message).
- ACK One's model for imports: the user creates the ServiceImport in the consumer
  cluster; the controller fills spec (type, ports, ips, sessionAffinity(Config),
  ipFamilies) and status.clusters[], and keeps one EndpointSlice per source cluster
  there, labelled multicluster.kubernetes.io/service-name and .../source-cluster and
  owned by the ServiceImport.
- A cluster whose agent cannot reach the broker (fault `down`) is neither read nor
  written; the broker keeps its last report until its lease runs out
  (LEASE_SECONDS of virtual time), then drops its endpoints and its place in
  status.clusters. When it is back its agent reports again and all is restored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from .controllers.objects import deep, find_condition, meta, owner_ref
from .mcs_merge import Export, Merged, merge

log = logging.getLogger(__name__)

GROUP = "multicluster.x-k8s.io"
EXPORTS = f"serviceexports.{GROUP}"
IMPORTS = f"serviceimports.{GROUP}"
SLICES = "endpointslices.discovery.k8s.io"
SERVICE_NAME = "multicluster.kubernetes.io/service-name"
SOURCE_CLUSTER = "multicluster.kubernetes.io/source-cluster"
LOCAL_SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "lighthouse-agent.submariner.io"
LEASE_SECONDS = 60.0  # a silent agent's exports are dropped this long after its last report
SYNC_SECONDS = 1.0  # broker round trip: an export is Pending at least this long

Key = tuple[str, str]


@dataclass
class _Report:
    """What one cluster's agent last told the broker about one exported name."""

    export: dict
    service: dict | None
    endpoints: list[dict] = field(default_factory=list)
    ports: list[dict] = field(default_factory=list)

    @property
    def invalid(self) -> tuple[str, str] | None:
        if self.service is None:
            return "NoService", "Service to be exported doesn't exist"
        if (self.service.get("spec") or {}).get("type") == "ExternalName":
            return "InvalidServiceType", "Service of type ExternalName cannot be exported"
        return None


def _time(value: str | None) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


class MCSController:
    """One broker for the whole simulated clusterset; `step()` reconciles what changed."""

    def __init__(self, clusters: dict[str, Any], clock: Any, faults: Any) -> None:
        self.clusters = clusters
        self.clock = clock
        self.faults = faults
        now = clock.now()
        self.last_report = {name: now for name in clusters}
        self._up = {name: True for name in clusters}
        self._alive = {name: True for name in clusters}
        self._reports: dict[tuple[str, Key], _Report] = {}
        self._exported_at: dict[tuple[str, Key], float] = {}  # broker received a valid export
        self._known: set[Key] = set()
        self.dirty: set[Key] = set()
        self._due: dict[Key, float] = {}
        for name, cluster in clusters.items():
            cluster.subscribe(self._listener(name))
            for resource in (EXPORTS, IMPORTS):
                for obj in cluster.list(resource) if resource in cluster.types else ():
                    self._mark(obj)

    # -- change intake ---------------------------------------------------------

    def _listener(self, name: str) -> Any:
        def on_change(event: str, resource: str, obj: dict) -> None:
            if resource in (EXPORTS, IMPORTS, "services"):
                key = (meta(obj).get("namespace") or "", meta(obj).get("name") or "")
                if resource != "services" or key in self._known:
                    self.dirty.add(key)
                if resource != "services":
                    self._known.add(key)
            elif resource == SLICES:
                labels = meta(obj).get("labels") or {}
                svc = labels.get(LOCAL_SERVICE_NAME)
                key = (meta(obj).get("namespace") or "", svc or "")
                if svc and key in self._known:
                    self.dirty.add(key)
        return on_change

    def _mark(self, obj: dict) -> None:
        key = (meta(obj).get("namespace") or "", meta(obj).get("name") or "")
        self._known.add(key)
        self.dirty.add(key)

    # -- loop ------------------------------------------------------------------

    def step(self) -> None:
        now = self.clock.now()
        for name in self.clusters:
            up = self.faults.get(name).down is None
            if up:
                self.last_report[name] = now
            alive = now - self.last_report[name] <= LEASE_SECONDS
            if up != self._up[name] or alive != self._alive[name]:
                self._up[name], self._alive[name] = up, alive
                self.dirty |= self._known
        for key, when in list(self._due.items()):
            if when <= now:
                del self._due[key]
                self.dirty.add(key)
        work, self.dirty = self.dirty, set()
        for key in sorted(work):
            try:
                self.reconcile(key)
            except Exception:  # one bad object must not stop the clusterset
                log.exception("mcs: reconciling %s/%s failed", *key)

    async def run(self, interval: float = 0.5) -> None:
        while True:
            self.step()
            await self.clock.sleep(interval)

    # -- reconcile -------------------------------------------------------------

    def reconcile(self, key: Key) -> None:
        now = self.clock.now()
        reports: dict[str, _Report] = {}
        for name, cluster in self.clusters.items():
            if not self._alive[name]:
                self._reports.pop((name, key), None)
                self._exported_at.pop((name, key), None)
                continue
            if self._up[name]:
                report = self._read(cluster, key)
                if report is None:
                    self._reports.pop((name, key), None)
                    self._exported_at.pop((name, key), None)
                else:
                    self._reports[(name, key)] = report
            report = self._reports.get((name, key))
            if report is not None:
                reports[name] = report
        valid = {n: r for n, r in reports.items() if r.invalid is None}
        merged = merge([_export(n, r) for n, r in valid.items()])
        for name, report in reports.items():
            if not self._up[name]:
                continue
            if report.invalid is None:
                self._exported_at.setdefault((name, key), now)
            self._write_export_status(self.clusters[name], key, report, merged, now)
        # Importers see only what the broker has: exports still Pending are not in the import yet.
        synced = {n: r for n, r in valid.items() if self._synced(n, key, now)}
        published = merge([_export(n, r) for n, r in synced.items()])
        for name, cluster in self.clusters.items():
            if self._up[name] and IMPORTS in cluster.types and cluster.get(IMPORTS, *key) is not None:
                self._write_import(cluster, key, published, synced)

    def _synced(self, cluster: str, key: Key, now: float) -> bool:
        since = self._exported_at.get((cluster, key))
        return since is not None and now - since >= SYNC_SECONDS

    def _read(self, cluster: Any, key: Key) -> _Report | None:
        if EXPORTS not in cluster.types:
            return None
        export = cluster.get(EXPORTS, *key)
        if export is None or meta(export).get("deletionTimestamp"):
            return None
        service = cluster.get("services", *key)
        report = _Report(export=deep(export), service=deep(service) if service else None)
        for s in cluster.iter(SLICES, key[0]):
            labels = meta(s).get("labels") or {}
            if labels.get(LOCAL_SERVICE_NAME) != key[1] or SOURCE_CLUSTER in labels:
                continue
            report.ports = deep(s.get("ports") or [])
            for ep in s.get("endpoints") or []:
                report.endpoints.append({k: deep(v) for k, v in ep.items() if k not in ("nodeName", "targetRef")})
        return report

    def _write_export_status(self, cluster: Any, key: Key, report: _Report, merged: Merged, now: float) -> None:
        invalid = report.invalid
        if invalid:
            conds = [("Valid", "False", *invalid), ("Ready", "False", "Failed", invalid[1])]
        else:
            conds = [("Valid", "True", "Valid", "Service is valid for export")]
            if self._synced(cluster.name, key, now):
                conds.append(("Ready", "True", "Exported", "Service was exported to the clusterset"))
            else:
                since = self._exported_at.get((cluster.name, key), now)
                self._due[key] = min(self._due.get(key, since + SYNC_SECONDS), since + SYNC_SECONDS)
                conds.append(("Ready", "False", "Pending", "Awaiting sync of the ServiceExport to the broker"))
        problems = merged.conflicts.get(cluster.name) if not invalid else None
        if problems:
            conds.append(("Conflict", "True", problems[0][0], "; ".join(f"{r}: {m}" for r, m in problems)))
        else:
            conds.append(("Conflict", "False", "NoConflicts", "No conflicts with other exports of this Service"))
        old = (report.export.get("status") or {}).get("conditions") or []
        generation = meta(report.export).get("generation")
        out = []
        for type_, status, reason, message in conds:
            prev = find_condition(old, type_)
            since = prev["lastTransitionTime"] if prev and prev.get("status") == status else self.clock.iso(now)
            c = {"type": type_, "status": status, "reason": reason, "message": message,
                 "lastTransitionTime": since}
            if generation:
                c["observedGeneration"] = generation
            out.append(c)
        cluster.set_status(EXPORTS, key[0], key[1], {"conditions": out})

    def _write_import(self, cluster: Any, key: Key, merged: Merged, sources: dict[str, _Report]) -> None:
        current = cluster.get(IMPORTS, *key)
        props = merged.props
        spec: dict[str, Any] = {"type": props.get("type") or (current.get("spec") or {}).get("type") or
                                "ClusterSetIP", "ports": deep(merged.ports)}
        if spec["type"] == "ClusterSetIP" and merged.winner:
            spec["ips"] = (current.get("spec") or {}).get("ips") or [_clusterset_ip(cluster.name, key)]
        if props:
            spec["sessionAffinity"] = props["sessionAffinity"]
            if props["sessionAffinityConfig"]:
                spec["sessionAffinityConfig"] = deep(props["sessionAffinityConfig"])
            spec["ipFamilies"] = list(props["ipFamilies"])
        status = {"clusters": [{"cluster": n} for n in sorted(sources)]}
        if current.get("spec") != spec:
            obj = deep(current)
            obj["spec"] = spec
            current = cluster.update(IMPORTS, obj)
        cluster.set_status(IMPORTS, key[0], key[1], status)
        self._sync_slices(cluster, key, current, sources)

    def _sync_slices(self, cluster: Any, key: Key, owner: dict, sources: dict[str, _Report]) -> None:
        existing = {(meta(s).get("labels") or {}).get(SOURCE_CLUSTER): s for s in cluster.iter(SLICES, key[0])
                    if (meta(s).get("labels") or {}).get(SERVICE_NAME) == key[1]}
        for source, slice_ in existing.items():
            if source not in sources:
                cluster.delete(SLICES, key[0], meta(slice_)["name"])
        for source, report in sources.items():
            labels = {SERVICE_NAME: key[1], SOURCE_CLUSTER: source, MANAGED_BY: CONTROLLER}
            body = {"addressType": "IPv4", "endpoints": deep(report.endpoints), "ports": deep(report.ports)}
            have = existing.get(source)
            if have is None:
                cluster.create(SLICES, {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                                        "metadata": {"name": _slice_name(key[1], source), "namespace": key[0],
                                                     "labels": labels, "ownerReferences": [owner_ref(owner)]},
                                        **body})
            elif any(have.get(k) != v for k, v in body.items()):
                obj = deep(have)
                obj.update(body)
                cluster.update(SLICES, obj)


def _export(cluster: str, report: _Report) -> Export:
    return Export(cluster, _time(meta(report.export).get("creationTimestamp")),
                  (report.service or {}).get("spec") or {}, report.export.get("spec") or {})


def _slice_name(service: str, source: str) -> str:
    name = f"{service}-{source}"
    if len(name) <= 253:
        return name
    return name[:240] + "-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def _clusterset_ip(cluster: str, key: Key) -> str:
    """A stable virtual IP in the consumer cluster's clusterset range (Lighthouse's 243.0.0.0/8 style)."""
    h = int(hashlib.sha256(f"{cluster}/{key[0]}/{key[1]}".encode()).hexdigest()[:8], 16)
    return f"243.{h >> 16 & 0xFF}.{h >> 8 & 0xFF}.{h % 253 + 1}"
