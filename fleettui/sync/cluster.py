"""Everything the sync does for one member cluster: the health probe and its informers.

A probe that fails marks the cluster unreachable with the error, keeping
`last_seen` and every row it had (stale, with age). A probe that succeeds while
some informer fails leaves the cluster reachable but says which kinds fail and
why (`last_error`), which the store turns into `degraded`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from fleettui.kube import errors
from fleettui.kube.backoff import Backoff
from fleettui.store.writer import InventoryWriter
from fleettui.sync.errors import describe_error, is_unreachable
from fleettui.sync.informer import Informer
from fleettui.sync.kinds import KindSpec

if TYPE_CHECKING:
    from fleettui.kube import ClusterClient

log = logging.getLogger(__name__)
T = TypeVar("T")
_DOWN_PROBE_INTERVAL = 3.0


@dataclass(frozen=True)
class ClusterResult:
    """How one cluster's sync went (`fleettui sync --once` prints one line of these)."""

    name: str
    ok: bool
    error: str | None = None
    reachable: bool = False
    version: str | None = None
    latency_ms: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False

    @property
    def objects(self) -> int:
        return sum(self.counts.values())


async def retry_transient(fn: Callable[[], Awaitable[T]], *, attempts: int = 3,
                          backoff: Backoff | None = None) -> T:
    """Retry server-side 5xx and 429 answers a few times (as client-go does);
    unreachable and client errors are not retried here (they are not transient
    on this time scale, and a timeout already cost the whole timeout)."""
    for attempt in range(attempts):
        try:
            return await fn()
        except (errors.ServerError, errors.TooManyRequests) as exc:
            if attempt + 1 >= attempts:
                raise
            log.debug("transient %s, retrying", exc)
            delay = getattr(exc, "retry_after", None)
        if backoff is None:  # only now: seeding a Random per request costs, at fleet scale
            backoff = Backoff(base=0.1, cap=1.0)
        await asyncio.sleep(min(delay, 5.0) if delay else backoff.delay())
    raise AssertionError("unreachable")


