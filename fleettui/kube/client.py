"""ClusterClient: the verbs fleettui uses on one cluster, with dicts in and out.

Semantics follow the Kubernetes API conventions: `get` returns None for 404
(absence is normal), `list` follows `continue` tokens, `watch` raises
`errors.Gone` on 410, `apply` is server-side apply. Failures raise the typed
errors of `fleettui.kube.errors`, each naming the cluster.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import aiohttp

from fleettui.config.kubeconfig import KubeConfig
from fleettui.kube import errors
from fleettui.kube.resources import Discovery, Resource, group_version_path
from fleettui.kube.transport import Transport
from fleettui.kube.watch import Watch

PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
PatchType = Literal["merge", "json", "strategic", "apply"]

# KubeVela's cluster-gateway (also OCM's cluster-gateway addon): the hub proxies any
# member API path below this, with the hub's credentials.
GATEWAY_API = "/apis/cluster.core.oam.dev/v1alpha1/clustergateways"


def gateway_proxy_path(cluster: str) -> str:
    return f"{GATEWAY_API}/{quote(cluster, safe='')}/proxy"


@dataclass(frozen=True)
class ListResult:
    items: list[dict[str, Any]]
    resource_version: str


class ClusterClient:
    """One cluster, one connection pool. Create with `from_kubeconfig`; `close()` when done."""

    def __init__(
        self,
        transport: Transport,
        *,
        name: str,
        context: str,
        default_namespace: str = "default",
        server: str | None = None,
        gateway: str | None = None,
    ) -> None:
        self._t = transport
        self.name = name
        self.context = context
        self.server = server
        # the hub context whose Cluster Gateway carries every request (None: direct)
        self.gateway = gateway
        self.default_namespace = default_namespace
        self._discovery = Discovery(self._fetch_group_version)
        # How long past the server-side timeoutSeconds a silent watch is still trusted.
        self.watch_grace = max(transport.timeout, 5.0)

    @classmethod
    def from_kubeconfig(
        cls,
        kubeconfig: KubeConfig,
        *,
        context: str,
        read_only: bool = False,
        timeout: float = 10.0,
        name: str | None = None,
    ) -> ClusterClient:
        """A client for `context` of the merged kubeconfig.

        Nothing is contacted here; credentials (exec plugins included) load on
        the first request, and their failure surfaces as `errors.ConfigurationError`.
        `name` is how errors name the cluster (default: the context name).
        """
        ref = kubeconfig.context(context)
        transport = Transport(
            context_config(kubeconfig, context),
            context=context,
            cluster=name or context,
            read_only=read_only,
            timeout=timeout,
        )
        return cls(
            transport,
            name=name or context,
            context=context,
            default_namespace=ref.namespace or "default",
            server=ref.server,
        )

    @classmethod
    def via_gateway(
        cls,
        kubeconfig: KubeConfig,
        *,
        hub_context: str,
        cluster: str,
        read_only: bool = False,
        timeout: float = 10.0,
    ) -> ClusterClient:
        """A client for member `cluster` reached through the hub's Cluster Gateway:
        the hub context's server and credentials, every path below the cluster's
        proxy subresource. Everything above this client works unchanged; the
        read-only guard sees the member's own paths, at the same single send point.
        """
        ref = kubeconfig.context(hub_context)
        prefix = gateway_proxy_path(cluster)
        transport = Transport(
            context_config(kubeconfig, hub_context),
            context=hub_context,
            cluster=cluster,
            read_only=read_only,
            timeout=timeout,
            path_prefix=prefix,
        )
        return cls(
            transport,
            name=cluster,
            context=hub_context,
            server=(ref.server or "").rstrip("/") + prefix if ref.server else None,
            gateway=hub_context,
        )

    @property
    def access(self) -> str:
        return "gateway" if self.gateway else "direct"

    @property
    def read_only(self) -> bool:
        return self._t.read_only

    @property
    def timeout(self) -> float:
        return self._t.timeout

    async def close(self) -> None:
        await self._t.close()

    async def __aenter__(self) -> ClusterClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- discovery -----------------------------------------------------------

    async def resource(self, api_version: str, kind: str) -> Resource:
        """The Resource for apiVersion/kind (Kind, or plural name), via cached discovery."""
        found = await self._discovery.lookup(api_version, kind)
        if found is None:
            raise errors.UnknownResource(
                f"the server does not serve {kind} in {api_version} (is its CRD installed?)",
                cluster=self.name,
                status=404,
                reason="NotFound",
            )
        return found

    async def _fetch_group_version(self, api_version: str) -> dict[str, Any] | None:
        try:
            return await self._t.request("GET", group_version_path(api_version))
        except errors.NotFound:
            return None

    # -- reads ---------------------------------------------------------------

    async def get(
        self,
        res: Resource,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> dict[str, Any] | None:
        path = res.path(namespace=self._ns(res, namespace), name=name, subresource=subresource)
        try:
            obj = await self._t.request("GET", path)
        except errors.NotFound as exc:
            if isinstance(exc, errors.UnknownResource):
                raise
            return None
        return obj

    async def list(
        self,
        res: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
    ) -> ListResult:
        """Every matching object (namespace None: all namespaces); `limit` is the page size.

        A continue token that expires mid-way (410) restarts with one unpaged
        list, as client-go's pager does, so the result is one consistent snapshot.
        """
        path = res.path(namespace=namespace)
        params: dict[str, Any] = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
        }
        items: list[dict[str, Any]] = []
        rv = ""
        cont: str | None = None
        while True:
            try:
                page = await self._t.request("GET", path, params={**params, "continue": cont})
            except errors.Gone:
                if cont is None:
                    raise
                page = await self._t.request("GET", path, params={**params, "limit": None})
                items = []
                cont = None
            page = page or {}
            for item in page.get("items") or []:
                item.setdefault("apiVersion", res.api_version)
                item.setdefault("kind", res.kind)
                items.append(item)
            meta = page.get("metadata") or {}
            rv = meta.get("resourceVersion") or rv
            cont = meta.get("continue") or None
            if not cont:
                return ListResult(items, rv)

    def watch(
        self,
        res: Resource,
        *,
        resource_version: str | None = None,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int = 300,
        allow_bookmarks: bool = True,
    ) -> Watch:
        """Changes after `resource_version`, until the server ends the stream after `timeout_seconds`.

        Use as `async with client.watch(...) as w: async for ev in w:` so the
        connection is closed when you stop early. Raises errors.Gone when the
        version is too old (relist), errors.Unreachable when the stream breaks or
        stays silent longer than the server-side timeout plus the client timeout.
        """
        path = res.path(namespace=namespace)
        params = {
            "watch": True,
            "resourceVersion": resource_version,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "timeoutSeconds": int(timeout_seconds),
            "allowWatchBookmarks": allow_bookmarks or None,
        }
        read_timeout = float(timeout_seconds) + self.watch_grace

        def opener() -> Awaitable[aiohttp.ClientResponse]:
            return self._t.stream(
                path, params=params, connect_timeout=self.timeout, read_timeout=read_timeout
            )

        return Watch(
            opener,
            cluster=self.name,
            resource_version=resource_version,
            read_timeout=read_timeout,
            api_version=res.api_version,
            kind=res.kind,
        )

    async def version(self) -> dict[str, Any]:
        return await self._t.request("GET", "/version") or {}

    async def get_path(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        request_timeout: float | None = None,
    ) -> Any:
        """A raw GET of an API path (e.g. `/readyz`, `/apis`), parsed as JSON."""
        if not path.startswith("/"):
            raise ValueError("path must start with '/'")
        return await self._t.request("GET", path, params=params, request_timeout=request_timeout)

    # -- writes (all refused on a read-only client, inside the transport) ------

    async def create(
        self,
        res: Resource,
        body: dict[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        ns = self._ns(res, namespace or _meta(body).get("namespace"))
        return await self._t.request(
            "POST", res.path(namespace=ns), params=_write_params(field_manager, dry_run), body=body
        )

    async def replace(
        self,
        res: Resource,
        body: dict[str, Any],
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        name = _meta(body).get("name")
        if not name:
            raise ValueError(f"{res.kind}: replace needs metadata.name")
        ns = self._ns(res, namespace or _meta(body).get("namespace"))
        return await self._t.request(
            "PUT",
            res.path(namespace=ns, name=name, subresource=subresource),
            params=_write_params(field_manager, dry_run),
            body=body,
        )

    async def patch(
        self,
        res: Resource,
        name: str,
        body: Any,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        if patch_type not in PATCH_TYPES:
            raise ValueError(f"patch_type must be one of {', '.join(PATCH_TYPES)}")
        if patch_type == "json" and not isinstance(body, list):
            raise ValueError("a JSON patch is a list of operations")
        params = _write_params(field_manager, dry_run)
        if force is not None:
            params["force"] = force
        path = res.path(namespace=self._ns(res, namespace), name=name, subresource=subresource)
        return await self._t.request(
            "PATCH", path, params=params, body=body, content_type=PATCH_TYPES[patch_type]
        )

    async def apply(
        self,
        obj: dict[str, Any],
        *,
        field_manager: str = "fleettui",
        force: bool = True,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Server-side apply of a full manifest (apiVersion, kind, metadata.name required)."""
        api_version, kind, name = obj.get("apiVersion"), obj.get("kind"), _meta(obj).get("name")
        if not api_version or not kind or not name:
            raise ValueError("apply needs apiVersion, kind and metadata.name")
        res = await self.resource(api_version, kind)
        ns = _meta(obj).get("namespace")
        return await self.patch(
            res,
            name,
            obj,
            namespace=ns,
            patch_type="apply",
            subresource=subresource,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
        )

    async def delete(
        self,
        res: Resource,
        name: str,
        *,
        namespace: str | None = None,
        propagation: str | None = "Background",
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | None:
        """Delete; returns the server's answer, or None when the object was already gone."""
        opts: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            if propagation not in ("Background", "Foreground", "Orphan"):
                raise ValueError("propagation must be Background, Foreground or Orphan")
            opts["propagationPolicy"] = propagation
        if grace_period_seconds is not None:
            opts["gracePeriodSeconds"] = grace_period_seconds
        if dry_run:
            opts["dryRun"] = ["All"]
        path = res.path(namespace=self._ns(res, namespace), name=name)
        try:
            return await self._t.request("DELETE", path, body=opts)
        except errors.NotFound as exc:
            if isinstance(exc, errors.UnknownResource):
                raise
            return None

    # -- helpers ---------------------------------------------------------------

    def _ns(self, res: Resource, namespace: str | None) -> str | None:
        if not res.namespaced:
            return None
        return namespace or self.default_namespace


def context_config(kubeconfig: KubeConfig, context: str) -> dict[str, Any]:
    """A kubeconfig document holding only `context` and the cluster and user it names.

    Each client needs its own copy (credential plugins and token refreshes write
    into it), but copying the whole merged kubeconfig for every one of N clients
    costs O(N^2) at fleet start; this copies one context's entries.
    """
    ref = kubeconfig.context(context)
    entry: dict[str, Any] = {"cluster": ref.cluster}
    if ref.user:
        entry["user"] = ref.user
    if ref.namespace:
        entry["namespace"] = ref.namespace
    cluster = kubeconfig.cluster_entry(ref.cluster) if ref.cluster else None
    user = kubeconfig.user_entry(ref.user) if ref.user else None
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [] if cluster is None else [{"name": ref.cluster, "cluster": cluster}],
        "users": [] if user is None else [{"name": ref.user, "user": user}],
        "contexts": [{"name": context, "context": entry}],
        "current-context": context,
    }


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _write_params(field_manager: str | None, dry_run: bool) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if field_manager:
        params["fieldManager"] = field_manager
    if dry_run:
        params["dryRun"] = "All"
    return params
