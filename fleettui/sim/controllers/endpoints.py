"""Services -> Endpoints and EndpointSlices, from the pods their selector picks.

Ready pods are `addresses` (slice condition ready=true), running-but-unready
ones `notReadyAddresses` (ready=false); pods without an IP are left out, as
the endpoints and endpointslice controllers do. A Service without a selector
is left alone (its endpoints are the user's), except that the EndpointSlice
mirroring controller publishes the user's Endpoints of such a Service as an
EndpointSlice (managed-by endpointslicemirroring-controller.k8s.io, owned by the
Endpoints, its labels copied; skipped when the Endpoints is labelled
endpointslice.kubernetes.io/skip-mirror=true). The Endpoints object has the
Service's name and no ownerReference (as in real clusters); the slice is owned
by the Service and labelled kubernetes.io/service-name. A terminating pod
(graceful deletion) leaves the Endpoints at once but stays in the slice with
terminating=true, ready=false, serving as its readiness, until it is gone.
"""

from __future__ import annotations

from typing import Any

from .objects import (
    deep,
    map_selector_matches,
    meta,
    owner_ref,
    pod_is_active,
    pod_is_ready,
    safe_hash,
)
from .runtime import ClusterRuntime

RESOURCE = "services"
SLICES = "endpointslices.discovery.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
MIRROR_CONTROLLER = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    svc = rt.cluster.get(RESOURCE, namespace, name)
    if svc is None or meta(svc).get("deletionTimestamp"):
        return
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return
    svc = _provision_load_balancer(rt, svc)
    spec = svc.get("spec") or {}
    if not spec.get("selector"):
        _mirror(rt, svc)
        return
    selected = [p for p in rt.cluster.list("pods", namespace)
                if map_selector_matches(spec["selector"], meta(p).get("labels"))
                and (p.get("status") or {}).get("podIP")
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    selected.sort(key=lambda p: p["status"]["podIP"])
    pods = [p for p in selected if pod_is_active(p)]
    _sync_endpoints(rt, svc, pods)
    # Slices keep terminating pods (terminating=true, never ready) until they are gone.
    _sync_slice(rt, svc, selected)


def _target_ref(pod: dict) -> dict:
    m = meta(pod)
    return {"kind": "Pod", "namespace": m.get("namespace"), "name": m["name"], "uid": m.get("uid")}


def _ports(svc: dict, pods: list[dict]) -> list[dict]:
    """Service ports resolved to container ports (named targetPorts looked up in the first pod)."""
    out = []
    for p in (svc.get("spec") or {}).get("ports") or []:
        target = p.get("targetPort", p.get("port"))
        if isinstance(target, str) and not target.isdigit():
            target = _named_port(pods, target)
            if target is None:
                continue
        port: dict[str, Any] = {"port": int(target), "protocol": p.get("protocol", "TCP")}
        if p.get("name"):
            port["name"] = p["name"]
        if p.get("appProtocol"):
            port["appProtocol"] = p["appProtocol"]
        out.append(port)
    return out


def _named_port(pods: list[dict], name: str) -> int | None:
    for pod in pods:
        for c in (pod.get("spec") or {}).get("containers") or []:
            for cp in c.get("ports") or []:
                if cp.get("name") == name:
                    return int(cp["containerPort"])
    return None


def _sync_endpoints(rt: ClusterRuntime, svc: dict, pods: list[dict]) -> None:
    m = meta(svc)
    ready, not_ready = [], []
    for pod in pods:
        addr = {"ip": pod["status"]["podIP"], "targetRef": _target_ref(pod)}
        if (pod.get("spec") or {}).get("nodeName"):
            addr["nodeName"] = pod["spec"]["nodeName"]
        (ready if pod_is_ready(pod) else not_ready).append(addr)
    ports = _ports(svc, pods)
    subsets = []
    if (ready or not_ready) and ports:
        subset: dict[str, Any] = {"ports": ports}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subsets.append(subset)
    labels = dict(m.get("labels") or {})
    current = rt.cluster.get("endpoints", m.get("namespace"), m["name"])
    if current is None:
        obj = {"apiVersion": "v1", "kind": "Endpoints",
               "metadata": {"name": m["name"], "namespace": m.get("namespace"), "labels": labels,
                            "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": rt.iso()}}}
        if subsets:
            obj["subsets"] = subsets
        rt.cluster.create("endpoints", obj)
        return
    if (current.get("subsets") or []) == subsets and (meta(current).get("labels") or {}) == labels:
        return
    obj = deep(current)
    obj["metadata"]["labels"] = labels
    obj["metadata"].setdefault("annotations", {})["endpoints.kubernetes.io/last-change-trigger-time"] = rt.iso()
    if subsets:
        obj["subsets"] = subsets
    else:
        obj.pop("subsets", None)
    rt.cluster.update("endpoints", obj)