class ClusterSync:
    def __init__(
        self,
        name: str,
        client: ClusterClient,
        writer: InventoryWriter,
        kinds: list[KindSpec],
        *,
        gate: asyncio.Semaphore | None = None,
        probe_interval: float = 15.0,
        watch_timeout: int = 300,
        list_concurrency: int = 2,
        relist_interval: float = 300.0,
        watching: bool = True,
        start_delay: float = 0.0,
    ) -> None:
        """`watching`: informers list then watch (every change as it happens); off,
        the cluster is polled instead: every kind relisted every `relist_interval`
        seconds (jittered), no long-lived stream (see docs/scale.md).
        `start_delay`: wait this long before the first request (spreads a fleet's start)."""
        self.name = name
        self.relist_interval = relist_interval
        self.watching = watching
        self.start_delay = start_delay
        self._mode_changed = asyncio.Event()
        self._relist_now = asyncio.Event()
        self.jitter = random.Random(name)  # per cluster, so a fleet does not move in step
        self.list_concurrency = list_concurrency
        self.client = client
        self.writer = writer
        self.gate = gate
        self.probe_interval = probe_interval
        self.kind_errors: dict[str, str] = {}
        self.reachable: bool | None = None
        self.version: str | None = None
        self.latency_ms: float | None = None
        self.probe_error: str | None = None
        self._probe_now = asyncio.Event()
        # uid of the cached kube-system namespace: who the cached resourceVersions belong to
        self.cached_identity: str | None = None
        self.informers = [
            Informer(client, writer, name, spec, list_gate=gate, watch_timeout=watch_timeout,
                     on_error=self._informer_error, on_watch_error=self._watch_error)
            for spec in kinds
        ]

    # -- the probe --

    async def probe(self) -> bool:
        """GET /version, timed. Records the outcome; returns whether it answered."""
        t0 = time.monotonic()
        try:
            if self.gate is not None:
                async with self.gate:
                    info = await retry_transient(self.client.version)
            else:
                info = await retry_transient(self.client.version)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.reachable = False
            self.probe_error = describe_error(exc)
            self.writer.probe(self.name, reachable=False, error=self.probe_error)
            return False
        self.latency_ms = round((time.monotonic() - t0) * 1000, 1)
        self.version = (info or {}).get("gitVersion")
        if self.reachable is False:
            # it answers again: informers waiting out a back-off retry now
            for inf in self.informers:
                inf.wake()
            self._relist_now.set()
        self.reachable = True
        self.probe_error = None
        self._write_reachable()
        return True

    def kinds_error(self) -> str | None:
        """The failing kinds grouped by error: "Node, Pod: 403 Forbidden: ..."."""
        by_error: dict[str, list[str]] = {}
        for kind, text in sorted(self.kind_errors.items()):
            by_error.setdefault(text, []).append(kind)
        return "; ".join(f"{', '.join(kinds)}: {text}" for text, kinds in by_error.items()) or None

    def _write_reachable(self) -> None:
        error = self.kinds_error()
        self.writer.probe(self.name, reachable=True, version=self.version,
                          latency_ms=self.latency_ms, error=error)

    def _informer_error(self, kind: str, exc: BaseException | None) -> None:
        """A kind failed (or recovered). Reachability stays the probe's verdict, but
        a connection failure makes the probe look now rather than at its next tick."""
        if exc is None:
            if self.kind_errors.pop(kind, None) is not None and self.reachable:
                self._write_reachable()
            return
        text = describe_error(exc)
        self.writer.sync_state(self.name, kind, error=text)
        changed = self.kind_errors.get(kind) != text
        self.kind_errors[kind] = text
        if is_unreachable(exc):
            self._probe_now.set()
        elif changed and self.reachable:
            self._write_reachable()

    def _watch_error(self, kind: str, exc: BaseException) -> None:
        if is_unreachable(exc):
            self._probe_now.set()

    # -- one pass --

    async def sync_once(self) -> ClusterResult:
        t0 = time.monotonic()
        if not await self.probe():
            return ClusterResult(self.name, ok=False, error=self.probe_error, reachable=False,
                                 seconds=time.monotonic() - t0)
        counts = await self.list_all()
        error = self.kinds_error()
        return ClusterResult(self.name, ok=error is None, error=error, reachable=True,
                             version=self.version, latency_ms=self.latency_ms, counts=counts,
                             seconds=time.monotonic() - t0)

    async def list_all(self) -> dict[str, int]:
        """List every kind once into the store; returns the counts of those that listed."""
        # A few lists at a time per cluster, reusing keep-alive connections: listing
        # every kind at once opened a connection per kind (8 per cluster, ~800 for a
        # fleet of 100), each costing a connect on both ends; the fleet-wide gate
        # keeps enough clusters in flight to fill the pipe anyway.
        own = asyncio.Semaphore(self.list_concurrency)
        unresolved = await self._resolve()

        async def list_kind(inf: Informer) -> int:
            if inf in unresolved:
                raise unresolved[inf]
            async with own:
                return await retry_transient(inf.list_once)

        results = await asyncio.gather(
            *(list_kind(inf) for inf in self.informers), return_exceptions=True
        )
        counts: dict[str, int] = {}
        for inf, result in zip(self.informers, results, strict=True):
            kind = inf.spec.kind
            if isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                if inf.spec.optional and isinstance(result, errors.NotFound):
                    continue
                self.kind_errors[kind] = describe_error(result)
                self.writer.sync_state(self.name, kind, error=self.kind_errors[kind])
            else:
                self.kind_errors.pop(kind, None)
                counts[kind] = result
        self._write_reachable()
        return counts

    async def _resolve(self) -> dict[Informer, BaseException]:
        """Resolve every kind that needs discovery at once, in one slot of the fleet's
        gate: kinds of one API group (ServiceExport, ServiceImport) then share one
        discovery request, and a group the cluster does not serve (MCS on most edge
        sites) costs one 404 per version, not one per kind, nor one more when the
        list would have looked it up again. Returns the kinds that did not resolve."""
        pending = [inf for inf in self.informers if not inf.resolved]
        if not pending:
            return {}
        async with self.gate or contextlib.nullcontext():
            outcomes = await asyncio.gather(*(retry_transient(inf.resource) for inf in pending),
                                            return_exceptions=True)
        failed: dict[Informer, BaseException] = {}
        for inf, outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
            if isinstance(outcome, BaseException):
                failed[inf] = outcome
        return failed

    # -- continuous --

    def set_watching(self, on: bool) -> None:
        """Switch between watching and polling (takes effect at once while `run()` runs)."""
        if on != self.watching:
            self.watching = on
            self._mode_changed.set()

    async def run(self) -> None:
        """Probe every `probe_interval` and keep the inventory current (watching or
        polling, as `watching` says, switching when it changes), until cancelled."""
        if self.start_delay:
            await asyncio.sleep(self.start_delay)
        await self._check_incarnation()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._probe_loop(), name=f"probe {self.name}")
            while True:
                self._mode_changed.clear()
                keeper = tg.create_task(self._watch_all() if self.watching else self._poll(),
                                        name=f"{'informers' if self.watching else 'poll'} {self.name}")
                await self._mode_changed.wait()
                keeper.cancel()
                await asyncio.gather(keeper, return_exceptions=True)

    async def _watch_all(self) -> None:
        async with asyncio.TaskGroup() as tg:
            for inf in self.informers:
                # after a poll the last list's resourceVersion is where the watch starts
                tg.create_task(inf.run(resume=inf.resource_version is not None),
                               name=f"informer {self.name}/{inf.spec.kind}")

    async def _poll(self) -> None:
        """Relist every kind every `relist_interval` (jittered ±20 %, so a fleet's relists
        never fall in step), and soon after the cluster answers again. A cache that
        already holds this cluster waits a random part of an interval before its
        first relist: a restart must not relist the whole fleet at once."""
        warm = all(inf.resource_version for inf in self.informers)
        delay = self.jitter.uniform(0, self.relist_interval) if warm else 0.0
        while True:
            self._relist_now.clear()
            try:
                async with asyncio.timeout(delay):
                    await self._relist_now.wait()
                # back after an outage: so are many others (the hub returned); spread out
                await asyncio.sleep(self.jitter.uniform(0, min(10.0, self.relist_interval / 10)))
            except TimeoutError:
                pass
            if self.reachable is not False:
                try:
                    await self.list_all()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # list_all reports per kind; anything else is logged
                    log.debug("%s: relist failed: %s", self.name, exc)
            delay = self.relist_interval * self.jitter.uniform(0.8, 1.2)

    async def _check_incarnation(self) -> None:
        """Resume from cached resourceVersions only if they are this cluster's.

        resourceVersions mean something only to the etcd that issued them. A cluster
        recreated under the same context (or restored from a backup, or another
        cluster behind a reused context name) may still accept a cached version, and
        a watch from it would merge two clusters' objects in the cache. The
        kube-system namespace's uid names the incarnation (the usual cluster id);
        when it changed, every kind is relisted. When it cannot be read, resuming
        is still safe enough: a version the server never issued is refused (410, or
        504 ResourceVersionTooLarge) and relisted.
        """
        if self.cached_identity is None or not any(i.resource_version for i in self.informers):
            return
        try:
            res = await self.client.resource("v1", "Namespace")
            live = await self.client.get(res, "kube-system")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("%s: cannot read kube-system to check the cache: %s", self.name, exc)
            return
        if live is None or live.get("metadata", {}).get("uid") != self.cached_identity:
            log.info("%s: the cluster is not the one cached (kube-system uid changed): relisting",
                     self.name)
            for inf in self.informers:
                inf.resource_version = None

    async def _probe_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            self._probe_now.clear()
            answered = await self.probe()
            # a cluster that stopped answering is asked again every few seconds (one
            # cheap GET), so its return shows soon, not a whole probe interval later
            # jittered: when a hub returns after an outage its members' probes (and the
            # relists they trigger) must not all fire in the same instant
            interval = (self.probe_interval if answered else min(self.probe_interval, _DOWN_PROBE_INTERVAL)
                        ) * self.jitter.uniform(0.75, 1.25)
            try:
                async with asyncio.timeout(interval):
                    await self._probe_now.wait()
            except TimeoutError:
                continue
            # woken by a failing informer: probe now, but not more than once a second
            await asyncio.sleep(max(0.0, 1.0 - (loop.time() - started)))
