"""Kubernetes object semantics in one place: conditions, observed generation, well-known
labels, rollout health of the workload kinds, pod waiting reasons, ownership.

The sync's summaries, the store's roll-ups and the engine's health checks all
judge objects here, so a Deployment is not "progressing" on one screen and
"degraded" on another. It sits in `config`, the bottom layer, because the store
(which may import nothing but config) applies `with_pod_problems` in its
roll-ups. Pure functions of plain dicts; no I/O.

Health words are the store's (`healthy`, `progressing`, `degraded`,
`unhealthy`, `unknown`); they are repeated here as strings, not imported, to
keep this layer free of the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

HEALTHY, PROGRESSING, DEGRADED, UNHEALTHY = "healthy", "progressing", "degraded", "unhealthy"

# Container waiting reasons that do not fix themselves: k9s shows these red at once,
# while the Deployment's own status still says Progressing until its deadline (10 min).
BAD_WAITING = frozenset({
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
})

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Rollout:
    """A workload's health as its own status says it, with the counts behind it."""

    health: str
    ready: int
    desired: int
    updated: int
    available: int
    detail: str = ""  # why, in Kubernetes' words ("ProgressDeadlineExceeded: ..."), or ""

    @property
    def message(self) -> str:
        text = f"{self.ready}/{self.desired} ready"
        return f"{text} — {self.detail}" if self.detail else text


# -- API conventions shared by every kind ------------------------------------------


def conditions(obj: Obj) -> dict[str, Mapping[str, Any]]:
    """`status.conditions` by type. A type listed twice keeps the last entry, as a
    strategic-merge of the list (keyed by type) would."""
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type")}


def condition(obj: Obj, ctype: str) -> Mapping[str, Any] | None:
    """The condition of type `ctype` in `status.conditions`, or None when absent."""
    return conditions(obj).get(ctype)


def condition_true(obj: Obj, ctype: str) -> bool:
    """Whether that condition is present with status "True" (absent or Unknown: False)."""
    return (condition(obj, ctype) or {}).get("status") == "True"


def observed(obj: Obj) -> bool:
    """Whether the controller has seen the current spec (status.observedGeneration)."""
    gen = (obj.get("metadata") or {}).get("generation")
    seen = (obj.get("status") or {}).get("observedGeneration")
    return gen is None or (seen is not None and seen >= gen)


def first_label(labels: Mapping[str, str], keys: Iterable[str]) -> str | None:
    """The value of the first of `keys` set (non-empty) in `labels`: well-known labels
    come in generations (topology.kubernetes.io/zone, then the deprecated
    failure-domain.beta one), and the newest one present wins."""
    for key in keys:
        if labels.get(key):
            return labels[key]
    return None


# -- workload rollouts --------------------------------------------------------------


