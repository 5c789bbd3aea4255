"""Pods: unbound ones go to the scheduler, bound ones to their node's kubelet.

A pod whose node is gone is deleted (what the pod garbage collector does); a
pod on a node whose kubelet stopped keeps its last status but loses Ready once
the node is marked Unknown.
"""

from __future__ import annotations

from . import kubelet, scheduler
from .nodes import kubelet_stopped
from .objects import find_condition, meta, pod_is_active
from .runtime import ClusterRuntime

RESOURCE = "pods"


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    pod = rt.cluster.get(RESOURCE, namespace, name)
    if pod is None or not pod_is_active(pod):
        return
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        scheduler.schedule(rt, pod)
        return
    node = rt.cluster.get("nodes", "", node_name)
    if node is None:
        rt.cluster.delete(RESOURCE, namespace, name)
        return
    if kubelet_stopped(node):
        ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
        if ready is not None and ready.get("status") == "Unknown":
            kubelet.mark_not_ready(rt, pod)
        return
    kubelet.sync(rt, pod, node)


def pod_key(pod: dict) -> tuple[str, str]:
    return (meta(pod).get("namespace", ""), meta(pod)["name"])
