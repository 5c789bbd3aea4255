"""`fleettui controller --hub CONTEXT`: the engine, headless, as the controller of the
Application CRs on a Kubernetes hub. It watches the CRs (list + watch, relist on
410), reconciles each changed application, polls running workflows (health, suspend
durations), keeps state (drift repair) periodically, and writes KubeVela-shaped
status through the status subresource. Its own status writes are not treated as
changes (their resourceVersions are remembered), so it never chases its tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from fleettui.engine.engine import Engine, PassResult
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_kube import KubeHub, KubeSource
from fleettui.kube import Backoff, errors
from fleettui.store.apps import AppStore

log = logging.getLogger("fleettui.controller")


class Controller:
    def __init__(self, hub: KubeHub, records: AppStore, fleet: Fleet, *, clock: Callable[[], float] = time.time,
                 concurrency: int = 16, workers: int = 4) -> None:
        self.hub = hub
        hub.records = hub.records or records
        self.source = KubeSource(hub)
        self.engine = Engine(self.source, records, fleet, clock=clock, concurrency=concurrency,
                             hub_client=hub.client)
        self.workers = workers
        self.results: dict[tuple[str, str], PassResult] = {}
        self._queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._queued: set[tuple[str, str]] = set()

    def enqueue(self, key: tuple[str, str]) -> None:
        if key not in self._queued:
            self._queued.add(key)
            self._queue.put_nowait(key)

    async def reconcile(self, namespace: str, name: str) -> PassResult:
        try:
            result = await self.engine.reconcile(namespace, name)
        except errors.KubeError as exc:  # the hub itself failed us: try again on the next tick
            log.warning("application %s/%s: %s", namespace, name, exc)
            result = PassResult(False, "unknown")
        self.results[(namespace, name)] = result
        return result

    async def reconcile_all(self) -> dict[tuple[str, str], PassResult]:
        """One pass over every Application on the hub (tests, `--once`)."""
        for ns, name in await self.source.keys():
            await self.reconcile(ns, name)
        return dict(self.results)

    def _due(self) -> list[tuple[str, str]]:
        now = self.engine.clock()
        out = []
        for key, result in self.results.items():
            wake = self.source.wakeups.get(key)
            if not result.settled or (wake is not None and wake <= now):
                out.append(key)
        return out

    async def _worker(self) -> None:
        while True:
            key = await self._queue.get()
            self._queued.discard(key)
            await self.reconcile(*key)

    async def _watch(self) -> None:
        client, backoff = self.hub.client, Backoff()
        while True:
            try:
                res = await self.hub.res()
                listed = await client.list(res)
                for o in listed.items:
                    self.enqueue((o["metadata"]["namespace"], o["metadata"]["name"]))
                rv = listed.resource_version
                while True:
                    async with client.watch(res, resource_version=rv, timeout_seconds=300) as w:
                        async for ev in w:
                            rv = ev.resource_version or rv
                            if ev.type == "BOOKMARK":
                                continue
                            key = (ev.object["metadata"]["namespace"], ev.object["metadata"]["name"])
                            if ev.type == "DELETED":
                                self.results.pop(key, None)
                                continue
                            if self.source.own_rv.get(key) == ev.resource_version:
                                continue  # our own status write
                            self.enqueue(key)
                    backoff.reset()
            except errors.Gone:
                continue
            except errors.KubeError as exc:
                log.warning("hub %s: %s", self.hub.name, exc)
                await asyncio.sleep(backoff.delay())

    async def run(self, *, poll: float = 2.0, keep_state_every: float = 60.0) -> None:
        """Until cancelled."""
        tasks = [asyncio.create_task(self._watch())] + [asyncio.create_task(self._worker())
                                                        for _ in range(self.workers)]
        last_keep = time.monotonic()
        try:
            while True:
                await asyncio.sleep(poll)
                for key in self._due():
                    self.enqueue(key)
                if time.monotonic() - last_keep >= keep_state_every:
                    last_keep = time.monotonic()
                    report = await self.engine.keep_state()
                    if report.drifted:
                        log.info("drift: %d checked, %d drifted, %d repaired", report.checked, report.drifted,
                                 report.repaired)
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
