"""Reading back the health of placed objects from their cluster.

The verdict itself is `engine.health.judge` (the rule the store shares); this module
only fetches what that rule needs: the object, a Service's Endpoints, and — when a
Deployment is not healthy yet — its pods, whose waiting reasons say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fleettui.config.objects import condition, condition_true, pod_workload
from fleettui.engine import health as health_mod
from fleettui.engine.components.status import component_health
from fleettui.engine.workflow import parse_iso
from fleettui.kube import ClusterClient, errors
from fleettui.store.apps import ResourceRow

# (cluster, apiVersion, kind, namespace, name, healthy, message): AppStore.set_health's row
HealthUpdate = tuple[str, str, str, str, str, bool | None, str | None]


def job_progress(cluster: str, live: dict[str, Any]) -> dict[str, Any]:
    """A Job's progress as `app status` and the rollouts pane show it: pods active,
    succeeded and failed, its state (Complete and Failed are finished, not unhealthy: the
    screen says which), when it started and, once finished, how long it ran."""
    md, st = live.get("metadata") or {}, live.get("status") or {}
    spec = live.get("spec") or {}
    out: dict[str, Any] = {"cluster": cluster, "namespace": md.get("namespace", ""), "name": md.get("name", ""),
                           **{k: int(st.get(k) or 0) for k in ("active", "succeeded", "failed")},
                           "completions": int(spec.get("completions") or 1)}
    failed = condition(live, "Failed") or {}
    finished = None
    if failed.get("status") == "True":
        out["state"] = "Failed"
        out["message"] = str(failed.get("message") or failed.get("reason") or "")
        finished = failed.get("lastTransitionTime")
    elif condition_true(live, "Complete"):
        out["state"] = "Complete"
        finished = st.get("completionTime")
    elif spec.get("suspend"):
        out["state"] = "Suspended"
    else:
        out["state"] = "Running" if st.get("startTime") else "Pending"
    if st.get("startTime"):
        out["startTime"] = st["startTime"]
    if st.get("startTime") and finished:
        out["completionTime"] = finished
        out["durationSeconds"] = int(parse_iso(finished) - parse_iso(st["startTime"]))
    return out


async def read_health(client: ClusterClient, cluster: str, rows: Iterable[ResourceRow],
                      types: Mapping[str, str] | None = None,
                      jobs: list[dict[str, Any]] | None = None) -> list[HealthUpdate]:
    """One GET per object (and its Endpoints / pods where the verdict needs them).
    `types` maps component name → component type: a type's definition judges its own
    workload first (webservice: Ready:<n>/<m>), as KubeVela's health policies do.
    A KubeError ends the cluster's read: the caller marks every row unreachable.
    `jobs` collects the progress of every Job read."""
    out: list[HealthUpdate] = []
    for r in rows:
        res = await client.resource(r.api_version, r.kind)
        live = await client.get(res, r.name, namespace=r.namespace or None)
        eps = None
        if r.kind == "Service" and live is not None:
            ep_res = await client.resource("v1", "Endpoints")
            eps = await client.get(ep_res, r.name, namespace=r.namespace)
        if r.kind == "Job" and live is not None and jobs is not None:
            jobs.append(job_progress(cluster, live))
        typed = component_health((types or {}).get(r.component), live)
        ok, msg = typed or health_mod.judge(live, endpoints=eps)
        if r.kind == "Deployment" and live is not None and not ok:
            # why it is not healthy yet may be in its pods (ImagePullBackOff)
            pods = await deployment_pods(client, live)
            judged, why = health_mod.judge(live, pods=pods)
            ok = ok and judged
            msg = f"{msg} ({why})" if typed and why and why != msg else (why or msg)
        out.append((cluster, r.api_version, r.kind, r.namespace, r.name, ok, msg))
    return out


async def deployment_pods(client: ClusterClient, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The Deployment's pods (by its matchLabels, then by owner); [] when it selects by expression."""
    selector = (deployment.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    if not labels or selector.get("matchExpressions"):
        return []
    md = deployment.get("metadata") or {}
    try:
        res = await client.resource("v1", "Pod")
        listed = await client.list(res, namespace=md.get("namespace"),
                                   label_selector=",".join(f"{k}={v}" for k, v in labels.items()))
    except errors.KubeError:  # e.g. no `list pods`: the Deployment's own status still answers
        return []
    me = f"Deployment/{md.get('name')}"
    return [p for p in listed.items if pod_workload(p) == me]
