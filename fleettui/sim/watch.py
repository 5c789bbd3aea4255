"""Watch streams: chunked JSON lines `{"type": ..., "object": ...}`, as the apiserver sends them.

A watch starts from `resourceVersion`: unset or "0" sends the current objects as
synthetic ADDED events first; a version inside the cluster's history window replays
what happened after it; an older one gets an ERROR event carrying a 410 Expired Status
(HTTP 200, like the watch cache does) so clients relist. `timeoutSeconds` is wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from fleettui.sim import errors, tables
from fleettui.sim.api import Target, as_version, dumps, wants_table
from fleettui.sim.cluster import SimCluster
from fleettui.sim.selectors import parse_field_selector, parse_label_selector

BOOKMARK_INTERVAL = 5.0  # seconds of wall time between bookmarks on an idle stream
DROP = object()  # the drop_watches fault: cut the stream without a clean end
CLOSE = object()  # server shutdown: end the stream cleanly


class WatchRegistry:
    """Open watch streams per cluster, so a fault or shutdown can end them."""

    def __init__(self) -> None:
        self.streams: dict[str, set[asyncio.Queue[Any]]] = {}

    def add(self, cluster: str, q: asyncio.Queue[Any]) -> None:
        self.streams.setdefault(cluster, set()).add(q)

    def remove(self, cluster: str, q: asyncio.Queue[Any]) -> None:
        self.streams.get(cluster, set()).discard(q)

    def drop(self, cluster: str) -> None:
        for q in list(self.streams.get(cluster, ())):
            q.put_nowait(DROP)

    def close_all(self) -> None:
        for qs in self.streams.values():
            for q in list(qs):
                q.put_nowait(CLOSE)

    def count(self, cluster: str | None = None) -> int:
        if cluster is not None:
            return len(self.streams.get(cluster, ()))
        return sum(len(v) for v in self.streams.values())


def abort(request: web.Request) -> None:
    """End the connection abruptly (no terminating chunk): the client sees EOF/reset."""
    transport = request.transport
    if transport is not None:
        transport.abort()


class WatchStream:
    """One watch request, from its query to the end of its stream.

    What a watcher selects, what it holds and what it has been sent are attributes,
    so each phase of the stream is one method: the start (current objects as ADDED,
    or a replay of the history after its version), live events, bookmarks, the
    timeout, and the end by a drop fault or a server close.
    """

    def __init__(self, request: web.Request, cluster: SimCluster, target: Target) -> None:
        # Parsed in the apiserver's order, so a request with several bad values gets the same error.
        self.query: Mapping[str, str] = request.query
        self.label = parse_label_selector(self.query.get("labelSelector"))
        self.field = parse_field_selector(self.query.get("fieldSelector"), target.rt.kind)
        self.timeout = _int(self.query.get("timeoutSeconds"), "timeoutSeconds")
        self.bookmarks = self.query.get("allowWatchBookmarks", "").lower() in ("true", "1")
        self.send_initial = self.query.get("sendInitialEvents", "").lower() == "true"
        self.table = wants_table(request)
        self.resource_version = self.query.get("resourceVersion") or ""
        self.request, self.cluster, self.target = request, cluster, target
        self.key, self.namespace, self.group_version = target.rt.key, target.namespace, target.group_version
        self.only = target.name  # the deprecated watch of one named object
        self.selective = self.label is not None or self.field is not None or self.only is not None
        # With a selector, an object that starts or stops matching is ADDED or DELETED for
        # this watcher (as the watch cache does); `inside` is what the watcher holds now.
        self.inside: set[tuple[str, str]] = set()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.columns_due = True  # a Table stream defines its columns in its first row only

    def matches(self, obj: dict[str, Any]) -> bool:
        m = obj["metadata"]
        return ((not self.namespace or m.get("namespace") == self.namespace)
                and (self.only is None or m["name"] == self.only)
                and (self.label is None or self.label(obj)) and (self.field is None or self.field(obj)))

    # -- the start ---------------------------------------------------------------

    def start(self) -> tuple[list[tuple[str, dict[str, Any]]], errors.ApiError | None]:
        """Events owed before live ones, or the 410 to send instead; 504 for a future version."""
        if self.resource_version in ("", "0") or self.send_initial:
            return self.current_objects(), None
        start = _int(self.resource_version, "resourceVersion")
        assert start is not None
        cluster = self.cluster
        if start < cluster.compacted_rv:
            return [], errors.gone(f"too old resource version: {start} ({cluster.compacted_rv + 1})")
        if start > int(cluster.resource_version):
            raise errors.too_large_resource_version(start, int(cluster.resource_version))
        return self.replay(start), None

    def current_objects(self) -> list[tuple[str, dict[str, Any]]]:
        objs = sorted((o for o in self.cluster.iter(self.key, self.namespace) if self.matches(o)),
                      key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return [("ADDED", o) for o in objs]

    def replay(self, start: int) -> list[tuple[str, dict[str, Any]]]:
        return [(etype, o) for erv, etype, res, o in self.cluster.history
                if erv > start and res == self.key and self.matches(o)]

    def subscribe(self) -> Callable[[], None]:
        """Follow the cluster from now on; called with no await since `start`, so nothing is missed."""
        if self.selective:
            self.inside = {_ident(o) for o in self.cluster.iter(self.key, self.namespace) if self.matches(o)}
        return self.cluster.subscribe(self.on_event)

    # -- live events -------------------------------------------------------------

    def on_event(self, etype: str, resource: str, obj: dict[str, Any]) -> None:
        if resource != self.key:
            return
        if not self.selective:
            if not self.namespace or obj["metadata"].get("namespace") == self.namespace:
                self.queue.put_nowait((etype, obj))
            return
        ident = _ident(obj)
        was, now = ident in self.inside, etype != "DELETED" and self.matches(obj)
        if now:
            self.inside.add(ident)
            self.queue.put_nowait(("MODIFIED" if was else "ADDED", obj))
        elif was:
            self.inside.discard(ident)
            self.queue.put_nowait(("DELETED", obj))

    def line(self, etype: str, obj: dict[str, Any]) -> bytes:
        out: Any = as_version(obj, self.group_version)
        if self.table and etype != "BOOKMARK" and etype != "ERROR":
            out = tables.table(self.cluster, self.target.rt, [out], self.query,
                               resource_version=obj["metadata"]["resourceVersion"], columns=self.columns_due)
            self.columns_due = False
        return dumps({"type": etype, "object": out}) + b"\n"

    def bookmark(self, annotations: dict[str, Any] | None = None) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": self.cluster.resource_version}
        if annotations:
            meta["annotations"] = annotations
        if self.table:  # a Table watch decodes every event object as a Table
            return dumps({"type": "BOOKMARK", "object": {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                                                         "metadata": meta, "rows": []}}) + b"\n"
        return dumps({"type": "BOOKMARK", "object": {"kind": self.target.rt.kind, "apiVersion": self.group_version,
                                                     "metadata": meta}}) + b"\n"

    # -- the stream --------------------------------------------------------------

    async def serve(self, registry: WatchRegistry, *, drop_now: bool) -> web.StreamResponse:
        initial, expired = self.start()
        unsubscribe = self.subscribe()
        registry.add(self.cluster.name, self.queue)
        resp = web.StreamResponse(status=200)
        resp.content_type = "application/json"
        resp.enable_chunked_encoding()
        try:
            await resp.prepare(self.request)
            if drop_now:
                abort(self.request)
                return resp
            if expired is not None:
                await resp.write(dumps({"type": "ERROR", "object": expired.status()}) + b"\n")
                return resp
            await self.send_start(resp, initial)
            if await self.follow(resp):
                return resp
        except ConnectionError:
            pass  # the client went away
        finally:
            unsubscribe()
            registry.remove(self.cluster.name, self.queue)
        with contextlib.suppress(ConnectionError):
            await resp.write_eof()
        return resp

    async def send_start(self, resp: web.StreamResponse, initial: list[tuple[str, dict[str, Any]]]) -> None:
        buf = b"".join(self.line(e, o) for e, o in initial)
        if self.send_initial and self.bookmarks:
            buf += self.bookmark({"k8s.io/initial-events-end": "true"})
        if buf:
            await resp.write(buf)

    async def follow(self, resp: web.StreamResponse) -> bool:
        """Live events (and idle bookmarks) until the timeout; True when a drop or close ended it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout if self.timeout else None
        while True:
            wait = None if deadline is None else deadline - loop.time()
            if wait is not None and wait <= 0:
                return False
            if self.bookmarks:
                wait = BOOKMARK_INTERVAL if wait is None else min(wait, BOOKMARK_INTERVAL)
            try:
                item = await asyncio.wait_for(self.queue.get(), wait)
            except TimeoutError:
                if self.bookmarks and (deadline is None or loop.time() < deadline):
                    await resp.write(self.bookmark())
                continue
            if await self.send_batch(resp, item):
                return True

    async def send_batch(self, resp: web.StreamResponse, first: Any) -> bool:
        """Everything queued, in one write; True when the batch held a drop or a close.

        Events queued before the drop or close still go out: a client sees all it was owed."""
        batch = [first]
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        out = []
        for item in batch:
            if item is DROP or item is CLOSE:
                if out:
                    await resp.write(b"".join(out))
                if item is DROP:
                    abort(self.request)
                return True
            out.append(self.line(*item))
        await resp.write(b"".join(out))
        return False


async def serve(request: web.Request, cluster: SimCluster, t: Target, registry: WatchRegistry,
                *, drop_now: bool) -> web.StreamResponse:
    """Serve one watch request (the server's entry point); a bad query raises before any byte is sent."""
    return await WatchStream(request, cluster, t).serve(registry, drop_now=drop_now)


def _ident(obj: dict[str, Any]) -> tuple[str, str]:
    m = obj["metadata"]
    return m.get("namespace", ""), m["name"]


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except ValueError as exc:
        raise errors.bad_request(f"{name}: Invalid value: {value!r}: must be an integer") from exc
    if n < 0:
        raise errors.bad_request(f"{name}: Invalid value: {value!r}: must be non-negative")
    return n
