"""KEP-1645 merge of the Services one name exports across a clusterset, as the MCS controller does it.

The simulator's controller needs its own copy of these rules (sim imports nothing of
fleettui); fleettui's analysis (store/mcs.py) computes the same from the cache, so a
test can hold the two against each other.

Rules: exports are taken oldest first (creationTimestamp, then cluster name). Ports are
the union, matched by name, then by protocol+port; a port whose name is taken with a
different port/protocol, or whose protocol+port is taken under another name, is a
PortConflict on the younger export. Properties that cannot merge (type, session
affinity and its config, internal traffic policy, IP families, traffic distribution,
exported labels/annotations) take the oldest export's value; every export that differs
carries a Conflict with that property's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# property -> (Conflict reason, how to read it from (service spec, export spec))
PROPERTIES: tuple[tuple[str, str], ...] = (
    ("type", "TypeConflict"),
    ("sessionAffinity", "SessionAffinityConflict"),
    ("sessionAffinityConfig", "SessionAffinityConfigConflict"),
    ("internalTrafficPolicy", "InternalTrafficPolicyConflict"),
    ("ipFamilies", "IPFamilyConflict"),
    ("trafficDistribution", "TrafficDistributionConflict"),
    ("exportedLabels", "LabelsConflict"),
    ("exportedAnnotations", "AnnotationsConflict"),
)


def properties(service_spec: dict, export_spec: dict) -> dict[str, Any]:
    """The unmergeable properties of one export, with the API's defaults filled in."""
    return {
        "type": "Headless" if service_spec.get("clusterIP") == "None" else "ClusterSetIP",
        "sessionAffinity": service_spec.get("sessionAffinity") or "None",
        "sessionAffinityConfig": service_spec.get("sessionAffinityConfig"),
        "internalTrafficPolicy": service_spec.get("internalTrafficPolicy") or "Cluster",
        "ipFamilies": list(service_spec.get("ipFamilies") or ["IPv4"]),
        "trafficDistribution": service_spec.get("trafficDistribution"),
        "exportedLabels": dict(export_spec.get("exportedLabels") or {}),
        "exportedAnnotations": dict(export_spec.get("exportedAnnotations") or {}),
    }


def import_port(port: dict) -> dict:
    """A Service port as a ServiceImport port (no targetPort/nodePort: they stay local)."""
    out: dict[str, Any] = {"port": int(port.get("port", 0)), "protocol": port.get("protocol") or "TCP"}
    if port.get("name"):
        out["name"] = port["name"]
    if port.get("appProtocol"):
        out["appProtocol"] = port["appProtocol"]
    return out


@dataclass(frozen=True)
class Export:
    cluster: str
    created: float
    service_spec: dict
    export_spec: dict = field(default_factory=dict)


@dataclass
class Merged:
    winner: str | None = None
    ports: list[dict] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)
    # cluster -> [(reason, message)], in PROPERTIES order, ports first
    conflicts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def merge(exports: list[Export]) -> Merged:
    ordered = sorted(exports, key=lambda e: (e.created, e.cluster))
    out = Merged()
    if not ordered:
        return out
    oldest = ordered[0]
    out.winner = oldest.cluster
    out.props = properties(oldest.service_spec, oldest.export_spec)
    by_name: dict[str, tuple[dict, str]] = {}
    by_number: dict[tuple[str, int], tuple[dict, str]] = {}
    for e in ordered:
        problems: list[tuple[str, str]] = []
        for raw in e.service_spec.get("ports") or []:
            p = import_port(raw)
            number = (p["protocol"], p["port"])
            name = p.get("name", "")
            if name and name in by_name:
                have, owner = by_name[name]
                if (have["protocol"], have["port"]) != number:
                    problems.append(("PortConflict", f'port "{name}" is {p["port"]}/{p["protocol"]} here, '
                                     f'{have["port"]}/{have["protocol"]} in {owner} (oldest export wins)'))
                continue
            if number in by_number:
                have, owner = by_number[number]
                if have.get("name", "") != name:
                    problems.append(("PortConflict", f'{p["port"]}/{p["protocol"]} is named "{name}" here, '
                                     f'"{have.get("name", "")}" in {owner} (oldest export wins)'))
                continue
            out.ports.append(p)
            by_number[number] = (p, e.cluster)
            if name:
                by_name[name] = (p, e.cluster)
        mine = properties(e.service_spec, e.export_spec)
        for prop, reason in PROPERTIES:
            if mine[prop] != out.props[prop]:
                problems.append((reason, f"{prop} is {_show(mine[prop])} here; "
                                 f"{_show(out.props[prop])} from {oldest.cluster} (oldest export) wins"))
        if problems:
            out.conflicts[e.cluster] = problems
    return out


def _show(value: Any) -> str:
    if value is None or value == {} or value == []:
        return "unset"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
