"""Pods: unbound ones go to the scheduler, bound ones to their node's kubelet.

A pod whose node is gone is deleted (what the pod garbage collector does); a
pod on a node whose kubelet stopped keeps its last status but loses Ready once
the node is marked Unknown, and is evicted five minutes after the node was
tainted unreachable (its controller then replaces it elsewhere).
"""

from __future__ import annotations

from . import kubelet, scheduler
from .nodes import kubelet_stopped
from .objects import find_condition, meta, pod_is_active
from .runtime import ClusterRuntime, parse_time

RESOURCE = "pods"
DEFAULT_TOLERATED = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
DEFAULT_TOLERATION_SECONDS = 300.0


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    pod = rt.cluster.get(RESOURCE, namespace, name)
    if pod is not None and meta(pod).get("deletionGracePeriodSeconds"):
        _terminate(rt, pod)
        return
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
    if _evict_for_taints(rt, pod, node):
        return
    if kubelet_stopped(node):
        ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
        if ready is not None and ready.get("status") == "Unknown":
            kubelet.mark_not_ready(rt, pod)
        return
    kubelet.sync(rt, pod, node)


def _terminate(rt: ClusterRuntime, pod: dict) -> None:
    """A gracefully deleted pod: its kubelet stops the containers (not Ready at once) and
    removes the pod when the grace period is over. On a node whose kubelet stopped it
    stays Terminating, as in a real cluster; on a node that is gone it goes at once."""
    m = meta(pod)
    node = rt.cluster.get("nodes", "", (pod.get("spec") or {}).get("nodeName") or "")
    if node is not None and kubelet_stopped(node):
        return
    deadline = parse_time(m.get("deletionTimestamp"))
    if node is not None and deadline is not None and rt.now() < deadline:
        kubelet.stop_containers(rt, pod)
        rt.at(deadline, RESOURCE, (m.get("namespace", ""), m["name"]))
        return
    rt.cluster.delete(RESOURCE, m.get("namespace"), m["name"], grace_period_seconds=0)


def _evict_for_taints(rt: ClusterRuntime, pod: dict, node: dict) -> bool:
    """The taint eviction controller: NoExecute taints a pod does not tolerate evict it.

    Pods without their own toleration for not-ready/unreachable get the 300 s one the
    DefaultTolerationSeconds admission plugin adds, so a NotReady node is drained after
    five minutes (DaemonSet pods tolerate it forever)."""
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    m = meta(pod)
    evict_at: float | None = None
    for taint in (node.get("spec") or {}).get("taints") or ():
        if taint.get("effect") != "NoExecute":
            continue
        match = [t for t in tolerations if scheduler.tolerates([t], taint)]
        if match:
            seconds = [t.get("tolerationSeconds") for t in match]
            if any(sec is None for sec in seconds):
                continue
            grace = float(max(seconds))
        elif taint.get("key") in DEFAULT_TOLERATED:
            grace = DEFAULT_TOLERATION_SECONDS
        else:
            grace = 0.0
        since = parse_time(taint.get("timeAdded")) or rt.now()
        at = since + grace
        evict_at = at if evict_at is None else min(evict_at, at)
    if evict_at is None:
        return False
    if rt.now() < evict_at:
        rt.at(evict_at, RESOURCE, (m.get("namespace", ""), m["name"]))
        return False
    rt.event(pod, "TaintManagerEviction", f"Marking for deletion Pod {m.get('namespace')}/{m['name']}",
             type="Normal", component="taint-eviction-controller")
    rt.cluster.delete(RESOURCE, m.get("namespace"), m["name"])
    return True
