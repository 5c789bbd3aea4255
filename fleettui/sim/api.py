"""The resource verbs over HTTP: get, list, create, update, patch, delete, deletecollection
and the status and scale subresources (watch is in watch.py, tables in tables.py).

Paths follow the apiserver's layout below a cluster prefix:
`/api/v1[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]` and
`/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fleettui.sim import errors, fields, tables
from fleettui.sim.cluster import SimCluster, clone
from fleettui.sim.errors import ApiError
from fleettui.sim.patch import apply_patch
from fleettui.sim.resources import BUILTIN, ResourceType
from fleettui.sim.selectors import (
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
)

_BUILTIN_KEYS = frozenset(rt.key for rt in BUILTIN)
PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


@dataclass(frozen=True)
class Target:
    """What a resource URL names."""

    rt: ResourceType
    version: str
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def group_version(self) -> str:
        return f"{self.rt.group}/{self.version}" if self.rt.group else self.version


def _lookup(cluster: SimCluster, group: str, version: str, plural: str) -> ResourceType | None:
    rt = cluster.types.get(f"{plural}.{group}" if group else plural)
    if rt is None or version not in rt.served_versions:
        return None
    return rt


def parse_target(cluster: SimCluster, segs: list[str]) -> Target:
    if segs[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", segs[2:]
    elif len(segs) >= 3 and segs[0] == "apis":
        group, version, rest = segs[1], segs[2], segs[3:]
    else:
        raise errors.resource_not_found()
    if not rest:
        raise errors.resource_not_found()
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        inner = _lookup(cluster, group, version, rest[2])
        if inner is not None and inner.namespaced:
            ns, rest = rest[1], rest[2:]
    rt = _lookup(cluster, group, version, rest[0])
    if rt is None or len(rest) > 3:
        raise errors.resource_not_found()
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if (rt.namespaced and ns is None and name is not None) or (not rt.namespaced and ns is not None):
        raise errors.resource_not_found()
    if sub is not None and not ((sub == "status" and rt.status) or (sub == "scale" and rt.scale)
                                or (sub == "approval" and rt.approval)
                                or (sub == "log" and rt.key == "pods")):
        raise errors.resource_not_found()
    return Target(rt, version, ns, name, sub)


# ------------------------------------------------------------------ output

def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def respond(obj: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(obj), status=status, content_type="application/json")


def error_response(err: ApiError) -> web.Response:
    return respond(err.status(), err.code)


def as_version(obj: dict[str, Any], gv: str) -> dict[str, Any]:
    """A custom resource served in another version: only apiVersion changes (None conversion)."""
    return obj if obj.get("apiVersion") == gv else {**obj, "apiVersion": gv}


def wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


# ------------------------------------------------------------------- input

def parse_body(raw: bytes, *, yaml_ok: bool = False) -> Any:
    if not raw.strip():
        raise errors.bad_request("the request body is empty")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        if yaml_ok:
            try:
                import yaml

                return yaml.safe_load(raw)
            except Exception as yexc:  # any YAML failure is the client's fault
                raise errors.bad_request(f"error decoding YAML: {yexc}") from yexc
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc


def field_manager(request: web.Request, default_prefix: str = "") -> str:
    manager = request.query.get("fieldManager")
    if manager:
        if len(manager) > 128:
            raise errors.bad_request("fieldManager: Too long: may not be more than 128 bytes")
        return manager
    ua = request.headers.get("User-Agent", "unknown")
    return ua.split("/", 1)[0][:128] or "unknown"


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for v in values:
        if v != "All":
            raise errors.invalid("DryRun", "", "", [(
                "FieldValueNotSupported", "dryRun", f'Unsupported value: "{v}": supported values: "All"')])
    return bool(values)


def _check_identity(t: Target, obj: Any, *, need_name: bool) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise errors.bad_request("the request body must be a JSON object")
    meta = obj.get("metadata")
    if meta is None:
        meta = obj["metadata"] = {}
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if t.rt.namespaced:
        if meta.get("namespace") and meta["namespace"] != t.namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = t.namespace
    if need_name and meta.get("name") != t.name:
        raise errors.bad_request(
            f"the name of the object ({meta.get('name', '')}) does not match the name on the URL ({t.name})")
    return obj


# --------------------------------------------------------------------- get

def get(cluster: SimCluster, t: Target, request: web.Request) -> web.Response:
    obj = cluster.get(t.rt.key, t.namespace, t.name or "")
    if obj is None:
        raise errors.not_found(t.rt.plural, t.rt.group, t.name or "")
    if t.subresource == "scale":
        return respond(scale_of(t.rt, obj))
    if t.subresource == "log":
        return pod_log(obj, request)
    obj = as_version(obj, t.group_version)
    if wants_table(request):
        return respond(tables.table(cluster, t.rt, [obj], request.query, resource_version=cluster.resource_version))
    return respond(obj)


def pod_log(pod: dict[str, Any], request: web.Request) -> web.Response:
    """pods/log: the apiserver's refusals for containers that are not running; a running
    simulated container has written nothing, so its log is empty."""
    name = pod["metadata"]["name"]
    containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    wanted = request.query.get("container")
    if not wanted:
        if len(containers) != 1:
            raise errors.bad_request(f"a container name must be specified for pod {name}, "
                                     f"choose one of: [{' '.join(str(c) for c in containers)}]")
        wanted = containers[0]
    if wanted not in containers:
        raise errors.bad_request(f"container {wanted} is not valid for pod {name}")
    status = next((c for c in (pod.get("status") or {}).get("containerStatuses") or []
                   if c.get("name") == wanted), None)
    waiting = ((status or {}).get("state") or {}).get("waiting")
    if status is None or waiting is not None:
        reason = (waiting or {}).get("reason") or "ContainerCreating"
        why = {"ImagePullBackOff": "trying and failing to pull image",
               "ErrImagePull": "image can't be pulled"}.get(reason, reason)
        raise errors.bad_request(f'container "{wanted}" in pod "{name}" is waiting to start: {why}')
    return web.Response(body=b"", content_type="text/plain")


def matching(cluster: SimCluster, t: Target, request: web.Request) -> list[dict[str, Any]]:
    label = parse_label_selector(request.query.get("labelSelector"))
    field = parse_field_selector(request.query.get("fieldSelector"), t.rt.kind)
    items = [
        o for o in cluster.iter(t.rt.key, t.namespace)
        if (label is None or label(o)) and (field is None or field(o))
    ]
    items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    return items


def list_(cluster: SimCluster, t: Target, request: web.Request) -> web.Response:
    items = matching(cluster, t, request)
    meta: dict[str, Any] = {"resourceVersion": cluster.resource_version}
    cont = request.query.get("continue")
    if cont:
        start = _decode_continue(cont)
        items = [o for o in items if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > start]
    limit = request.query.get("limit")
    if limit:
        try:
            n = int(limit)
        except ValueError as exc:
            raise errors.bad_request(f"invalid limit {limit!r}") from exc
        if 0 < n < len(items):
            last = items[n - 1]["metadata"]
            meta["continue"] = _encode_continue(last.get("namespace", ""), last["name"])
            meta["remainingItemCount"] = len(items) - n
            items = items[:n]
    gv = t.group_version
    items = [as_version(o, gv) for o in items]
    if wants_table(request):
        return respond(tables.table(cluster, t.rt, items, request.query, meta=meta,
                                    resource_version=cluster.resource_version))
    return respond({"kind": t.rt.list_kind, "apiVersion": gv, "metadata": meta, "items": items})


def _encode_continue(ns: str, name: str) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps([ns, name]).encode()).decode()


def _decode_continue(token: str) -> tuple[str, str]:
    import base64

    try:
        ns, name = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(ns), str(name)
    except Exception as exc:  # any garbage in the token is the client's
        raise errors.bad_request("continue key is not valid") from exc


# ------------------------------------------------------------ create/update

def create(cluster: SimCluster, t: Target, request: web.Request, raw: bytes) -> web.Response:
    if t.name is not None:
        raise errors.method_not_allowed()
    obj = _check_identity(t, parse_body(raw), need_name=False)
    created = cluster.create(t.rt.key, obj, field_manager=field_manager(request), dry_run=dry_run(request), validate=True)
    return respond(as_version(created, t.group_version), 201)


def update(cluster: SimCluster, t: Target, request: web.Request, raw: bytes) -> web.Response:
    if t.name is None:
        raise errors.method_not_allowed()
    body = parse_body(raw)
    if t.subresource == "scale":
        return respond(_update_scale(cluster, t, body, field_manager(request), dry_run(request)))
    obj = _check_identity(t, body, need_name=True)
    new = cluster.update(t.rt.key, obj, subresource=t.subresource, field_manager=field_manager(request),
                         dry_run=dry_run(request), validate=True)
    return respond(as_version(new, t.group_version))


# -------------------------------------------------------------------- patch

def patch(cluster: SimCluster, t: Target, request: web.Request, raw: bytes) -> web.Response:
    if t.name is None:
        raise errors.method_not_allowed()
    ctype = request.content_type
    kind = PATCH_TYPES.get(ctype)
    if kind is None:
        raise ApiError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media types include: {", ".join(PATCH_TYPES)}')
    live = cluster.get(t.rt.key, t.namespace, t.name)
    if kind == "apply":
        return _apply(cluster, t, request, raw, live)
    if live is None:
        raise errors.not_found(t.rt.plural, t.rt.group, t.name)
    body = parse_body(raw)
    manager = field_manager(request)
    if t.subresource == "scale":
        patched = apply_patch(t.rt.kind, kind, scale_of(t.rt, live), body, builtin=True)
        return respond(_update_scale(cluster, t, patched, manager, dry_run(request)))
    base = as_version(live, t.group_version)
    patched = apply_patch(t.rt.kind, kind, base, body, builtin=t.rt.key in _BUILTIN_KEYS)
    if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
        raise errors.bad_request("the patch removed the object's metadata")
    _check_identity(t, patched, need_name=True)
    new = cluster.update(t.rt.key, patched, subresource=t.subresource, field_manager=manager,
                         dry_run=dry_run(request), validate=True)
    return respond(as_version(new, t.group_version))


def _apply(cluster: SimCluster, t: Target, request: web.Request, raw: bytes,
           live: dict[str, Any] | None) -> web.Response:
    manager = request.query.get("fieldManager")
    if not manager:
        raise errors.bad_request("PATCH, application/apply-patch+yaml requests require fieldManager")
    force = request.query.get("force", "").lower() in ("true", "1")
    body = parse_body(raw, yaml_ok=True)
    if not isinstance(body, dict):
        raise errors.bad_request("the applied configuration must be an object")
    if body.get("apiVersion") != t.group_version or body.get("kind") != t.rt.kind:
        raise errors.bad_request(
            f"the API version and kind in the applied configuration ({body.get('apiVersion')}, "
            f"{body.get('kind')}) do not match the request ({t.group_version}, {t.rt.kind})")
    _check_identity(t, body, need_name=True)
    if live is None and t.subresource is not None:
        raise errors.not_found(t.rt.plural, t.rt.group, t.name or "")
    merged = fields.apply(live, body, manager, force=force, now=cluster.clock.iso(),
                          api_version=t.group_version, subresource=t.subresource,
                          status_isolated=t.rt.status, resource_name=t.name or "")
    managed = merged["metadata"].pop("managedFields")
    if live is None:
        created = cluster.create(t.rt.key, merged, managed_fields=managed, dry_run=dry_run(request), validate=True)
        return respond(as_version(created, t.group_version), 201)
    rv = (body.get("metadata") or {}).get("resourceVersion")
    merged["metadata"]["resourceVersion"] = rv or live["metadata"]["resourceVersion"]
    new = cluster.update(t.rt.key, merged, subresource=t.subresource, managed_fields=managed,
                         dry_run=dry_run(request), validate=True)
    return respond(as_version(new, t.group_version))


# -------------------------------------------------------------------- scale

def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _set(obj: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of obj with dotted path set (copies only along the path)."""
    head, _, rest = dotted.partition(".")
    out = dict(obj)
    out[head] = _set(out.get(head) if isinstance(out.get(head), dict) else {}, rest, value) if rest else value
    return out


