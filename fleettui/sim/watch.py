"""Watch streams: chunked JSON lines `{"type": ..., "object": ...}`, as the apiserver sends them.

A watch starts from `resourceVersion`: unset or "0" sends the current objects as
synthetic ADDED events first; a version inside the cluster's history window replays
what happened after it; an older one gets an ERROR event carrying a 410 Expired Status
(HTTP 200, like the watch cache does) so clients relist. `timeoutSeconds` is wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
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


async def serve(request: web.Request, cluster: SimCluster, t: Target, registry: WatchRegistry,
                *, drop_now: bool) -> web.StreamResponse:
    q: dict[str, Any] = request.query  # type: ignore[assignment]
    label = parse_label_selector(q.get("labelSelector"))
    field = parse_field_selector(q.get("fieldSelector"), t.rt.kind)
    key, ns, gv = t.rt.key, t.namespace, t.group_version
    timeout = _int(q.get("timeoutSeconds"), "timeoutSeconds")
    bookmarks = q.get("allowWatchBookmarks", "").lower() in ("true", "1")
    send_initial = q.get("sendInitialEvents", "").lower() == "true"
    table = wants_table(request)
    rv = q.get("resourceVersion") or ""

    only = t.name  # the deprecated watch of one named object

    def matches(o: dict[str, Any]) -> bool:
        m = o["metadata"]
        return ((not ns or m.get("namespace") == ns) and (only is None or m["name"] == only)
                and (label is None or label(o)) and (field is None or field(o)))

    initial: list[tuple[str, dict[str, Any]]] = []
    expired: errors.ApiError | None = None
    if rv in ("", "0") or send_initial:
        objs = sorted((o for o in cluster.iter(key, ns) if matches(o)),
                      key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        initial = [("ADDED", o) for o in objs]
    else:
        start = _int(rv, "resourceVersion")
        assert start is not None
        if start < cluster.compacted_rv:
            expired = errors.gone(f"too old resource version: {start} ({cluster.compacted_rv + 1})")
        elif start > int(cluster.resource_version):
            raise errors.too_large_resource_version(start, int(cluster.resource_version))
        else:
            initial = [(etype, o) for erv, etype, res, o in cluster.history
                       if erv > start and res == key and matches(o)]

    queue: asyncio.Queue[Any] = asyncio.Queue()
    selective = label is not None or field is not None or only is not None
    # With a selector, an object that starts or stops matching is ADDED or DELETED for
    # this watcher (as the watch cache does); `inside` is what the watcher holds now.
    inside = {_ident(o) for o in cluster.iter(key, ns) if matches(o)} if selective else set()

    def on_event(etype: str, resource: str, obj: dict[str, Any]) -> None:
        if resource != key:
            return
        if not selective:
            if not ns or obj["metadata"].get("namespace") == ns:
                queue.put_nowait((etype, obj))
            return
        ident = _ident(obj)
        was, now = ident in inside, etype != "DELETED" and matches(obj)
        if now:
            inside.add(ident)
            queue.put_nowait(("MODIFIED" if was else "ADDED", obj))
        elif was:
            inside.discard(ident)
            queue.put_nowait(("DELETED", obj))

    unsubscribe = cluster.subscribe(on_event)  # no await since `initial`: nothing is missed
    registry.add(cluster.name, queue)
    resp = web.StreamResponse(status=200)
    resp.content_type = "application/json"
    resp.enable_chunked_encoding()
    first_table = [True]

    def line(etype: str, obj: dict[str, Any]) -> bytes:
        out: Any = as_version(obj, gv)
        if table and etype != "BOOKMARK" and etype != "ERROR":
            out = tables.table(cluster, t.rt, [out], q, resource_version=obj["metadata"]["resourceVersion"],
                               columns=first_table[0])
            first_table[0] = False
        return dumps({"type": etype, "object": out}) + b"\n"

    def bookmark(extra: dict[str, Any] | None = None) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": cluster.resource_version}
        if extra:
            meta["annotations"] = extra
        if table:  # a Table watch decodes every event object as a Table
            return dumps({"type": "BOOKMARK", "object": {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                                                         "metadata": meta, "rows": []}}) + b"\n"
        return dumps({"type": "BOOKMARK", "object": {"kind": t.rt.kind, "apiVersion": gv, "metadata": meta}}) + b"\n"

    try:
        await resp.prepare(request)
        if drop_now:
            abort(request)
            return resp
        if expired is not None:
            await resp.write(dumps({"type": "ERROR", "object": expired.status()}) + b"\n")
            return resp
        buf = b"".join(line(e, o) for e, o in initial)
        if send_initial and bookmarks:
            buf += bookmark({"k8s.io/initial-events-end": "true"})
        if buf:
            await resp.write(buf)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout else None
        while True:
            wait = None if deadline is None else deadline - loop.time()
            if wait is not None and wait <= 0:
                break
            if bookmarks:
                wait = BOOKMARK_INTERVAL if wait is None else min(wait, BOOKMARK_INTERVAL)
            try:
                item = await asyncio.wait_for(queue.get(), wait)
            except TimeoutError:
                if bookmarks and (deadline is None or loop.time() < deadline):
                    await resp.write(bookmark())
                continue
            batch = [item]
            while not queue.empty():
                batch.append(queue.get_nowait())
            out = []
            for it in batch:
                if it is DROP:
                    if out:
                        await resp.write(b"".join(out))
                    abort(request)
                    return resp
                if it is CLOSE:
                    if out:
                        await resp.write(b"".join(out))
                    return resp
                out.append(line(*it))
            await resp.write(b"".join(out))
    except ConnectionError:
        pass  # the client went away
    finally:
        unsubscribe()
        registry.remove(cluster.name, queue)
    with contextlib.suppress(ConnectionError):
        await resp.write_eof()
    return resp


def _ident(obj: dict[str, Any]) -> tuple[str, str]:
    m = obj["metadata"]
    return m.get("namespace", ""), m["name"]


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise errors.bad_request(f"{name}: Invalid value: {value!r}: must be an integer") from exc
    if n < 0:
        raise errors.bad_request(f"{name}: Invalid value: {value!r}: must be non-negative")
    return n
