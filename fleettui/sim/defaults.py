"""What the apiserver's create strategies set on new objects of particular kinds.

Status sent with a create is dropped for kinds with a status subresource (nodes keep
theirs: the kubelet registers with it); a namespace gets its `kubernetes` finalizer,
phase Active and the `kubernetes.io/metadata.name` label; a pod starts Pending with its
QoS class; a CRD is accepted and established at once.
"""

from __future__ import annotations

from typing import Any

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
