"""Pure tests: health per kind, drift comparison and apply-once, workflow operations as vela does them."""

from __future__ import annotations

import pytest

from fleettui.engine import health, workflow
from fleettui.engine.drift_diff import allowed_paths, diff, effective_drift
from fleettui.engine.durations import parse_duration
from fleettui.engine.errors import OperationRefused
from fleettui.engine.model import Step
from fleettui.engine.validate import parse_application


def dep(replicas=2, ready=2, updated=2, available=2, gen=3, observed=3):
    return {"kind": "Deployment", "metadata": {"generation": gen}, "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "replicas": replicas, "readyReplicas": ready,
                       "updatedReplicas": updated, "availableReplicas": available}}


def test_deployment_health():
    assert health.judge(dep()) == (True, "Ready:2/2")
    assert not health.judge(dep(updated=1))[0]
    assert not health.judge(dep(observed=2))[0]
    assert health.judge(None) == (False, "not found")


def test_deployment_health_names_its_pods_problem():
    stuck = dep(ready=0, available=0)
    pulling = {"metadata": {"labels": {"pod-template-hash": "h"},
                            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-h", "controller": True}]},
               "status": {"phase": "Pending",
                          "containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}
    ok, msg = health.judge(stuck, pods=[pulling])
    assert not ok and msg == "Ready:0/2 (degraded: ImagePullBackOff (progressing))"
    assert health.judge(stuck)[1] == "Ready:0/2 (2 updated, 0 available)"


def test_other_kinds_health():
    job_done = {"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}}
    job_failed = {"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True", "message": "boom"}]}}
    assert health.judge(job_done)[0] and not health.judge(job_failed)[0]
    ds = {"kind": "DaemonSet", "metadata": {"generation": 1},
          "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3}}
    assert health.judge(ds) == (False, "Ready:2/3")
    svc = {"kind": "Service", "spec": {"selector": {"app": "x"}}}
    assert not health.judge(svc, endpoints={"subsets": []})[0]
    assert health.judge(svc, endpoints={"subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]})[0]
    assert health.judge({"kind": "ConfigMap"})[0]


def test_drift_only_in_managed_fields():
    desired = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "labels": {"a": "1"}},
               "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}
    live = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "w", "uid": "u", "labels": {"a": "1", "other": "z"}},
            "spec": {"replicas": 2, "strategy": {"type": "RollingUpdate"},
                     "template": {"spec": {"containers": [{"name": "c", "image": "x:1", "imagePullPolicy": "IfNotPresent"}]}}},
            "status": {"replicas": 2}}
    assert diff(desired, live) == []
    live["spec"]["replicas"] = 5
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "x:2"
    assert diff(desired, live) == ["spec.replicas", "spec.template.spec.containers[0].image"]


def test_apply_once_paths():
    d = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
         "spec": {"components": [{"name": "web", "type": "k8s-objects", "properties": {"objects": [
             {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}]}}],
             "policies": [{"name": "t", "type": "topology", "properties": {"clusters": ["a"]}},
                          {"name": "once", "type": "apply-once", "properties": {"enable": True, "rules": [
                              {"selector": {"resourceTypes": ["Deployment"]},
                               "strategy": {"path": ["spec.replicas"], "affect": "onStateKeep"}}]}}]}}
    app = parse_application(d)
    allowed = allowed_paths(app, component="web", kind="Deployment", name="w", affect="onStateKeep")
    assert allowed == ["spec.replicas"]
    assert effective_drift(["spec.replicas", "spec.template"], allowed) == ["spec.template"]
    assert allowed_paths(app, component="web", kind="ConfigMap", name="x", affect="onStateKeep") is None
    assert allowed_paths(app, component="web", kind="Deployment", name="w", affect="onUpdate") is None


def _status(*phases_, suspend=False):
    return {"workflow": {"suspend": suspend, "terminated": False, "finished": False, "steps": [
        {"name": f"s{i}", "type": "suspend", "phase": p} for i, p in enumerate(phases_)]}}


def test_resume_as_vela():
    st = _status("succeeded", "suspending", "pending", suspend=True)
    wf = workflow.resume(st)
    assert wf["suspend"] is False and [s["phase"] for s in wf["steps"]] == ["succeeded", "running", "pending"]
    assert st["workflow"]["suspend"] is True  # input untouched
    assert workflow.resume(_status("running")) is None  # not suspended
    with pytest.raises(OperationRefused, match="can not find step s9"):
        workflow.resume(st, "s9")
    group = {"workflow": {"suspend": True, "steps": [{"name": "g", "type": "step-group", "phase": "suspending",
                                                        "subSteps": [{"name": "x", "phase": "suspending"},
                                                                     {"name": "y", "phase": "suspending"}]}]}}
    wf = workflow.resume(group, "x")
    assert [s["phase"] for s in wf["steps"][0]["subSteps"]] == ["running", "suspending"]


