"""Multi-cluster Services semantics computed by fleettui itself, from the exported Services in the cache.

Pure functions (no I/O): what the merged ServiceImport of a clusterset name should be
and which exports conflict, by KEP-1645's rules — exports taken oldest first
(creationTimestamp, then cluster name); ports are the union, matched by name, then by
protocol+port; a property that cannot merge (type, session affinity and its config,
internal traffic policy, IP families, traffic distribution, exported labels and
annotations) takes the oldest export's value and every export that differs is in
conflict. The controller in the clusters says the same in its conditions; computing
it here lets the screen name the winner, the clusters that differ and the ports only
some backends serve, and preview what an export or unexport would change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PROPERTIES: tuple[tuple[str, str, str], ...] = (
    # (property as the import spells it, Conflict reason, words for a person)
    ("type", "TypeConflict", "type"),
    ("sessionAffinity", "SessionAffinityConflict", "session affinity"),
    ("sessionAffinityConfig", "SessionAffinityConfigConflict", "session affinity config"),
    ("internalTrafficPolicy", "InternalTrafficPolicyConflict", "internal traffic policy"),
    ("ipFamilies", "IPFamilyConflict", "IP families"),
    ("trafficDistribution", "TrafficDistributionConflict", "traffic distribution"),
    ("exportedLabels", "LabelsConflict", "exported labels"),
    ("exportedAnnotations", "AnnotationsConflict", "exported annotations"),
)


@dataclass(frozen=True)
class LocalExport:
    """One cluster's export of a name: when it was exported and its local Service (summary data)."""

    cluster: str
    created: float
    service: Mapping[str, Any] | None  # the Service summary; None: no such Service
    exported_labels: Mapping[str, str] | None = None
    exported_annotations: Mapping[str, str] | None = None

    @property
    def invalid(self) -> str | None:
        if self.service is None:
            return "NoService"
        if self.service.get("type") == "ExternalName":
            return "InvalidServiceType"
        return None


@dataclass(frozen=True)
class UnionPort:
    name: str
    protocol: str
    port: int
    clusters: tuple[str, ...]  # exports whose Service serves it (as merged)

    @property
    def label(self) -> str:
        return f"{self.port}/{self.protocol}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True)
class Conflict:
    cluster: str
    reason: str
    message: str


@dataclass(frozen=True)
class Analysis:
    winner: str | None
    ports: tuple[UnionPort, ...]
    props: Mapping[str, Any]
    conflicts: tuple[Conflict, ...]
    exporters: tuple[str, ...]  # valid exports, oldest first
    invalid: Mapping[str, str] = field(default_factory=dict)  # cluster -> Valid reason

    @property
    def import_type(self) -> str | None:
        return self.props.get("type")

    def conflicts_of(self, cluster: str) -> list[Conflict]:
        return [c for c in self.conflicts if c.cluster == cluster]

    @property
    def partial_ports(self) -> tuple[UnionPort, ...]:
        """Ports of the union that only some exporting clusters' backends serve."""
        return tuple(p for p in self.ports if len(p.clusters) < len(self.exporters))


def properties(e: LocalExport) -> dict[str, Any]:
    svc = e.service or {}
    return {
        "type": "Headless" if svc.get("cluster_ip") == "None" else "ClusterSetIP",
        "sessionAffinity": svc.get("session_affinity") or "None",
        "sessionAffinityConfig": svc.get("session_affinity_config"),
        "internalTrafficPolicy": svc.get("internal_traffic_policy") or "Cluster",
        "ipFamilies": list(svc.get("ip_families") or ["IPv4"]),
        "trafficDistribution": svc.get("traffic_distribution"),
        "exportedLabels": dict(e.exported_labels or {}),
        "exportedAnnotations": dict(e.exported_annotations or {}),
    }


