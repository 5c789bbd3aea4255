"""StatefulSet controller: ordered pods `<name>-0..N-1`, revisions, PVCs from claim templates.

OrderedReady (the default) creates ordinal i only when 0..i-1 are Running and
Ready, and removes surplus pods from the highest ordinal one at a time; a
template change rolls pods from the highest ordinal down (partition honoured),
one at a time once the rest are ready. currentRevision becomes updateRevision
when every pod runs the update. Revisions are named `<sts>-<hash>` as the
controller-revision-hash label spells them.
"""

from __future__ import annotations

from .objects import (
    deep,
    meta,
    omit_zero,
    pod_is_active,
    pod_is_ready,
    pod_template_from,
    safe_hash,
)
from .replicasets import available_pods
from .runtime import ClusterRuntime

RESOURCE = "statefulsets.apps"
REVISION_LABEL = "controller-revision-hash"
COMPONENT = "statefulset-controller"


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    sts = rt.cluster.get(RESOURCE, namespace, name)
    if sts is None or meta(sts).get("deletionTimestamp"):
        return
    spec = sts.get("spec") or {}
    replicas = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    update_rev = f"{name}-{safe_hash(spec.get('template') or {})}"
    current_rev = (sts.get("status") or {}).get("currentRevision") or update_rev
    parallel = spec.get("podManagementPolicy") == "Parallel"
    owned = {meta(p)["name"]: p for p in rt.owned(sts, "pods") if pod_is_active(p)}

    for i in range(replicas):
        pod_name = f"{name}-{i}"
        if pod_name in owned:
            continue
        if not parallel and not all(_healthy(owned.get(f"{name}-{j}")) for j in range(i)):
            break
        owned[pod_name] = _create_pod(rt, sts, i, update_rev if i >= _partition(spec) else current_rev)
        if not parallel:
            break

    surplus = sorted((p for n, p in owned.items() if _ordinal(name, n) >= replicas),
                     key=lambda p: -_ordinal(name, meta(p)["name"]))
    if surplus and (parallel or all(_healthy(p) for n, p in owned.items() if _ordinal(name, n) < replicas)):
        for pod in surplus if parallel else surplus[:1]:
            rt.cluster.delete("pods", namespace, meta(pod)["name"])
            owned.pop(meta(pod)["name"], None)

    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        ordered = sorted(owned.values(), key=lambda p: -_ordinal(name, meta(p)["name"]))
        if all(_healthy(p) for p in ordered) and len(ordered) == replicas:
            for pod in ordered:
                if _ordinal(name, meta(pod)["name"]) < _partition(spec):
                    break
                if _revision(pod) != update_rev:
                    rt.cluster.delete("pods", namespace, meta(pod)["name"])
                    owned.pop(meta(pod)["name"], None)
                    break

    pods = list(owned.values())
    updated = sum(1 for p in pods if _revision(p) == update_rev)
    if updated == replicas and len(pods) == replicas and all(pod_is_ready(p) for p in pods):
        current_rev = update_rev
    status = {
        "observedGeneration": meta(sts).get("generation", 1),
        "replicas": len(pods),
        "readyReplicas": sum(1 for p in pods if pod_is_ready(p)),
        "currentReplicas": sum(1 for p in pods if _revision(p) == current_rev),
        "updatedReplicas": updated,
        "currentRevision": current_rev,
        "updateRevision": update_rev,
        "collisionCount": 0,
        "availableReplicas": available_pods(rt, pods, int(spec.get("minReadySeconds") or 0),
                                            (RESOURCE, namespace, name)),
    }
    omit_zero(status, "readyReplicas", "currentReplicas", "updatedReplicas")
    rt.cluster.set_status(RESOURCE, namespace, name, status)


def _partition(spec: dict) -> int:
    return int(((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition") or 0)


def _ordinal(name: str, pod_name: str) -> int:
    try:
        return int(pod_name[len(name) + 1:])
    except ValueError:
        return -1


def _revision(pod: dict) -> str:
    return (meta(pod).get("labels") or {}).get(REVISION_LABEL, "")


def _healthy(pod: dict | None) -> bool:
    return pod is not None and (pod.get("status") or {}).get("phase") == "Running" and pod_is_ready(pod)


def _create_pod(rt: ClusterRuntime, sts: dict, ordinal: int, revision: str) -> dict:
    m = meta(sts)
    spec = sts.get("spec") or {}
    name = f"{m['name']}-{ordinal}"
    pod = pod_template_from(spec.get("template") or {}, namespace=m.get("namespace", ""), owner=sts,
                            extra_labels={REVISION_LABEL: revision,
                                          "statefulset.kubernetes.io/pod-name": name,
                                          "apps.kubernetes.io/pod-index": str(ordinal)})
    pod["metadata"]["name"] = name
    pod["spec"]["hostname"] = name
    if spec.get("serviceName"):
        pod["spec"]["subdomain"] = spec["serviceName"]
    volumes = pod["spec"].setdefault("volumes", [])
    # A retained claim means this ordinal ran before: only a first pod may be backdated.
    claims = [(claim, f"{meta(claim)['name']}-{name}") for claim in spec.get("volumeClaimTemplates") or []]
    first = not any(rt.cluster.get("persistentvolumeclaims", m.get("namespace"), n) for _, n in claims)
    born = rt.initial_child_time(sts, first=first)
    for claim, claim_name in claims:
        _ensure_claim(rt, sts, claim, claim_name, born)
        volumes.append({"name": meta(claim)["name"], "persistentVolumeClaim": {"claimName": claim_name}})
    if not volumes:
        del pod["spec"]["volumes"]
    return rt.cluster.create("pods", pod, creation_timestamp=born)


def _ensure_claim(rt: ClusterRuntime, sts: dict, claim: dict, claim_name: str, born: str | None) -> None:
    """A claim per pod, left behind on scale-down as the default Retain policy does; bound at once."""
    ns = meta(sts).get("namespace")
    if rt.cluster.get("persistentvolumeclaims", ns, claim_name) is not None:
        return
    spec = deep(claim.get("spec") or {})
    spec.setdefault("volumeMode", "Filesystem")
    spec.setdefault("storageClassName", "standard")
    spec["volumeName"] = f"pvc-{safe_hash([ns, claim_name], 8)}"
    labels = dict(((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
    obj = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": claim_name, "namespace": ns, "labels": labels},
           "spec": spec}
    created = rt.cluster.create("persistentvolumeclaims", obj, creation_timestamp=born)
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    rt.cluster.set_status("persistentvolumeclaims", ns, meta(created)["name"],
                          {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                           "capacity": {"storage": storage}})
