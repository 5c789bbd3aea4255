"""Traits, each a KubeVela documentation-style input -> the exact patch or objects its
definition (vela-templates/definitions/internal/trait/*.cue) produces."""

from __future__ import annotations

import copy

import pytest

from fleettui.engine import components
from fleettui.engine.components.base import RenderContext

CTX = RenderContext("website", "default", "frontend", "website-v1")
PROBE = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
         "failureThreshold": 3}


def base(**props) -> list[dict]:
    return components.render_definition(CTX, "webservice", {"image": "nginx:1.27", **props})


def apply(trait: str, props: dict, objs: list[dict] | None = None) -> list[dict]:
    objs = objs if objs is not None else base()
    before = copy.deepcopy(objs)
    out = components.apply_traits(CTX, objs, [(trait, props)])
    assert objs == before  # the input is not touched
    return out


def container(objs: list[dict], i: int = 0) -> dict:
    return objs[0]["spec"]["template"]["spec"]["containers"][i]


def pod(objs: list[dict]) -> dict:
    return objs[0]["spec"]["template"]["spec"]


def test_scaler():
    assert apply("scaler", {"replicas": 3})[0]["spec"]["replicas"] == 3
    assert apply("scaler", {})[0]["spec"]["replicas"] == 1


def test_labels_and_annotations_reach_the_pod_template():
    out = apply("labels", {"release": "stable"})
    assert out[0]["metadata"]["labels"]["release"] == "stable"
    assert out[0]["spec"]["template"]["metadata"]["labels"]["release"] == "stable"
    cron = components.render_definition(CTX, "cron-task", {"image": "busybox", "schedule": "@daily"})
    out = apply("annotations", {"owner": "team-a"}, cron)
    assert out[0]["spec"]["jobTemplate"]["metadata"]["annotations"] == {"owner": "team-a"}
    assert out[0]["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"] == {"owner": "team-a"}


def test_env_keeps_order_sets_and_unsets():
    objs = base(env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    out = apply("env", {"env": {"B": "20", "C": "3"}, "unset": ["A"]}, objs)
    assert container(out)["env"] == [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]
    out = apply("env", {"env": {"C": "3"}, "replace": True}, objs)
    assert container(out)["env"] == [{"name": "C", "value": "3"}]
    with pytest.raises(ValueError, match="container nope not found"):
        apply("env", {"containerName": "nope", "env": {"X": "1"}})


def test_resource():
    out = apply("resource", {"cpu": 0.5, "memory": "200Mi"})
    assert container(out)["resources"] == {"requests": {"cpu": 0.5, "memory": "200Mi"},
                                           "limits": {"cpu": 0.5, "memory": "200Mi"}}
    out = apply("resource", {"requests": {"cpu": "250m"}, "limits": {"cpu": "1", "memory": "1Gi"}})
    assert container(out)["resources"] == {"requests": {"cpu": "250m", "memory": "2048Mi"},
                                           "limits": {"cpu": "1", "memory": "1Gi"}}


def test_command_and_args():
    objs = base(args=["10", "--v"])
    out = apply("command", {"command": ["sleep"], "addArgs": ["--x"], "delArgs": ["--v"]}, objs)
    assert container(out)["command"] == ["sleep"] and container(out)["args"] == ["10", "--x"]
    with pytest.raises(ValueError, match="addArgs/delArgs and args"):
        apply("command", {"args": ["a"], "addArgs": ["b"]})


def test_container_image_and_ports():
    out = apply("container-image", {"image": "nginx:1.28", "imagePullPolicy": "Always"})
    assert container(out)["image"] == "nginx:1.28" and container(out)["imagePullPolicy"] == "Always"
    objs = base(ports=[{"port": 80}])
    out = apply("container-ports", {"ports": [{"containerPort": 80, "hostPort": 8080},
                                              {"containerPort": 53, "protocol": "UDP"}]}, objs)
    assert container(out)["ports"] == [{"containerPort": 80, "protocol": "TCP", "name": "port-80", "hostPort": 8080},
                                       {"containerPort": 53, "protocol": "UDP"}]


def test_expose_adds_a_service():
    out = apply("expose", {"port": [80, 443], "type": "LoadBalancer"})
    assert out[1] == {"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": "frontend", "annotations": {},
                                   "labels": {"trait.oam.dev/type": "expose", "trait.oam.dev/resource": "service"}},
                      "spec": {"selector": {"app.oam.dev/component": "frontend"}, "type": "LoadBalancer",
                               "ports": [{"name": "port-80", "port": 80, "targetPort": 80},
                                         {"name": "port-443", "port": 443, "targetPort": 443}]}}


