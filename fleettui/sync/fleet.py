"""`FleetSync`: keep the store current for every member cluster.

`sync_once()` is one full pass (probe + list every kind of every cluster);
`run()` keeps everything current with watches until cancelled. Requests are
bounded across the whole fleet by one semaphore (`concurrency`), so a fleet of
hundreds of clusters never opens hundreds of lists at once; one cluster's
failure is that cluster's row, never the others' problem.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleettui.store import REDISCOVER_META, Store
from fleettui.sync.cluster import ClusterResult, ClusterSync
from fleettui.sync.errors import describe_error
from fleettui.sync.kinds import KindSpec, default_kinds
from fleettui.sync.rediscovery import (
    FOLLOW_UPS,
    Discovery,
    MembershipChange,
    RediscoveryRequests,
    diff_members,
)

if TYPE_CHECKING:
    from fleettui.config.kubeconfig import KubeConfig
    from fleettui.kube import ClusterClient
    from fleettui.sync.discovery import Member

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncReport:
    results: tuple[ClusterResult, ...]
    seconds: float

    @property
    def failed(self) -> list[ClusterResult]:
        return [r for r in self.results if not r.ok and not r.skipped]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def objects(self) -> int:
        return sum(r.objects for r in self.results)


def _member_fields(member: Member) -> dict[str, Any]:
    """Registration fields of a discovered member (fleettui.sync.discovery.Member)."""
    def get(name: str, default: Any = None) -> Any:
        return getattr(member, name, default)

    registration = get("registration")
    ocm = registration.get("ocm") if isinstance(registration, Mapping) else None
    if registration is not None and not isinstance(registration, str):
        # a structured registration state (joined/accepted/available): keep its words
        registration = getattr(registration, "summary", None) or str(registration)
    return {
        "context": get("context"),
        "server": get("server"),
        "provider": get("provider"),
        "region": get("region"),
        "zone": get("zone"),
        "labels": dict(get("labels") or {}),
        "source": get("source") or "kubeconfig",
        "registration": registration,
        "access": get("access") or "direct",
        "hub_state": {k: ocm.get(k) for k in HUB_STATE_KEYS if k in ocm} if ocm else None,
    }


# What the cache keeps of a ManagedCluster's registration (sync.discovery's keys): enough
# for the clusters pane's column and the pending joins, nothing that changes every lease.
HUB_STATE_KEYS = ("state", "accepted", "joined", "available", "taints", "clusterset", "csrs",
                  "pending_csrs")


@contextlib.contextmanager
def _fewer_collections(gen0: int = 50_000) -> Any:
    """A full pass allocates a few hundred thousand short-lived, acyclic dicts and
    lists (parsed JSON, summaries, rows); at the default threshold (700) the
    cyclic collector ran ~400 times per 100-cluster sync and cost 0.5-0.8 s of
    CPU, a quarter of the sync's own. Collect less often while the pass runs,
    then restore the process's thresholds."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], gen0), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def default_client_factory(kubeconfig: KubeConfig, *, read_only: bool, timeout: float) -> Callable[[Member], ClusterClient]:
    from fleettui.sync.discovery import client_for

    def make(member: Member) -> ClusterClient:
        # direct or through the hub's gateway: decided in discovery, invisible here
        return client_for(kubeconfig, member, read_only=read_only, timeout=timeout)

    return make


