"""Traits that add objects beside the workload (expose, gateway, hpa, cpuscaler) or
both add objects and patch the pod (storage, service-account), each following
vela-templates/definitions/internal/trait/<name>.cue."""

from __future__ import annotations

import copy
from typing import Any

from fleettui.engine.components.base import Output, RenderContext
from fleettui.engine.components.traits import merge_by_name, pod_spec

COMPONENT_LABEL = "app.oam.dev/component"


def expose(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    stype = p.get("type", "ClusterIP")
    ports: list[dict[str, Any]] = []
    if p.get("ports") is not None:
        for v in p["ports"]:
            protocol = v.get("protocol", "TCP")
            name = v.get("name") or (f"port-{v['port']}" if protocol == "TCP" else f"port-{v['port']}-{protocol.lower()}")
            port: dict[str, Any] = {"port": v["port"], "targetPort": v["port"], "name": name}
            if v.get("nodePort") is not None and stype == "NodePort":
                port["nodePort"] = v["nodePort"]
            port["protocol"] = protocol
            ports.append(port)
    elif p.get("port") is not None:  # the older form: a list of numbers
        ports = [{"name": f"port-{n}", "port": n, "targetPort": n} for n in p["port"]]
    spec: dict[str, Any] = {"selector": dict(p["matchLabels"]) if p.get("matchLabels") is not None
                            else {COMPONENT_LABEL: ctx.component}}
    if p.get("ports") is not None or p.get("port") is not None:
        spec["ports"] = ports
    spec["type"] = stype
    outputs.append(Output("service", "expose", {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": ctx.component, "annotations": dict(p.get("annotations") or {})}, "spec": spec}))
    return w


def gateway(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    """An Ingress (networking.k8s.io/v1: members are >= 1.19) and, unless
    existingServiceName, a Service for the `http` ports."""
    suffix = f"-{p['name']}" if p.get("name") is not None else ""
    http: dict[str, int] = dict(p.get("http") or {})
    service_name = p.get("existingServiceName") or f"{ctx.component}{suffix}"
    if p.get("existingServiceName") is None:
        outputs.append(Output(f"service{suffix}", "gateway", {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": service_name},
            "spec": {"selector": {COMPONENT_LABEL: ctx.component},
                     "ports": [{"name": f"port-{v}", "port": v, "targetPort": v} for v in http.values()]}}))
    class_in_spec = p.get("classInSpec", False)
    annotations: dict[str, str] = {}
    if not class_in_spec:
        annotations["kubernetes.io/ingress.class"] = p.get("class", "nginx")
    if p.get("gatewayHost") is not None:
        annotations["ingress.controller/host"] = p["gatewayHost"]
    annotations.update({str(k): str(v) for k, v in (p.get("annotations") or {}).items()})
    spec: dict[str, Any] = {}
    if class_in_spec:
        spec["ingressClassName"] = p.get("class", "nginx")
    if p.get("secretName") is not None:
        spec["tls"] = [{"hosts": [p.get("domain")], "secretName": p["secretName"]}]
    rule: dict[str, Any] = {}
    if p.get("domain") is not None:
        rule["host"] = p["domain"]
    rule["http"] = {"paths": [
        {"path": path, "pathType": p.get("pathType", "ImplementationSpecific"),
         "backend": {"service": {"name": service_name, "port": {"number": port}}}}
        for path, port in http.items()]}
    spec["rules"] = [rule]
    outputs.append(Output(f"ingress{suffix}", "gateway", {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": f"{ctx.component}{suffix}", "annotations": annotations,
                     "labels": {str(k): str(v) for k, v in (p.get("labels") or {}).items()}},
        "spec": spec}))
    return w


def _sub(v: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
    if v.get("subPath") is not None:
        m["subPath"] = v["subPath"]
    return m


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"mode": 511} | dict(i) for i in items]


def storage(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    """Volumes named `<kind>-<name>`, mounted into the first container; configMap/secret
    keys as env (mountToEnv[s]); Block PVCs as volumeDevices; PVCs, ConfigMaps and
    Secrets created unless mountOnly."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    env: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []
    for v in p.get("pvc") or []:
        volumes.append({"name": f"pvc-{v['name']}", "persistentVolumeClaim": {"claimName": v["name"]}})
        mode = v.get("volumeMode", "Filesystem")
        if mode == "Filesystem":
            mounts.append(_sub(v, {"name": f"pvc-{v['name']}", "mountPath": v["mountPath"]}))
        elif mode == "Block":
            devices.append(_sub(v, {"name": f"pvc-{v['name']}", "devicePath": v["mountPath"]}))
    for kind, ref, key_field in (("configMap", "configMapKeyRef", "configMapKey"), ("secret", "secretKeyRef", "secretKey")):
        prefix = kind.lower()
        for v in p.get(kind) or []:
            if v.get("mountPath") is not None:
                source = {"defaultMode": v.get("defaultMode", 420)}
                source |= {"name": v["name"]} if kind == "configMap" else {"secretName": v["name"]}
                if v.get("items") is not None:
                    source["items"] = _items(v["items"])
                volumes.append({"name": f"{prefix}-{v['name']}", kind: source})
                mounts.append(_sub(v, {"name": f"{prefix}-{v['name']}", "mountPath": v["mountPath"]}))
            pairs = ([v["mountToEnv"]] if v.get("mountToEnv") is not None else []) + list(v.get("mountToEnvs") or [])
            env += [{"name": e["envName"], "valueFrom": {ref: {"name": v["name"], "key": e[key_field]}}} for e in pairs]
    for v in p.get("emptyDir") or []:
        volumes.append({"name": f"emptydir-{v['name']}", "emptyDir": {"medium": v.get("medium", "")}})
        mounts.append(_sub(v, {"name": f"emptydir-{v['name']}", "mountPath": v["mountPath"]}))
    for v in p.get("hostPath") or []:
        volumes.append({"name": f"hostpath-{v['name']}", "hostPath": {"path": v["path"], "type": v.get("type", "Directory")}})
        mounts.append({"name": f"hostpath-{v['name']}", "mountPath": v["mountPath"]})
    w = copy.deepcopy(w)
    spec = pod_spec(w, "storage")
    spec["volumes"] = merge_by_name(spec.get("volumes"), volumes)
    first = (spec.get("containers") or [None])[0]
    if first is None:
        raise ValueError("the workload has no container")
    for key, items in (("env", env), ("volumeDevices", devices), ("volumeMounts", mounts)):
        if items or key in first:
            first[key] = merge_by_name(first.get(key), items)
    _storage_objects(p, outputs)
    return w


def _storage_objects(p: dict[str, Any], outputs: list[Output]) -> None:
    for v in p.get("pvc") or []:
        if v.get("mountOnly", False):
            continue
        res = v.get("resources") or {}
        spec: dict[str, Any] = {"accessModes": list(v.get("accessModes") or ["ReadWriteOnce"]),
                                "volumeMode": v.get("volumeMode", "Filesystem")}
        for key in ("volumeName", "storageClassName", "dataSourceRef", "dataSource"):
            if v.get(key) is not None:
                spec[key] = copy.deepcopy(v[key])
        spec["resources"] = {"requests": {"storage": (res.get("requests") or {}).get("storage", "8Gi")}}
        if (res.get("limits") or {}).get("storage") is not None:
            spec["resources"]["limits"] = {"storage": res["limits"]["storage"]}
        outputs.append(Output(f"pvc-{v['name']}", "storage", {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": v["name"]}, "spec": spec}))
    for kind in ("configMap", "secret"):
        for v in p.get(kind) or []:
            if v.get("mountOnly", False):
                continue
            obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap" if kind == "configMap" else "Secret",
                                   "metadata": {"name": v["name"]}}
            for key in ("data", "stringData") if kind == "secret" else ("data",):
                if v.get(key) is not None:
                    obj[key] = copy.deepcopy(v[key])
            outputs.append(Output(f"{kind.lower()}-{v['name']}", "storage", obj))


def _scale_target(ctx: RenderContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": p.get("targetAPIVersion", "apps/v1"), "kind": p.get("targetKind", "Deployment"),
            "name": ctx.component}


def _target(m: dict[str, Any]) -> dict[str, Any]:
    mtype = m.get("type", "Utilization")
    value = m.get("value", 50)
    return {"type": mtype} | ({"averageUtilization": value} if mtype == "Utilization" else {"averageValue": value})


def hpa(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    """autoscaling/v2 (members are >= 1.23)."""
    metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": _target(p.get("cpu") or {})}}]
    if p.get("mem") is not None:
        metrics.append({"type": "Resource", "resource": {"name": "memory", "target": _target(p["mem"])}})
    metrics += [{"type": "Pods", "pods": {"metric": {"name": m["name"]},
                                          "target": {"type": "AverageValue", "averageValue": m["value"]}}}
                for m in p.get("podCustomMetrics") or []]
    outputs.append(Output("hpa", "hpa", {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": ctx.component},
        "spec": {"scaleTargetRef": _scale_target(ctx, p), "minReplicas": p.get("min", 1),
                 "maxReplicas": p.get("max", 10), "metrics": metrics}}))
    return w


def cpuscaler(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    outputs.append(Output("cpuscaler", "cpuscaler", {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": ctx.component},
        "spec": {"scaleTargetRef": _scale_target(ctx, p), "minReplicas": p.get("min", 1),
                 "maxReplicas": p.get("max", 10), "targetCPUUtilizationPercentage": p.get("cpuUtil", 50)}}))
    return w


def _rules(privileges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"verbs": list(x["verbs"])} | {k: list(x[k]) for k in ("apiGroups", "resources", "resourceNames",
                                                                 "nonResourceURLs") if x.get(k) is not None}
            for x in privileges]


def service_account(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    name = p["name"]
    w = copy.deepcopy(w)
    pod_spec(w, "service-account")["serviceAccountName"] = name
    t = "service-account"
    if p.get("create", False):
        outputs.append(Output("service-account", t, {"apiVersion": "v1", "kind": "ServiceAccount",
                                                     "metadata": {"name": name}}))
    privileges = p.get("privileges") or []
    cluster = [x for x in privileges if x.get("scope", "namespace") == "cluster"]
    local = [x for x in privileges if x.get("scope", "namespace") == "namespace"]
    rbac = "rbac.authorization.k8s.io"
    if cluster:
        full = f"{ctx.app_namespace}:{name}"
        outputs.append(Output("cluster-role", t, {"apiVersion": f"{rbac}/v1", "kind": "ClusterRole",
                                                  "metadata": {"name": full}, "rules": _rules(cluster)}))
        outputs.append(Output("cluster-role-binding", t, {
            "apiVersion": f"{rbac}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": full},
            "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": full},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ctx.app_namespace}]}))
    if local:
        outputs.append(Output("role", t, {"apiVersion": f"{rbac}/v1", "kind": "Role", "metadata": {"name": name},
                                          "rules": _rules(local)}))
        outputs.append(Output("role-binding", t, {
            "apiVersion": f"{rbac}/v1", "kind": "RoleBinding", "metadata": {"name": name},
            "roleRef": {"apiGroup": rbac, "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name}]}))
    return w
