"""Summaries of the multi-cluster Services kinds (MCS API, multicluster.x-k8s.io).

ServiceExport: its three conditions as the controller wrote them (Valid, Ready,
Conflict) and when it was created (the oldest export wins a conflict).
ServiceImport: what the consumer cluster resolves the clusterset name to.
EndpointSlice: only the multi-cluster ones (labelled with the source cluster) are
kept; a cluster's own slices are many, churn with every pod and say nothing the
pod rows do not.

v1beta1 and v1alpha1 are read alike: fields are taken from `spec` and, failing
that, from the top level of the object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fleettui.config.objects import conditions as object_conditions
from fleettui.store.rollup_health import DEGRADED, HEALTHY, PROGRESSING, UNHEALTHY, UNKNOWN
from fleettui.sync.summaries import _meta, parse_time

Summary = dict[str, Any]
Obj = Mapping[str, Any]

SERVICE_NAME = "multicluster.kubernetes.io/service-name"
SOURCE_CLUSTER = "multicluster.kubernetes.io/source-cluster"
EXPORT_CONDITIONS = ("Valid", "Ready", "Conflict")


def _field(obj: Obj, name: str) -> Any:
    spec = obj.get("spec") or {}
    return spec.get(name) if name in spec else obj.get(name)


def summarize_service_export(obj: Obj) -> Summary:
    s = _meta(obj)
    conds = object_conditions(obj)
    conditions = {t: {"status": c.get("status") or "Unknown", "reason": c.get("reason") or "",
                      "message": c.get("message") or ""} for t, c in conds.items() if t in EXPORT_CONDITIONS}
    valid, ready, conflict = (conditions.get(t) for t in EXPORT_CONDITIONS)
    if valid and valid["status"] == "False":
        health, message = UNHEALTHY, f"{valid['reason']}: {valid['message']}"
    elif conflict and conflict["status"] == "True":
        health, message = DEGRADED, f"{conflict['reason']}: {conflict['message']}"
    elif ready and ready["status"] == "True":
        health, message = HEALTHY, ""
    elif ready:
        health, message = PROGRESSING, f"{ready['reason']}: {ready['message']}"
    else:
        health, message = UNKNOWN, "no status from an MCS controller yet"
    md = obj.get("metadata") or {}
    s.update(health=health, message=message, conditions=conditions,
             created=parse_time(md.get("creationTimestamp")),
             exported_labels=dict(_field(obj, "exportedLabels") or {}) or None,
             exported_annotations=dict(_field(obj, "exportedAnnotations") or {}) or None)
    return s


def summarize_service_import(obj: Obj) -> Summary:
    s = _meta(obj)
    ports = [{k: p[k] for k in ("name", "protocol", "port", "appProtocol") if p.get(k) is not None}
             for p in _field(obj, "ports") or []]
    clusters = [c.get("cluster") for c in (obj.get("status") or {}).get("clusters") or [] if c.get("cluster")]
    s.update(
        import_type=_field(obj, "type") or "ClusterSetIP",
        ports=ports,
        ips=list(_field(obj, "ips") or []),
        session_affinity=_field(obj, "sessionAffinity") or "None",
        ip_families=list(_field(obj, "ipFamilies") or []),
        clusters=clusters,
        health=HEALTHY if clusters else DEGRADED,
        message="" if clusters else "no cluster exports this service",
    )
    return s


def summarize_endpoint_slice(obj: Obj) -> Summary | None:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    service, source = labels.get(SERVICE_NAME), labels.get(SOURCE_CLUSTER)
    if not service or not source:
        return None
    s = _meta(obj)
    endpoints = obj.get("endpoints") or []
    ready = sum(1 for e in endpoints if (e.get("conditions") or {}).get("ready") is not False
                for _ in e.get("addresses") or [None])
    total = sum(len(e.get("addresses") or [None]) for e in endpoints)
    s.update(
        service=service, source_cluster=source, ready=ready, desired=total,
        ports=[{k: p[k] for k in ("name", "protocol", "port") if p.get(k) is not None}
               for p in obj.get("ports") or []],
        addresses=sorted(a for e in endpoints if (e.get("conditions") or {}).get("ready") is not False
                         for a in e.get("addresses") or []),
        health=HEALTHY if ready else UNHEALTHY,
        message="" if ready else f"no ready endpoints from {source}",
    )
    return s
