"""Deployment controller: ReplicaSets per pod template, rolling updates, status and conditions.

Follows kube-controller-manager's pkg/controller/deployment closely enough that
`kubectl rollout status` reads the same story: the new ReplicaSet is the one
whose template equals the Deployment's (ignoring pod-template-hash), rollouts
respect maxSurge/maxUnavailable, old ReplicaSets are scaled down oldest first,
and status/conditions are computed as in syncRolloutStatus.
"""

from __future__ import annotations

from typing import Any

from .objects import (
    deep,
    find_condition,
    int_or_percent,
    meta,
    omit_zero,
    owner_ref,
    safe_hash,
)
from .runtime import ClusterRuntime, parse_time

RESOURCE = "deployments.apps"
RS = "replicasets.apps"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
COMPONENT = "deployment-controller"


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    d = rt.cluster.get(RESOURCE, namespace, name)
    if d is None or meta(d).get("deletionTimestamp"):
        return
    spec = d.get("spec") or {}
    replicas = _replicas(d)
    all_rs = sorted(rt.owned(d, RS), key=_created)
    new_rs = _find_new(d, all_rs)
    old_rs = [rs for rs in all_rs if rs is not new_rs]
    created = False

    if spec.get("paused"):
        _sync_paused(rt, d, new_rs, old_rs)
        return

    if new_rs is None:
        new_rs = _create_new(rt, d, all_rs)
        created = True
    else:
        new_rs = _sync_revision(rt, d, new_rs, all_rs)

    strategy = (spec.get("strategy") or {}).get("type") or "RollingUpdate"
    if strategy == "Recreate":
        _rollout_recreate(rt, d, new_rs, old_rs, replicas)
    else:
        _rollout_rolling(rt, d, new_rs, old_rs, replicas)

    new_rs = rt.cluster.get(RS, namespace, meta(new_rs)["name"]) or new_rs
    old_rs = [rt.cluster.get(RS, namespace, meta(r)["name"]) or r for r in old_rs]
    _sync_status(rt, d, new_rs, old_rs, created=created)
    if _complete(d, rt.cluster.get(RESOURCE, namespace, name) or d):
        _cleanup_history(rt, d, old_rs)


# -- finding and creating the new ReplicaSet ---------------------------------


def _replicas(d: dict) -> int:
    r = (d.get("spec") or {}).get("replicas")
    return 1 if r is None else int(r)


def _created(obj: dict) -> tuple[str, str]:
    return (meta(obj).get("creationTimestamp") or "", meta(obj).get("name") or "")