def scale_of(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    assert rt.scale is not None
    meta = obj["metadata"]
    sel = _dig(obj, rt.scale.label_selector) if rt.scale.label_selector else None
    status: dict[str, Any] = {"replicas": _dig(obj, rt.scale.status_replicas) or 0}
    if sel:
        status["selector"] = selector_from_label_selector(sel) if isinstance(sel, dict) else str(sel)
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": _dig(obj, rt.scale.spec_replicas) or 0},
        "status": status,
    }


def _update_scale(cluster: SimCluster, t: Target, scale: Any, manager: str,
                  dry: bool = False) -> dict[str, Any]:
    assert t.rt.scale is not None
    if not isinstance(scale, dict):
        raise errors.bad_request("the body must be a Scale object")
    replicas = (scale.get("spec") or {}).get("replicas")
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise errors.invalid("Scale", "autoscaling", t.name or "", [
            ("FieldValueInvalid", "spec.replicas",
             f"Invalid value: {replicas!r}: must be greater than or equal to 0")])
    live = cluster.get(t.rt.key, t.namespace, t.name or "")
    if live is None:
        raise errors.not_found(t.rt.plural, t.rt.group, t.name or "")
    new = _set(clone(live), t.rt.scale.spec_replicas, replicas)
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    new["metadata"] = dict(new["metadata"], resourceVersion=rv or live["metadata"]["resourceVersion"])
    updated = cluster.update(t.rt.key, new, field_manager=manager, dry_run=dry, validate=True)
    return scale_of(t.rt, updated)


