"""Read queries: SQL rows → the frozen values of `models` (pure row mappers + SQL)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fleettui.store.models import (
    ClusterRow,
    EventRow,
    JoinRow,
    NamespaceRow,
    NodeRow,
    ObjectRow,
    PodRow,
    ServiceRow,
    WorkloadRow,
)

CLUSTER_COLUMNS = (
    "name, context, server, coalesce(provider, found_provider), coalesce(region, found_region),"
    " coalesce(zone, found_zone), version, nodes_ready, nodes_total, cpu_alloc_m, cpu_req_m,"
    " mem_alloc_b, mem_req_b, pods_running, pods_pending, pods_failed, health, reachable,"
    " latency_ms, last_seen, last_error, observed_at, source, registration, labels,"
    " workloads_total, workloads_unhealthy, warning_events, last_attempt, access, hub_state"
)


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def cluster_row(r: Sequence[Any]) -> ClusterRow:
    return ClusterRow(
        name=r[0],
        context=r[1],
        server=r[2],
        provider=r[3],
        region=r[4],
        zone=r[5],
        version=r[6],
        nodes_ready=r[7],
        nodes_total=r[8],
        cpu_alloc_m=r[9],
        cpu_req_m=r[10],
        mem_alloc_b=r[11],
        mem_req_b=r[12],
        pods_running=r[13],
        pods_pending=r[14],
        pods_failed=r[15],
        health=r[16],
        reachable=None if r[17] is None else bool(r[17]),
        latency_ms=r[18],
        last_seen=r[19],
        last_error=r[20],
        observed_at=r[21],
        source=r[22],
        registration=r[23],
        labels=_json(r[24]),
        workloads_total=r[25],
        workloads_unhealthy=r[26],
        warning_events=r[27],
        last_attempt=r[28],
        access=r[29],
        hub=_json(r[30]),
    )


# objects columns read by every mapper below, in this order
OBJECT_COLUMNS = (
    "cluster, kind, namespace, name, health, message, phase, ready, desired, cpu_m, mem_b,"
    " node, ts, data, observed_at"
)


def object_row(r: Sequence[Any]) -> ObjectRow:
    return ObjectRow(
        cluster=r[0],
        kind=r[1],
        namespace=r[2],
        name=r[3],
        health=r[4],
        message=r[5],
        phase=r[6],
        ready=r[7],
        desired=r[8],
        data=_json(r[13]),
        observed_at=r[14],
    )


def node_row(r: Sequence[Any]) -> NodeRow:
    d = _json(r[13])
    return NodeRow(
        cluster=r[0],
        name=r[3],
        ready=bool(r[7]),
        health=r[4],
        message=r[5],
        version=d.get("version"),
        roles=tuple(d.get("roles") or ()),
        zone=d.get("zone"),
        cpu_alloc_m=r[9],
        mem_alloc_b=r[10],
        cpu_req_m=int(d.get("cpu_req_m") or 0),
        mem_req_b=int(d.get("mem_req_b") or 0),
        pods=int(d.get("pods") or 0),
        unschedulable=bool(d.get("unschedulable")),
        observed_at=r[14],
    )


def workload_row(r: Sequence[Any]) -> WorkloadRow:
    d = _json(r[13])
    return WorkloadRow(
        cluster=r[0],
        kind=r[1],
        namespace=r[2],
        name=r[3],
        ready=r[7],
        desired=r[8],
        health=r[4],
        message=r[5],
        observed_at=r[14],
        images=tuple(d.get("images") or ()),
    )


def pod_row(r: Sequence[Any]) -> PodRow:
    d = _json(r[13])
    return PodRow(
        cluster=r[0],
        namespace=r[2],
        name=r[3],
        phase=r[6] or "Unknown",
        ready=r[7],
        containers=r[8],
        restarts=int(d.get("restarts") or 0),
        node=r[11],
        reason=d.get("reason"),
        health=r[4],
        observed_at=r[14],
    )


def service_row(r: Sequence[Any]) -> ServiceRow:
    d = _json(r[13])
    return ServiceRow(
        cluster=r[0],
        namespace=r[2],
        name=r[3],
        type=d.get("type") or "ClusterIP",
        cluster_ip=d.get("cluster_ip"),
        ports=tuple(d.get("ports") or ()),
        observed_at=r[14],
    )


def event_row(r: Sequence[Any]) -> EventRow:
    d = _json(r[13])
    return EventRow(
        cluster=r[0],
        namespace=r[2],
        name=r[3],
        type=d.get("type") or "Warning",
        reason=d.get("reason") or "",
        message=r[5],
        involved_kind=d.get("involved_kind") or "",
        involved_name=d.get("involved_name") or "",
        count=int(d.get("count") or 1),
        last_timestamp=r[12],
        observed_at=r[14],
    )


def namespace_row(r: Sequence[Any], workloads: int, unhealthy: int, pods: int, health: str) -> NamespaceRow:
    return NamespaceRow(
        cluster=r[0],
        name=r[3],
        phase=r[6] or "Active",
        health=health,
        workloads_total=workloads,
        workloads_unhealthy=unhealthy,
        pods=pods,
        observed_at=r[14],
    )


def join_row(r: Sequence[Any]) -> JoinRow | None:
    """(name, hub_state, observed_at) as a JoinRow, or None for an accepted cluster."""
    hub = _json(r[1])
    if not hub or hub.get("accepted", True):
        return None
    return JoinRow(r[0], str(hub.get("state") or "pending acceptance"),
                   tuple(c for c in hub.get("csrs") or () if isinstance(c, dict)), r[2])
