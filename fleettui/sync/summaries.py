"""One pure function per kind: a Kubernetes object → the summary the store keeps.

The store keeps summaries, never whole objects: what the panes show and the
roll-ups need, nothing else (so Secret data and ConfigMap values can never
land in the cache). Keys with their own store column: namespace, name, uid,
resource_version, health, message, phase, ready, desired, cpu_m, mem_b, node,
ts; any other key is kept as JSON. A function returns None for an object that
is not kept (a Normal event).

Health words: healthy, progressing, degraded (working, but not fully),
unhealthy (not working), unknown. The rules follow the status fields and
condition reasons the controllers set, as `kubectl rollout status` reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from fleettui.config.objects import (
    BAD_WAITING,
    Rollout,
    conditions,
    daemonset_rollout,
    deployment_rollout,
    first_label,
    pod_waiting_problem,
    pod_workload,
    statefulset_rollout,
)
from fleettui.config.quantity import cpu_millis, memory_bytes, quantity_number
from fleettui.config.scheduling import GPU_RESOURCE
from fleettui.store.rollup_health import DEGRADED, HEALTHY, PROGRESSING, UNHEALTHY, UNKNOWN

Summary = dict[str, Any]
Obj = Mapping[str, Any]

REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
PROVIDER_LABEL = "fleettui.io/provider"
ROLE_PREFIX = "node-role.kubernetes.io/"
APP_LABEL = "app.oam.dev/name"  # KubeVela's label on every object an Application places


def parse_time(value: str | None) -> float | None:
    """RFC 3339 (as the API server writes it) → UTC epoch seconds."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _meta(obj: Obj) -> Summary:
    md = obj.get("metadata") or {}
    return {
        "namespace": md.get("namespace") or "",
        "name": md.get("name") or "",
        "uid": md.get("uid"),
        "resource_version": md.get("resourceVersion"),
    }


def summarize_node(obj: Obj) -> Summary:
    s = _meta(obj)
    md = obj.get("metadata") or {}
    labels = md.get("labels") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conds = conditions(obj)
    ready_cond = conds.get("Ready") or {}
    ready = ready_cond.get("status") == "True"
    pressures = [t for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
                 if (conds.get(t) or {}).get("status") == "True"]
    unschedulable = bool(spec.get("unschedulable"))
    if not ready_cond:
        health, message = UNKNOWN, "no Ready condition"
    elif not ready:
        health = UNHEALTHY
        message = ready_cond.get("reason") or ("NodeStatusUnknown" if ready_cond.get("status") == "Unknown"
                                               else "NotReady")
        if ready_cond.get("message"):
            message += f": {ready_cond['message']}"
    elif pressures:
        health, message = DEGRADED, ", ".join(pressures)
    elif unschedulable:
        health, message = DEGRADED, "SchedulingDisabled"
    else:
        health, message = HEALTHY, ""
    alloc = status.get("allocatable") or status.get("capacity") or {}
    info = status.get("nodeInfo") or {}
    s.update(
        namespace="",
        health=health,
        message=message,
        phase="Ready" if ready else "NotReady",
        ready=1 if ready else 0,
        desired=1,
        cpu_m=cpu_millis(alloc.get("cpu")),
        mem_b=memory_bytes(alloc.get("memory")),
        version=info.get("kubeletVersion"),
        roles=sorted(k[len(ROLE_PREFIX):] for k in labels if k.startswith(ROLE_PREFIX)) or None,
        region=first_label(labels, REGION_LABELS),
        zone=first_label(labels, ZONE_LABELS),
        provider=labels.get(PROVIDER_LABEL),
        unschedulable=unschedulable or None,
        pods_capacity=int(alloc.get("pods") or 0) or None,
        taints=len(spec.get("taints") or []) or None,
        # what a failover's fit check matches a pod template against (nodeSelector, tolerations)
        labels=dict(labels) or None,
        taint_list=[{k: t[k] for k in ("key", "value", "effect") if t.get(k)}
                    for t in spec.get("taints") or []] or None,
        # the extended resource capacity-aware placement counts (a Job asking for GPUs)
        gpu=int(quantity_number(alloc.get(GPU_RESOURCE))) or None,
    )
    return s


def summarize_namespace(obj: Obj) -> Summary:
    s = _meta(obj)
    phase = (obj.get("status") or {}).get("phase") or "Active"
    s.update(namespace="", phase=phase, health=PROGRESSING if phase == "Terminating" else HEALTHY,
             message="Terminating" if phase == "Terminating" else "")
    return s