def test_suspend_and_terminate_as_vela():
    wf = workflow.suspend(_status("succeeded", "running"))
    assert wf["suspend"] and wf["steps"][1]["phase"] == "suspending"
    wf = workflow.terminate(_status("succeeded", "suspending", "pending", suspend=True))
    assert wf["terminated"] and not wf["suspend"]
    assert [(s["phase"], s.get("reason")) for s in wf["steps"]] == [("succeeded", None), ("failed", "Terminate"),
                                                                     ("pending", None)]
    with pytest.raises(OperationRefused):
        workflow.resume({"workflow": wf})
    with pytest.raises(OperationRefused, match="not running"):
        workflow.suspend({})


def test_restart_from_step():
    steps = (Step("a", "suspend"), Step("b", "suspend"), Step("c", "suspend"))
    st = _status("succeeded", "succeeded", "failed")
    st["workflow"]["steps"] = [{**s, "name": n} for s, n in zip(st["workflow"]["steps"], "abc", strict=True)]
    st["workflow"]["terminated"] = True
    wf = workflow.restart_from(st, steps, "b")
    assert [(s["name"], s["phase"]) for s in wf["steps"]] == [("a", "succeeded"), ("b", "pending"), ("c", "pending")]
    assert wf["terminated"] is False


def test_durations():
    assert parse_duration("1m30s") == 90 and parse_duration("2h") == 7200
    with pytest.raises(ValueError):
        parse_duration("5 minutes")


def test_app_phase_words():
    assert workflow.app_phase({}, deleting=True, healthy=True) == "deleting"
    assert workflow.app_phase({"workflow": {"suspend": True}}, deleting=False, healthy=True) == "workflowSuspending"
    assert workflow.app_phase({"workflow": {"terminated": True, "status": "failed"}}, deleting=False,
                              healthy=True) == "workflowFailed"
    assert workflow.app_phase({"workflow": {"finished": True}}, deleting=False, healthy=False) == "unhealthy"


def test_resume_a_step_group_resumes_its_suspending_sub_steps():
    group = {"workflow": {"suspend": True, "steps": [
        {"name": "first", "type": "deploy", "phase": "succeeded"},
        {"name": "g", "type": "step-group", "phase": "suspending",
         "subSteps": [{"name": "x", "phase": "suspending"}, {"name": "y", "phase": "succeeded"}]}]}}
    wf = workflow.resume(group, "g")
    assert wf["suspend"] is False and wf["steps"][1]["phase"] == "running"
    assert [s["phase"] for s in wf["steps"][1]["subSteps"]] == ["running", "succeeded"]
    assert group["workflow"]["steps"][1]["subSteps"][0]["phase"] == "suspending"  # input untouched


def test_a_step_that_matches_nothing_is_an_error_naming_the_valid_ones():
    group = {"workflow": {"suspend": False, "steps": [
        {"name": "first", "type": "deploy", "phase": "succeeded"},
        {"name": "g", "type": "step-group", "phase": "running", "subSteps": [{"name": "x", "phase": "running"}]}]}}
    # even when nothing is suspended (before: "not suspended", exit 0, nothing said about the typo)
    for op in (workflow.resume, workflow.suspend):
        with pytest.raises(OperationRefused, match=r"can not find step gg; the steps are: first, g \(sub-steps: x\)"):
            op(group, "gg")
    group["workflow"]["suspend"] = True
    group["workflow"]["steps"][1]["subSteps"][0]["phase"] = "suspending"
    with pytest.raises(OperationRefused, match="step first is not suspending .*waiting: x"):
        workflow.resume(group, "first")


def test_waiting_step_walks_the_workflow_in_order_sub_steps_included():
    # the walk the rollouts pane's "resume the waiting step" uses; it lived in the TUI
    gate = {"id": "b", "name": "gate", "type": "suspend", "phase": "suspending"}
    group = {"id": "a", "name": "group", "type": "step-group", "phase": "running", "subSteps": [gate]}
    assert workflow.waiting_step([group]) == "gate"
    # a step-group suspends through its sub-steps: it is named first, and resuming it resumes them
    group_waiting = {**group, "phase": "suspending"}
    assert workflow.waiting_step([group_waiting]) == "group"
    later = {"id": "c", "name": "approve", "type": "suspend", "phase": "suspending"}
    done = {"id": "d", "name": "canary", "type": "deploy", "phase": "succeeded"}
    assert workflow.waiting_step([done, later, group]) == "approve"
    assert workflow.waiting_step([done, {**group, "subSteps": [{**gate, "phase": "succeeded"}]}]) is None
    assert workflow.waiting_step([]) is None
