"""Job controller: run pods until `completions` succeed, then Complete.

Pods carry the labels the API server adds to a Job's template
(batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name and the
legacy controller-uid/job-name). The kubelet simulation lets a Job's pod exit 0
after 5 simulated seconds (override per pod template with the annotation
`sim.fleettui.io/run-seconds`). On success the Job gets SuccessCriteriaMet and
Complete conditions (reason CompletionsReached) and completionTime, as
Kubernetes 1.31+ reports them. Pods annotated `sim.fleettui.io/exit-code: "1"`
fail; past spec.backoffLimit (default 6) failed pods the Job gets FailureTarget
and Failed (BackoffLimitExceeded). CronJobs are left idle.
"""

from __future__ import annotations

from typing import Any

from .objects import find_condition, meta, pod_is_active, pod_is_ready, pod_template_from
from .runtime import ClusterRuntime

RESOURCE = "jobs.batch"
COMPONENT = "job-controller"


def reconcile(rt: ClusterRuntime, namespace: str, name: str) -> None:
    job = rt.cluster.get(RESOURCE, namespace, name)
    if job is None or meta(job).get("deletionTimestamp"):
        return
    spec = job.get("spec") or {}
    old = job.get("status") or {}
    if find_condition(old.get("conditions"), "Complete") or find_condition(old.get("conditions"), "Failed"):
        return
    completions = spec.get("completions")
    completions = 1 if completions is None else int(completions)
    parallelism = 1 if spec.get("parallelism") is None else int(spec["parallelism"])
    pods = rt.owned(job, "pods")
    active = [p for p in pods if pod_is_active(p)]
    succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
    failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
    now = rt.iso()
    status: dict[str, Any] = {"startTime": old.get("startTime") or now}
    if spec.get("suspend"):
        status.pop("startTime")

    if succeeded >= completions:
        status["completionTime"] = now
        done = {"status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"}
        status["conditions"] = [{"type": "SuccessCriteriaMet", **done}, {"type": "Complete", **done}]
        rt.event(job, "Completed", "Job completed", type="Normal", component=COMPONENT)
    elif failed > int(spec.get("backoffLimit", 6)):
        # FailureTarget then Failed, as the job controller reports since 1.31; running pods are stopped.
        gone = {"status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}
        status["conditions"] = [{"type": "FailureTarget", **gone}, {"type": "Failed", **gone}]
        for pod in active:
            rt.cluster.delete("pods", namespace, meta(pod)["name"])
        active = []
        rt.event(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", component=COMPONENT)
    elif not spec.get("suspend"):
        want = min(parallelism, completions - succeeded) - len(active)
        for _ in range(max(want, 0)):
            active.append(_create_pod(rt, job))
    status["active"] = len([p for p in active if pod_is_active(p)]) if succeeded < completions else 0
    status["ready"] = sum(1 for p in active if pod_is_ready(p)) if succeeded < completions else 0
    status["succeeded"] = succeeded
    status["failed"] = failed
    status["terminating"] = 0
    status["uncountedTerminatedPods"] = {}
    for f in ("active", "succeeded", "failed"):  # omitempty; ready/terminating are pointers, kept
        if not status[f]:
            del status[f]
    rt.cluster.set_status(RESOURCE, namespace, name, status)


def _create_pod(rt: ClusterRuntime, job: dict) -> dict:
    m = meta(job)
    uid, name = m.get("uid", ""), m["name"]
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
              "controller-uid": uid, "job-name": name}
    template = (job.get("spec") or {}).get("template") or {}
    pod = pod_template_from(template, namespace=m.get("namespace", ""), owner=job, extra_labels=labels)
    pod["metadata"]["generateName"] = f"{name}-"
    pod["spec"]["restartPolicy"] = (template.get("spec") or {}).get("restartPolicy") or "Never"
    created = rt.cluster.create("pods", pod)
    rt.event(job, "SuccessfulCreate", f"Created pod: {meta(created)['name']}", type="Normal", component=COMPONENT)
    return created
