"""The default scheduler, reduced to what a fleet dashboard can observe.

Filters as the real plugins do (NodeName/affinity pin, nodeSelector, node
affinity on labels, taints and tolerations, NodeResourcesFit for cpu, memory
and pod count), then scores by least requested CPU so pods spread. A pod that
fits nowhere gets PodScheduled=False/Unschedulable with the scheduler's
"0/N nodes are available: ..." message and a FailedScheduling event, and is
retried when nodes or pods change.
"""

from __future__ import annotations

from collections import Counter

from .objects import deep, find_condition, meta, parse_quantity, pod_requests
from .runtime import ClusterRuntime

COMPONENT = "default-scheduler"
RETRY_UNSCHEDULABLE = 300.0


def node_usage(rt: ClusterRuntime) -> dict[str, list[float]]:
    """Requested [cpu, memory, pods] per node, cached until pods or nodes change."""
    if rt.usage_cache is None:
        usage: dict[str, list[float]] = {}
        for node, keys in rt.pods_by_node.items():
            total = [0.0, 0.0, 0.0]
            for ns, name in keys:
                pod = rt.cluster.get("pods", ns, name)
                if pod is None or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    continue
                cpu, mem = pod_requests(pod)
                total[0] += cpu
                total[1] += mem
                total[2] += 1
            usage[node] = total
        rt.usage_cache = usage
    return rt.usage_cache


def tolerates(tolerations: list[dict] | None, taint: dict) -> bool:
    for t in tolerations or ():
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator") or "Equal"
        if not t.get("key") and op == "Exists":
            return True
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def node_taints(node: dict) -> list[dict]:
    """Spec taints, plus the ones the node lifecycle controller would have added by now."""
    taints = list((node.get("spec") or {}).get("taints") or [])
    keys = {t.get("key") for t in taints}
    ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
    if ready is None or ready.get("status") == "False":
        if "node.kubernetes.io/not-ready" not in keys:
            taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    elif ready.get("status") == "Unknown" and "node.kubernetes.io/unreachable" not in keys:
        taints.append({"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"})
    if (node.get("spec") or {}).get("unschedulable") and "node.kubernetes.io/unschedulable" not in keys:
        taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
    return taints


def pinned_node(pod_spec: dict) -> str | None:
    """The node a DaemonSet pod is pinned to through nodeAffinity matchFields metadata.name."""
    terms = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or []
    for term in terms:
        for f in term.get("matchFields") or ():
            if f.get("key") == "metadata.name" and f.get("operator") == "In" and f.get("values"):
                return f["values"][0]
    return None


def _affinity_matches(pod_spec: dict, node: dict) -> bool:
    terms = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or []
    if not terms:
        return True
    labels = meta(node).get("labels") or {}
    name = meta(node).get("name")
    for term in terms:  # terms are ORed, expressions within a term ANDed
        ok = True
        for e in term.get("matchExpressions") or ():
            v, op, values = labels.get(e.get("key")), e.get("operator"), e.get("values") or []
            if not ((op == "In" and v in values) or (op == "NotIn" and v not in values)
                    or (op == "Exists" and v is not None) or (op == "DoesNotExist" and v is None)):
                ok = False
        for f in term.get("matchFields") or ():
            if f.get("key") == "metadata.name" and (name in (f.get("values") or [])) != (f.get("operator") == "In"):
                ok = False
        if ok:
            return True
    return False


def _unfit(node: dict, pod: dict, cpu: float, mem: float, used: list[float]) -> str | None:
    spec = pod.get("spec") or {}
    labels = meta(node).get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return "node(s) didn't match Pod's node affinity/selector"
    if not _affinity_matches(spec, node):
        return "node(s) didn't match Pod's node affinity/selector"
    for taint in node_taints(node):
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(spec.get("tolerations"), taint):
            value = taint.get("value", "")
            return f"node(s) had untolerated taint {{{taint.get('key')}: {value}}}"
    alloc = (node.get("status") or {}).get("allocatable") or {}
    if used[2] + 1 > parse_quantity(alloc.get("pods", 110)):
        return "Too many pods"
    if cpu and used[0] + cpu > parse_quantity(alloc.get("cpu", 0)):
        return "Insufficient cpu"
    if mem and used[1] + mem > parse_quantity(alloc.get("memory", 0)):
        return "Insufficient memory"
    return None


