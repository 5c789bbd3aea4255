"""The aiohttp application: every cluster under `/clusters/<name>`, the admin endpoint
under `/_admin`, and the fault gate in front of each cluster.

What a client sees for each fault (documented in docs/simulator.md):
- down="refuse": the TCP connection is accepted by the shared listener, then reset
  (SO_LINGER 0 + abort) before any response byte: aiohttp raises
  ClientOSError/ServerDisconnectedError, kubectl prints "connection reset by peer" or
  "EOF". (A real "connection refused" is impossible per cluster on one shared port.)
- down="503": HTTP 503 with a Status (reason ServiceUnavailable).
- latency: the answer is delayed by that many wall-clock seconds.
- error_rate: that share of requests gets HTTP 500 (reason InternalError).
- drop_watches: open watch streams are cut mid-stream; new ones are cut at once.
- forbidden: resource requests get 403 Forbidden (discovery still answers, like RBAC).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import struct
from collections.abc import Callable
from typing import Any

from aiohttp import web

from fleettui.sim import api, discovery, errors, gateway, metrics, protobuf, watch
from fleettui.sim.cluster import SimCluster
from fleettui.sim.errors import ApiError
from fleettui.sim.faults import Fault, FaultTable, RequestLog
from fleettui.sim.resources import ACCESS_REVIEW_KEY

log = logging.getLogger(__name__)

WATCH_TRUE = ("true", "True", "1")


class ClusterServer:
    """Routes requests to clusters by name; holds the fault table and request log."""

    def __init__(self, clusters: Callable[[str], SimCluster | None], faults: FaultTable,
                 requests: RequestLog, *, versions: Callable[[str], str],
                 admin: Callable[[web.Request], Any] | None = None, rng: random.Random | None = None) -> None:
        self.clusters = clusters
        self.faults = faults
        self.requests = requests
        self.versions = versions
        self.watches = watch.WatchRegistry()
        self.rng = rng or random.Random()
        # (hub name, its Cluster Gateway): set by the Simulator once it has a hub
        self.gateway: tuple[str, gateway.Gateway] | None = None
        faults.listen(self._fault_changed)

    def _fault_changed(self, cluster: str, fault: Fault) -> None:
        if fault.drop_watches or fault.down:
            self.watches.drop(cluster)

    # ------------------------------------------------------------- dispatch

    async def handle(self, request: web.Request) -> web.StreamResponse:
        return await self.serve(request.match_info["cluster"], request.match_info.get("tail", ""), request)

    async def serve(self, name: str, tail: str, request: web.Request) -> web.StreamResponse:
        """Answer `request` as cluster `name` at API path `tail`; the hub's Cluster
        Gateway proxy calls this for the member it forwards to."""
        cluster = self.clusters(name)
        if cluster is None:
            return api.error_response(errors.ApiError(
                404, "NotFound", f"cluster {name!r} is not served by this simulator", details={}))
        segs = [s for s in tail.split("/") if s]
        via_gateway = self.gateway is not None and name == self.gateway[0] and gateway.is_gateway_path(segs)
        target: api.Target | None = None
        try:
            if not via_gateway and segs[:1] in (["api"], ["apis"]) and len(segs) > (2 if segs[0] == "api" else 3):
                target = api.parse_target(cluster, segs)
        except ApiError as exc:
            self.requests.add(name, _verb(request, None))
            return api.error_response(exc)
        if via_gateway:
            # a proxied request is counted again, by its real verb, in the member's log
            verb = "proxy" if gateway.proxied(segs) else (
                ("list" if len(segs) == 4 else "get") if request.method == "GET" else request.method.lower())
        else:
            verb = _verb(request, target) if target is not None else (
                "discovery" if request.method == "GET" else request.method.lower())
        self.requests.add(name, verb, target.rt.key if target is not None else None)

        fault = self.faults.get(name)
        if fault.down == "refuse":
            _reset(request)
            # Never delivered: aiohttp's write to the aborted transport fails quietly.
            return web.Response(status=503)
        if fault.latency:
            await asyncio.sleep(fault.latency)
        if fault.down == "503":
            return api.error_response(ApiError(503, "ServiceUnavailable",
                                               "the server is currently unable to handle the request"))
        if fault.error_rate and self.rng.random() < fault.error_rate:
            return api.error_response(ApiError(500, "InternalError",
                                               "Internal error occurred: simulated apiserver failure"))
        if target is not None and target.rt.key == ACCESS_REVIEW_KEY:
            try:
                return await self._access_review(target, request, allowed=not fault.forbidden)
            except ApiError as exc:
                return api.error_response(exc)
        if fault.forbidden and target is not None:
            scope = f'in the namespace "{target.namespace}"' if target.namespace else "at the cluster scope"
            return api.error_response(errors.forbidden(
                f'{target.rt.plural}{"." + target.rt.group if target.rt.group else ""} is forbidden: '
                f'User "system:serviceaccount:default:fleettui" cannot {verb} resource '
                f'"{target.rt.plural}" in API group "{target.rt.group}" {scope}'))
        if via_gateway and self.gateway is not None:
            if fault.forbidden:
                return api.error_response(errors.forbidden(
                    f'{gateway.PLURAL}.{gateway.GROUP} is forbidden: User "system:serviceaccount:default:fleettui" '
                    f'cannot {verb} resource "{gateway.PLURAL}" in API group "{gateway.GROUP}" at the cluster scope'))
            return await self.gateway[1].handle(segs, request, self.serve)
        try:
            if target is None:
                return self._discovery(cluster, segs, request)
            return await self._resource(cluster, target, verb, request)
        except ApiError as exc:
            return api.error_response(exc)

    async def _access_review(self, t: api.Target, request: web.Request, *, allowed: bool) -> web.Response:
        """`kubectl auth can-i`: everything is allowed unless the forbidden fault is on
        (answered even then, as RBAC lets every user ask)."""
        if request.method != "POST" or t.name is not None:
            raise errors.method_not_allowed()
        body = api.parse_body(_as_json(await request.read(), request.content_type))
        if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
            raise errors.bad_request("a SelfSubjectAccessReview needs a spec")
        body["status"] = {"allowed": True} if allowed else {
            "allowed": False, "reason": "the simulator's forbidden fault is on for this cluster"}
        body.setdefault("metadata", {})["creationTimestamp"] = None
        return api.respond(body, 201)

    def _discovery(self, cluster: SimCluster, segs: list[str], request: web.Request) -> web.Response:
        if request.method != "GET":
            raise errors.method_not_allowed()
        doc: Any = None
        if segs == ["version"]:
            doc = discovery.version_info(self.versions(cluster.name))
        elif segs in (["api"], ["apis"]) and discovery.wants_aggregated(request.headers.get("Accept", "")):
            body = api.dumps(discovery.aggregated(cluster, core=segs == ["api"]))
            return web.Response(body=body, headers={"Content-Type": discovery.AGGREGATED_V2})
        elif segs == ["api"]:
            doc = discovery.core_versions()
        elif segs == ["api", "v1"]:
            doc = discovery.resource_list(cluster, "", "v1")
        elif segs == ["apis"]:
            doc = discovery.group_list(cluster)
        elif len(segs) == 2 and segs[0] == "apis":
            doc = discovery.group(cluster, segs[1])
        elif len(segs) == 3 and segs[0] == "apis":
            doc = discovery.resource_list(cluster, segs[1], segs[2])
        elif segs in (["healthz"], ["livez"], ["readyz"]):
            return web.Response(text="ok")
        elif segs == ["openapi", "v2"]:
            return _openapi_v2(request)
        if doc is None:
            # Includes /openapi/v3: not served, so kubectl falls back to v2 (below).
            raise errors.resource_not_found()
        return api.respond(doc)

    async def _resource(self, cluster: SimCluster, t: api.Target, verb: str,
                        request: web.Request) -> web.StreamResponse:
        raw = await request.read() if request.body_exists else b""
        if verb != "patch":  # a patch's Content-Type names its patch format instead
            raw = _as_json(raw, request.content_type)
        if verb == "watch":
            return await watch.serve(request, cluster, t, self.watches,
                                     drop_now=self.faults.get(cluster.name).drop_watches)
        if verb == "list":
            return api.list_(cluster, t, request)
        if verb == "get":
            return api.get(cluster, t, request)
        if verb == "create":
            return api.create(cluster, t, request, raw)
        if verb == "update":
            return api.update(cluster, t, request, raw)
        if verb == "patch":
            return api.patch(cluster, t, request, raw)
        if verb in ("delete", "deletecollection"):
            return api.delete(cluster, t, request, raw)
        raise errors.method_not_allowed()


def _as_json(raw: bytes, content_type: str) -> bytes:
    """Every request body as JSON: protobuf is decoded (kubectl's typed generators send
    it), CBOR gets the 415 of an apiserver that does not take that media type, and
    client-go then retries the request as JSON."""
    if not raw:
        return raw
    if protobuf.is_protobuf(content_type):
        return api.dumps(protobuf.decode(raw))
    if "cbor" in content_type:
        raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                       "accepted media types include: application/json, application/yaml, "
                       f"{protobuf.MEDIA_TYPE}")
    return raw


def _openapi_v2(request: web.Request) -> web.Response:
    """An OpenAPI v2 document with no definitions: no schemas are simulated.

    kubectl downloads it (as protobuf) to validate manifests client-side and to learn
    whether the server takes `fieldValidation`; with no definitions it skips
    client-side validation, does not send fieldValidation, and computes client-side
    apply patches from its built-in types. An empty protobuf message is zero bytes.
    """
    if "protobuf" in request.headers.get("Accept", ""):
        return web.Response(body=b"", content_type="application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
    return api.respond({"swagger": "2.0", "info": {"title": "fleettui simulator", "version": "v1"},
                        "paths": {}, "definitions": {}})


def _verb(request: web.Request, t: api.Target | None) -> str:
    m = request.method
    named = t is not None and t.name is not None
    if m == "GET":
        if request.query.get("watch") in WATCH_TRUE:
            return "watch"
        return "get" if named or t is None else "list"
    if m == "POST":
        return "create"
    if m == "PUT":
        return "update"
    if m == "PATCH":
        return "patch"
    if m == "DELETE":
        return "delete" if named or t is None else "deletecollection"
    return m.lower()


def _reset(request: web.Request) -> None:
    """Send a TCP RST instead of a response: what a dead endpoint behind a LB looks like."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


