"""Component types, each a KubeVela documentation-style input -> the exact objects
KubeVela's definition (vela-templates/definitions/internal/component/*.cue) renders,
and its health/status message as the definition declares it."""

from __future__ import annotations

import pytest

from fleettui.engine import components
from fleettui.engine.components.base import RenderContext
from fleettui.engine.components.status import component_health
from fleettui.engine.errors import AppInvalid
from fleettui.engine.validate import parse_application as parse

CTX = RenderContext("website", "default", "frontend", "website-v1")
POD_LABELS = {"app.oam.dev/name": "website", "app.oam.dev/component": "frontend"}


def render(ctype: str, props: dict) -> list[dict]:
    return components.render_definition(CTX, ctype, props)


def test_webservice_deployment_and_exposed_service():
    objs = render("webservice", {
        "image": "oamdev/testapp:v1", "cmd": ["node", "server.js"],
        "ports": [{"port": 8080, "expose": True}, {"port": 9090, "containerPort": 9091, "protocol": "UDP"}],
        "cpu": "0.5", "memory": "512Mi", "limit": {"cpu": "1"}, "env": [{"name": "A", "value": "1"}],
        "labels": {"tier": "web"}, "imagePullSecrets": ["regcred"],
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
    })
    assert objs == [
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "frontend", "labels": {"workload.oam.dev/type": "webservice"}},
         "spec": {"selector": {"matchLabels": {"app.oam.dev/component": "frontend"}},
                  "template": {"metadata": {"labels": {"tier": "web", **POD_LABELS}},
                               "spec": {"containers": [{
                                   "name": "frontend", "image": "oamdev/testapp:v1", "command": ["node", "server.js"],
                                   "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "port-8080"},
                                             {"containerPort": 9091, "protocol": "UDP", "name": "port-9091-udp"}],
                                   "env": [{"name": "A", "value": "1"}],
                                   "resources": {"requests": {"cpu": "0.5", "memory": "512Mi"},
                                                 "limits": {"cpu": "1", "memory": "512Mi"}},
                                   "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "initialDelaySeconds": 0,
                                                      "periodSeconds": 10, "timeoutSeconds": 1,
                                                      "successThreshold": 1, "failureThreshold": 3}}],
                                   "imagePullSecrets": [{"name": "regcred"}]}}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "frontend", "labels": {"trait.oam.dev/type": "AuxiliaryWorkload",
                                                     "trait.oam.dev/resource": "webserviceExpose"}},
         "spec": {"selector": {"app.oam.dev/component": "frontend"}, "type": "ClusterIP",
                  "ports": [{"port": 8080, "targetPort": 8080, "name": "port-8080", "protocol": "TCP"}]}},
    ]


def test_webservice_volume_mounts_dedup_and_nodeport():
    objs = render("webservice", {
        "image": "nginx", "exposeType": "NodePort", "ports": [{"port": 80, "expose": True, "nodePort": 30080}],
        "volumeMounts": {"configMap": [{"name": "cfg", "mountPath": "/etc/cfg", "cmName": "app-config"}],
                         "emptyDir": [{"name": "cache", "mountPath": "/cache"}, {"name": "cache", "mountPath": "/c2"}]}})
    pod = objs[0]["spec"]["template"]["spec"]
    assert pod["containers"][0]["volumeMounts"] == [{"mountPath": "/etc/cfg", "name": "cfg"},
                                                    {"mountPath": "/cache", "name": "cache"},
                                                    {"mountPath": "/c2", "name": "cache"}]
    assert pod["volumes"] == [{"name": "cfg", "configMap": {"defaultMode": 420, "name": "app-config"}},
                              {"name": "cache", "emptyDir": {"medium": ""}}]
    assert objs[1]["spec"]["type"] == "NodePort"
    assert objs[1]["spec"]["ports"] == [{"port": 80, "targetPort": 80, "name": "port-80", "nodePort": 30080,
                                         "protocol": "TCP"}]


def test_worker_is_a_deployment_without_service():
    objs = render("worker", {"image": "busybox", "cmd": ["sleep", "1000"]})
    assert objs == [{"apiVersion": "apps/v1", "kind": "Deployment",
                     "metadata": {"name": "frontend", "labels": {"workload.oam.dev/type": "worker"}},
                     "spec": {"selector": {"matchLabels": {"app.oam.dev/component": "frontend"}},
                              "template": {"metadata": {"labels": POD_LABELS},
                                           "spec": {"containers": [{"name": "frontend", "image": "busybox",
                                                                    "command": ["sleep", "1000"]}]}}}}]


def test_task_job_named_app_component_with_count_and_restart_never():
    objs = render("task", {"image": "perl", "count": 3, "cmd": ["perl", "-e", "print 1"]})
    assert objs == [{"apiVersion": "batch/v1", "kind": "Job",
                     "metadata": {"name": "website-frontend", "labels": {"workload.oam.dev/type": "task"}},
                     "spec": {"parallelism": 3, "completions": 3,
                              "template": {"metadata": {"labels": POD_LABELS},
                                           "spec": {"restartPolicy": "Never", "containers": [
                                               {"name": "frontend", "image": "perl",
                                                "command": ["perl", "-e", "print 1"]}]}}}}]


