"""Health of one live object: (healthy, message), the way KubeVela's health policies
judge the kinds it knows (ref-objects.cue: a Deployment is healthy when every
replica is updated, ready and available for the current generation).

Pure functions of the live object (plus, for a Service, its Endpoints).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fleettui.config.objects import (
    HEALTHY,
    deployment_rollout,
    pod_waiting_problem,
    with_pod_problems,
)


def _observed(obj: dict[str, Any]) -> bool:
    gen = (obj.get("metadata") or {}).get("generation")
    seen = (obj.get("status") or {}).get("observedGeneration")
    return gen is None or (seen is not None and seen >= gen)


def _condition(obj: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def deployment(obj: dict[str, Any], pods: Iterable[dict[str, Any]] = ()) -> tuple[bool, str]:
    """The same rule as the dashboard's (`config.objects`), with KubeVela's `Ready:n/m` wording;
    `pods` (the Deployment's, when read) turn an ImagePullBackOff into the reason."""
    r = deployment_rollout(obj)
    health, message = with_pod_problems(r.health, r.message, filter(None, map(pod_waiting_problem, pods)))
    msg = f"Ready:{r.ready}/{r.desired}"
    if health == HEALTHY:
        return True, msg
    _, _, detail = message.partition(" — ")
    if health != r.health:  # a pod problem: "degraded: ImagePullBackOff (progressing)"
        detail = f"{health}: {detail}"
    return False, f"{msg} ({detail})" if detail else msg


def statefulset(obj: dict[str, Any]) -> tuple[bool, str]:
    want = (obj.get("spec") or {}).get("replicas", 1)
    st = obj.get("status") or {}
    ready, updated = st.get("readyReplicas", 0), st.get("updatedReplicas", 0)
    rolled = st.get("updateRevision") in (None, st.get("currentRevision"))
    ok = _observed(obj) and ready == want and updated == want and rolled
    return ok, f"Ready:{ready}/{want}"


def daemonset(obj: dict[str, Any]) -> tuple[bool, str]:
    st = obj.get("status") or {}
    want = st.get("desiredNumberScheduled", 0)
    ready, updated = st.get("numberReady", 0), st.get("updatedNumberScheduled", 0)
    ok = _observed(obj) and ready == want and updated == want
    return ok, f"Ready:{ready}/{want}"


def job(obj: dict[str, Any]) -> tuple[bool, str]:
    failed = _condition(obj, "Failed")
    if failed and failed.get("status") == "True":
        return False, f"Failed: {failed.get('message') or failed.get('reason') or ''}".rstrip(": ")
    done = _condition(obj, "Complete")
    if done and done.get("status") == "True":
        return True, "Complete"
    st = obj.get("status") or {}
    return False, f"Running: {st.get('succeeded', 0)} succeeded, {st.get('active', 0)} active"


def service(obj: dict[str, Any], endpoints: dict[str, Any] | None) -> tuple[bool, str]:
    spec = obj.get("spec") or {}
    if spec.get("type") == "ExternalName" or not spec.get("selector"):
        return True, ""
    ready = sum(len(s.get("addresses") or []) for s in (endpoints or {}).get("subsets") or [])
    if spec.get("type") == "LoadBalancer" and not ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
        return False, f"Endpoints:{ready}, waiting for a load balancer"
    return (ready > 0), f"Endpoints:{ready}"


def pvc(obj: dict[str, Any]) -> tuple[bool, str]:
    phase = (obj.get("status") or {}).get("phase") or "Pending"
    return phase == "Bound", phase


def judge(obj: dict[str, Any] | None, *, endpoints: dict[str, Any] | None = None,
          pods: Iterable[dict[str, Any]] = ()) -> tuple[bool, str]:
    """Health of a live object; None (absent) is unhealthy."""
    if obj is None:
        return False, "not found"
    kind = obj.get("kind")
    if kind == "Deployment":
        return deployment(obj, pods)
    if kind == "StatefulSet":
        return statefulset(obj)
    if kind == "DaemonSet":
        return daemonset(obj)
    if kind == "Job":
        return job(obj)
    if kind == "Service":
        return service(obj, endpoints)
    if kind == "PersistentVolumeClaim":
        return pvc(obj)
    return True, ""
