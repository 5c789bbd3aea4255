"""Renderers of KubeVela's built-in container component types: properties -> the
workload (first) and the component's own auxiliary outputs (the exposed Service).

Each follows its definition in KubeVela's vela-templates/definitions/internal/component/
(webservice.cue, worker.cue, daemon.cue, statefulset.cue, task.cue, cron-task.cue),
field by field and default by default; written here in Python, no CUE runtime. The
definitions differ in small ways (worker takes no ports, daemon names ports only by
`port`, task has no volumeMounts ...): those differences are the `Shape` of each type.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fleettui.engine.components.base import Output, RenderContext

COMPONENT_LABEL = "app.oam.dev/component"
NAME_LABEL = "app.oam.dev/name"

# #HealthProbe: CUE fills these defaults into every probe the user gives
_PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
                   "successThreshold": 1, "failureThreshold": 3}
_PROBE_KEYS = {"exec", "httpGet", "tcpSocket", *_PROBE_DEFAULTS}
_VOLUME_KINDS = ("pvc", "configMap", "secret", "emptyDir", "hostPath")


@dataclass(frozen=True)
class Shape:
    """What one definition's template does; the parameters it declares are `properties`."""

    api_version: str
    kind: str
    properties: frozenset[str]
    ports: str = ""             # "" none, "full" (containerPort/name/protocol), "simple" (daemon)
    service_output: str = ""    # the output name of the Service for `expose: true` ports
    separate_limits: bool = False  # webservice: `limit.cpu` / `limit.memory`
    pod_metadata: bool = True   # labels/annotations parameters reach the pod template
    probes: bool = True         # the container gets liveness/readiness probes
    volume_mounts: bool = True  # volumeMounts (the newer form) besides the deprecated volumes
    host_aliases: bool = True


_COMMON = {"image", "imagePullPolicy", "imagePullSecrets", "cmd", "env", "cpu", "memory", "volumes",
           "livenessProbe", "readinessProbe"}
_POD = _COMMON | {"labels", "annotations", "volumeMounts", "hostAliases", "addRevisionLabel"}

SHAPES: dict[str, Shape] = {
    "webservice": Shape("apps/v1", "Deployment",
                        frozenset(_POD | {"port", "ports", "exposeType", "args", "limit"}),
                        ports="full", service_output="webserviceExpose", separate_limits=True),
    # worker.cue declares neither labels/annotations nor hostAliases nor ports
    "worker": Shape("apps/v1", "Deployment", frozenset(_COMMON | {"volumeMounts"}),
                    pod_metadata=False, host_aliases=False),
    "daemon": Shape("apps/v1", "DaemonSet", frozenset(_POD | {"port", "ports", "exposeType"}),
                    ports="simple", service_output="webserviceExpose"),
    "statefulset": Shape("apps/v1", "StatefulSet", frozenset(_POD | {"port", "ports", "exposeType", "args"}),
                         ports="full", service_output="statefulsetsExpose"),
    # task.cue accepts the probe parameters but never renders them; no volumeMounts, no hostAliases
    "task": Shape("batch/v1", "Job", frozenset(_COMMON | {"labels", "annotations", "count", "restart"}),
                  probes=False, volume_mounts=False, host_aliases=False),
    # cron-task.cue picks batch/v1beta1 on clusters older than 1.25; every fleet member we
    # render for is assumed >= 1.25 (the simulator serves 1.28+), so batch/v1.
    "cron-task": Shape("batch/v1", "CronJob",
                       frozenset(_POD - {"addRevisionLabel"} | {
                           "count", "restart", "schedule", "startingDeadlineSeconds", "suspend",
                           "concurrencyPolicy", "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
                           "ttlSecondsAfterFinished", "activeDeadlineSeconds", "backoffLimit"}),
                       probes=False),
}

REQUIRED: dict[str, tuple[str, ...]] = {t: ("image",) for t in SHAPES} | {"cron-task": ("image", "schedule")}


def _port_name(v: dict[str, Any], number: int) -> str:
    if v.get("name") is not None:
        return str(v["name"])
    name = f"port-{number}"
    protocol = v.get("protocol", "TCP")
    return name if protocol == "TCP" else f"{name}-{protocol.lower()}"


