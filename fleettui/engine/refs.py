"""ref-objects: fetch the referenced objects from their source cluster and turn them
into manifests (server-owned metadata and status removed, as KubeVela does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fleettui.engine.errors import RenderError
from fleettui.engine.model import Application
from fleettui.kube import ClusterClient, Resource, errors

_GROUP_VERSIONS = {"": "v1", "apps": "apps/v1", "batch": "batch/v1", "networking.k8s.io": "networking.k8s.io/v1",
                   "rbac.authorization.k8s.io": "rbac.authorization.k8s.io/v1", "policy": "policy/v1",
                   "autoscaling": "autoscaling/v2", "storage.k8s.io": "storage.k8s.io/v1"}
_KEEP_METADATA = ("name", "namespace", "labels", "annotations")
_SERVICE_ALLOCATED = ("clusterIP", "clusterIPs", "healthCheckNodePort")


def clean(obj: dict[str, Any]) -> dict[str, Any]:
    """A live object as a manifest to apply elsewhere."""
    meta = obj.get("metadata") or {}
    out = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
    out["metadata"] = {k: meta[k] for k in _KEEP_METADATA if k in meta}
    annotations = out["metadata"].get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if out.get("kind") == "Service" and isinstance(out.get("spec"), dict):
        out["spec"] = {k: v for k, v in out["spec"].items() if k not in _SERVICE_ALLOCATED}
        for port in out["spec"].get("ports") or []:
            if out["spec"].get("type") in (None, "ClusterIP"):
                port.pop("nodePort", None)
    return out


async def _resource(client: ClusterClient, ref: dict[str, Any]) -> Resource:
    if ref.get("apiVersion") and ref.get("kind"):
        return await client.resource(ref["apiVersion"], ref["kind"])
    group = ref.get("group") or ""
    api_version = _GROUP_VERSIONS.get(group)
    if api_version is None:
        found = await client.get_path(f"/apis/{group}")
        api_version = ((found or {}).get("preferredVersion") or {}).get("groupVersion") or f"{group}/v1"
    name = str(ref.get("resource") or ref.get("kind"))
    last: errors.KubeError | None = None
    for candidate in (name, name + "s", name + "es", name.capitalize()):
        try:
            return await client.resource(api_version, candidate)
        except errors.UnknownResource as exc:
            last = exc
    assert last is not None
    raise last


ClientFor = Callable[[str | None], ClusterClient | None]  # source cluster (None: the hub) -> its client


async def resolve(app: Application, client_for: ClientFor) -> dict[str, list[dict[str, Any]]]:
    """component name -> fetched manifests, for every ref-objects component.

    `client_for(cluster)` gives the source cluster's client (None as cluster: the hub,
    which the local hub does not have)."""
    label = f"{app.namespace}/{app.name}"
    out: dict[str, list[dict[str, Any]]] = {}
    for comp in app.components:
        if comp.type != "ref-objects":
            continue
        objs: list[dict[str, Any]] = []
        for i, ref in enumerate(comp.properties.get("objects") or []):
            field = f"spec.components[{comp.name}].properties.objects[{i}]"
            client = client_for(ref.get("cluster"))
            if client is None:
                raise RenderError(label, "ref-objects without `cluster` read from the hub cluster, and the "
                                  "local hub has none: name the source cluster", field=f"{field}.cluster")
            try:
                res = await _resource(client, ref)
                ns = ref.get("namespace") or app.namespace
                if ref.get("name"):
                    live = await client.get(res, ref["name"], namespace=ns)
                    if live is None:
                        raise RenderError(label, f"{res.kind} {ns}/{ref['name']} not found", cluster=client.name,
                                          field=field)
                    found = [live]
                else:
                    selector = ",".join(f"{k}={v}" for k, v in (ref.get("labelSelector") or {}).items())
                    found = (await client.list(res, namespace=ns, label_selector=selector)).items
                    if not found:
                        raise RenderError(label, f"no {res.kind} in {ns} matches {selector}", cluster=client.name,
                                          field=f"{field}.labelSelector")
            except errors.KubeError as exc:
                raise RenderError(label, f"cannot read ref-object: {exc}", cluster=client.name, field=field) from exc
            for live in found:
                live.setdefault("apiVersion", res.api_version)
                live.setdefault("kind", res.kind)
                objs.append(clean(live))
        out[comp.name] = objs
    return out
