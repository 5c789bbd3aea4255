"""ReplicaSet controller: keep spec.replicas active pods, report their readiness.

Pods are found through the ownerReference index (what `ControllerRef` means),
created from the template with generateName `<rs>-`, and on scale-down the
least useful go first (unscheduled, then pending, then not ready, then the
youngest), as controller.ActivePods sorts them.
"""

from __future__ import annotations

from .objects import (
    meta,
    omit_zero,
    pod_is_active,
    pod_is_ready,
    pod_ready_since,
    pod_template_from,
    selector_matches,
)
from .runtime import ClusterRuntime, parse_time

RESOURCE = "replicasets.apps"
COMPONENT = "replicaset-controller"
BURST = 500  # as the real controller: at most burstReplicas pod creations/deletions per sync


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    rs = rt.cluster.get(RESOURCE, namespace, name)
    if rs is None or meta(rs).get("deletionTimestamp"):
        return
    spec = rs.get("spec") or {}
    want = int(spec.get("replicas", 1) or 0)
    owned = rt.owned(rs, "pods")
    pods = [p for p in owned if pod_is_active(p)]
    diff = want - len(pods)
    if diff > 0:
        born = rt.initial_child_time(rs, first=not owned)
        for _ in range(min(diff, BURST)):
            pod = pod_template_from(spec.get("template") or {}, namespace=namespace, owner=rs)
            pod["metadata"]["generateName"] = f"{name}-"
            created = rt.cluster.create("pods", pod, creation_timestamp=born)
            pods.append(created)
            rt.event(rs, "SuccessfulCreate", f"Created pod: {meta(created)['name']}", type="Normal",
                     component=COMPONENT)
    elif diff < 0:
        for pod in sorted(pods, key=_deletion_rank)[: min(-diff, BURST)]:
            rt.cluster.delete("pods", namespace, meta(pod)["name"])
            pods.remove(pod)
            rt.event(rs, "SuccessfulDelete", f"Deleted pod: {meta(pod)['name']}", type="Normal",
                     component=COMPONENT)
    update_status(rt, rs, pods)


def available_pods(rt: ClusterRuntime, pods: list[dict], min_ready: int, requeue: tuple[str, str, str]) -> int:
    """Ready for at least minReadySeconds; schedules a re-check for those not there yet."""
    now = rt.now()
    count = 0
    for p in pods:
        since = parse_time(pod_ready_since(p))
        if since is None:
            continue
        if min_ready <= 0 or since + min_ready <= now:
            count += 1
        else:
            rt.at(since + min_ready, requeue[0], (requeue[1], requeue[2]))
    return count


def update_status(rt: ClusterRuntime, rs: dict, pods: list[dict]) -> None:
    spec = rs.get("spec") or {}
    m = meta(rs)
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    status = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(
            1 for p in pods if selector_matches({"matchLabels": template_labels}, meta(p).get("labels"))
        ),
        "readyReplicas": sum(1 for p in pods if pod_is_ready(p)),
        "availableReplicas": available_pods(rt, pods, int(spec.get("minReadySeconds") or 0),
                                            (RESOURCE, m.get("namespace", ""), m["name"])),
        "observedGeneration": m.get("generation", 1),
    }
    omit_zero(status, "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration")
    old = rs.get("status") or {}
    if old.get("conditions"):
        status["conditions"] = old["conditions"]
    rt.cluster.set_status(RESOURCE, m.get("namespace"), m["name"], status)


def _deletion_rank(pod: dict) -> tuple:
    status = pod.get("status") or {}
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(status.get("phase", "Pending"), 0)
    ready_since = pod_ready_since(pod) or ""
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        phase_rank,
        1 if pod_is_ready(pod) else 0,
        # younger ready pods go first: later timestamps sort first
        "".join(chr(0x10FFFF - ord(c)) for c in ready_since),
        "".join(chr(0x10FFFF - ord(c)) for c in (meta(pod).get("creationTimestamp") or "")),
    )