# ------------------------------------------------------------------- delete

def _delete_options(request: web.Request, raw: bytes) -> tuple[str, dict[str, Any] | None, bool, int | None]:
    opts: dict[str, Any] = {}
    if raw.strip():
        opts = parse_body(raw)
        if not isinstance(opts, dict):
            raise errors.bad_request("DeleteOptions must be an object")
    policy = request.query.get("propagationPolicy") or opts.get("propagationPolicy")
    orphan = request.query.get("orphanDependents") or opts.get("orphanDependents")
    if policy is None:
        policy = "Orphan" if str(orphan).lower() == "true" else "Background"
    if policy not in ("Background", "Foreground", "Orphan"):
        raise errors.invalid("DeleteOptions", "", "", [(
            "FieldValueNotSupported", "propagationPolicy",
            f'Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan"')])
    pre = opts.get("preconditions")
    dry = dry_run(request)
    body_dry = opts.get("dryRun") or []
    if body_dry and body_dry != ["All"]:
        raise errors.invalid("DeleteOptions", "", "", [(
            "FieldValueNotSupported", "dryRun", f'Unsupported value: {body_dry!r}: supported values: "All"')])
    grace = request.query.get("gracePeriodSeconds", opts.get("gracePeriodSeconds"))
    if grace is not None:
        try:
            grace = int(grace)
        except (TypeError, ValueError):
            raise errors.bad_request(f"gracePeriodSeconds: invalid value {grace!r}: not an integer") from None
        grace = max(grace, 1) if grace < 0 else grace  # negative means 1 s, as in the apiserver
    return policy, pre if isinstance(pre, dict) else None, dry or bool(body_dry), grace


