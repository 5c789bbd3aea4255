"""Kubelet heartbeats and the node lifecycle controller.

A healthy node reports its four kubelet conditions and refreshes their
lastHeartbeatTime about every 40 simulated seconds (not every tick, so watch
traffic looks like a real fleet's). A node annotated
`sim.fleettui.io/kubelet: stopped` stops heart-beating; after the
node-monitor grace period its conditions become Unknown (NodeStatusUnknown,
"Kubelet stopped posting node status.") and it is tainted unreachable, so the
scheduler avoids it. Remove the annotation and it reports Ready again.
"""

from __future__ import annotations

from .objects import deep, find_condition, meta, unit_jitter
from .runtime import ClusterRuntime, parse_time

RESOURCE = "nodes"
KUBELET_ANNOTATION = "sim.fleettui.io/kubelet"
HEARTBEAT = 40.0
GRACE = 40.0
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"

KUBELET_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def kubelet_stopped(node: dict) -> bool:
    return (meta(node).get("annotations") or {}).get(KUBELET_ANNOTATION) == "stopped"


def healthy_conditions(now: str, old: list[dict] | None = None) -> list[dict]:
    """The kubelet's conditions at `now`, keeping transition times that did not change."""
    out = []
    for type_, status, reason, message in KUBELET_CONDITIONS:
        prev = find_condition(old, type_)
        since = prev.get("lastTransitionTime") if prev and prev.get("status") == status else now
        out.append({"type": type_, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": since,
                    "reason": reason, "message": message})
    return out


def unknown_conditions(now: str, old: list[dict]) -> list[dict]:
    out = []
    for type_, *_ in KUBELET_CONDITIONS:
        prev = find_condition(old, type_) or {}
        out.append({"type": type_, "status": "Unknown", "lastHeartbeatTime": prev.get("lastHeartbeatTime", now),
                    "lastTransitionTime": now, "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status."})
    return out


def reconcile(rt: ClusterRuntime, _namespace: str, name: str) -> None:
    node = rt.cluster.get(RESOURCE, "", name)
    if node is None:
        return
    status = node.get("status") or {}
    conds = status.get("conditions") or []
    ready = find_condition(conds, "Ready")
    now = rt.now()
    beats = [t for t in (parse_time(c.get("lastHeartbeatTime")) for c in conds) if t is not None]
    last_beat = max(beats, default=0.0)

    if kubelet_stopped(node):
        if ready is not None and ready.get("status") == "Unknown":
            _set_taints(rt, node, unreachable=True)
        elif now >= last_beat + GRACE:
            new = deep(status)
            new["conditions"] = unknown_conditions(rt.iso(), conds)
            rt.cluster.set_status(RESOURCE, "", name, new)
            _set_taints(rt, node, unreachable=True)
            rt.event(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady", type="Normal",
                     component="node-controller")
        else:
            rt.at(last_beat + GRACE, RESOURCE, ("", name))
        return

    was_ready = ready is not None and ready.get("status") == "True"
    complete = all(find_condition(conds, t) for t, *_ in KUBELET_CONDITIONS)
    period = HEARTBEAT - 4.0 + 8.0 * unit_jitter(f"{name}/{int(last_beat)}")
    if was_ready and complete and now < last_beat + period:
        rt.at(last_beat + period, RESOURCE, ("", name))
        _set_taints(rt, node, unreachable=False)
        return
    new = deep(status)
    new["conditions"] = healthy_conditions(rt.iso(), conds)
    rt.cluster.set_status(RESOURCE, "", name, new)
    _set_taints(rt, node, unreachable=False)
    if not was_ready:
        rt.event(node, "NodeReady", f"Node {name} status is now: NodeReady", type="Normal", component="kubelet")
    rt.after(HEARTBEAT, RESOURCE, ("", name))


def _set_taints(rt: ClusterRuntime, node: dict, *, unreachable: bool) -> None:
    taints = list((node.get("spec") or {}).get("taints") or [])
    kept = [t for t in taints if t.get("key") not in (UNREACHABLE, NOT_READY)]
    if unreachable:
        current = [t for t in taints if t.get("key") == UNREACHABLE]
        if len(current) == 2:
            return
        kept += [{"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": rt.iso()},
                 {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": rt.iso()}]
    elif len(kept) == len(taints):
        return
    live = rt.cluster.get(RESOURCE, "", meta(node)["name"]) or node
    obj = deep(live)
    obj.setdefault("spec", {})["taints"] = kept
    if not kept:
        del obj["spec"]["taints"]
    rt.cluster.update(RESOURCE, obj)
