"""Kubernetes object semantics shared by summaries, store roll-ups and the engine."""

from __future__ import annotations

from fleettui.config.objects import (
    deployment_rollout,
    pod_waiting_problem,
    pod_workload,
    with_pod_problems,
)


def pod(reason=None, *, owner=("ReplicaSet", "web-5d4f8"), pth="5d4f8", phase="Pending", init=False):
    state = {"waiting": {"reason": reason}} if reason else {"running": {}}
    key = "initContainerStatuses" if init else "containerStatuses"
    return {
        "metadata": {"name": "web-5d4f8-x", "labels": {"pod-template-hash": pth} if pth else {},
                     "ownerReferences": [{"kind": owner[0], "name": owner[1], "controller": True}]},
        "status": {"phase": phase, key: [{"name": "c", "state": state}]},
    }


def rolling(ready=0):
    return {"kind": "Deployment", "metadata": {"generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                       "readyReplicas": ready, "availableReplicas": ready,
                       "conditions": [{"type": "Progressing", "status": "True",
                                       "reason": "ReplicaSetUpdated"}]}}


def test_waiting_reasons_that_do_not_fix_themselves():
    for reason in ("ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError"):
        assert pod_waiting_problem(pod(reason)) == reason
    assert pod_waiting_problem(pod("CrashLoopBackOff", init=True)) == "CrashLoopBackOff"
    assert pod_waiting_problem(pod("ContainerCreating")) is None
    assert pod_waiting_problem(pod(None, phase="Running")) is None
    assert pod_waiting_problem(pod("ImagePullBackOff", phase="Failed")) is None


def test_a_pod_belongs_to_its_deployment_through_the_replicaset():
    assert pod_workload(pod()) == "Deployment/web"
    assert pod_workload(pod(pth=None)) == "ReplicaSet/web-5d4f8"  # a bare ReplicaSet
    assert pod_workload(pod(owner=("StatefulSet", "db"))) == "StatefulSet/db"


def test_image_pull_backoff_is_degraded_now_with_kubernetes_word_beside_it():
    r = deployment_rollout(rolling())
    assert r.health == "progressing"  # what the Deployment's status says, until its deadline
    health, message = with_pod_problems(r.health, r.message, ["ImagePullBackOff", "ImagePullBackOff"])
    assert health == "degraded"
    assert message == "0/2 ready — ImagePullBackOff ×2 (progressing)"
    assert with_pod_problems(r.health, r.message, []) == (r.health, r.message)  # recovered: back
    # a problem already shown by the workload's own status is not overwritten
    assert with_pod_problems("unhealthy", "0/2 ready — ProgressDeadlineExceeded",
                             ["ImagePullBackOff"]) == ("unhealthy", "0/2 ready — ProgressDeadlineExceeded")


# -- API conventions and the one rollout rule per workload kind ----------------------

from fleettui.config.objects import (  # noqa: E402
    condition,
    condition_true,
    conditions,
    daemonset_rollout,
    first_label,
    observed,
    statefulset_rollout,
)
from fleettui.engine import health as engine_health  # noqa: E402
from fleettui.sync.summaries import summarize  # noqa: E402


def test_condition_lookup():
    obj = {"status": {"conditions": [{"type": "Ready", "status": "True"},
                                     {"status": "True"},  # no type: ignored
                                     {"type": "DiskPressure", "status": "Unknown"}]}}
    assert set(conditions(obj)) == {"Ready", "DiskPressure"}
    assert condition(obj, "Ready") == {"type": "Ready", "status": "True"}
    assert condition(obj, "Available") is None and condition({}, "Ready") is None
    assert condition_true(obj, "Ready") and not condition_true(obj, "DiskPressure")


def test_observed_generation():
    assert observed({})  # no generation: nothing to wait for
    assert not observed({"metadata": {"generation": 2}})
    assert not observed({"metadata": {"generation": 2}, "status": {"observedGeneration": 1}})
    assert observed({"metadata": {"generation": 2}, "status": {"observedGeneration": 2}})


def test_first_label_prefers_the_first_key_set():
    keys = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
    assert first_label({"failure-domain.beta.kubernetes.io/zone": "b"}, keys) == "b"
    assert first_label({"topology.kubernetes.io/zone": "a",
                        "failure-domain.beta.kubernetes.io/zone": "b"}, keys) == "a"
    assert first_label({"topology.kubernetes.io/zone": ""}, keys) is None


def sts(*, ready=3, current=3, updated=3, cur_rev="r1", upd_rev="r1", strategy=None, gen=1, seen=1):
    spec = {"replicas": 3, **({"updateStrategy": {"type": strategy}} if strategy else {})}
    return {"kind": "StatefulSet", "metadata": {"generation": gen}, "spec": spec,
            "status": {"observedGeneration": seen, "readyReplicas": ready, "currentReplicas": current,
                       "updatedReplicas": updated, "currentRevision": cur_rev, "updateRevision": upd_rev}}


def ds(*, ready=3, updated=3, misscheduled=0, gen=1, seen=1):
    return {"kind": "DaemonSet", "metadata": {"generation": gen},
            "status": {"observedGeneration": seen, "desiredNumberScheduled": 3, "numberReady": ready,
                       "updatedNumberScheduled": updated, "numberMisscheduled": misscheduled}}


def test_statefulset_and_daemonset_rollouts():
    assert statefulset_rollout(sts()).health == "healthy"
    assert statefulset_rollout(sts(seen=0)).message == "3/3 ready — waiting for the controller"
    assert statefulset_rollout(sts(updated=1, upd_rev="r2")).message == "3/3 ready — 1 updated"
    # OnDelete never rolls by itself: a revision gap under it is not progress
    assert statefulset_rollout(sts(upd_rev="r2", strategy="OnDelete")).health == "healthy"
    assert statefulset_rollout(sts(ready=0)).health == "unhealthy"
    assert daemonset_rollout(ds(misscheduled=1)).message == "3/3 ready — 1 misscheduled"
    assert daemonset_rollout(ds(updated=2)).health == "progressing"


CASES = [
    sts(), sts(seen=0), sts(updated=1, upd_rev="r2"), sts(upd_rev="r2", strategy="OnDelete"),
    sts(ready=2), sts(ready=0), sts(current=1, updated=1),
    ds(), ds(seen=0), ds(updated=2), ds(ready=2), ds(ready=0), ds(misscheduled=1),
]


def test_engine_and_dashboard_judge_workloads_by_one_rule():
    """The engine's health check and the workloads pane read the same rollout: an app
    resource is healthy exactly when its row says healthy (they were two copies that
    disagreed on OnDelete StatefulSets and misscheduled DaemonSet pods)."""
    for obj in CASES:
        row = summarize(obj["kind"], obj)
        ok, msg = engine_health.judge(obj)
        assert ok == (row["health"] == "healthy"), (obj, row, msg)
        assert msg.startswith(f"Ready:{row['ready']}/{row['desired']}")