def test_gateway_ingress_and_service():
    out = apply("gateway", {"domain": "testsvc.example.com", "http": {"/": 8000, "/api": 9000}})
    svc, ing = out[1], out[2]
    assert svc["metadata"]["name"] == "frontend"
    assert svc["spec"]["ports"] == [{"name": "port-8000", "port": 8000, "targetPort": 8000},
                                    {"name": "port-9000", "port": 9000, "targetPort": 9000}]
    assert ing["apiVersion"] == "networking.k8s.io/v1" and ing["metadata"]["name"] == "frontend"
    assert ing["metadata"]["annotations"] == {"kubernetes.io/ingress.class": "nginx"}
    assert ing["spec"] == {"rules": [{"host": "testsvc.example.com", "http": {"paths": [
        {"path": "/", "pathType": "ImplementationSpecific",
         "backend": {"service": {"name": "frontend", "port": {"number": 8000}}}},
        {"path": "/api", "pathType": "ImplementationSpecific",
         "backend": {"service": {"name": "frontend", "port": {"number": 9000}}}}]}}]}
    named = apply("gateway", {"name": "admin", "http": {"/": 80}, "classInSpec": True, "existingServiceName": "s"})
    assert len(named) == 2 and named[1]["metadata"]["name"] == "frontend-admin"
    assert named[1]["spec"]["ingressClassName"] == "nginx"
    assert named[1]["metadata"]["labels"]["trait.oam.dev/resource"] == "ingress-admin"


def test_storage_volumes_mounts_env_and_objects():
    out = apply("storage", {
        "pvc": [{"name": "data", "mountPath": "/data"}],
        "configMap": [{"name": "cfg", "mountPath": "/etc/cfg", "data": {"k": "v"},
                       "mountToEnv": {"envName": "K", "configMapKey": "k"}}],
        "secret": [{"name": "tok", "mountPath": "/tok", "mountOnly": True}],
        "emptyDir": [{"name": "tmp", "mountPath": "/tmp"}],
        "hostPath": [{"name": "log", "path": "/var/log", "mountPath": "/log"}]})
    assert pod(out)["volumes"] == [
        {"name": "pvc-data", "persistentVolumeClaim": {"claimName": "data"}},
        {"name": "configmap-cfg", "configMap": {"defaultMode": 420, "name": "cfg"}},
        {"name": "secret-tok", "secret": {"defaultMode": 420, "secretName": "tok"}},
        {"name": "emptydir-tmp", "emptyDir": {"medium": ""}},
        {"name": "hostpath-log", "hostPath": {"path": "/var/log", "type": "Directory"}}]
    assert [m["name"] for m in container(out)["volumeMounts"]] == [
        "pvc-data", "configmap-cfg", "secret-tok", "emptydir-tmp", "hostpath-log"]
    assert container(out)["env"] == [{"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}]
    assert [(o["kind"], o["metadata"]["name"]) for o in out[1:]] == [("PersistentVolumeClaim", "data"),
                                                                    ("ConfigMap", "cfg")]
    assert out[1]["spec"] == {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem",
                              "resources": {"requests": {"storage": "8Gi"}}}


def test_sidecar_and_init_container():
    out = apply("sidecar", {"name": "log", "image": "busybox", "cmd": ["tail"], "volumes": [{"name": "v", "path": "/v"}],
                            "readinessProbe": {"exec": {"command": ["true"]}}})
    assert container(out, 1) == {"name": "log", "image": "busybox", "command": ["tail"],
                                 "volumeMounts": [{"mountPath": "/v", "name": "v"}],
                                 "readinessProbe": {"exec": {"command": ["true"]}, **PROBE}}
    out = apply("init-container", {"name": "init", "image": "busybox", "appMountPath": "/app",
                                   "initMountPath": "/init"})
    assert pod(out)["initContainers"] == [{"name": "init", "image": "busybox", "imagePullPolicy": "IfNotPresent",
                                           "volumeMounts": [{"name": "workdir", "mountPath": "/init"}]}]
    assert container(out)["volumeMounts"] == [{"name": "workdir", "mountPath": "/app"}]
    assert pod(out)["volumes"] == [{"name": "workdir", "emptyDir": {}}]


def test_autoscalers():
    out = apply("hpa", {"min": 2, "max": 5, "cpu": {"value": 80}})
    assert out[1]["apiVersion"] == "autoscaling/v2" and out[1]["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "frontend"},
        "minReplicas": 2, "maxReplicas": 5,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                      "target": {"type": "Utilization", "averageUtilization": 80}}}]}
    out = apply("cpuscaler", {"cpuUtil": 60})
    assert out[1]["apiVersion"] == "autoscaling/v1" and out[1]["spec"]["targetCPUUtilizationPercentage"] == 60
    assert out[1]["spec"]["minReplicas"] == 1 and out[1]["spec"]["maxReplicas"] == 10