def _images(obj: Obj) -> list[str]:
    containers = ((((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []
    return [c.get("image") for c in containers if c.get("image")]


def _template(obj: Obj) -> Summary:
    """What the scheduler needs of one replica: its requests, nodeSelector and
    tolerations (a DR what-if places lost replicas with them, from the cache)."""
    spec = (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}
    cpu_m, mem_b = _pod_requests(spec)
    tolerations = [{k: t[k] for k in ("key", "operator", "value", "effect") if t.get(k)}
                   for t in spec.get("tolerations") or []]
    return {"pod_cpu_m": cpu_m or None, "pod_mem_b": mem_b or None,
            "node_selector": dict(spec.get("nodeSelector") or {}) or None,
            "tolerations": tolerations or None}


def _app(obj: Obj) -> str | None:
    """The KubeVela application that placed this object (cost and usage by application)."""
    return ((obj.get("metadata") or {}).get("labels") or {}).get(APP_LABEL)


def _workload(obj: Obj, s: Summary) -> Summary:
    s["app"] = _app(obj)
    return _with_rollout(s)


def _with_rollout(s: Summary) -> Summary:
    """Keep the workload's own verdict beside the row's health: the store's roll-up
    re-judges the row with its pods' waiting reasons (`config.objects.with_pod_problems`)."""
    s["rollout"], s["rollout_message"] = s["health"], s["message"]
    return s


def summarize_deployment(obj: Obj) -> Summary:
    s = _meta(obj)
    r = deployment_rollout(obj)
    s.update(ready=r.ready, desired=r.desired, health=r.health, message=r.message,
             images=_images(obj) or None, updated=r.updated, available=r.available, **_template(obj))
    return _workload(obj, s)


def summarize_statefulset(obj: Obj) -> Summary:
    s = _summarize_rollout(obj, statefulset_rollout(obj))
    s.update(_template(obj))  # what a DR what-if needs to re-place a lost replica
    return s


def summarize_daemonset(obj: Obj) -> Summary:
    return _summarize_rollout(obj, daemonset_rollout(obj))


def _summarize_rollout(obj: Obj, r: Rollout) -> Summary:
    s = _meta(obj)
    s.update(ready=r.ready, desired=r.desired, health=r.health, message=r.message, images=_images(obj) or None)
    return _workload(obj, s)


def _pod_requests(spec: Mapping[str, Any]) -> tuple[int, int]:
    """Effective requests as the scheduler counts them: the larger of the sum over
    containers and the largest init container, plus pod overhead."""
    def req(c: Mapping[str, Any]) -> tuple[int, int]:
        r = (c.get("resources") or {}).get("requests") or {}
        return cpu_millis(r.get("cpu")), memory_bytes(r.get("memory"))

    cpu = mem = 0
    for c in spec.get("containers") or []:
        a, b = req(c)
        cpu, mem = cpu + a, mem + b
    for c in spec.get("initContainers") or []:
        a, b = req(c)
        cpu, mem = max(cpu, a), max(mem, b)
    overhead = spec.get("overhead") or {}
    return cpu + cpu_millis(overhead.get("cpu")), mem + memory_bytes(overhead.get("memory"))


def _pod_gpus(spec: Mapping[str, Any]) -> int:
    """GPUs the pod holds: an extended resource's request equals its limit, and a
    limit alone sets the request (core/v1 defaulting)."""
    def gpus(c: Mapping[str, Any]) -> int:
        res = c.get("resources") or {}
        value = (res.get("requests") or {}).get(GPU_RESOURCE, (res.get("limits") or {}).get(GPU_RESOURCE))
        return int(quantity_number(value))

    main = sum(gpus(c) for c in spec.get("containers") or [])
    return max([main, *(gpus(c) for c in spec.get("initContainers") or [])])


def summarize_pod(obj: Obj) -> Summary:
    s = _meta(obj)
    md = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    phase = status.get("phase") or "Pending"
    statuses = status.get("containerStatuses") or []
    containers = len(spec.get("containers") or []) or len(statuses)
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    reason = status.get("reason")
    bad = False
    for c in (status.get("initContainerStatuses") or []) + statuses:
        state = c.get("state") or {}
        waiting = state.get("waiting") or {}
        terminated = state.get("terminated") or {}
        if waiting.get("reason") and waiting["reason"] != "ContainerCreating":
            reason = reason or waiting["reason"]
            bad = bad or waiting["reason"] in BAD_WAITING
        elif terminated.get("reason") and phase not in ("Succeeded",) and terminated["reason"] != "Completed":
            reason = reason or terminated["reason"]
    if md.get("deletionTimestamp"):
        health, reason = PROGRESSING, "Terminating"
    elif phase == "Succeeded":
        health = HEALTHY
    elif phase == "Failed":
        health = UNHEALTHY
    elif bad:
        health = UNHEALTHY
    elif phase == "Running":
        health = HEALTHY if ready == containers else PROGRESSING
    elif phase == "Pending":
        health = PROGRESSING
    else:
        health = UNKNOWN
    owners = md.get("ownerReferences") or []
    owner = next((o for o in owners if o.get("controller")), owners[0] if owners else None)
    cpu_m, mem_b = _pod_requests(spec)
    s.update(
        phase=phase,
        ready=ready,
        desired=containers,
        restarts=restarts,
        node=spec.get("nodeName"),
        reason=reason,
        health=health,
        message=reason or "",
        cpu_m=cpu_m,
        mem_b=mem_b,
        owner=f"{owner.get('kind')}/{owner.get('name')}" if owner else None,
        workload=pod_workload(obj),
        problem=pod_waiting_problem(obj),
        # matched against Service selectors: ready pods are a Service's endpoints
        labels=dict(md.get("labels") or {}) or None,
        app=(md.get("labels") or {}).get(APP_LABEL),
        gpu=_pod_gpus(spec) or None,
    )
    return s


def summarize_service(obj: Obj) -> Summary:
    s = _meta(obj)
    spec = obj.get("spec") or {}
    svc_type = spec.get("type") or "ClusterIP"
    ports = []
    for p in spec.get("ports") or []:
        text = str(p.get("port"))
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        ports.append(f"{text}/{p.get('protocol') or 'TCP'}")
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if svc_type == "LoadBalancer" and not ingress:
        health, message = PROGRESSING, "waiting for a load balancer address"
    else:
        health, message = HEALTHY, ""
    s.update(
        type=svc_type,
        cluster_ip=spec.get("clusterIP"),
        ports=ports or None,
        external=[i.get("ip") or i.get("hostname") for i in ingress] or None,
        selector=dict(spec.get("selector") or {}) or None,
        health=health,
        message=message,
        # what a multi-cluster export merges (KEP-1645), so conflicts can be computed from the cache
        port_specs=[{k: p[k] for k in ("name", "protocol", "port", "appProtocol") if p.get(k) is not None}
                    for p in spec.get("ports") or []] or None,
        session_affinity=spec.get("sessionAffinity") or "None",
        session_affinity_config=spec.get("sessionAffinityConfig"),
        internal_traffic_policy=spec.get("internalTrafficPolicy") or "Cluster",
        ip_families=list(spec.get("ipFamilies") or []) or None,
        traffic_distribution=spec.get("trafficDistribution"),
    )
    return s


def summarize_event(obj: Obj) -> Summary | None:
    """Warning events only: they are what the operator needs to see; Normal events
    are most of the volume and none of the signal."""
    if obj.get("type") != "Warning":
        return None
    s = _meta(obj)
    md = obj.get("metadata") or {}
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    series = obj.get("series") or {}
    ts = (
        parse_time(series.get("lastObservedTime"))
        or parse_time(obj.get("lastTimestamp"))
        or parse_time(obj.get("eventTime"))
        or parse_time(obj.get("firstTimestamp"))
        or parse_time(md.get("creationTimestamp"))
    )
    s.update(
        type="Warning",
        reason=obj.get("reason") or "",
        message=(obj.get("message") or obj.get("note") or "").strip(),
        involved_kind=involved.get("kind"),
        involved_name=involved.get("name"),
        count=int(series.get("count") or obj.get("count") or 1),
        ts=ts,
        health=UNHEALTHY,
    )
    return s


def summarize_metadata(obj: Obj) -> Summary:
    """Name, namespace and labels only: the shape for kinds whose contents are
    private (Secret, ConfigMap). Key *names* are counted, values never read."""
    s = _meta(obj)
    md = obj.get("metadata") or {}
    s.update(
        kind_type=obj.get("type"),
        keys=len(obj.get("data") or {}) + len(obj.get("stringData") or {}) + len(obj.get("binaryData") or {}),
        labels=dict(md.get("labels") or {}) or None,
        health=HEALTHY,
    )
    return s


SUMMARIZERS: dict[str, Callable[[Obj], Summary | None]] = {
    "Node": summarize_node,
    "Namespace": summarize_namespace,
    "Deployment": summarize_deployment,
    "StatefulSet": summarize_statefulset,
    "DaemonSet": summarize_daemonset,
    "Pod": summarize_pod,
    "Service": summarize_service,
    "Event": summarize_event,
    "Secret": summarize_metadata,
    "ConfigMap": summarize_metadata,
}


def summarize(kind: str, obj: Obj) -> Summary | None:
    """The summary of `obj` for the store (metadata only for kinds without a summarizer)."""
    return SUMMARIZERS.get(kind, summarize_metadata)(obj)