def _grace(t: Target, obj: dict[str, Any], grace: int | None) -> int | None:
    """Pods are deleted gracefully: the client's period, else the pod's own (default 30 s)."""
    if t.rt.key != "pods":
        return None
    if grace is not None:
        return grace
    period = (obj.get("spec") or {}).get("terminationGracePeriodSeconds")
    return period if isinstance(period, int) and not isinstance(period, bool) and period >= 0 else 30


def delete(cluster: SimCluster, t: Target, request: web.Request, raw: bytes) -> web.Response:
    if t.subresource is not None:
        raise errors.method_not_allowed()
    policy, pre, dry, grace = _delete_options(request, raw)
    if t.name is None:
        if dry:
            return respond({"kind": t.rt.list_kind, "apiVersion": t.group_version,
                            "metadata": {"resourceVersion": cluster.resource_version},
                            "items": [as_version(o, t.group_version) for o in matching(cluster, t, request)]})
        return _delete_collection(cluster, t, request, policy, grace)
    live = cluster.get(t.rt.key, t.namespace, t.name)
    if live is None:
        raise errors.not_found(t.rt.plural, t.rt.group, t.name)
    obj = cluster.delete(t.rt.key, t.namespace, t.name, propagation=policy, preconditions=pre, dry_run=dry,
                         grace_period_seconds=_grace(t, live, grace))
    if dry:
        return respond(as_version(obj or live, t.group_version))
    still = cluster.get(t.rt.key, t.namespace, t.name)
    if still is not None:
        terminating = bool(still["metadata"].get("deletionGracePeriodSeconds"))  # a graceful pod: 200, as the apiserver
        return respond(as_version(still, t.group_version), 202 if still is not live and not terminating else 200)
    details: dict[str, Any] = {"name": t.name, "kind": t.rt.plural, "uid": live["metadata"]["uid"]}
    if t.rt.group:
        details["group"] = t.rt.group
    del obj
    return respond({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})


def _delete_collection(cluster: SimCluster, t: Target, request: web.Request, policy: str,
                       grace: int | None) -> web.Response:
    if "deletecollection" not in t.rt.verbs:
        raise errors.method_not_allowed()
    gone = []
    for obj in matching(cluster, t, request):
        m = obj["metadata"]
        after = cluster.delete(t.rt.key, m.get("namespace"), m["name"], propagation=policy,
                               grace_period_seconds=_grace(t, obj, grace))
        gone.append(as_version(after or obj, t.group_version))
    return respond({"kind": t.rt.list_kind, "apiVersion": t.group_version,
                    "metadata": {"resourceVersion": cluster.resource_version}, "items": gone})
