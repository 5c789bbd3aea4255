"""An informer keeps one (cluster, kind) set in the store current: list, then watch.

    list (paged) → replace the (cluster, kind) rows → watch from the list's
    resourceVersion (with bookmarks) → apply each event → when the watch ends,
    watch again from the last resourceVersion seen → on 410 Gone, relist.

Errors back off exponentially with full jitter and are reported to the
cluster (`on_error`) so the panes can say what is wrong; the rows already in
the store stay (stale, with their age) until a list succeeds again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from fleettui.kube import errors
from fleettui.kube.backoff import Backoff
from fleettui.kube.resources import BUILTINS
from fleettui.store.writer import InventoryWriter
from fleettui.sync.errors import describe_error
from fleettui.sync.kinds import KindSpec

if TYPE_CHECKING:
    from fleettui.kube import ClusterClient

log = logging.getLogger(__name__)

# A watch that ends this quickly with nothing in it is a dropped stream, not a
# server-side timeout: back off before the next one instead of spinning.
_MIN_HEALTHY_WATCH = 1.0
# consecutive broken watches before the kind is shown as failing
_WATCH_FAILURES_REPORTED = 3


def _rv(obj: Any) -> str | None:
    return ((obj or {}).get("metadata") or {}).get("resourceVersion")


class Informer:
    def __init__(
        self,
        client: ClusterClient,
        writer: InventoryWriter,
        cluster: str,
        spec: KindSpec,
        *,
        list_gate: asyncio.Semaphore | None = None,
        watch_timeout: int = 300,
        idle_timeout: float | None = None,
        backoff: Backoff | None = None,
        on_error: Callable[[str, BaseException | None], None] | None = None,
        on_watch_error: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        self.client = client
        self.writer = writer
        self.cluster = cluster
        self.spec = spec
        self.list_gate = list_gate
        self.watch_timeout = watch_timeout
        # the server sends a bookmark or closes the stream within watch_timeout;
        # silence well beyond that means the connection is dead
        self.idle_timeout = idle_timeout or watch_timeout + 30
        self.backoff = backoff or Backoff()
        self.on_error = on_error or (lambda kind, exc: None)
        self.on_watch_error = on_watch_error or (lambda kind, exc: None)
        self.watch_failures = 0
        self._wake = asyncio.Event()
        self.resource_version: str | None = None
        self.lists = 0
        self.watches = 0
        self.relists_on_gone = 0
        self.events = 0
        self._resource: Any = None
        self.unserved = False
        self.field_selector = spec.field_selector

    @property
    def resolved(self) -> bool:
        """Whether `resource()` answers without asking the cluster (a built-in kind, or
        resolved before)."""
        return self._resource is not None or (self.spec.api_version, self.spec.kind) in BUILTINS

    async def resource(self) -> Any:
        if self._resource is None:
            versions = (self.spec.api_version, *self.spec.fallback_api_versions)
            for i, api_version in enumerate(versions):
                try:
                    self._resource = await self.client.resource(api_version, self.spec.kind)
                    break
                except errors.NotFound:
                    if i == len(versions) - 1:
                        raise
        return self._resource

    async def list_once(self) -> int:
        """List every object (paged) and replace this (cluster, kind) set in the store.

        Returns how many objects were kept. Raises the kube layer's errors.
        """
        res = await self.resource()
        try:
            result = await self._list(res)
        except errors.BadRequest:
            if self.field_selector is None:
                raise
            log.info("%s/%s: server rejects fieldSelector %s; filtering here instead",
                     self.cluster, self.spec.kind, self.field_selector)
            self.field_selector = None
            result = await self._list(res)
        summaries = []
        for obj in result.items:
            s = self.spec.summarize(obj)
            if s is not None:
                summaries.append(s)
        self.resource_version = result.resource_version
        self.writer.replace(self.cluster, self.spec.kind, summaries, resource_version=result.resource_version)
        self.lists += 1
        return len(summaries)

    async def _list(self, res: Any) -> Any:
        kw: dict[str, Any] = {"limit": self.spec.page_size}
        if self.field_selector:
            kw["field_selector"] = self.field_selector
        if self.list_gate is None:
            return await self.client.list(res, **kw)
        async with self.list_gate:
            return await self.client.list(res, **kw)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        """One watch event → the store."""
        rv = _rv(obj)
        if event_type == "BOOKMARK":
            if rv:
                self.resource_version = rv
                # where a restart can resume from (see FleetSync.run)
                self.writer.sync_state(self.cluster, self.spec.kind, resource_version=rv)
            return
        md = obj.get("metadata") or {}
        if event_type in ("ADDED", "MODIFIED"):
            s = self.spec.summarize(obj)
            if s is None:
                if event_type == "MODIFIED":
                    # it may have been kept before this change: make sure it is gone
                    self.writer.delete(self.cluster, self.spec.kind, md.get("namespace"), md.get("name", ""))
            else:
                self.writer.upsert(self.cluster, self.spec.kind, s)
        elif event_type == "DELETED":
            self.writer.delete(self.cluster, self.spec.kind, md.get("namespace"), md.get("name", ""))
        else:
            log.debug("%s/%s: ignoring watch event %s", self.cluster, self.spec.kind, event_type)
            return
        self.events += 1
        if rv:
            self.resource_version = rv

    async def _events(self, stream: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """The stream's events, giving up when it is silent for `idle_timeout`."""
        it = stream.__aiter__()
        try:
            while True:
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
                    # cancellation that races with a result, and the informer would
                    # then outlive the sync that cancelled it
                    async with asyncio.timeout(self.idle_timeout):
                        ev = await it.__anext__()
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise errors.Unreachable(
                        f"watch {self.spec.kind} silent for {self.idle_timeout:.0f}s",
                        cluster=self.cluster,
                    ) from None
                yield ev
        finally:
            aclose = getattr(it, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:  # closing a broken stream may itself fail; nothing to do
                    pass

    async def watch_once(self) -> int:
        """Watch from the last resourceVersion until the stream ends; returns events applied."""
        res = await self.resource()
        started = time.monotonic()
        n = 0
        self.watches += 1
        kw: dict[str, Any] = {"field_selector": self.field_selector} if self.field_selector else {}
        stream = self.client.watch(res, resource_version=self.resource_version,
                                   timeout_seconds=self.watch_timeout, **kw)
        async for ev in self._events(stream):
            self.apply(ev.type, ev.object)
            n += 1
            if n % 200 == 0:
                await asyncio.sleep(0)  # let the writer and the panes breathe in a storm
        if self.resource_version:
            self.writer.sync_state(self.cluster, self.spec.kind, resource_version=self.resource_version)
        if n == 0 and time.monotonic() - started < _MIN_HEALTHY_WATCH:
            await self.pause(self.backoff.delay())
        return n

    async def run(self, *, resume: bool = False) -> None:
        """Keep the (cluster, kind) set current until cancelled.

        `resume`: start by watching from `resource_version` (already listed into
        the store) instead of listing; a 410 falls back to a list.

        A failed list is this kind's error (shown on the cluster until a list
        succeeds). A broken watch is routine (proxies and load balancers cut
        long streams): it is resumed from the last resourceVersion and becomes
        an error only when it keeps failing. Neither decides reachability; the
        cluster's probe does, and `on_watch_error` lets it look sooner.
        """
        need_list = not (resume and self.resource_version)
        failing_watches = 0
        while True:
            try:
                if need_list:
                    await self.list_once()
                    need_list = False
                    failing_watches = 0
                    self.on_error(self.spec.kind, None)
                    self.backoff.reset()
                n = await self.watch_once()
                if failing_watches >= _WATCH_FAILURES_REPORTED:
                    self.on_error(self.spec.kind, None)
                failing_watches = 0
                if n:
                    self.backoff.reset()
            except asyncio.CancelledError:
                raise
            except errors.Gone:
                # our resourceVersion is older than the server's history: relist
                self.relists_on_gone += 1
                need_list = True
            except errors.NotFound as exc:
                if self.spec.optional:
                    self.unserved = True
                    self.on_error(self.spec.kind, None)
                    await self.pause(max(60.0, self.backoff.delay()))
                else:
                    self._failed(exc)
                    await self.pause(self.backoff.delay())
                self._resource = None
                need_list = True
            except Exception as exc:  # per cluster, never fatal: report, back off, retry
                if need_list or self.resource_version is None or isinstance(
                    exc, (errors.Forbidden, errors.Unauthorized)
                ):
                    # a refusal is not a routine broken stream: show it now
                    self._failed(exc)
                    need_list = True
                else:
                    self.watch_failures += 1
                    failing_watches += 1
                    self.writer.sync_state(self.cluster, self.spec.kind,
                                           error=f"watch: {describe_error(exc)}")
                    self.on_watch_error(self.spec.kind, exc)
                    if failing_watches >= _WATCH_FAILURES_REPORTED:
                        # as client-go's reflector does: stop resuming, list again;
                        # the list's success is what clears the error
                        self._failed(exc)
                        need_list = True
                await self.pause(self.backoff.delay())

    async def pause(self, seconds: float) -> None:
        """Back off for `seconds`, or until `wake()` (the cluster answers again)."""
        self._wake.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass

    def wake(self) -> None:
        """Cut a back-off short: the probe saw the cluster answer again."""
        self.backoff.reset()
        self._wake.set()

    def _failed(self, exc: BaseException) -> None:
        log.debug("%s/%s: %s", self.cluster, self.spec.kind, exc)
        self.on_error(self.spec.kind, exc)