def test_service_account_with_privileges():
    out = apply("service-account", {"name": "robot", "create": True, "privileges": [
        {"verbs": ["get"], "resources": ["pods"]}, {"verbs": ["list"], "resources": ["nodes"], "scope": "cluster"}]})
    assert pod(out)["serviceAccountName"] == "robot"
    assert [(o["kind"], o["metadata"]["name"]) for o in out[1:]] == [
        ("ServiceAccount", "robot"), ("ClusterRole", "default:robot"), ("ClusterRoleBinding", "default:robot"),
        ("Role", "robot"), ("RoleBinding", "robot")]


def test_securitycontext_lifecycle_startup_probe():
    out = apply("securitycontext", {"runAsUser": 1000, "dropCapabilities": ["ALL"]})
    assert container(out)["securityContext"] == {"capabilities": {"drop": ["ALL"]}, "runAsUser": 1000,
                                                 "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": False,
                                                 "privileged": False, "runAsNonRoot": True}
    out = apply("lifecycle", {"preStop": {"httpGet": {"path": "/stop", "port": 80}}})
    assert container(out)["lifecycle"] == {"preStop": {"httpGet": {"path": "/stop", "port": 80, "scheme": "HTTP"}}}
    out = apply("startup-probe", {"httpGet": {"path": "/healthz", "port": 8080}, "failureThreshold": 30})
    assert container(out)["startupProbe"] == {"httpGet": {"path": "/healthz", "port": 8080},
                                              **PROBE, "failureThreshold": 30}


