"""What the apiserver's create strategies set on new objects of particular kinds.

Status sent with a create is dropped for kinds with a status subresource (nodes keep
theirs: the kubelet registers with it); a namespace gets its `kubernetes` finalizer,
phase Active and the `kubernetes.io/metadata.name` label; a pod starts Pending with its
QoS class; a Secret without a type is Opaque; a CRD is accepted and established at once; a Service gets its defaults, a
cluster IP and node ports (`default_service`, which needs the cluster's other Services).
"""

from __future__ import annotations

from typing import Any

from fleettui.sim import errors
from fleettui.sim.resources import CRD_KEY, ResourceType


def clone(value: Any) -> Any:
    """Deep copy of JSON-shaped data; much faster than copy.deepcopy."""
    t = type(value)
    if t is dict:
        return {k: clone(v) for k, v in value.items()}
    if t is list:
        return [clone(v) for v in value]
    return value


def prepare_create(rt: ResourceType, obj: dict[str, Any], now: str) -> None:
    if rt.status and not rt.keep_status_on_create:
        obj.pop("status", None)
    if rt.key == "namespaces":
        obj.setdefault("spec", {})["finalizers"] = ["kubernetes"]
        obj["status"] = {"phase": "Active"}
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif rt.key == "pods":
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}
    elif rt.key == CRD_KEY:
        obj["status"] = crd_status(obj, now)
    elif rt.key == "services":
        obj["status"] = {"loadBalancer": {}}  # the cloud controller fills a LoadBalancer's in
    elif rt.key == "secrets" and not obj.get("type"):
        obj["type"] = "Opaque"  # the apiserver's defaulting (kubectl create secret generic sends none)


def qos_class(pod: dict[str, Any]) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    reqs = [(c.get("resources") or {}) for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in reqs):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get(k) and (r.get("requests") or r.get("limits") or {}).get(k)
        == (r.get("limits") or {}).get(k)
        for r in reqs for k in ("cpu", "memory")
    )
    return "Guaranteed" if guaranteed else "Burstable"


def crd_status(crd: dict[str, Any], now: str) -> dict[str, Any]:
    names = (crd.get("spec") or {}).get("names") or {}
    stored = [v.get("name") for v in (crd.get("spec") or {}).get("versions") or [] if v.get("storage")]
    return {
        "acceptedNames": clone(names),
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now,
             "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": now,
             "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ],
        "storedVersions": stored,
    }


# ------------------------------------------------------------------ services
#
# The apiserver's Service REST storage defaults a Service and allocates its cluster IP
# (from the service CIDR) and node ports (30000-32767) as part of the create; the
# values are unique per cluster. The CIDR is the /16 holding the `default/kubernetes`
# Service's IP (the first address of the range, as the apiserver itself allocates it).

NODE_PORTS = range(30000, 32768)
_DEFAULT_CIDR_PREFIX = "10.96"
_NEEDS_NODE_PORTS = ("NodePort", "LoadBalancer")


class ServiceAllocations:
    """The cluster IPs and node ports the other Services of a cluster hold."""

    def __init__(self, services: list[dict[str, Any]], *, exclude: tuple[str, str] | None = None) -> None:
        self.ips: set[str] = set()
        self.node_ports: set[int] = set()
        self.prefix: str | None = None  # unknown until default/kubernetes exists: any range goes
        for s in services:
            m = s.get("metadata") or {}
            if (m.get("namespace"), m.get("name")) == ("default", "kubernetes"):
                ip = (s.get("spec") or {}).get("clusterIP") or ""
                if ip.count(".") == 3:
                    self.prefix = ".".join(ip.split(".")[:2])
            if (m.get("namespace"), m.get("name")) == exclude:
                continue
            spec = s.get("spec") or {}
            self.ips.update(ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip and ip != "None")
            self.node_ports.update(p["nodePort"] for p in spec.get("ports") or [] if p.get("nodePort"))
            if spec.get("healthCheckNodePort"):
                self.node_ports.add(spec["healthCheckNodePort"])

    @property
    def cidr(self) -> str:
        return f"{self.prefix or _DEFAULT_CIDR_PREFIX}.0.0/16"

    def in_range(self, ip: str) -> bool:
        parts = ip.split(".")
        if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
            return False
        return self.prefix is None or (".".join(parts[:2]) == self.prefix
                                       and parts[2:] not in (["0", "0"], ["255", "255"]))

    def new_ip(self, rng: Any) -> str:
        prefix = self.prefix or _DEFAULT_CIDR_PREFIX
        for _ in range(1000):  # random, as the apiserver's allocator; the range is far from full
            ip = f"{prefix}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if ip not in self.ips and ip != f"{prefix}.0.1":
                self.ips.add(ip)
                return ip
        raise errors.ApiError(500, "InternalError", f"failed to allocate a serviceIP: range is full ({self.cidr})")

    def new_node_port(self, rng: Any) -> int:
        for _ in range(1000):
            port = rng.randrange(NODE_PORTS.start, NODE_PORTS.stop)
            if port not in self.node_ports:
                self.node_ports.add(port)
                return port
        raise errors.ApiError(500, "InternalError", "failed to allocate a nodePort: range is full")


