"""DaemonSet controller: one pod per eligible node, pinned by node affinity.

A node is eligible when it matches the template's nodeSelector and its taints
are tolerated, counting the tolerations the controller adds to every daemon
pod (not-ready/unreachable NoExecute, pressure and unschedulable NoSchedule).
A node that stops being eligible only for NoSchedule reasons keeps its
running pod (shouldContinueRunning). Rolling updates replace outdated pods
while at most maxUnavailable (default 1) are unavailable.
"""

from __future__ import annotations

from .objects import (
    deep,
    int_or_percent,
    meta,
    omit_zero,
    pod_is_active,
    pod_is_ready,
    pod_template_from,
    safe_hash,
)
from .replicasets import available_pods
from .runtime import ClusterRuntime
from .scheduler import node_taints, pinned_node, tolerates

RESOURCE = "daemonsets.apps"
REVISION_LABEL = "controller-revision-hash"
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def _tolerations(template: dict) -> list[dict]:
    own = list(((template.get("spec") or {}).get("tolerations")) or [])
    return own + [t for t in DAEMON_TOLERATIONS if t not in own]


def _placement(node: dict, template: dict) -> tuple[bool, bool]:
    """(shouldRun, shouldContinueRunning) for this node."""
    labels = meta(node).get("labels") or {}
    selector = (template.get("spec") or {}).get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False, False
    tolerations = _tolerations(template)
    run = keep = True
    for taint in node_taints(node):
        if tolerates(tolerations, taint):
            continue
        if taint.get("effect") == "NoExecute":
            return False, False
        if taint.get("effect") == "NoSchedule":
            run = False
    return run, keep


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    ds = rt.cluster.get(RESOURCE, namespace, name)
    if ds is None or meta(ds).get("deletionTimestamp"):
        return
    spec = ds.get("spec") or {}
    template = spec.get("template") or {}
    revision = safe_hash(template)
    generation = meta(ds).get("generation", 1)
    by_node: dict[str, list[dict]] = {}
    for pod in rt.owned(ds, "pods"):
        if pod_is_active(pod):
            node = (pod.get("spec") or {}).get("nodeName") or pinned_node(pod.get("spec") or {}) or ""
            by_node.setdefault(node, []).append(pod)

    born = rt.initial_child_time(ds, first=not by_node)
    desired = scheduled = misscheduled = 0
    pods: list[dict] = []
    for node in rt.cluster.list("nodes"):
        node_name = meta(node)["name"]
        run, keep = _placement(node, template)
        here = by_node.pop(node_name, [])
        if run or (keep and here):
            desired += 1
            if here:
                scheduled += 1
                pods.append(here[0])
                for extra in here[1:]:
                    rt.cluster.delete("pods", namespace, meta(extra)["name"])
            elif run:
                pods.append(_create_pod(rt, ds, node_name, revision, generation, born))
        else:
            misscheduled += len(here)
            for pod in here:
                rt.cluster.delete("pods", namespace, meta(pod)["name"])
    for leftover in by_node.values():  # pods for nodes that no longer exist
        for pod in leftover:
            rt.cluster.delete("pods", namespace, meta(pod)["name"])

    available = available_pods(rt, pods, int(spec.get("minReadySeconds") or 0), (RESOURCE, namespace, name))
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        max_unavailable = int_or_percent((strategy.get("rollingUpdate") or {}).get("maxUnavailable"), desired,
                                         round_up=False, default="1") or 1
        budget = max_unavailable - (desired - available)
        for pod in pods:
            if budget <= 0:
                break
            if (meta(pod).get("labels") or {}).get(REVISION_LABEL) != revision:
                rt.cluster.delete("pods", namespace, meta(pod)["name"])
                budget -= 1

    live = [p for p in pods if rt.cluster.get("pods", namespace, meta(p)["name"]) is not None]
    status = {
        "currentNumberScheduled": scheduled,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": sum(1 for p in live if pod_is_ready(p)),
        "observedGeneration": generation,
        "updatedNumberScheduled": sum(1 for p in live if (meta(p).get("labels") or {}).get(REVISION_LABEL) == revision),
        "numberAvailable": available,
        "numberUnavailable": max(desired - available, 0),
    }
    omit_zero(status, "updatedNumberScheduled", "numberAvailable", "numberUnavailable")
    rt.cluster.set_status(RESOURCE, namespace, name, status)


def _create_pod(rt: ClusterRuntime, ds: dict, node_name: str, revision: str, generation: int,
                born: str | None) -> dict:
    m = meta(ds)
    template = deep((ds.get("spec") or {}).get("template") or {})
    pod = pod_template_from(template, namespace=m.get("namespace", ""), owner=ds,
                            extra_labels={REVISION_LABEL: revision, "pod-template-generation": str(generation)})
    pod["metadata"]["generateName"] = f"{m['name']}-"
    pod["spec"]["tolerations"] = _tolerations(template)
    pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}}}
    return rt.cluster.create("pods", pod, creation_timestamp=born)
