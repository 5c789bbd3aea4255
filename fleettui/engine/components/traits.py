"""Patchers and outputs of KubeVela's built-in traits, each following its definition in
vela-templates/definitions/internal/trait/<name>.cue (written here in Python).

A patcher takes the workload (the component's first object) and returns it patched; a
trait with outputs appends them. Lists KubeVela patches with `+patchKey=name` (containers,
env, volumes, volumeMounts) merge by name: an entry with a known name is merged into it,
a new one appended. A container a trait names that the workload lacks is an error, as
KubeVela's `container <name> not found`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fleettui.engine.components.base import Output, RenderContext
from fleettui.engine.override import json_merge_patch

Patcher = Callable[[RenderContext, dict[str, Any], dict[str, Any], list[Output]], dict[str, Any]]


def pod_spec(workload: dict[str, Any], trait: str) -> dict[str, Any]:
    spec = (workload.get("spec") or {}).get("template", {}).get("spec")
    if not isinstance(spec, dict):
        raise ValueError(f"{workload.get('kind')} has no spec.template.spec for the {trait} trait to patch")
    return spec


def merge_by_name(base: list[dict[str, Any]] | None, patch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [dict(x) for x in base or []]
    for item in patch:
        same = next((x for x in out if x.get("name") == item.get("name")), None)
        if same is None:
            out.append(copy.deepcopy(item))
        else:
            same.update(copy.deepcopy(item))
    return out


def _targets(ctx: RenderContext, props: dict[str, Any], trait: str) -> list[tuple[str, dict[str, Any]]]:
    """(container name, its parameters): `containers: [...]` or the one container the
    parameters name (default: the container named as the component)."""
    if "containers" in props:
        out = []
        for c in props["containers"]:
            if not c.get("containerName"):
                raise ValueError("containerName must be set for containers")
            out.append((c["containerName"], c))
        return out
    return [(props.get("containerName") or ctx.component, props)]


def _container(spec: dict[str, Any], name: str) -> dict[str, Any]:
    for c in spec.get("containers") or []:
        if c.get("name") == name:
            return c
    raise ValueError(f"container {name} not found")


def each_container_trait(fn: Callable[[dict[str, Any], dict[str, Any]], None], trait: str) -> Patcher:
    def patch(ctx: RenderContext, workload: dict[str, Any], props: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
        w = copy.deepcopy(workload)
        spec = pod_spec(w, trait)
        for name, params in _targets(ctx, props, trait):
            fn(_container(spec, name), params)
        return w
    return patch


# -- container patchers --

def env_trait(c: dict[str, Any], p: dict[str, Any]) -> None:
    """env.cue: set `env` keys (keeping the order of existing variables), `unset` removes,
    `replace: true` drops every variable not given."""
    unset, env, replace = set(p.get("unset") or []), dict(p.get("env") or {}), p.get("replace", False)
    base = c.get("env")
    if base is None:
        c["env"] = [{"name": k, "value": v} for k, v in env.items() if k not in unset]
        return
    known = {e["name"] for e in base}
    kept = []
    if not replace:
        for e in base:
            if e["name"] in unset:
                continue
            if e["name"] in env:
                kept.append({"name": e["name"], "value": env[e["name"]]})
            else:
                kept.append({k: v for k, v in e.items() if k in ("name", "value", "valueFrom")})
    kept += [{"name": k, "value": v} for k, v in env.items() if k not in unset and (replace or k not in known)]
    c["env"] = kept


def command_trait(c: dict[str, Any], p: dict[str, Any]) -> None:
    if p.get("command") is not None:
        c["command"] = list(p["command"])
    if (p.get("addArgs") is not None or p.get("delArgs") is not None) and p.get("args") is not None:
        raise ValueError("cannot set addArgs/delArgs and args at the same time")
    args = list(p["args"]) if p.get("args") is not None else list(c.get("args") or [])
    drop = set(p.get("delArgs") or [])
    c["args"] = [a for a in args if a not in drop] + [a for a in p.get("addArgs") or []
                                                      if a not in drop and a not in args]


def image_trait(c: dict[str, Any], p: dict[str, Any]) -> None:
    c["image"] = p["image"]
    if p.get("imagePullPolicy"):
        c["imagePullPolicy"] = p["imagePullPolicy"]


def ports_trait(c: dict[str, Any], p: dict[str, Any]) -> None:
    """container-ports.cue: ports keyed by protocol+containerPort; existing ones keep their
    name and gain hostPort/hostIP, new ones are appended."""
    def key(x: dict[str, Any]) -> str:
        return f"{x.get('protocol', 'TCP').lower()}{x['containerPort']}"

    def extra(x: dict[str, Any]) -> dict[str, Any]:
        return {k: x[k] for k in ("hostPort", "hostIP") if x.get(k) is not None}

    given = {key(x): x for x in p.get("ports") or []}
    new = [{"containerPort": x["containerPort"], "protocol": x.get("protocol", "TCP")} | extra(x)
           for x in p.get("ports") or []]
    if c.get("ports") is None:
        c["ports"] = new
        return
    base = c["ports"]
    known = {key(x) for x in base}
    c["ports"] = [{"containerPort": x["containerPort"], "protocol": x.get("protocol", "TCP"), "name": x.get("name")}
                  | extra(given.get(key(x), {})) for x in base] + [n for n in new if key(n) not in known]


def security_trait(c: dict[str, Any], p: dict[str, Any]) -> None:
    caps = {k: list(p[v]) for k, v in (("add", "addCapabilities"), ("drop", "dropCapabilities")) if p.get(v) is not None}
    sc: dict[str, Any] = {"capabilities": caps}
    for key in ("runAsUser", "runAsGroup"):
        if p.get(key) is not None:
            sc[key] = p[key]
    sc |= {"allowPrivilegeEscalation": p.get("allowPrivilegeEscalation", False),
           "readOnlyRootFilesystem": p.get("readOnlyRootFilesystem", False),
           "privileged": p.get("privileged", False), "runAsNonRoot": p.get("runAsNonRoot", True)}
    c["securityContext"] = json_merge_patch(c.get("securityContext") or {}, sc)


_PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
                   "successThreshold": 1, "failureThreshold": 3}


def _startup(c: dict[str, Any], p: dict[str, Any]) -> None:
    probe = {k: copy.deepcopy(p[k]) for k in ("exec", "httpGet", "grpc", "tcpSocket") if p.get(k) is not None}
    probe |= {k: p.get(k, d) for k, d in _PROBE_DEFAULTS.items()}
    if p.get("terminationGracePeriodSeconds") is not None:
        probe["terminationGracePeriodSeconds"] = p["terminationGracePeriodSeconds"]
    c["startupProbe"] = probe


def startup_probe_trait(ctx: RenderContext, workload: dict[str, Any], props: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    if "probes" in props:  # startup-probe.cue names the list `probes` and the container `name`
        props = {"containers": [{**x, "containerName": x.get("name", "")} for x in props["probes"]]}
    return each_container_trait(_startup, "startup-probe")(ctx, workload, props, outputs)


# -- pod and workload patchers --

def scaler_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    return json_merge_patch(w, {"spec": {"replicas": p.get("replicas", 1)}})


def metadata_trait(key: str) -> Patcher:
    def patch(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
        """labels.cue / annotations.cue: the object and its pod template (annotations also
        a CronJob's jobTemplate and its pod template); a null value removes the key."""
        values = dict(p)
        spec = s if isinstance(s := w.get("spec"), dict) else {}
        out: dict[str, Any] = {"metadata": {key: values}}
        if isinstance(spec.get("template"), dict):
            out["spec"] = {"template": {"metadata": {key: values}}}
        elif key == "annotations" and isinstance(spec.get("jobTemplate"), dict):
            job: dict[str, Any] = {"metadata": {key: values}}
            if isinstance((spec["jobTemplate"].get("spec") or {}).get("template"), dict):
                job["spec"] = {"template": {"metadata": {key: values}}}
            out["spec"] = {"jobTemplate": job}
        return json_merge_patch(w, out)
    return patch


def resource_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    """resource.cue. The patch is one container without a name; KubeVela's strategic merge
    then patches the first container (by position) — our reading, not checked on a hub."""
    res: dict[str, Any] = {}
    if p.get("cpu") is not None and p.get("memory") is not None and "requests" not in p and "limits" not in p:
        res = {"requests": {"cpu": p["cpu"], "memory": p["memory"]}, "limits": {"cpu": p["cpu"], "memory": p["memory"]}}
    for key in ("requests", "limits"):
        if p.get(key) is not None:
            res[key] = {"cpu": p[key].get("cpu", 1), "memory": p[key].get("memory", "2048Mi")}
    w = copy.deepcopy(w)
    spec = w.get("spec") or {}
    if isinstance(spec.get("template"), dict):
        pod = spec["template"].get("spec") or {}
    elif isinstance(spec.get("jobTemplate"), dict):
        pod = (spec["jobTemplate"].get("spec") or {}).get("template", {}).get("spec") or {}
    else:
        raise ValueError(f"{w.get('kind')} has no pod template for the resource trait to patch")
    first = (pod.get("containers") or [None])[0]
    if first is None:
        raise ValueError("the workload has no container")
    first["resources"] = {**(first.get("resources") or {}), **res}  # retainKeys: requests/limits replaced whole
    return w


def sidecar_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    c: dict[str, Any] = {"name": p["name"], "image": p["image"]}
    if p.get("cmd") is not None:
        c["command"] = list(p["cmd"])
    if p.get("args") is not None:
        c["args"] = list(p["args"])
    if p.get("env") is not None:
        c["env"] = copy.deepcopy(p["env"])
    if p.get("volumes") is not None:
        c["volumeMounts"] = [{"mountPath": v["path"], "name": v["name"]} for v in p["volumes"]]
    for key in ("livenessProbe", "readinessProbe"):
        if p.get(key) is not None:
            c[key] = _PROBE_DEFAULTS | copy.deepcopy(p[key])
    w = copy.deepcopy(w)
    spec = pod_spec(w, "sidecar")
    spec["containers"] = merge_by_name(spec.get("containers"), [c])
    return w


def init_container_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    mount = p.get("mountName", "workdir")
    init: dict[str, Any] = {"name": p["name"], "image": p["image"],
                            "imagePullPolicy": p.get("imagePullPolicy", "IfNotPresent")}
    for src, dst in (("cmd", "command"), ("args", "args"), ("env", "env")):
        if p.get(src) is not None:
            init[dst] = copy.deepcopy(p[src])
    init["volumeMounts"] = [{"name": mount, "mountPath": p["initMountPath"]},
                            *copy.deepcopy(p.get("extraVolumeMounts") or [])]
    w = copy.deepcopy(w)
    spec = pod_spec(w, "init-container")
    main = _container(spec, ctx.component)
    main["volumeMounts"] = merge_by_name(main.get("volumeMounts"), [{"name": mount, "mountPath": p["appMountPath"]}])
    spec["initContainers"] = merge_by_name(spec.get("initContainers"), [init])
    spec["volumes"] = merge_by_name(spec.get("volumes"), [{"name": mount, "emptyDir": {}}])
    return w


def lifecycle_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    """lifecycle.cue patches every container (`containers: [...{lifecycle}]`)."""
    hooks = {}
    for key in ("postStart", "preStop"):
        if p.get(key) is not None:
            hook = copy.deepcopy(p[key])
            if isinstance(hook.get("httpGet"), dict):
                hook["httpGet"].setdefault("scheme", "HTTP")
            hooks[key] = hook
    w = copy.deepcopy(w)
    for c in pod_spec(w, "lifecycle").get("containers") or []:
        c["lifecycle"] = {**(c.get("lifecycle") or {}), **hooks}
    return w


def topology_spread_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    constraints = []
    for v in p.get("constraints") or []:
        sel = copy.deepcopy(v["labelSelector"])
        for e in sel.get("matchExpressions") or []:
            e.setdefault("operator", "In")
        c = {"maxSkew": v["maxSkew"], "topologyKey": v["topologyKey"],
             "whenUnsatisfiable": v.get("whenUnsatisfiable", "DoNotSchedule"), "labelSelector": sel}
        for key in ("nodeAffinityPolicy", "nodeTaintsPolicy", "minDomains", "matchLabelKeys"):
            if v.get(key) is not None:
                c[key] = copy.deepcopy(v[key])
        constraints.append(c)
    w = copy.deepcopy(w)
    pod_spec(w, "topologyspreadconstraints")["topologySpreadConstraints"] = constraints
    return w


def update_strategy_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    kind = p.get("targetKind", "Deployment")
    strategy = p.get("strategy") or {}
    stype = strategy.get("type", "RollingUpdate")
    rolling = {"maxSurge": "25%", "maxUnavailable": "25%", "partition": 0} | (strategy.get("rollingStrategy") or {})
    w = copy.deepcopy(w)
    spec = w.setdefault("spec", {})
    if kind == "Deployment" and stype != "OnDelete":
        spec["strategy"] = {"type": stype} | ({"rollingUpdate": {k: rolling[k] for k in ("maxSurge", "maxUnavailable")}}
                                              if stype == "RollingUpdate" else {})
    elif kind == "StatefulSet" and stype != "Recreate":
        spec["updateStrategy"] = {"type": stype} | ({"rollingUpdate": {"partition": rolling["partition"]}}
                                                    if stype == "RollingUpdate" else {})
    elif kind == "DaemonSet" and stype != "Recreate":
        spec["updateStrategy"] = {"type": stype} | ({"rollingUpdate": {k: rolling[k] for k in ("maxSurge", "maxUnavailable")}}
                                                    if stype == "RollingUpdate" else {})
    return w


def host_alias_problems(p: dict[str, Any]) -> list[tuple[str, str]]:
    aliases = p.get("hostAliases")
    if aliases is None:
        return []
    if not isinstance(aliases, list):
        return [("hostAliases", "must be a list of {ip, hostnames}")]
    out = []
    for i, a in enumerate(aliases):
        if not isinstance(a, dict):
            out.append((f"hostAliases[{i}]", "must be a mapping (ip, hostnames)"))
            continue
        out += [(f"hostAliases[{i}].{k}", f"field {k!r} is not supported (supported: hostnames, ip)")
                for k in a if k not in ("ip", "hostnames")]
        if not isinstance(a.get("ip"), str) or not a.get("ip"):
            out.append((f"hostAliases[{i}].ip", "required: a host alias needs an ip"))
        hosts = a.get("hostnames", [])
        if not (isinstance(hosts, list) and all(isinstance(h, str) for h in hosts)):
            out.append((f"hostAliases[{i}].hostnames", "must be a list of host names"))
    return out


def host_alias_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    """hostalias.cue: `+patchKey=ip` — an alias for an IP the pod has already gains the
    new host names (each listed once), a new IP is appended (entries for one IP merged)."""
    bad = host_alias_problems(p)
    if bad:
        raise ValueError("; ".join(f"{where}: {why}" for where, why in bad))
    w = copy.deepcopy(w)
    spec = pod_spec(w, "hostalias")
    aliases = [dict(a) for a in spec.get("hostAliases") or []]
    for given in p.get("hostAliases") or []:
        same = next((a for a in aliases if a.get("ip") == given["ip"]), None)
        if same is None:
            same = {"ip": given["ip"]}
            aliases.append(same)
        names = list(same.get("hostnames") or [])
        names += [h for h in dict.fromkeys(given.get("hostnames") or []) if h not in names]
        same["hostnames"] = names
    spec["hostAliases"] = aliases
    return w