def _sync_slice(rt: ClusterRuntime, svc: dict, pods: list[dict]) -> None:
    m = meta(svc)
    zones = {}
    endpoints = []
    for pod in pods:
        serving = pod_is_ready(pod)
        terminating = bool(meta(pod).get("deletionTimestamp"))
        ep: dict[str, Any] = {"addresses": [pod["status"]["podIP"]],
                              "conditions": {"ready": serving and not terminating, "serving": serving,
                                             "terminating": terminating},
                              "targetRef": _target_ref(pod)}
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name:
            ep["nodeName"] = node_name
            if node_name not in zones:
                node = rt.cluster.get("nodes", "", node_name) or {}
                zones[node_name] = (meta(node).get("labels") or {}).get("topology.kubernetes.io/zone")
            if zones[node_name]:
                ep["zone"] = zones[node_name]
        endpoints.append(ep)
    labels = dict(m.get("labels") or {})
    labels[SERVICE_NAME] = m["name"]
    labels[MANAGED_BY] = CONTROLLER
    body = {"addressType": "IPv4", "endpoints": endpoints, "ports": _ports(svc, pods)}
    slices = sorted(rt.owned(svc, SLICES), key=lambda s: meta(s)["name"])
    for extra in slices[1:]:
        rt.cluster.delete(SLICES, m.get("namespace"), meta(extra)["name"])
    if not slices:
        obj = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"generateName": f"{m['name']}-", "namespace": m.get("namespace"), "labels": labels,
                            "ownerReferences": [owner_ref(svc)]}, **body}
        rt.cluster.create(SLICES, obj)
        return
    current = slices[0]
    if all(current.get(k) == v for k, v in body.items()) and (meta(current).get("labels") or {}) == labels:
        return
    obj = deep(current)
    obj.update(deep(body))
    obj["metadata"]["labels"] = labels
    rt.cluster.update(SLICES, obj)


def _provision_load_balancer(rt: ClusterRuntime, svc: dict) -> dict:
    """Stand-in for the cloud controller: a LoadBalancer Service gets an ingress IP.

    (Cluster IPs and node ports are allocated by the storage layer at create:
    defaults.default_service.)
    """
    m = meta(svc)
    if (svc.get("spec") or {}).get("type") == "LoadBalancer" and not (
            (svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
        n = int(safe_hash(m.get("uid", ""), 4).encode().hex(), 16)
        rt.cluster.set_status(RESOURCE, m.get("namespace"), m["name"], {"loadBalancer": {"ingress": [
            {"ip": f"203.0.{113 + n % 2}.{n % 250 + 2}"}]}})
        svc = rt.cluster.get(RESOURCE, m.get("namespace"), m["name"]) or svc
    return svc


def _mirror(rt: ClusterRuntime, svc: dict) -> None:
    """One mirrored slice per Endpoints (real clusters split past 1000 addresses; a
    simulated fleet never has that many), kept equal to the Endpoints' subsets."""
    m = meta(svc)
    ep = rt.cluster.get("endpoints", m.get("namespace"), m["name"])
    if ep is None:
        return
    skip = (meta(ep).get("labels") or {}).get(SKIP_MIRROR) == "true"
    endpoints: list[dict[str, Any]] = []
    ports: list[dict[str, Any]] = []
    for subset in ep.get("subsets") or []:
        for key, ready in (("addresses", True), ("notReadyAddresses", False)):
            for a in subset.get(key) or []:
                e: dict[str, Any] = {"addresses": [a["ip"]],
                                     "conditions": {"ready": ready, "serving": ready, "terminating": False}}
                for field in ("hostname", "nodeName", "targetRef"):
                    if a.get(field):
                        e[field] = deep(a[field])
                endpoints.append(e)
        for p in subset.get("ports") or []:
            port = {"port": p["port"], "protocol": p.get("protocol", "TCP")}
            port |= {k: p[k] for k in ("name", "appProtocol") if p.get(k)}
            if port not in ports:
                ports.append(port)
    slices = sorted(rt.owned(ep, SLICES), key=lambda x: meta(x)["name"])
    for extra in slices[1 if not skip else 0:]:
        rt.cluster.delete(SLICES, m.get("namespace"), meta(extra)["name"])
    if skip:
        return
    labels = {k: v for k, v in (meta(ep).get("labels") or {}).items() if k != MANAGED_BY}
    labels |= {SERVICE_NAME: m["name"], MANAGED_BY: MIRROR_CONTROLLER}
    body = {"addressType": "IPv4", "endpoints": endpoints, "ports": ports}
    if not slices:
        rt.cluster.create(SLICES, {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                                   "metadata": {"generateName": f"{m['name']}-", "namespace": m.get("namespace"),
                                                "labels": labels, "ownerReferences": [owner_ref(ep)]}, **body})
        return
    current = slices[0]
    if all(current.get(k) == v for k, v in body.items()) and (meta(current).get("labels") or {}) == labels:
        return
    obj = deep(current)
    obj.update(deep(body))
    obj["metadata"]["labels"] = labels
    rt.cluster.update(SLICES, obj)
