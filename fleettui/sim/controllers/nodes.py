"""Kubelet heartbeats and the node lifecycle controller.

A healthy node reports its four kubelet conditions and refreshes their
lastHeartbeatTime about every 40 simulated seconds (not every tick, so watch
traffic looks like a real fleet's). A node annotated
`sim.fleettui.io/kubelet: stopped` stops heart-beating; after the
node-monitor grace period its conditions become Unknown (NodeStatusUnknown,
"Kubelet stopped posting node status.") and it is tainted unreachable, so the
scheduler avoids it. Remove the annotation and it reports Ready again.
`sim.fleettui.io/pressure: disk` (or memory, pid, comma-separated) makes the
kubelet report that pressure condition True, and the node is tainted
`node.kubernetes.io/disk-pressure:NoSchedule` as TaintNodesByCondition does.
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

PRESSURE_ANNOTATION = "sim.fleettui.io/pressure"
PRESSURE_CONDITIONS = {
    "MemoryPressure": ("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
    "DiskPressure": ("True", "KubeletHasDiskPressure", "kubelet has disk pressure"),
    "PIDPressure": ("True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
}
# TaintNodesByCondition: the node lifecycle controller mirrors these conditions as NoSchedule taints
PRESSURE_TAINTS = {"MemoryPressure": "node.kubernetes.io/memory-pressure",
                   "DiskPressure": "node.kubernetes.io/disk-pressure",
                   "PIDPressure": "node.kubernetes.io/pid-pressure"}
MANAGED_TAINTS = {UNREACHABLE, NOT_READY, *PRESSURE_TAINTS.values()}

KUBELET_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def kubelet_stopped(node: dict) -> bool:
    return (meta(node).get("annotations") or {}).get(KUBELET_ANNOTATION) == "stopped"


def pressures(node: dict) -> set[str]:
    """The condition types a node annotated `sim.fleettui.io/pressure: disk,memory` reports True."""
    raw = (meta(node).get("annotations") or {}).get(PRESSURE_ANNOTATION, "")
    wanted = {p.strip().lower() for p in raw.split(",") if p.strip()}
    return {type_ for key, type_ in (("memory", "MemoryPressure"), ("disk", "DiskPressure"),
                                     ("pid", "PIDPressure")) if key in wanted}


def healthy_conditions(now: str, old: list[dict] | None = None, pressure: set[str] | None = None) -> list[dict]:
    """The kubelet's conditions at `now`, keeping transition times that did not change."""
    out = []
    for type_, status, reason, message in KUBELET_CONDITIONS:
        if type_ in (pressure or ()):
            status, reason, message = PRESSURE_CONDITIONS[type_]
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
            _set_taints(rt, node, unreachable=True, pressure=set())
        elif now >= last_beat + GRACE:
            new = deep(status)
            new["conditions"] = unknown_conditions(rt.iso(), conds)
            rt.cluster.set_status(RESOURCE, "", name, new)
            _set_taints(rt, node, unreachable=True, pressure=set())
            rt.event(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady", type="Normal",
                     component="node-controller")
        else:
            rt.at(last_beat + GRACE, RESOURCE, ("", name))
        return

    pressure = pressures(node)
    was_ready = ready is not None and ready.get("status") == "True"
    reported = {t: (find_condition(conds, t) or {}).get("status") for t, *_ in KUBELET_CONDITIONS}
    wanted = {t: ("True" if t in pressure else s) for t, s, *_ in KUBELET_CONDITIONS}
    period = HEARTBEAT - 4.0 + 8.0 * unit_jitter(f"{name}/{int(last_beat)}")
    if reported == wanted and now < last_beat + period:
        rt.at(last_beat + period, RESOURCE, ("", name))
        _set_taints(rt, node, unreachable=False, pressure=pressure)
        return
    new = deep(status)
    new["conditions"] = healthy_conditions(rt.iso(), conds, pressure)
    rt.cluster.set_status(RESOURCE, "", name, new)
    _set_taints(rt, node, unreachable=False, pressure=pressure)
    if not was_ready:
        rt.event(node, "NodeReady", f"Node {name} status is now: NodeReady", type="Normal", component="kubelet")
    for type_ in pressure:
        if reported.get(type_) != "True":
            rt.event(node, f"NodeHas{type_}", f"Node {name} status is now: NodeHas{type_}", type="Normal",
                     component="kubelet")
    rt.after(HEARTBEAT, RESOURCE, ("", name))


def _set_taints(rt: ClusterRuntime, node: dict, *, unreachable: bool, pressure: set[str]) -> None:
    """Keep the taints the node lifecycle controller owns in line with the node's state."""
    taints = list((node.get("spec") or {}).get("taints") or [])
    managed = {(t.get("key"), t.get("effect")) for t in taints if t.get("key") in MANAGED_TAINTS}
    wanted: list[dict] = []
    if unreachable:
        wanted += [{"key": UNREACHABLE, "effect": "NoSchedule"}, {"key": UNREACHABLE, "effect": "NoExecute"}]
    wanted += [{"key": PRESSURE_TAINTS[t], "effect": "NoSchedule"} for t in sorted(pressure)]
    if managed == {(t["key"], t["effect"]) for t in wanted}:
        return
    kept = [t for t in taints if t.get("key") not in MANAGED_TAINTS or (t.get("key"), t.get("effect")) in
            {(w["key"], w["effect"]) for w in wanted}]
    have = {(t.get("key"), t.get("effect")) for t in kept}
    kept += [{**w, "timeAdded": rt.iso()} for w in wanted if (w["key"], w["effect"]) not in have]
    live = rt.cluster.get(RESOURCE, "", meta(node)["name"]) or node
    obj = deep(live)
    obj.setdefault("spec", {})["taints"] = kept
    if not kept:
        del obj["spec"]["taints"]
    rt.cluster.update(RESOURCE, obj)