def _container_ports(shape: Shape, props: dict[str, Any]) -> list[dict[str, Any]] | None:
    if shape.ports and props.get("ports") is None and props.get("port") is not None:
        return [{"containerPort": props["port"]}]
    if not shape.ports or props.get("ports") is None:
        return None
    out = []
    for v in props["ports"]:
        if shape.ports == "simple":
            out.append({"containerPort": v["port"], "protocol": v.get("protocol", "TCP"),
                        "name": v.get("name") or f"port-{v['port']}"})
            continue
        number = v.get("containerPort", v["port"])
        out.append({"containerPort": number, "protocol": v.get("protocol", "TCP"), "name": _port_name(v, number)})
    return out


def _service_ports(shape: Shape, props: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for v in props.get("ports") or []:
        if v.get("expose") is not True:
            continue
        if shape.ports == "simple":
            out.append({"port": v["port"], "targetPort": v["port"], "name": v.get("name") or f"port-{v['port']}"})
            continue
        target = v.get("containerPort", v["port"])
        port: dict[str, Any] = {"port": v["port"], "targetPort": target, "name": _port_name(v, target)}
        if v.get("nodePort") is not None and props.get("exposeType", "ClusterIP") == "NodePort":
            port["nodePort"] = v["nodePort"]
        port["protocol"] = v.get("protocol", "TCP")
        out.append(port)
    return out


def _probe(raw: dict[str, Any]) -> dict[str, Any]:
    return _PROBE_DEFAULTS | copy.deepcopy(raw)


def _sub_path(v: dict[str, Any], mount: dict[str, Any]) -> dict[str, Any]:
    if v.get("subPath") is not None:
        mount["subPath"] = v["subPath"]
    return mount


def _volume_mounts(props: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """volumeMounts (pvc, configMap, secret, emptyDir, hostPath, in that order): the
    container's mounts and the pod's volumes, a volume named twice kept once."""
    mounts: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    vm = props.get("volumeMounts") or {}
    for kind in _VOLUME_KINDS:
        for v in vm.get(kind) or []:
            mounts.append(_sub_path(v, {"mountPath": v["mountPath"], "name": v["name"]}))
            volumes.append(_volume(kind, v))
    seen: set[str] = set()
    unique = []
    for vol in volumes:
        if vol["name"] not in seen:
            seen.add(vol["name"])
            unique.append(vol)
    return mounts, unique


def _volume(kind: str, v: dict[str, Any]) -> dict[str, Any]:
    vol: dict[str, Any] = {"name": v["name"]}
    if kind == "pvc":
        vol["persistentVolumeClaim"] = {"claimName": v["claimName"]}
    elif kind == "configMap":
        vol["configMap"] = {"defaultMode": v.get("defaultMode", 420), "name": v["cmName"]}
        if v.get("items") is not None:
            vol["configMap"]["items"] = _items(v["items"])
    elif kind == "secret":
        vol["secret"] = {"defaultMode": v.get("defaultMode", 420), "secretName": v["secretName"]}
        if v.get("items") is not None:
            vol["secret"]["items"] = _items(v["items"])
    elif kind == "emptyDir":
        vol["emptyDir"] = {"medium": v.get("medium", "")}
    elif kind == "hostPath":
        vol["hostPath"] = {"path": v["path"]}
    return vol


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"mode": 511} | dict(i) for i in items]  # `mode: *511 | int`