def default_service(svc: dict[str, Any], old: dict[str, Any] | None, alloc: ServiceAllocations, rng: Any) -> None:
    """Defaults and allocations of a Service being created (old None) or updated, in place.

    An update keeps the allocated values it omits (as `kubectl apply` of a manifest
    without clusterIP expects), may not change the cluster IP, and gives back node
    ports it no longer needs when the type changes. Duplicates and out-of-range
    requests are 422 with the apiserver's messages.
    """
    name = (svc.get("metadata") or {}).get("name") or ""
    spec = svc.setdefault("spec", {})
    if not isinstance(spec, dict):
        return  # validation reports the shape
    old_spec = (old or {}).get("spec") or {}
    type_ = spec.setdefault("type", "ClusterIP")
    old_type = old_spec.get("type", "ClusterIP") if old else None
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    causes: list[tuple[str, str, str]] = []

    if type_ == "ExternalName":
        for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if old_type not in (None, "ExternalName") and spec.get(k) == old_spec.get(k):
                spec.pop(k, None)  # released when switching to ExternalName
    else:
        if old is not None and old_type != "ExternalName":
            for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                if not spec.get(k) and old_spec.get(k):
                    spec[k] = clone(old_spec[k])
        ip = spec.get("clusterIP") or ((spec.get("clusterIPs") or [None])[0])
        old_ip = old_spec.get("clusterIP") if old is not None and old_type != "ExternalName" else None
        if old_ip and ip != old_ip:
            causes.append(("FieldValueInvalid", "spec.clusterIPs[0]",
                           f'Invalid value: []string{{"{ip}"}}: may not change once set'))
        elif not ip:
            ip = alloc.new_ip(rng)
        elif ip != "None" and ip != old_ip:
            if not alloc.in_range(ip):
                causes.append(("FieldValueInvalid", "spec.clusterIPs", f'Invalid value: []string{{"{ip}"}}: '
                               f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. "
                               f"The range of valid IPs is {alloc.cidr}"))
            elif ip in alloc.ips:
                causes.append(("FieldValueInvalid", "spec.clusterIPs", f'Invalid value: []string{{"{ip}"}}: '
                               f"failed to allocate IP {ip}: provided IP is already allocated"))
            alloc.ips.add(ip)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        spec.setdefault("ipFamilies", ["IPv4"])
        # A headless Service without a selector may take any family the cluster has.
        spec.setdefault("ipFamilyPolicy",
                        "RequireDualStack" if ip == "None" and not spec.get("selector") else "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("sessionAffinity", "None")

    old_node_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                      for p in old_spec.get("ports") or [] if isinstance(p, dict)}
    for i, p in enumerate(ports):
        p.setdefault("protocol", "TCP")
        if p.get("targetPort") in (None, 0, "") and isinstance(p.get("port"), int):
            p["targetPort"] = p["port"]
        previous = old_node_ports.get((p.get("port"), p["protocol"]))
        if type_ in _NEEDS_NODE_PORTS:
            if not p.get("nodePort") and previous:
                p["nodePort"] = previous
            elif not p.get("nodePort"):
                p["nodePort"] = alloc.new_node_port(rng)
            elif p["nodePort"] != previous:
                causes.extend(_claim_node_port(alloc, p["nodePort"], f"spec.ports[{i}].nodePort"))
        elif old_type in _NEEDS_NODE_PORTS and p.get("nodePort") == previous:
            p.pop("nodePort", None)  # given back when the type no longer uses node ports
    if type_ in _NEEDS_NODE_PORTS:
        spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["externalTrafficPolicy"] == "Local" and type_ == "LoadBalancer":
            if not spec.get("healthCheckNodePort"):
                spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort") or alloc.new_node_port(rng)
            elif spec["healthCheckNodePort"] != old_spec.get("healthCheckNodePort"):
                causes.extend(_claim_node_port(alloc, spec["healthCheckNodePort"], "spec.healthCheckNodePort"))
    if type_ == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if causes:
        raise errors.invalid("Service", "", name, causes)


def _claim_node_port(alloc: ServiceAllocations, port: Any, field: str) -> list[tuple[str, str, str]]:
    if not isinstance(port, int) or port not in NODE_PORTS:
        return [("FieldValueInvalid", field, f"Invalid value: {port}: provided port is not in the valid range. "
                 f"The range of valid ports is {NODE_PORTS.start}-{NODE_PORTS.stop - 1}")]
    if port in alloc.node_ports:
        return [("FieldValueInvalid", field, f"Invalid value: {port}: provided port is already allocated")]
    alloc.node_ports.add(port)
    return []
