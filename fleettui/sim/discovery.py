"""Discovery documents (/version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>).

The legacy documents are served as `application/json`; `/api` and `/apis` also answer
aggregated discovery (`apidiscovery.k8s.io/v2`, one document with every resource) to
clients whose Accept header asks for it, as kubectl >= 1.30 does.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fleettui.sim.cluster import SimCluster
from fleettui.sim.resources import ResourceType

SUB_VERBS = ["get", "patch", "update"]


def version_info(git_version: str) -> dict[str, Any]:
    major, minor = git_version.lstrip("v").split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "gitVersion": git_version,
        "gitCommit": hashlib.sha1(git_version.encode()).hexdigest(),
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def core_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
    }


def _group_versions(cluster: SimCluster) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rt in cluster.types.values():
        if not rt.group:
            continue
        versions = groups.setdefault(rt.group, [])
        for v in rt.served_versions:
            if v not in versions:
                versions.append(v)
    return groups


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def group_list(cluster: SimCluster) -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g, vs) for g, vs in _group_versions(cluster).items()],
    }


def group(cluster: SimCluster, name: str) -> dict[str, Any] | None:
    versions = _group_versions(cluster).get(name)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _storage_hash(rt: ResourceType) -> str:
    return hashlib.sha256(f"{rt.group}/{rt.version}/{rt.kind}".encode()).hexdigest()[:12]


def resource_list(cluster: SimCluster, group: str, version: str) -> dict[str, Any] | None:
    rts = [rt for rt in cluster.types.values() if rt.group == group and version in rt.served_versions]
    if not rts:
        return None
    resources: list[dict[str, Any]] = []
    for rt in rts:
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
            "storageVersionHash": _storage_hash(rt),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        if rt.status:
            resources.append({"name": f"{rt.plural}/status", "singularName": "", "namespaced": rt.namespaced,
                              "kind": rt.kind, "verbs": SUB_VERBS})
        if rt.approval:
            resources.append({"name": f"{rt.plural}/approval", "singularName": "", "namespaced": False,
                              "kind": rt.kind, "verbs": SUB_VERBS})
        if rt.key == "pods":
            resources.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod",
                              "verbs": ["get"]})
        if rt.scale is not None:
            resources.append({"name": f"{rt.plural}/scale", "singularName": "", "namespaced": rt.namespaced,
                              "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": SUB_VERBS})
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def wants_aggregated(accept: str) -> bool:
    """Whether the client accepts apidiscovery.k8s.io/v2 (kubectl >= 1.30 asks first)."""
    for part in accept.split(","):
        params = {p.split("=", 1)[0].strip(): p.split("=", 1)[-1].strip() for p in part.split(";")[1:]}
        if params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2" \
                and params.get("as") == "APIGroupDiscoveryList":
            return True
    return False


def _aggregated_resource(rt: ResourceType, version: str) -> dict[str, Any]:
    kind = {"group": rt.group, "version": version, "kind": rt.kind}
    entry: dict[str, Any] = {
        "resource": rt.plural,
        "responseKind": kind,
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subs = []
    if rt.scale is not None:
        subs.append({"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1",
                                                              "kind": "Scale"}, "verbs": SUB_VERBS})
    if rt.status:
        subs.append({"subresource": "status", "responseKind": kind, "verbs": SUB_VERBS})
    if rt.approval:
        subs.append({"subresource": "approval", "responseKind": kind, "verbs": SUB_VERBS})
    if rt.key == "pods":
        subs.append({"subresource": "log", "responseKind": kind, "verbs": ["get"]})
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(cluster: SimCluster, *, core: bool) -> dict[str, Any]:
    """/api (core) or /apis as an APIGroupDiscoveryList (apidiscovery.k8s.io/v2)."""
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for rt in cluster.types.values():
        if (rt.group == "") != core:
            continue
        for v in rt.served_versions:
            groups.setdefault(rt.group, {}).setdefault(v, []).append(_aggregated_resource(rt, v))
    order = _group_versions(cluster)
    items = []
    for name, versions in groups.items():
        ranked = order.get(name) or list(versions)
        items.append({
            "metadata": {"name": name, "creationTimestamp": None},
            "versions": [{"version": v, "resources": versions[v], "freshness": "Current"}
                         for v in ranked if v in versions],
        })
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
            "items": items}