def test_cron_task_defaults():
    objs = render("cron-task", {"image": "busybox", "schedule": "*/1 * * * *", "cmd": ["date"]})
    template = {"metadata": {"labels": POD_LABELS},
                "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "frontend", "image": "busybox", "command": ["date"]}]}}
    assert objs == [{"apiVersion": "batch/v1", "kind": "CronJob",
                     "metadata": {"name": "frontend", "labels": {"workload.oam.dev/type": "cron-task"}},
                     "spec": {"schedule": "*/1 * * * *", "concurrencyPolicy": "Allow", "suspend": False,
                              "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                              "jobTemplate": {"metadata": {"labels": POD_LABELS},
                                              "spec": {"parallelism": 1, "completions": 1, "backoffLimit": 6,
                                                       "template": template}}}}]


def test_daemon_names_ports_by_port_only():
    objs = render("daemon", {"image": "fluentd", "ports": [{"port": 24224, "containerPort": 1, "expose": True}]})
    assert objs[0]["kind"] == "DaemonSet"
    assert objs[0]["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 24224, "protocol": "TCP", "name": "port-24224"}]
    assert objs[1]["spec"]["ports"] == [{"port": 24224, "targetPort": 24224, "name": "port-24224"}]
    assert objs[1]["metadata"]["labels"]["trait.oam.dev/resource"] == "webserviceExpose"


def test_statefulset_and_its_service_output_name():
    objs = render("statefulset", {"image": "mysql:8", "ports": [{"port": 3306, "expose": True}], "args": ["--x"]})
    assert objs[0]["kind"] == "StatefulSet" and objs[0]["apiVersion"] == "apps/v1"
    assert objs[0]["spec"]["selector"] == {"matchLabels": {"app.oam.dev/component": "frontend"}}
    assert objs[0]["spec"]["template"]["spec"]["containers"][0]["args"] == ["--x"]
    assert objs[1]["metadata"]["labels"]["trait.oam.dev/resource"] == "statefulsetsExpose"


@pytest.mark.parametrize(("ctype", "live", "expected"), [
    ("webservice", {"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
                    "status": {"observedGeneration": 2, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2}},
     (True, "Ready:2/2")),
    ("webservice", {"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
                    "status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2}},
     (False, "Ready:2/2")),
    ("webservice", {"kind": "Deployment", "metadata": {"annotations": {"app.oam.dev/disable-health-check": "x"}},
                    "spec": {"replicas": 3}, "status": {}}, (True, "Ready:0/3")),
    ("worker", {"kind": "Deployment", "metadata": {"annotations": {"app.oam.dev/disable-health-check": "x"}},
                "spec": {"replicas": 3}, "status": {}}, (False, "Ready:0/3")),
    ("daemon", {"kind": "DaemonSet", "metadata": {"generation": 1},
                "status": {"observedGeneration": 1, "desiredNumberScheduled": 5, "numberReady": 4,
                           "updatedNumberScheduled": 5, "currentNumberScheduled": 5}}, (False, "Ready:4/5")),
    ("task", {"kind": "Job", "spec": {"parallelism": 2}, "status": {"succeeded": 2}},
     (True, "Active/Failed/Succeeded:0/0/2")),
    ("task", {"kind": "Job", "spec": {"parallelism": 2}, "status": {"active": 1, "failed": 1}},
     (False, "Active/Failed/Succeeded:1/1/0")),
    ("webservice", {"kind": "Service"}, None),  # not the workload: judged by kind
    ("k8s-objects", {"kind": "Deployment"}, None),
])
def test_status_per_type(ctype, live, expected):
    assert component_health(ctype, live) == expected


def _app(comp: dict) -> dict:
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": "a", "namespace": "shop"},
            "spec": {"components": [comp], "policies": [{"type": "topology", "properties": {"clusters": ["x"]}}]}}


def test_refusals_name_component_and_field():
    with pytest.raises(AppInvalid) as exc:
        parse(_app({"name": "web", "type": "webservice", "properties": {"imagee": "nginx",
                                                                         "ports": [{"port": 80, "exposed": True}]}}))
    text = "\n".join(f"{p.field}: {p.message}" for p in exc.value.problems)
    assert "spec.components[0].properties.imagee: field 'imagee' is not supported" in text
    assert "spec.components[0].properties.image: required by component type webservice" in text
    assert "spec.components[0].properties.ports[0].exposed" in text
    with pytest.raises(AppInvalid) as exc:
        parse(_app({"name": "web", "type": "helm", "properties": {}}))
    assert any(p.field == "spec.components[0].type" and "'helm'" in p.message for p in exc.value.problems)


def test_anonymous_policies_get_kubevelas_names():
    app = parse(_app({"name": "web", "type": "worker", "properties": {"image": "busybox"}}))
    assert [p.name for p in app.policies] == ["topology-auto-gen-0"]
    assert [s.name for s in app.workflow_steps()] == ["deploy-topology-auto-gen-0"]
