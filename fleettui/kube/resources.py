"""What a kind is on a cluster (group, version, plural, scope) and how its URLs are built.

Built-in kinds that every conformant cluster serves are known statically, so a
sync of a hundred clusters does not start with a discovery round-trip each;
anything else (CRDs) is looked up through discovery (`Discovery`), cached, and
looked up again on a miss so a CRD installed after start resolves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class Resource:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """`plural[.group]`, as kubectl spells a resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(
        self,
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        if name is not None:
            if not name:
                raise ValueError(f"{self.kind}: empty name")
            base += f"/{quote(name, safe='')}"
            if subresource:
                base += f"/{subresource}"
        elif subresource:
            raise ValueError("a subresource needs a name")
        return base


def group_version_path(api_version: str) -> str:
    return f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"


def _builtin(
    api_version: str, kind: str, plural: str, namespaced: bool, subs: tuple[str, ...] = ()
) -> Resource:
    group, _, version = api_version.rpartition("/")
    return Resource(
        group,
        version,
        kind,
        plural,
        namespaced,
        ("create", "delete", "get", "list", "patch", "update", "watch"),
        subs,
    )


# GA kinds present on every conformant cluster (Kubernetes >= 1.22).
BUILTINS: dict[tuple[str, str], Resource] = {
    (r.api_version, r.kind): r
    for r in (
        _builtin("v1", "Namespace", "namespaces", False, ("status",)),
        _builtin("v1", "Node", "nodes", False, ("status",)),
        _builtin("v1", "Pod", "pods", True, ("status", "log", "eviction")),
        _builtin("v1", "Service", "services", True, ("status",)),
        _builtin("v1", "Endpoints", "endpoints", True),
        _builtin("v1", "ConfigMap", "configmaps", True),
        _builtin("v1", "Secret", "secrets", True),
        _builtin("v1", "ServiceAccount", "serviceaccounts", True),
        _builtin("v1", "Event", "events", True),
        _builtin("v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ("status",)),
        _builtin("v1", "PersistentVolume", "persistentvolumes", False, ("status",)),
        _builtin("v1", "ResourceQuota", "resourcequotas", True, ("status",)),
        _builtin("v1", "LimitRange", "limitranges", True),
        _builtin("apps/v1", "Deployment", "deployments", True, ("status", "scale")),
        _builtin("apps/v1", "StatefulSet", "statefulsets", True, ("status", "scale")),
        _builtin("apps/v1", "DaemonSet", "daemonsets", True, ("status",)),
        _builtin("apps/v1", "ReplicaSet", "replicasets", True, ("status", "scale")),
        _builtin("apps/v1", "ControllerRevision", "controllerrevisions", True),
        _builtin("batch/v1", "Job", "jobs", True, ("status",)),
        _builtin("batch/v1", "CronJob", "cronjobs", True, ("status",)),
        _builtin("events.k8s.io/v1", "Event", "events", True),
        _builtin("networking.k8s.io/v1", "Ingress", "ingresses", True, ("status",)),
        _builtin("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", True),
        _builtin("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", True),
        _builtin("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("status",)),
        _builtin(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            True,
            ("status",),
        ),
        _builtin("rbac.authorization.k8s.io/v1", "Role", "roles", True),
        _builtin("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", True),
        _builtin("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False),
        _builtin(
            "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", False
        ),
        _builtin(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            False,
            ("status",),
        ),
        _builtin("storage.k8s.io/v1", "StorageClass", "storageclasses", False),
        _builtin("coordination.k8s.io/v1", "Lease", "leases", True),
    )
}


def parse_resource_list(api_version: str, doc: dict[str, Any]) -> list[Resource]:
    """Resources of one group/version from an `APIResourceList` discovery document."""
    group, _, version = api_version.rpartition("/")
    entries = doc.get("resources") or []
    subs: dict[str, list[str]] = {}
    for e in entries:
        name = str(e.get("name", ""))
        if "/" in name:
            parent, _, sub = name.partition("/")
            subs.setdefault(parent, []).append(sub)
    out = []
    for e in entries:
        name = str(e.get("name", ""))
        if not name or "/" in name:
            continue
        out.append(
            Resource(
                group=str(e.get("group") or group),
                version=str(e.get("version") or version),
                kind=str(e.get("kind", "")),
                plural=name,
                namespaced=bool(e.get("namespaced")),
                verbs=tuple(e.get("verbs") or ()),
                subresources=tuple(subs.get(name, ())),
            )
        )
    return out


def match(resources: list[Resource], kind: str) -> Resource | None:
    """Find by Kind (exact), then plural, then case-insensitive kind — like kubectl's lookup."""
    for r in resources:
        if r.kind == kind:
            return r
    for r in resources:
        if r.plural == kind:
            return r
    low = kind.lower()
    for r in resources:
        if r.kind.lower() == low or r.plural == low:
            return r
    return None


class Discovery:
    """Per-cluster cache of group/version -> resources, refreshed when a kind is missing.

    `fetch(api_version)` returns the APIResourceList document, or None when the
    group/version is not served (404). Concurrent lookups of one group/version
    share a single request.
    """

    def __init__(self, fetch: Callable[[str], Awaitable[dict[str, Any] | None]]) -> None:
        self._fetch = fetch
        self._cache: dict[str, list[Resource]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def lookup(self, api_version: str, kind: str) -> Resource | None:
        builtin = BUILTINS.get((api_version, kind))
        if builtin is not None:
            return builtin
        cached = self._cache.get(api_version)
        if cached is not None:
            found = match(cached, kind)
            if found is not None:
                return found
        lock = self._locks.setdefault(api_version, asyncio.Lock())
        generation = self._cache.get(api_version)
        async with lock:
            # Someone else refreshed while we waited: theirs is the answer, found or not
            # (asking again at once for a group the cluster does not serve cost every
            # edge site without the MCS CRDs two more 404s per first sync).
            current = self._cache.get(api_version)
            if current is not generation and current is not None:
                return match(current, kind)
            doc = await self._fetch(api_version)
            resources = parse_resource_list(api_version, doc) if doc else []
            self._cache[api_version] = resources
            return match(resources, kind)