def _template_without_hash(template: dict) -> dict:
    t = deep(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return t


def _equal_ignoring_hash(a: dict | None, b: dict | None) -> bool:
    """EqualIgnoreHash, with shallow copies only (this runs on every Deployment reconcile)."""
    a, b = a or {}, b or {}
    if {k: v for k, v in a.items() if k != "metadata"} != {k: v for k, v in b.items() if k != "metadata"}:
        return False
    ma, mb = a.get("metadata") or {}, b.get("metadata") or {}
    if {k: v for k, v in ma.items() if k != "labels"} != {k: v for k, v in mb.items() if k != "labels"}:
        return False
    la = {k: v for k, v in (ma.get("labels") or {}).items() if k != HASH_LABEL}
    lb = {k: v for k, v in (mb.get("labels") or {}).items() if k != HASH_LABEL}
    return la == lb


def _find_new(d: dict, all_rs: list[dict]) -> dict | None:
    want = (d.get("spec") or {}).get("template")
    for rs in all_rs:  # oldest first, as FindNewReplicaSet
        if _equal_ignoring_hash((rs.get("spec") or {}).get("template"), want):
            return rs
    return None


def _revision(obj: dict) -> int:
    try:
        return int((meta(obj).get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _max_revision(all_rs: list[dict]) -> int:
    return max((_revision(rs) for rs in all_rs), default=0)


def _create_new(rt: ClusterRuntime, d: dict, all_rs: list[dict]) -> dict:
    spec = d.get("spec") or {}
    m = meta(d)
    template = deep(spec.get("template") or {})
    collision = (d.get("status") or {}).get("collisionCount") or 0
    pod_hash = safe_hash([_template_without_hash(template), collision])
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = deep(spec.get("selector") or {})
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    revision = _max_revision(all_rs) + 1
    replicas = _replicas(d)
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{m['name']}-{pod_hash}",
            "namespace": m.get("namespace"),
            "labels": labels,
            "annotations": {
                DESIRED: str(replicas),
                MAX_REPLICAS: str(replicas + _max_surge(d, replicas)),
                REVISION: str(revision),
            },
            "ownerReferences": [owner_ref(d)],
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": spec.get("minReadySeconds", 0),
            "selector": selector,
            "template": template,
        },
    }
    created = rt.cluster.create(RS, rs, creation_timestamp=rt.initial_child_time(d, first=not all_rs))
    _set_deployment_revision(rt, d, revision)
    return created


def _sync_revision(rt: ClusterRuntime, d: dict, new_rs: dict, all_rs: list[dict]) -> dict:
    """A rollback re-uses an old ReplicaSet; it then takes the next revision number."""
    max_old = max((_revision(rs) for rs in all_rs if rs is not new_rs), default=0)
    rev = _revision(new_rs)
    if rev <= max_old:
        rev = max_old + 1
        rs = deep(new_rs)
        rs["metadata"].setdefault("annotations", {})[REVISION] = str(rev)
        new_rs = rt.cluster.update(RS, rs)
    if _revision(d) != rev:
        _set_deployment_revision(rt, d, rev)
    return new_rs


def _set_deployment_revision(rt: ClusterRuntime, d: dict, revision: int) -> None:
    live = rt.cluster.get(RESOURCE, meta(d).get("namespace"), meta(d)["name"])
    if live is None or (meta(live).get("annotations") or {}).get(REVISION) == str(revision):
        return
    obj = deep(live)
    obj["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
    rt.cluster.update(RESOURCE, obj)


# -- scaling -----------------------------------------------------------------


def _max_surge(d: dict, replicas: int) -> int:
    ru = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    surge = int_or_percent(ru.get("maxSurge"), replicas, round_up=True, default="25%")
    unavailable = int_or_percent(ru.get("maxUnavailable"), replicas, round_up=False, default="25%")
    if surge == 0 and unavailable == 0:
        return 0
    return surge


def _max_unavailable(d: dict, replicas: int) -> int:
    ru = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    surge = int_or_percent(ru.get("maxSurge"), replicas, round_up=True, default="25%")
    unavailable = int_or_percent(ru.get("maxUnavailable"), replicas, round_up=False, default="25%")
    if surge == 0 and unavailable == 0:
        unavailable = 1  # as ResolveFenceposts: both zero would deadlock
    return min(unavailable, replicas)


def _spec_replicas(rs: dict) -> int:
    return int((rs.get("spec") or {}).get("replicas") or 0)


def _available(rs: dict) -> int:
    return int((rs.get("status") or {}).get("availableReplicas") or 0)


def _scale(rt: ClusterRuntime, d: dict, rs: dict, count: int) -> dict:
    current = _spec_replicas(rs)
    replicas = _replicas(d)
    ann = meta(rs).get("annotations") or {}
    want_ann = {DESIRED: str(replicas), MAX_REPLICAS: str(replicas + _max_surge(d, replicas))}
    if current == count and all(ann.get(k) == v for k, v in want_ann.items()):
        return rs
    obj = deep(rs)
    obj["spec"]["replicas"] = count
    obj["metadata"].setdefault("annotations", {}).update(want_ann)
    updated = rt.cluster.update(RS, obj)
    if current != count:
        word = "up" if count > current else "down"
        rt.event(d, "ScalingReplicaSet", f"Scaled {word} replica set {meta(rs)['name']} from {current} to {count}",
                 type="Normal", component=COMPONENT)
    return updated


def _rollout_rolling(rt: ClusterRuntime, d: dict, new_rs: dict, old_rs: list[dict], replicas: int) -> None:
    # reconcileNewReplicaSet
    new_count = _spec_replicas(new_rs)
    if new_count > replicas:
        new_rs = _scale(rt, d, new_rs, replicas)
    elif new_count < replicas:
        total = sum(_spec_replicas(rs) for rs in old_rs) + new_count
        scale_up = min(replicas + _max_surge(d, replicas) - total, replicas - new_count)
        if scale_up > 0:
            new_rs = _scale(rt, d, new_rs, new_count + scale_up)
    else:
        new_rs = _scale(rt, d, new_rs, new_count)  # refresh the desired/max annotations

    # reconcileOldReplicaSets
    active_old = [rs for rs in old_rs if _spec_replicas(rs) > 0]
    if not active_old:
        return
    min_available = replicas - _max_unavailable(d, replicas)
    all_pods = sum(_spec_replicas(rs) for rs in old_rs) + _spec_replicas(new_rs)
    new_unavailable = _spec_replicas(new_rs) - _available(new_rs)
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return
    # cleanupUnhealthyReplicas: old pods that are not available go first, they cost nothing.
    cleaned = 0
    for i, rs in enumerate(old_rs):
        if cleaned >= max_scaled_down:
            break
        count, avail = _spec_replicas(rs), _available(rs)
        if count == 0 or count == avail:
            continue
        down = min(max_scaled_down - cleaned, count - avail)
        old_rs[i] = _scale(rt, d, rs, count - down)
        cleaned += down
    # scaleDownOldReplicaSetsForRollingUpdate
    available = sum(_available(rs) for rs in old_rs) + _available(new_rs)
    if available <= min_available:
        return
    remaining = available - min_available
    for i, rs in enumerate(old_rs):
        if remaining <= 0:
            break
        count = _spec_replicas(rs)
        if count == 0:
            continue
        down = min(count, remaining)
        old_rs[i] = _scale(rt, d, rs, count - down)
        remaining -= down


def _rollout_recreate(rt: ClusterRuntime, d: dict, new_rs: dict, old_rs: list[dict], replicas: int) -> None:
    for i, rs in enumerate(old_rs):
        if _spec_replicas(rs):
            old_rs[i] = _scale(rt, d, rs, 0)
    if any(int((rs.get("status") or {}).get("replicas") or 0) for rs in old_rs):
        return  # old pods must be gone before the new ones start
    _scale(rt, d, new_rs, replicas)


def _sync_paused(rt: ClusterRuntime, d: dict, new_rs: dict | None, old_rs: list[dict]) -> None:
    """A paused Deployment only scales; its Progressing condition says so."""
    active = new_rs if new_rs is not None else next((rs for rs in reversed(old_rs) if _spec_replicas(rs)), None)
    if active is not None and _spec_replicas(active) != _replicas(d) and sum(
        _spec_replicas(rs) for rs in old_rs + ([new_rs] if new_rs else []) if rs is not active
    ) == 0:
        _scale(rt, d, active, _replicas(d))
    _sync_status(rt, d, new_rs, old_rs, created=False)


# -- status ------------------------------------------------------------------


def _calculate_status(d: dict, new_rs: dict | None, old_rs: list[dict]) -> dict:
    all_rs = old_rs + ([new_rs] if new_rs is not None else [])
    st = lambda rs, f: int((rs.get("status") or {}).get(f) or 0)  # noqa: E731
    available = sum(st(rs, "availableReplicas") for rs in all_rs)
    total = sum(_spec_replicas(rs) for rs in all_rs)
    old = d.get("status") or {}
    status: dict[str, Any] = {
        "observedGeneration": meta(d).get("generation", 1),
        "replicas": sum(st(rs, "replicas") for rs in all_rs),
        "updatedReplicas": st(new_rs, "replicas") if new_rs is not None else 0,
        "readyReplicas": sum(st(rs, "readyReplicas") for rs in all_rs),
        "availableReplicas": available,
        "unavailableReplicas": max(total - available, 0),
        "conditions": deep(old.get("conditions") or []),
    }
    if old.get("collisionCount"):
        status["collisionCount"] = old["collisionCount"]
    return status


def _set_condition(conditions: list[dict], new: dict) -> None:
    """SetDeploymentCondition: same status and reason is a no-op; same status keeps the transition time."""
    current = find_condition(conditions, new["type"])
    if current is not None and current.get("status") == new["status"] and current.get("reason") == new["reason"]:
        return
    if current is not None:
        if current.get("status") == new["status"]:
            new["lastTransitionTime"] = current.get("lastTransitionTime")
        conditions.remove(current)
    conditions.append(new)


def _condition(rt: ClusterRuntime, type_: str, status: str, reason: str, message: str) -> dict:
    now = rt.iso()
    return {"type": type_, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def _complete(d: dict, live: dict) -> bool:
    """DeploymentComplete."""
    s = live.get("status") or {}
    r = _replicas(live)
    return (int(s.get("updatedReplicas") or 0) == r and int(s.get("replicas") or 0) == r
            and int(s.get("availableReplicas") or 0) == r
            and int(s.get("observedGeneration") or 0) >= int(meta(live).get("generation") or 1))


def _sync_status(rt: ClusterRuntime, d: dict, new_rs: dict | None, old_rs: list[dict], *, created: bool) -> None:
    spec = d.get("spec") or {}
    replicas = _replicas(d)
    status = _calculate_status(d, new_rs, old_rs)
    conds = status["conditions"]
    rs_name = meta(new_rs)["name"] if new_rs is not None else ""

    if status["availableReplicas"] >= replicas - _max_unavailable(d, replicas):
        _set_condition(conds, _condition(rt, "Available", "True", "MinimumReplicasAvailable",
                                         "Deployment has minimum availability."))
    else:
        _set_condition(conds, _condition(rt, "Available", "False", "MinimumReplicasUnavailable",
                                         "Deployment does not have minimum availability."))

    deadline = spec.get("progressDeadlineSeconds", 600)
    progressing = find_condition(conds, "Progressing")
    if spec.get("paused"):
        if progressing is None or progressing.get("reason") != "DeploymentPaused":
            _set_condition(conds, _condition(rt, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"))
    elif progressing is not None and progressing.get("reason") == "DeploymentPaused":
        _set_condition(conds, _condition(rt, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"))
    elif created:
        _set_condition(conds, _condition(rt, "Progressing", "True", "NewReplicaSetCreated",
                                         f'Created new replica set "{rs_name}"'))
    elif new_rs is not None and progressing is None:
        _set_condition(conds, _condition(rt, "Progressing", "True", "FoundNewReplicaSet",
                                         f'Found new replica set "{rs_name}"'))
    elif deadline is not None and new_rs is not None:
        _sync_progress(rt, d, status, conds, rs_name, deadline)

    new_status = omit_zero(status, "observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                           "availableReplicas", "unavailableReplicas")
    rt.cluster.set_status(RESOURCE, meta(d).get("namespace"), meta(d)["name"], new_status)


def _sync_progress(rt: ClusterRuntime, d: dict, status: dict, conds: list[dict], rs_name: str, deadline: int) -> None:
    """syncRolloutStatus: complete, progressing (refreshes lastUpdateTime), or timed out."""
    current = find_condition(conds, "Progressing")
    replicas = _replicas(d)
    if (status["replicas"] == status["updatedReplicas"] and current is not None
            and current.get("reason") == "NewReplicaSetAvailable"):
        return
    old = d.get("status") or {}
    old_old = int(old.get("replicas") or 0) - int(old.get("updatedReplicas") or 0)
    new_old = status["replicas"] - status["updatedReplicas"]
    if (status["updatedReplicas"] == replicas and status["replicas"] == replicas
            and status["availableReplicas"] == replicas):
        _set_condition(conds, _condition(rt, "Progressing", "True", "NewReplicaSetAvailable",
                                         f'ReplicaSet "{rs_name}" has successfully progressed.'))
    elif (status["updatedReplicas"] > int(old.get("updatedReplicas") or 0) or new_old < old_old
          or status["readyReplicas"] > int(old.get("readyReplicas") or 0)
          or status["availableReplicas"] > int(old.get("availableReplicas") or 0)):
        cond = _condition(rt, "Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
        if current is not None:
            if current.get("status") == "True":
                cond["lastTransitionTime"] = current.get("lastTransitionTime")
            conds.remove(current)
        conds.append(cond)  # progress refreshes lastUpdateTime, and so the deadline
        rt.after(deadline + 1, RESOURCE, (meta(d).get("namespace", ""), meta(d)["name"]))
    elif current is not None and current.get("reason") != "ProgressDeadlineExceeded":
        last = parse_time(current.get("lastUpdateTime")) or rt.now()
        if last + deadline < rt.now():
            _set_condition(conds, _condition(rt, "Progressing", "False", "ProgressDeadlineExceeded",
                                             f'ReplicaSet "{rs_name}" has timed out progressing.'))
        else:
            rt.at(last + deadline + 1, RESOURCE, (meta(d).get("namespace", ""), meta(d)["name"]))


def _cleanup_history(rt: ClusterRuntime, d: dict, old_rs: list[dict]) -> None:
    """Keep at most revisionHistoryLimit (default 10) scaled-down old ReplicaSets."""
    limit = (d.get("spec") or {}).get("revisionHistoryLimit", 10)
    idle = [rs for rs in old_rs if _spec_replicas(rs) == 0 and not int((rs.get("status") or {}).get("replicas") or 0)]
    idle.sort(key=_revision)
    for rs in idle[: max(len(idle) - limit, 0)]:
        rt.cluster.delete(RS, meta(rs).get("namespace"), meta(rs)["name"])