def _show(value: Any) -> str:
    if value is None or value == {} or value == []:
        return "unset"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def analyze(exports: Iterable[LocalExport]) -> Analysis:
    everything = list(exports)
    invalid = {e.cluster: e.invalid for e in everything if e.invalid}
    ordered = sorted((e for e in everything if not e.invalid), key=lambda e: (e.created, e.cluster))
    if not ordered:
        return Analysis(None, (), {}, (), (), invalid)
    oldest = ordered[0]
    props = properties(oldest)
    union: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    by_number: dict[tuple[str, int], dict[str, Any]] = {}
    conflicts: list[Conflict] = []
    for e in ordered:
        for raw in (e.service or {}).get("port_specs") or []:
            name, proto, number = raw.get("name") or "", raw.get("protocol") or "TCP", int(raw.get("port") or 0)
            have = by_name.get(name) if name else None
            if have is None:
                have = by_number.get((proto, number))
                if have is not None and have["name"] != name:
                    conflicts.append(Conflict(e.cluster, "PortConflict",
                                              f'{number}/{proto} is named "{name}" here, "{have["name"]}" in '
                                              f'{have["owner"]}; {have["owner"]} (oldest export) wins'))
                    continue
            elif (have["protocol"], have["port"]) != (proto, number):
                conflicts.append(Conflict(e.cluster, "PortConflict",
                                          f'port "{name}" is {number}/{proto} here, {have["port"]}/'
                                          f'{have["protocol"]} in {have["owner"]}; {have["owner"]} '
                                          "(oldest export) wins"))
                continue
            if have is None:
                have = {"name": name, "protocol": proto, "port": number, "owner": e.cluster, "clusters": []}
                union.append(have)
                by_number[(proto, number)] = have
                if name:
                    by_name[name] = have
            if e.cluster not in have["clusters"]:
                have["clusters"].append(e.cluster)
        mine = properties(e)
        for prop, reason, words in PROPERTIES:
            if mine[prop] != props[prop]:
                conflicts.append(Conflict(e.cluster, reason, f"{words} is {_show(mine[prop])} here; "
                                          f"{_show(props[prop])} from {oldest.cluster} (oldest export) wins"))
    ports = tuple(UnionPort(p["name"], p["protocol"], p["port"], tuple(p["clusters"])) for p in union)
    return Analysis(oldest.cluster, ports, props, tuple(conflicts), tuple(e.cluster for e in ordered), invalid)


def preview_export(current: Iterable[LocalExport], new: LocalExport) -> list[str]:
    """What exporting `new` (replacing that cluster's export, if any) does to the merged import."""
    before = [e for e in current if e.cluster != new.cluster]
    if new.invalid:
        reason = {"NoService": f"no Service of that name in {new.cluster}",
                  "InvalidServiceType": "an ExternalName Service cannot be exported"}[new.invalid]
        return [f"not valid: {reason} (Valid=False, {new.invalid})"]
    return describe_change(analyze(before), analyze([*before, new]), new.cluster)


def preview_unexport(current: Iterable[LocalExport], cluster: str) -> list[str]:
    exports = list(current)
    return describe_change(analyze(exports), analyze([e for e in exports if e.cluster != cluster]), cluster)


def describe_change(before: Analysis, after: Analysis, cluster: str) -> list[str]:
    """Sentences for a person: ports added to or removed from the union, type, conflicts, the winner."""
    lines: list[str] = []
    if not before.exporters and after.exporters:
        lines.append(f"creates the clusterset service ({after.import_type}) with "
                     f"{_ports(after.ports)}" if after.ports else "creates the clusterset service")
    elif before.exporters and not after.exporters:
        lines.append("no cluster exports it any more: importers lose every endpoint")
    else:
        old = {(p.protocol, p.port, p.name) for p in before.ports}
        new = {(p.protocol, p.port, p.name) for p in after.ports}
        for p in after.ports:
            if (p.protocol, p.port, p.name) not in old:
                lines.append(f"adds port {p.label} to the union")
        for p in before.ports:
            if (p.protocol, p.port, p.name) not in new:
                lines.append(f"removes port {p.label} from the union")
        if before.import_type != after.import_type:
            lines.append(f"the import becomes {after.import_type}")
        if before.winner != after.winner and after.winner:
            lines.append(f"{after.winner} becomes the oldest export: its properties win")
    for c in after.conflicts_of(cluster):
        if c.reason == "TypeConflict":
            lines.append(f"this {'headless ' if after.import_type == 'ClusterSetIP' else ''}export conflicts: "
                         f"{after.import_type} wins")
        else:
            lines.append(f"conflicts ({c.reason}): {c.message}")
    cleared = {(c.cluster, c.reason) for c in before.conflicts} - {(c.cluster, c.reason) for c in after.conflicts}
    for other, reason in sorted(cleared):
        if other != cluster:
            lines.append(f"clears {reason} on {other}")
    if after.partial_ports and after.exporters:
        for p in after.partial_ports:
            if p not in before.partial_ports:
                lines.append(f"port {p.label} is served only by {', '.join(p.clusters)}")
    return lines or ["no change to the merged import"]


def _ports(ports: Iterable[UnionPort]) -> str:
    return ", ".join(p.label for p in ports)