def schedule(rt: ClusterRuntime, pod: dict) -> None:
    m = meta(pod)
    key = (m.get("namespace", ""), m["name"])
    cpu, mem = pod_requests(pod)
    usage = node_usage(rt)
    nodes = rt.cluster.list("nodes")
    pin = pinned_node(pod.get("spec") or {})
    reasons: Counter[str] = Counter()
    best: tuple[float, str] | None = None
    for node in nodes:
        name = meta(node)["name"]
        if pin and name != pin:
            reasons["node(s) didn't match Pod's node affinity/selector"] += 1
            continue
        used = usage.get(name, [0.0, 0.0, 0.0])
        why = _unfit(node, pod, cpu, mem, used)
        if why:
            reasons[why] += 1
            continue
        alloc_cpu = parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get("cpu", 1)) or 1
        score = (used[0] + cpu) / alloc_cpu
        if best is None or (score, name) < best:
            best = (score, name)
    if best is None:
        _unschedulable(rt, pod, key, len(nodes), reasons)
        return
    node_name = best[1]
    usage.setdefault(node_name, [0.0, 0.0, 0.0])
    usage[node_name][0] += cpu
    usage[node_name][1] += mem
    usage[node_name][2] += 1
    bind(rt, pod, node_name)


def bind(rt: ClusterRuntime, pod: dict, node_name: str) -> None:
    """What the pods/binding subresource does: set spec.nodeName and PodScheduled=True."""
    m = meta(pod)
    obj = deep(pod)
    obj["spec"]["nodeName"] = node_name
    cache = rt.usage_cache  # binding is already accounted for above
    rt.cluster.update("pods", obj)
    rt.usage_cache = cache
    status = deep(pod.get("status") or {})
    status["phase"] = "Pending"
    now = rt.iso()
    status["conditions"] = [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                             "lastTransitionTime": now}]
    rt.cluster.set_status("pods", m.get("namespace"), m["name"], status)
    rt.stage_since[m.get("uid", "")] = rt.now()
    rt.unscheduled.discard((m.get("namespace", ""), m["name"]))
    rt.dirty["pods"].add((m.get("namespace", ""), m["name"]))
    rt.event(pod, "Scheduled", f"Successfully assigned {m.get('namespace')}/{m['name']} to {node_name}",
             type="Normal", component=COMPONENT)


def _unschedulable(rt: ClusterRuntime, pod: dict, key: tuple[str, str], total: int, reasons: Counter) -> None:
    rt.unscheduled.add(key)
    detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
    message = f"0/{total} nodes are available: {detail}." if total else "no nodes available to schedule pods"
    if total:
        message += f" preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
    # Unschedulable pods are retried at least every 5 minutes (podMaxInUnschedulablePodsDuration),
    # each failed attempt counting on the same FailedScheduling event.
    uid = meta(pod).get("uid", "")
    rt.after(RETRY_UNSCHEDULABLE, "pods", key)
    status = deep(pod.get("status") or {})
    cond = find_condition(status.get("conditions"), "PodScheduled")
    if cond and cond.get("status") == "False" and cond.get("message") == message:
        if rt.now() - rt.stage_since.get(uid, 0.0) >= RETRY_UNSCHEDULABLE:
            rt.stage_since[uid] = rt.now()
            rt.event(pod, "FailedScheduling", message, component=COMPONENT)
        return
    rt.stage_since[uid] = rt.now()
    status["phase"] = "Pending"
    status["conditions"] = [{"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                             "lastTransitionTime": rt.iso(), "reason": "Unschedulable", "message": message}]
    rt.cluster.set_status("pods", key[0], key[1], status)
    rt.event(pod, "FailedScheduling", message, component=COMPONENT)