def test_topology_spread_and_update_strategy():
    out = apply("topologyspreadconstraints", {"constraints": [
        {"maxSkew": 1, "topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "x"}}}]})
    assert pod(out)["topologySpreadConstraints"] == [{"maxSkew": 1, "topologyKey": "zone",
                                                      "whenUnsatisfiable": "DoNotSchedule",
                                                      "labelSelector": {"matchLabels": {"app": "x"}}}]
    out = apply("k8s-update-strategy", {"strategy": {"type": "RollingUpdate"}})
    assert out[0]["spec"]["strategy"] == {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}


def test_json_patches():
    out = apply("json-patch", {"operations": [{"op": "add", "path": "/spec/paused", "value": True}]})
    assert out[0]["spec"]["paused"] is True
    out = apply("json-merge-patch", {"spec": {"minReadySeconds": 5}})
    assert out[0]["spec"]["minReadySeconds"] == 5


def test_every_registered_trait_has_a_test_here():
    import inspect
    import sys

    src = inspect.getsource(sys.modules[__name__])
    assert all(f'"{t}"' in src for t in components.TRAIT_TYPES)


AFFINITY_TERM = {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}


@pytest.mark.parametrize(("props", "expected"), [
    # KubeVela's own examples (affinity_test.cue), input -> the pod spec's affinity/tolerations
    ({"podAffinity": {"required": [AFFINITY_TERM]}},
     {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [AFFINITY_TERM]}}}),
    ({"podAntiAffinity": {"preferred": [{"weight": 50, "podAffinityTerm": AFFINITY_TERM}]}},
     {"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
         {"weight": 50, "podAffinityTerm": AFFINITY_TERM}]}}}),
    ({"podAffinity": {"required": [{"topologyKey": "zone", "namespaces": ["shop", "cache"],
                                    "namespaceSelector": {"matchLabels": {"team": "shop"}}}]}},
     {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         {"namespaces": ["shop", "cache"], "topologyKey": "zone",
          "namespaceSelector": {"matchLabels": {"team": "shop"}}}]}}}),
    ({"podAffinity": {"required": [{"topologyKey": "zone",
                                    "labelSelector": {"matchExpressions": [{"key": "app", "values": ["cache"]}]}}]}},
     {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["cache"]}]},
          "topologyKey": "zone"}]}}}),
    ({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "disktype", "values": ["ssd"]}]}]},
                       "preferred": [{"weight": 10, "preference": {"matchFields": [
                           {"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}]}}]}},
     {"affinity": {"nodeAffinity": {
         "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
             {"matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd"]}]}]},
         "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "preference": {"matchFields": [
             {"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}]}}]}}}),
    ({"tolerations": [{"key": "dedicated", "value": "shop", "effect": "NoSchedule"},
                      {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
     {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "shop", "effect": "NoSchedule"},
                      {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]}),
    ({}, {}),
])
def test_affinity(props, expected):
    before = pod(base())
    out = pod(apply("affinity", props))
    assert {k: out[k] for k in ("affinity", "tolerations") if k in out} == expected
    assert {k: v for k, v in out.items() if k not in ("affinity", "tolerations")} == before


def test_affinity_merges_with_what_the_workload_has_and_reaches_a_job():
    objs = base()
    pod(objs)["affinity"] = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []},
                             "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                                 {"weight": 1, "podAffinityTerm": AFFINITY_TERM}]}}
    out = pod(apply("affinity", {"podAffinity": {"required": [AFFINITY_TERM]}}, objs))
    assert out["affinity"] == {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []},
                               "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                                   {"weight": 1, "podAffinityTerm": AFFINITY_TERM}],
                                   "requiredDuringSchedulingIgnoredDuringExecution": [AFFINITY_TERM]}}
    job = components.render_definition(CTX, "task", {"image": "busybox"})
    out = apply("affinity", {"tolerations": [{"key": "gpu", "operator": "Exists"}]}, job)
    assert out[0]["spec"]["template"]["spec"]["tolerations"] == [{"key": "gpu", "operator": "Exists"}]


@pytest.mark.parametrize(("props", "field"), [
    ({"podAffinity": {"preferred": [{"weight": 101, "podAffinityTerm": AFFINITY_TERM}]}},
     "podAffinity.preferred[0].weight"),
    ({"tolerations": [{"key": "dedicated", "effect": "Sometimes"}]}, "tolerations[0].effect"),
    ({"podAffinity": {"required": [{"labelSelector": {"matchLabels": {"app": "cache"}}}]}},
     "podAffinity.required[0].topologyKey"),
    ({"podAntiAffinity": {"required": [{**AFFINITY_TERM, "namespace": "shop"}]}},
     "podAntiAffinity.required[0].namespace"),
    ({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "Near"}]}]}}},
     "nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].operator"),
    ({"nodeAffinity": {"requird": {}}}, "nodeAffinity.requird"),
])
def test_affinity_refuses_what_its_schema_refuses_naming_the_field(props, field):
    from fleettui.engine.errors import AppInvalid
    from fleettui.engine.validate import parse_application

    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
           "spec": {"components": [{"name": "web", "type": "webservice", "properties": {"image": "nginx"},
                                    "traits": [{"type": "affinity", "properties": props}]}],
                    "policies": [{"name": "t", "type": "topology", "properties": {"clusters": ["c1"]}}]}}
    with pytest.raises(AppInvalid) as err:
        parse_application(doc)
    assert [x.field for x in err.value.problems] == [f"spec.components[0].traits[0].properties.{field}"]
    with pytest.raises(ValueError, match="trait affinity: " + field.replace("[", r"\[").replace("]", r"\]")):
        apply("affinity", props)