# ------------------------------------------------------------------ admin

def admin_routes(sim: Any) -> list[web.RouteDef]:
    """`/_admin/...`: faults, request counts, the clock. `sim` is the Simulator."""

    async def clusters(request: web.Request) -> web.Response:
        rows = []
        for name in [*sim.cluster_names, "hub"]:
            c = sim.cluster(name)
            rows.append({"name": name, "member": name != "hub", "objects": c.count(),
                         "resourceVersion": c.resource_version,
                         "faults": sim.faults.get(name).as_dict(),
                         "watches": sim.server.watches.count(name)})
        return web.json_response({"clusters": rows, "now": sim.clock.iso()})

    async def set_faults(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            body = json.loads(await request.read() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            fault = sim.faults.set(name, **body)
        except KeyError:
            return web.json_response({"error": f"unknown cluster {name!r}"}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"cluster": name, "faults": fault.as_dict()})

    async def clear_faults(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            sim.faults.clear(name)
        except KeyError:
            return web.json_response({"error": f"unknown cluster {name!r}"}, status=404)
        return web.json_response({"cluster": name, "faults": Fault().as_dict()})

    async def requests(request: web.Request) -> web.Response:
        return web.json_response({"requests": sim.requests.as_dict(), "mutations": sim.mutations()})

    async def advance(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read() or b"{}")
            seconds = float(body["seconds"])
            if seconds < 0:
                raise ValueError("seconds must be >= 0")
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"error": f"expected {{\"seconds\": N}}: {exc}"}, status=400)
        await sim.advance(seconds)
        return web.json_response({"now": sim.clock.iso()})

    return [
        web.get("/_admin/clusters", clusters),
        web.post("/_admin/clusters/{name}/faults", set_faults),
        web.delete("/_admin/clusters/{name}/faults", clear_faults),
        web.get("/_admin/requests", requests),
        web.post("/_admin/clock/advance", advance),
    ]


def build_app(server: ClusterServer, sim: Any) -> web.Application:
    app = web.Application(client_max_size=3 * 1024 * 1024)
    app.add_routes(admin_routes(sim))
    # before the catch-all: a scrape is neither an API request nor counted as one
    app.add_routes([metrics.route(server.clusters, server.faults)])
    app.router.add_route("*", "/clusters/{cluster}", server.handle)
    app.router.add_route("*", "/clusters/{cluster}/{tail:.*}", server.handle)
    return app