def deployment_rollout(obj: Obj) -> Rollout:
    """A Deployment's health from its status, as `kubectl rollout status` reads it: healthy
    once every replica is updated, ready and available for the current generation."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = int(spec["replicas"] if spec.get("replicas") is not None else 1)
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    conds = conditions(obj)
    progressing = conds.get("Progressing") or {}
    failure = conds.get("ReplicaFailure") or {}

    def out(health: str, detail: str = "") -> Rollout:
        return Rollout(health, ready, desired, updated, available, detail)

    if failure.get("status") == "True":
        reason = f"{failure.get('reason') or 'ReplicaFailure'}: {failure.get('message') or ''}"
        return out(UNHEALTHY if ready == 0 else DEGRADED, reason.rstrip(": "))
    if progressing.get("status") == "False" and progressing.get("reason") == "ProgressDeadlineExceeded":
        reason = f"ProgressDeadlineExceeded: {progressing.get('message') or ''}".rstrip(": ")
        return out(UNHEALTHY if ready == 0 and desired > 0 else DEGRADED, reason)
    if not observed(obj):
        return out(PROGRESSING, "waiting for the controller")
    complete = updated >= desired and total <= updated and available >= updated and ready >= desired
    if spec.get("paused") and not complete:
        return out(PROGRESSING, "paused")
    if not complete:
        return out(PROGRESSING, f"{updated} updated, {available} available")
    return out(HEALTHY)


def statefulset_rollout(obj: Obj) -> Rollout:
    """A StatefulSet's health from its status. A rolling update (RollingUpdate strategy,
    updateRevision ahead of currentRevision) or pods still being created (OrderedReady
    makes them one at a time) is progressing; every pod at the current revision yet
    some not ready is degraded (none ready: unhealthy). OnDelete never rolls by itself,
    so a revision gap under it is not progress to wait for (as `kubectl rollout status`)."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = int(spec["replicas"] if spec.get("replicas") is not None else 1)
    ready = int(status.get("readyReplicas") or 0)
    current = int(status.get("currentReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    rolling = (
        status.get("updateRevision")
        and status.get("currentRevision") != status.get("updateRevision")
        and (spec.get("updateStrategy") or {}).get("type") != "OnDelete"
    )

    def out(health: str, detail: str = "") -> Rollout:
        return Rollout(health, ready, desired, updated, available, detail)

    if not observed(obj):
        return out(PROGRESSING, "waiting for the controller")
    if rolling:
        return out(PROGRESSING, f"{updated} updated")
    if max(current, updated) < desired:
        return out(PROGRESSING, f"{max(current, updated)} created")
    if ready < desired:
        return out(UNHEALTHY if ready == 0 else DEGRADED)
    return out(HEALTHY)


def daemonset_rollout(obj: Obj) -> Rollout:
    """A DaemonSet's health from its status: progressing until every scheduled pod is
    updated, then degraded while some are not ready (none: unhealthy) or pods run
    where they should not (numberMisscheduled)."""
    status = obj.get("status") or {}
    desired = int(status.get("desiredNumberScheduled") or 0)
    ready = int(status.get("numberReady") or 0)
    updated = int(status.get("updatedNumberScheduled") or 0)
    available = int(status.get("numberAvailable") or 0)
    misscheduled = int(status.get("numberMisscheduled") or 0)

    def out(health: str, detail: str = "") -> Rollout:
        return Rollout(health, ready, desired, updated, available, detail)

    if not observed(obj):
        return out(PROGRESSING, "waiting for the controller")
    if updated < desired:
        return out(PROGRESSING, f"{updated} updated")
    if ready < desired:
        return out(UNHEALTHY if ready == 0 else DEGRADED)
    if misscheduled:
        return out(DEGRADED, f"{misscheduled} misscheduled")
    return out(HEALTHY)


# The workload kinds whose health is their rollout's (the store's WORKLOAD_KINDS).
ROLLOUTS = {
    "Deployment": deployment_rollout,
    "StatefulSet": statefulset_rollout,
    "DaemonSet": daemonset_rollout,
}


# -- pods -----------------------------------------------------------------------


def pod_waiting_problem(pod: Obj) -> str | None:
    """The first container waiting reason of this pod that will not fix itself, or None."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return None
    for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        reason = ((c.get("state") or {}).get("waiting") or {}).get("reason")
        if reason in BAD_WAITING:
            return reason
    return None


def pod_workload(pod: Obj) -> str | None:
    """`Kind/name` of the workload that owns this pod: a ReplicaSet made by a Deployment
    (named `<deployment>-<pod-template-hash>`) is resolved to the Deployment."""
    md = pod.get("metadata") or {}
    owners = md.get("ownerReferences") or []
    owner = next((o for o in owners if o.get("controller")), None)
    if not owner or not owner.get("name"):
        return None
    kind, name = owner.get("kind"), owner["name"]
    if kind == "ReplicaSet":
        pth = (md.get("labels") or {}).get("pod-template-hash")
        if pth and name.endswith(f"-{pth}"):
            return f"Deployment/{name[: -len(pth) - 1]}"
    return f"{kind}/{name}"


def with_pod_problems(health: str, message: str, problems: Iterable[str]) -> tuple[str, str]:
    """A workload's health once its pods' waiting reasons are known.

    A pod stuck in ImagePullBackOff makes its workload degraded now, not when the
    progress deadline passes; Kubernetes' own word is kept next to it, so the row
    reads `degraded  0/2 ready — ImagePullBackOff ×2 (progressing)`.
    """
    counted: dict[str, int] = {}
    for p in problems:
        counted[p] = counted.get(p, 0) + 1
    if not counted or health in (DEGRADED, UNHEALTHY):
        return health, message
    reasons = ", ".join(f"{r} ×{n}" if n > 1 else r for r, n in sorted(counted.items()))
    base, _, _ = message.partition(" — ")
    return DEGRADED, f"{base} — {reasons} ({health})"


def csr_state(csr: Obj) -> str:
    """A CertificateSigningRequest's state as `kubectl get csr` says it: pending, approved,
    denied, failed, or issued (approved and the signer has written the certificate)."""
    for ctype, word in (("Denied", "denied"), ("Failed", "failed")):
        c = condition(csr, ctype)
        if c and c.get("status", "True") == "True":
            return word
    approved = condition(csr, "Approved")
    if approved and approved.get("status", "True") == "True":
        return "issued" if (csr.get("status") or {}).get("certificate") else "approved"
    return "pending"
