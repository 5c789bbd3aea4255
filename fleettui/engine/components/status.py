"""Health and status message of a component's workload as its definition declares them
(`attributes.status.healthPolicy` / `customStatus` of webservice.cue, worker.cue,
statefulset.cue, daemon.cue, task.cue). Types that declare none (cron-task, k8s-objects,
ref-objects) are judged by kind in engine/health.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DISABLE_HEALTH_CHECK = "app.oam.dev/disable-health-check"


def _observed(obj: dict[str, Any]) -> bool:
    gen = (obj.get("metadata") or {}).get("generation", 0)
    return (obj.get("status") or {}).get("observedGeneration", 0) >= gen


def replicated(obj: dict[str, Any], *, honour_disable: bool) -> tuple[bool, str]:
    """webservice / worker / statefulset: `Ready:<readyReplicas>/<spec.replicas>`."""
    want = (obj.get("spec") or {}).get("replicas", 1)  # the apiserver defaults it to 1
    st = obj.get("status") or {}
    ready = st.get("readyReplicas", 0)
    ok = want == ready == st.get("updatedReplicas", 0) == st.get("replicas", 0) and _observed(obj)
    if honour_disable and DISABLE_HEALTH_CHECK in ((obj.get("metadata") or {}).get("annotations") or {}):
        ok = True
    return ok, f"Ready:{ready}/{want}"


def daemon(obj: dict[str, Any]) -> tuple[bool, str]:
    st = obj.get("status") or {}
    want, ready = st.get("desiredNumberScheduled", 0), st.get("numberReady", 0)
    ok = want == ready == st.get("updatedNumberScheduled", 0) == st.get("currentNumberScheduled", 0) and _observed(obj)
    return ok, f"Ready:{ready}/{want}"


def task(obj: dict[str, Any]) -> tuple[bool, str]:
    st = obj.get("status") or {}
    active, failed, succeeded = (st.get(k, 0) for k in ("active", "failed", "succeeded"))
    ok = succeeded == (obj.get("spec") or {}).get("parallelism")
    return ok, f"Active/Failed/Succeeded:{active}/{failed}/{succeeded}"


STATUS: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[bool, str]]]] = {
    "webservice": ("Deployment", lambda o: replicated(o, honour_disable=True)),
    "worker": ("Deployment", lambda o: replicated(o, honour_disable=False)),
    "statefulset": ("StatefulSet", lambda o: replicated(o, honour_disable=True)),
    "daemon": ("DaemonSet", daemon),
    "task": ("Job", task),
}


def component_health(component_type: str | None, live: dict[str, Any] | None) -> tuple[bool, str] | None:
    """(healthy, message) of a live workload by its component's definition; None when the
    definition declares nothing for this object (then health is judged by kind)."""
    entry = STATUS.get(component_type or "")
    if entry is None or live is None or live.get("kind") != entry[0]:
        return None
    return entry[1](live)
