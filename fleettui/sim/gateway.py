"""The hub's Cluster Gateway (KubeVela `cluster.core.oam.dev/v1alpha1`): members reached through the hub.

Real hubs serve `ClusterGateway` from an aggregated apiserver (oam-dev/cluster-gateway)
that derives one object per KubeVela cluster secret in `vela-system` (the secret's
`endpoint` and credential-type label); nothing is stored under that resource. So here
too a ClusterGateway is a read-only view over the hub's secrets, computed at each
request: create a cluster secret and its gateway exists, delete it and it is gone.

Its `proxy` subresource forwards any request (every verb, watch streams, query
strings, headers and body) to the member's API path after `/proxy`, as
`/apis/cluster.core.oam.dev/v1alpha1/clustergateways/<cluster>/proxy/<path>`. The
forward is in-process: the member's own fault gate, request log and watch registry
apply to it, so a member's faults look through the gateway as they do directly,
except one: a member whose endpoint resets connections cannot answer, so the gateway
answers for it with 503 and a Status, as the real proxy's error responder does.
Credential material is not echoed in the objects (the simulator's are fake anyway):
only the credential type.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fleettui.sim import api, errors, tables
from fleettui.sim.errors import ApiError
from fleettui.sim.resources import ResourceType

if TYPE_CHECKING:
    from fleettui.sim.cluster import SimCluster
    from fleettui.sim.faults import FaultTable

GROUP = "cluster.core.oam.dev"
VERSION = "v1alpha1"
PLURAL = "clustergateways"
API_VERSION = f"{GROUP}/{VERSION}"
PATH_SEGMENTS = ("apis", GROUP, VERSION, PLURAL)
VELA_NAMESPACE = "vela-system"
CREDENTIAL_LABEL = "cluster.core.oam.dev/cluster-credential-type"
ENDPOINT_TYPE_LABEL = "cluster.core.oam.dev/cluster-endpoint-type"

# get/list only: the aggregated apiserver writes nothing through this resource
# (`vela cluster join` writes the secret), and its list cannot be watched.
GATEWAY_TYPE = ResourceType(GROUP, VERSION, PLURAL, "ClusterGateway", False,
                            singular="clustergateway", verbs=("get", "list"))


def is_gateway_path(segs: list[str]) -> bool:
    return tuple(segs[:4]) == PATH_SEGMENTS


def proxied(segs: list[str]) -> bool:
    """Whether a gateway path names the proxy subresource."""
    return len(segs) >= 6 and segs[5] == "proxy"


class Gateway:
    """Serves the ClusterGateway API on the hub; `forward(name, tail, request)` is the
    member side of the simulator's router."""

    def __init__(self, hub: SimCluster, *, faults: FaultTable, base_url: Callable[[], str],
                 served: Callable[[str], bool]) -> None:
        self.hub = hub
        self.faults = faults
        self.base_url = base_url
        self.served = served

    # ------------------------------------------------------------- objects

    def member_of(self, endpoint: str | None) -> str | None:
        """The simulated member an endpoint URL points at, or None (not this simulator)."""
        prefix = self.base_url().rstrip("/") + "/clusters/"
        if not endpoint or not endpoint.rstrip("/").startswith(prefix):
            return None
        name = endpoint.rstrip("/")[len(prefix):]
        return name if "/" not in name and self.served(name) else None

    def _health(self, endpoint: str | None) -> tuple[bool, str]:
        member = self.member_of(endpoint)
        if member is None:
            return False, f"dial tcp: lookup {_host(endpoint)}: no such host"
        down = self.faults.get(member).down
        if down == "refuse":
            return False, "read: connection reset by peer"
        if down == "503":
            return False, "the server is currently unable to handle the request"
        return True, ""

    def gateway_of(self, secret: dict[str, Any]) -> dict[str, Any] | None:
        """The ClusterGateway a cluster secret stands for (None: not a cluster secret)."""
        meta = secret.get("metadata") or {}
        labels = meta.get("labels") or {}
        credential = labels.get(CREDENTIAL_LABEL)
        if not credential:
            return None  # the real gateway answers NotFound for such a secret too
        endpoint = _decode((secret.get("data") or {}).get("endpoint"))
        healthy, reason = self._health(endpoint)
        const: dict[str, Any] = {"address": endpoint or ""}
        if (secret.get("data") or {}).get("ca.crt"):
            const["caBundle"] = secret["data"]["ca.crt"]
        else:
            const["insecure"] = True
        status: dict[str, Any] = {"healthy": healthy}
        if reason:
            status["healthyReason"] = reason
        return {
            "apiVersion": API_VERSION,
            "kind": "ClusterGateway",
            "metadata": {"name": meta.get("name"), "creationTimestamp": meta.get("creationTimestamp"),
                         "labels": dict(labels)},
            "spec": {"provider": "",
                     "access": {"endpoint": {"type": labels.get(ENDPOINT_TYPE_LABEL) or "Const",
                                             "const": const},
                                "credential": {"type": credential}}},
            "status": status,
        }

    def gateways(self) -> list[dict[str, Any]]:
        out = []
        for secret in self.hub.list("secrets", VELA_NAMESPACE):
            gw = self.gateway_of(secret)
            if gw is not None:
                out.append(gw)
        return sorted(out, key=lambda g: g["metadata"]["name"])

    def get(self, name: str) -> dict[str, Any]:
        secret = self.hub.get("secrets", VELA_NAMESPACE, name)
        gw = self.gateway_of(secret) if secret is not None else None
        if gw is None:
            raise errors.not_found(PLURAL, GROUP, name)
        return gw

    # ------------------------------------------------------------- HTTP

    async def handle(self, segs: list[str], request: web.Request,
                     forward: Callable[[str, str, web.Request], Any]) -> web.StreamResponse:
        """`segs` start with PATH_SEGMENTS; `forward(member, tail, request)` serves a
        request as the member would."""
        rest = segs[4:]
        try:
            if not rest:
                return self._list(request)
            name = rest[0]
            if len(rest) == 1 or (len(rest) == 2 and rest[1] == "health"):
                if request.method != "GET":
                    raise errors.method_not_allowed()
                return self._respond(request, [self.get(name)], single=True)
            if rest[1] != "proxy":
                raise errors.resource_not_found()
            return await self._proxy(name, "/".join(rest[2:]), request, forward)
        except ApiError as exc:
            return api.error_response(exc)

    def _list(self, request: web.Request) -> web.Response:
        if request.method != "GET":
            raise errors.method_not_allowed()
        if request.query.get("watch") in ("true", "True", "1"):
            # what oam-dev/cluster-gateway's List answers to a watch
            raise ApiError(405, "MethodNotAllowed", "watch not supported")
        return self._respond(request, self.gateways(), single=False)

    def _respond(self, request: web.Request, items: list[dict[str, Any]], *, single: bool) -> web.Response:
        rv = self.hub.resource_version
        if api.wants_table(request):
            return api.respond(tables.table(self.hub, GATEWAY_TYPE, items, request.query,
                                            resource_version=rv))
        if single:
            return api.respond(items[0])
        return api.respond({"kind": "ClusterGatewayList", "apiVersion": API_VERSION,
                            "metadata": {"resourceVersion": rv}, "items": items})

    async def _proxy(self, name: str, tail: str, request: web.Request,
                     forward: Callable[[str, str, web.Request], Any]) -> web.StreamResponse:
        gw = self.get(name)
        endpoint = gw["spec"]["access"]["endpoint"]["const"]["address"]
        member = self.member_of(endpoint)
        if member is None:
            raise _unreachable(name, endpoint, f"dial tcp: lookup {_host(endpoint)}: no such host")
        if self.faults.get(member).down == "refuse":
            raise _unreachable(name, endpoint, "read: connection reset by peer")
        return await forward(member, tail, request)


def _unreachable(name: str, endpoint: str, why: str) -> ApiError:
    # the proxy's error responder: the apiserver wraps a transport error in a 503 Status
    return ApiError(503, "ServiceUnavailable",
                    f"error trying to reach cluster {name} at {endpoint}: {why}")


def _host(endpoint: str | None) -> str:
    from urllib.parse import urlsplit

    return urlsplit(endpoint or "").hostname or (endpoint or "")


def _decode(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode().strip() or None
    except (binascii.Error, UnicodeDecodeError):
        return None
