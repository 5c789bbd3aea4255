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
