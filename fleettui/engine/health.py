"""Health of one live object: (healthy, message), the way KubeVela's health policies
judge the kinds it knows (ref-objects.cue: a Deployment is healthy when every
replica is updated, ready and available for the current generation). The
workload kinds use the dashboard's own rollout rules (`config.objects`), so an
application's resource and the workloads pane never disagree.

Pure functions of the live object (plus, for a Service, its Endpoints).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fleettui.config.objects import (
    HEALTHY,
    Rollout,
    condition,
    condition_true,
    daemonset_rollout,
    deployment_rollout,
    pod_waiting_problem,
    statefulset_rollout,
    with_pod_problems,
)


def _rollout(r: Rollout, pods: Iterable[dict[str, Any]]) -> tuple[bool, str]:
    """The dashboard's rollout rule (`config.objects`) in KubeVela's `Ready:n/m` wording;
    `pods` (the workload's, when read) turn an ImagePullBackOff into the reason."""
    health, message = with_pod_problems(r.health, r.message, filter(None, map(pod_waiting_problem, pods)))
    msg = f"Ready:{r.ready}/{r.desired}"
    if health == HEALTHY:
        return True, msg
    _, _, detail = message.partition(" — ")
    if health != r.health:  # a pod problem: "degraded: ImagePullBackOff (progressing)"
        detail = f"{health}: {detail}"
    return False, f"{msg} ({detail})" if detail else msg


def deployment(obj: dict[str, Any], pods: Iterable[dict[str, Any]] = ()) -> tuple[bool, str]:
    return _rollout(deployment_rollout(obj), pods)


def statefulset(obj: dict[str, Any], pods: Iterable[dict[str, Any]] = ()) -> tuple[bool, str]:
    return _rollout(statefulset_rollout(obj), pods)


def daemonset(obj: dict[str, Any], pods: Iterable[dict[str, Any]] = ()) -> tuple[bool, str]:
    return _rollout(daemonset_rollout(obj), pods)


def job(obj: dict[str, Any]) -> tuple[bool, str]:
    failed = condition(obj, "Failed") or {}
    if failed.get("status") == "True":
        return False, f"Failed: {failed.get('message') or failed.get('reason') or ''}".rstrip(": ")
    if condition_true(obj, "Complete"):
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
        return statefulset(obj, pods)
    if kind == "DaemonSet":
        return daemonset(obj, pods)
    if kind == "Job":
        return job(obj)
    if kind == "Service":
        return service(obj, endpoints)
    if kind == "PersistentVolumeClaim":
        return pvc(obj)
    return True, ""