def _with_aliases(aliases: list[dict] | None) -> list[dict]:
    objs = base()
    if aliases is not None:
        pod(objs)["hostAliases"] = aliases
    return objs


DB = {"ip": "10.0.0.1", "hostnames": ["db.internal"]}


@pytest.mark.parametrize(("existing", "given", "expected"), [
    # hostalias_test.cue's cases: merged by ip, host names listed once
    ([DB], [{"ip": "10.0.0.2", "hostnames": ["cache.internal", "redis.internal"]}],
     [DB, {"ip": "10.0.0.2", "hostnames": ["cache.internal", "redis.internal"]}]),
    ([DB], [{"ip": "10.0.0.1", "hostnames": ["postgres.internal"]}],
     [{"ip": "10.0.0.1", "hostnames": ["db.internal", "postgres.internal"]}]),
    ([DB], [{"ip": "10.0.0.1", "hostnames": ["db.internal", "postgres.internal", "postgres.internal"]}],
     [{"ip": "10.0.0.1", "hostnames": ["db.internal", "postgres.internal"]}]),
    (None, [{"ip": "10.0.0.2", "hostnames": ["cache.internal"]}], [{"ip": "10.0.0.2", "hostnames": ["cache.internal"]}]),
    ([DB], [], [DB]),
    (None, [{"ip": "10.0.0.2", "hostnames": ["cache.internal"]}, {"ip": "10.0.0.3", "hostnames": ["queue.internal"]},
            {"ip": "10.0.0.2", "hostnames": ["redis.internal", "cache.internal"]}],
     [{"ip": "10.0.0.2", "hostnames": ["cache.internal", "redis.internal"]},
      {"ip": "10.0.0.3", "hostnames": ["queue.internal"]}]),
    ([{"ip": "10.0.0.9"}], [{"ip": "10.0.0.9", "hostnames": ["metrics.internal"]}],
     [{"ip": "10.0.0.9", "hostnames": ["metrics.internal"]}]),
])
def test_hostalias(existing, given, expected):
    assert pod(apply("hostalias", {"hostAliases": given}, _with_aliases(existing)))["hostAliases"] == expected


def test_hostalias_needs_an_ip():
    with pytest.raises(ValueError, match=r"trait hostalias: hostAliases\[0\].ip: required: a host alias needs an ip"):
        apply("hostalias", {"hostAliases": [{"hostnames": ["cache.internal"]}]})


def test_hostalias_refusal_names_the_field():
    from fleettui.engine.errors import AppInvalid
    from fleettui.engine.validate import parse_application

    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
           "spec": {"components": [{"name": "web", "type": "webservice", "properties": {"image": "nginx"},
                                    "traits": [{"type": "hostalias", "properties": {"hostAliases": [
                                        {"hostnames": "db"}]}}]}],
                    "policies": [{"name": "t", "type": "topology", "properties": {"clusters": ["c1"]}}]}}
    with pytest.raises(AppInvalid) as err:
        parse_application(doc)
    where = "spec.components[0].traits[0].properties.hostAliases[0]"
    assert [x.field for x in err.value.problems] == [f"{where}.ip", f"{where}.hostnames"]