def _legacy_volumes(props: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The deprecated `volumes` parameter (type defaults to emptyDir)."""
    mounts, volumes = [], []
    for v in props.get("volumes") or []:
        mounts.append({"mountPath": v["mountPath"], "name": v["name"]})
        vtype = v.get("type", "emptyDir")
        vol = _volume(vtype, v) if vtype != "hostPath" else {"name": v["name"]}
        volumes.append(vol)
    return mounts, volumes


def _resources(shape: Shape, props: dict[str, Any]) -> dict[str, Any] | None:
    res: dict[str, Any] = {}
    limit = props.get("limit") or {} if shape.separate_limits else {}
    for key in ("cpu", "memory"):
        if props.get(key) is not None:
            res.setdefault("requests", {})[key] = props[key]
            res.setdefault("limits", {})[key] = limit.get(key, props[key])
    return res or None


def _container(ctx: RenderContext, shape: Shape, props: dict[str, Any]) -> tuple[dict[str, Any], list[Any] | None]:
    c: dict[str, Any] = {"name": ctx.component, "image": props["image"]}
    ports = _container_ports(shape, props)
    if ports is not None:
        c["ports"] = ports
    if props.get("imagePullPolicy") is not None:
        c["imagePullPolicy"] = props["imagePullPolicy"]
    if props.get("cmd") is not None:
        c["command"] = list(props["cmd"])
    if "args" in shape.properties and props.get("args") is not None:
        c["args"] = list(props["args"])
    if props.get("env") is not None:
        c["env"] = copy.deepcopy(props["env"])
    resources = _resources(shape, props)
    if resources:
        c["resources"] = resources
    volumes = None
    if shape.volume_mounts and props.get("volumeMounts") is not None:
        c["volumeMounts"], volumes = _volume_mounts(props)
    elif props.get("volumes") is not None:
        c["volumeMounts"], volumes = _legacy_volumes(props)
    if shape.probes:
        for key in ("livenessProbe", "readinessProbe"):
            if props.get(key) is not None:
                c[key] = _probe(props[key])
    return c, volumes


def _pod_template(ctx: RenderContext, shape: Shape, props: dict[str, Any]) -> dict[str, Any]:
    labels: dict[str, str] = {}
    if shape.pod_metadata:
        labels.update(props.get("labels") or {})
        if props.get("addRevisionLabel"):
            labels["app.oam.dev/revision"] = ctx.revision
    labels |= {NAME_LABEL: ctx.app_name, COMPONENT_LABEL: ctx.component}
    meta: dict[str, Any] = {"labels": labels}
    if shape.pod_metadata and props.get("annotations") is not None:
        meta["annotations"] = dict(props["annotations"])
    container, volumes = _container(ctx, shape, props)
    spec: dict[str, Any] = {}
    if shape.kind in ("Job", "CronJob"):
        spec["restartPolicy"] = props.get("restart", "Never")
    spec["containers"] = [container]
    if shape.host_aliases and props.get("hostAliases") is not None:
        spec["hostAliases"] = [{"ip": h["ip"], "hostnames": list(h["hostnames"])} for h in props["hostAliases"]]
    if props.get("imagePullSecrets") is not None:
        spec["imagePullSecrets"] = [{"name": s} for s in props["imagePullSecrets"]]
    if volumes is not None:
        spec["volumes"] = volumes
    return {"metadata": meta, "spec": spec}


def render(ctx: RenderContext, ctype: str, props: dict[str, Any]) -> tuple[dict[str, Any], list[Output]]:
    """The workload and the component's own outputs (named as the definition names them)."""
    shape = SHAPES[ctype]
    template = _pod_template(ctx, shape, props)
    workload: dict[str, Any] = {"apiVersion": shape.api_version, "kind": shape.kind,
                                "metadata": {"name": ctx.component}}
    if shape.kind == "Job":
        workload["metadata"]["name"] = f"{ctx.app_name}-{ctx.component}"  # task.cue names it so
        count = props.get("count", 1)
        workload["spec"] = {"parallelism": count, "completions": count, "template": template}
    elif shape.kind == "CronJob":
        count = props.get("count", 1)
        job_spec: dict[str, Any] = {"parallelism": count, "completions": count}
        for key in ("ttlSecondsAfterFinished", "activeDeadlineSeconds"):
            if props.get(key) is not None:
                job_spec[key] = props[key]
        job_spec["backoffLimit"] = props.get("backoffLimit", 6)
        job_spec["template"] = template
        spec: dict[str, Any] = {
            "schedule": props["schedule"],
            "concurrencyPolicy": props.get("concurrencyPolicy", "Allow"),
            "suspend": props.get("suspend", False),
            "successfulJobsHistoryLimit": props.get("successfulJobsHistoryLimit", 3),
            "failedJobsHistoryLimit": props.get("failedJobsHistoryLimit", 1),
        }
        if props.get("startingDeadlineSeconds") is not None:
            spec["startingDeadlineSeconds"] = props["startingDeadlineSeconds"]
        spec["jobTemplate"] = {"metadata": copy.deepcopy(template["metadata"]), "spec": job_spec}
        workload["spec"] = spec
    else:
        workload["spec"] = {"selector": {"matchLabels": {COMPONENT_LABEL: ctx.component}}, "template": template}
    outputs: list[Output] = []
    ports = _service_ports(shape, props) if shape.service_output else []
    if ports:
        outputs.append(Output(shape.service_output, "AuxiliaryWorkload", {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": ctx.component},
            "spec": {"selector": {COMPONENT_LABEL: ctx.component}, "ports": ports,
                     "type": props.get("exposeType", "ClusterIP")},
        }))
    return workload, outputs