class FleetSync:
    def __init__(
        self,
        store: Store,
        members: Sequence[Any],
        *,
        kubeconfig: KubeConfig | None = None,
        read_only: bool = True,
        concurrency: int = 64,
        kinds: Iterable[KindSpec] | None = None,
        timeout: float = 10.0,
        probe_interval: float = 15.0,
        watch_timeout: int = 300,
        client_factory: Callable[[Any], Any] | None = None,
        prune: bool = False,
        discover: Discovery | None = None,
        rediscover_interval: float = 30.0,
        rediscover_poll: float = 1.0,
        cluster_list_concurrency: int = 2,
        watch_threshold: int = 100,
        max_watched: int | None = None,
        relist_interval: float = 300.0,
        hot_interval: float = 10.0,
        cold_probe_interval: float = 30.0,
    ) -> None:
        """`members`: what `discover_members` found (name, context, provider, ...).
        `prune`: forget cached clusters that are no longer members (only when the
        member list is the whole fleet, not a `--context` selection).
        `discover`: how to find the members again (`rediscovery.reloading_discovery`);
        `run()` then re-discovers every `rediscover_interval` seconds and on
        `request_rediscovery()`, starting new members and forgetting removed ones;
        also within `rediscover_poll` s of a change of the store's `sync.rediscover` meta
        key (what the screen writes after a membership action), then a few times more
        while the hub settles (`rediscovery.FOLLOW_UPS`).

        Scale (docs/scale.md): a fleet of at most `watch_threshold` clusters is
        watched in full, as always. Above it, `run()` watches only the "hot"
        clusters (those an application is placed on, and those named in the
        store's `sync.focus` meta key, e.g. open on screen), at most `max_watched`
        of them (default twice the threshold), and polls the rest: every kind
        relisted every `relist_interval` s, the probe every `cold_probe_interval` s,
        both jittered. The hot set is looked at again every `hot_interval` s."""
        self.store = store
        self.members = list(members)
        self.discover = discover
        self.rediscover_interval = rediscover_interval
        self.rediscover_poll = rediscover_poll
        self.cluster_list_concurrency = cluster_list_concurrency
        self._read_only = read_only
        self._custom_factory = client_factory is not None
        self.kinds = list(kinds) if kinds is not None else default_kinds()
        self.concurrency = concurrency
        self.timeout = timeout
        self.probe_interval = probe_interval
        self.watch_timeout = watch_timeout
        self.prune = prune
        if client_factory is None:
            if kubeconfig is None:
                raise ValueError("FleetSync needs a kubeconfig or a client_factory")
            client_factory = default_client_factory(kubeconfig, read_only=read_only, timeout=timeout)
        self._client_factory = client_factory
        self.watch_threshold = watch_threshold
        self.max_watched = max_watched if max_watched is not None else 2 * watch_threshold
        self.relist_interval = relist_interval
        self.hot_interval = hot_interval
        self.cold_probe_interval = cold_probe_interval
        self.clusters: dict[str, ClusterSync] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rediscover_now: asyncio.Event | None = None
        self._membership_lock: asyncio.Lock | None = None
        self.last_change: MembershipChange | None = None

    async def _register(self, gate: asyncio.Semaphore) -> list[ClusterResult]:
        """Write the members' registrations; build a ClusterSync for each that has a context."""
        writer = self.store.writer
        names = {m.name for m in self.members}
        if self.prune:
            for row in await self.store.clusters():
                if row.name not in names:
                    writer.remove_cluster(row.name)
        skipped = []
        for member in self.members:
            result = self._add_member(member, gate)
            if result is not None:
                skipped.append(result)
        return skipped

    def _add_member(self, member: Member, gate: asyncio.Semaphore) -> ClusterResult | None:
        """Register one member; build its ClusterSync when it can be reached (its own
        context, or through the hub's gateway).
        Returns a result for a member that will not be synced (and why)."""
        writer = self.store.writer
        writer.put_cluster(member.name, **_member_fields(member))
        reachable = getattr(member, "reachable", None)
        if not (reachable if reachable is not None else getattr(member, "context", None)):
            return ClusterResult(member.name, ok=True, skipped=True,
                                 error="no kubeconfig context nor hub gateway: registration only")
        try:
            client = self._client_factory(member)
        except Exception as exc:  # a broken context is that cluster's error
            text = describe_error(exc)
            writer.probe(member.name, reachable=False, error=text)
            return ClusterResult(member.name, ok=False, error=text)
        self.clusters[member.name] = ClusterSync(
            member.name, client, writer, self.kinds, gate=gate,
            probe_interval=self.probe_interval, watch_timeout=self.watch_timeout,
            list_concurrency=self.cluster_list_concurrency, relist_interval=self.relist_interval,
        )
        return None

    @property
    def large(self) -> bool:
        """Too many clusters to keep a watch per cluster x kind (docs/scale.md)."""
        return len(self.clusters) > self.watch_threshold

    def _tier(self, cs: ClusterSync, hot: set[str], *, starting: bool = False) -> None:
        """Watch or poll this cluster. `starting`: also spread its start over a few
        seconds in a large fleet (a thousand clusters probed in the same instant is a
        thundering herd on the hub)."""
        watched = not self.large or cs.name in hot
        cs.set_watching(watched)
        cs.probe_interval = self.probe_interval if watched else max(self.probe_interval,
                                                                    self.cold_probe_interval)
        if starting and self.large:
            cs.start_delay = cs.jitter.uniform(0, min(5.0, len(self.clusters) / 200))

    async def hot_clusters(self) -> set[str]:
        """The clusters to watch in a large fleet: those open on screen (the store's
        `sync.focus`, comma-separated names) first, then those running applications;
        at most `max_watched`."""
        focus = [n for n in (await self.store.meta("sync.focus") or "").split(",") if n]
        order = [*focus, *sorted(await self.store.placed_clusters() - set(focus))]
        return set([n for n in order if n in self.clusters][: self.max_watched])

    async def _retier(self) -> None:
        hot = await self.hot_clusters() if self.large else set()
        for cs in self.clusters.values():
            self._tier(cs, hot)

    async def _hot_loop(self) -> None:
        while True:
            await asyncio.sleep(self.hot_interval)
            try:
                await self._retier()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a busy store: keep the tiers as they are
                log.warning("choosing the clusters to watch failed: %s", exc)

    async def _close_clients(self) -> None:
        for cs in self.clusters.values():
            try:
                await cs.client.close()
            except Exception as exc:
                log.debug("closing client of %s: %s", cs.name, exc)
        self.clusters.clear()

    async def sync_once(self) -> SyncReport:
        """Probe and list every kind of every member once; returns per-cluster results."""
        t0 = time.monotonic()
        gate = asyncio.Semaphore(self.concurrency)
        with _fewer_collections():
            results = await self._sync_all(gate)
        order = {m.name: i for i, m in enumerate(self.members)}
        results.sort(key=lambda r: order.get(r.name, len(order)))
        return SyncReport(tuple(results), time.monotonic() - t0)

    async def _sync_all(self, gate: asyncio.Semaphore) -> list[ClusterResult]:
        try:
            results = await self._register(gate)
            names = list(self.clusters)
            outcomes = await asyncio.gather(
                *(self.clusters[n].sync_once() for n in names), return_exceptions=True
            )
            for name, outcome in zip(names, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    if isinstance(outcome, asyncio.CancelledError):
                        raise outcome
                    text = describe_error(outcome)
                    self.store.writer.probe(name, reachable=False, error=text)
                    outcome = ClusterResult(name, ok=False, error=text)
                results.append(outcome)
            self.store.writer.set_meta("last_sync", repr(self.store.clock()))
            await self.store.writer.flush()
        finally:
            await self._close_clients()
        return results

    async def run(self, *, resume: bool = True) -> None:
        """Keep every member's inventory current until cancelled (informers + probes).

        `resume`: informers whose (cluster, kind) the cache already holds with a
        resourceVersion start by watching from it, so a restart with a warm cache
        does not relist the whole fleet; a version the server no longer has (410)
        relists that one kind.
        """
        gate = self._gate = asyncio.Semaphore(self.concurrency)
        self._loop = asyncio.get_running_loop()
        self._rediscover_now = asyncio.Event()
        self._membership_lock = asyncio.Lock()
        await self._register(gate)
        if resume:
            for state in await self.store.sync_states():
                cs = self.clusters.get(state["cluster"])
                if cs is None or not state["resource_version"] or state["listed_at"] is None:
                    continue
                for inf in cs.informers:
                    if inf.spec.kind == state["kind"]:
                        inf.resource_version = state["resource_version"]
            for name, uid in (await self.store.cluster_identities()).items():
                if (cs := self.clusters.get(name)) is not None:
                    cs.cached_identity = uid
        hot = await self.hot_clusters() if self.large else set()
        for cs in self.clusters.values():
            self._tier(cs, hot, starting=True)
        try:
            async with asyncio.TaskGroup() as tg:
                self._group = tg
                for cs in list(self.clusters.values()):
                    self._start(cs)
                tg.create_task(self._heartbeat(), name="sync heartbeat")
                tg.create_task(self._hot_loop(), name="sync tiers")
                if self.discover is not None:
                    tg.create_task(self._rediscover_loop(), name="sync membership")
        finally:
            self._group = None
            for task in self._tasks.values():
                task.cancel()
            self._tasks.clear()
            await self._close_clients()

    def _start(self, cs: ClusterSync) -> None:
        assert self._group is not None
        self._tasks[cs.name] = self._group.create_task(cs.run(), name=f"cluster {cs.name}")

    async def _stop(self, name: str) -> None:
        """Stop one cluster's informers and probe and close its client."""
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()
            # a child cancelled this way is ignored by the TaskGroup
            await asyncio.gather(task, return_exceptions=True)
        cs = self.clusters.pop(name, None)
        if cs is not None:
            try:
                await cs.client.close()
            except Exception as exc:
                log.debug("closing client of %s: %s", name, exc)

    # -- membership while running --

    def request_rediscovery(self) -> None:
        """Look for added and removed members now rather than at the next interval.
        Safe to call from any thread (the TUI calls it from its own)."""
        loop, event = self._loop, self._rediscover_now
        if loop is None or event is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the sync's loop is closing
            pass

    async def _rediscover_loop(self) -> None:
        assert self._rediscover_now is not None
        # the screen asks through the cache (store.REDISCOVER_META), as it shares nothing else
        # with this sync: answered within ~`rediscover_poll` s, then followed up (FOLLOW_UPS)
        requests = RediscoveryRequests(lambda: self.store.meta(REDISCOVER_META))
        await requests.prime()
        follow_ups: list[float] = []
        while True:
            wait = min(follow_ups.pop(0), self.rediscover_interval) if follow_ups else self.rediscover_interval
            if await requests.wait(wait, self._rediscover_now, poll=self.rediscover_poll):
                follow_ups = list(FOLLOW_UPS)
            self._rediscover_now.clear()
            try:
                await self.refresh_members()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a half-written file, a broken kubeconfig: keep the fleet
                log.warning("fleet re-discovery failed (members unchanged): %s", exc)

    async def refresh_members(self) -> MembershipChange:
        """Discover the members again and apply the difference (while `run()` runs).

        New members are registered and their informers started; removed ones are
        stopped and forgotten (their rows leave the store, so they leave the
        clusters pane); a member whose context or server changed is restarted
        with a fresh client; changed labels or registration are re-registered.
        A failed discovery raises and changes nothing.
        """
        if self.discover is None:
            raise RuntimeError("FleetSync has no discover= to find members with")
        if self._membership_lock is None or self._gate is None:
            raise RuntimeError("refresh_members() applies while run() runs")
        async with self._membership_lock:
            found, kubeconfig = await self.discover()
            if kubeconfig is not None and not self._custom_factory:
                self._client_factory = default_client_factory(
                    kubeconfig, read_only=self._read_only, timeout=self.timeout)
            old = {m.name: m for m in self.members}
            members, change = diff_members(old, list(found), fields=_member_fields,
                                           errors=list(getattr(found, "errors", ()) or ()))
            for name in change.removed:
                await self._stop(name)
                self.store.writer.remove_cluster(name)
            by_name = {m.name: m for m in members}
            for name in change.reconnected:
                await self._stop(name)
            hot = await self.hot_clusters() if self.large else set()
            for name in (*change.added, *change.reconnected):
                self._add_member(by_name[name], self._gate)
                cs = self.clusters.get(name)
                if cs is not None and self._group is not None:
                    self._tier(cs, hot)
                    self._start(cs)
            for name in change.updated:
                self.store.writer.put_cluster(name, **_member_fields(by_name[name]))
            self.members = members
            self.last_change = change
            if change:
                log.info("fleet membership: +%s -%s ~%s", list(change.added),
                         list(change.removed), list(change.reconnected + change.updated))
                await self.store.writer.flush()
            return change

    async def _heartbeat(self) -> None:
        """`last_sync` says when the cache was last known current: while watches
        run that is now, refreshed every probe interval."""
        while True:
            await asyncio.sleep(min(self.probe_interval, 5.0))
            if any(cs.reachable for cs in self.clusters.values()):
                self.store.writer.set_meta("last_sync", repr(self.store.clock()))
