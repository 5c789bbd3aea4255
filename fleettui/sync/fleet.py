"""`FleetSync`: keep the store current for every member cluster.

`sync_once()` is one full pass (probe + list every kind of every cluster);
`run()` keeps everything current with watches until cancelled. Requests are
bounded across the whole fleet by one semaphore (`concurrency`), so a fleet of
hundreds of clusters never opens hundreds of lists at once; one cluster's
failure is that cluster's row, never the others' problem.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.store import Store
from fleettui.sync.cluster import ClusterResult, ClusterSync
from fleettui.sync.errors import describe_error
from fleettui.sync.kinds import KindSpec, default_kinds

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


def _member_fields(member: Any) -> dict[str, Any]:
    """Registration fields of a discovered member (fleettui.sync.members.Member)."""
    def get(name: str, default: Any = None) -> Any:
        return getattr(member, name, default)

    registration = get("registration")
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
    }


def default_client_factory(kubeconfig: Any, *, read_only: bool, timeout: float) -> Callable[[Any], Any]:
    from fleettui.kube import ClusterClient

    def make(member: Any) -> Any:
        return ClusterClient.from_kubeconfig(
            kubeconfig, context=member.context, read_only=read_only, timeout=timeout
        )

    return make


class FleetSync:
    def __init__(
        self,
        store: Store,
        members: Sequence[Any],
        *,
        kubeconfig: Any = None,
        read_only: bool = True,
        concurrency: int = 32,
        kinds: Iterable[KindSpec] | None = None,
        timeout: float = 10.0,
        probe_interval: float = 15.0,
        watch_timeout: int = 300,
        client_factory: Callable[[Any], Any] | None = None,
        prune: bool = False,
    ) -> None:
        """`members`: what `discover_members` found (name, context, provider, ...).
        `prune`: forget cached clusters that are no longer members (only when the
        member list is the whole fleet, not a `--context` selection)."""
        self.store = store
        self.members = list(members)
        self.kinds = list(kinds) if kinds is not None else default_kinds()
        self.concurrency = concurrency
        self.timeout = timeout
        self.probe_interval = probe_interval
        self.watch_timeout = watch_timeout
        self.prune = prune
        self._client_factory = client_factory or default_client_factory(
            kubeconfig, read_only=read_only, timeout=timeout
        )
        self.clusters: dict[str, ClusterSync] = {}

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
            writer.put_cluster(member.name, **_member_fields(member))
            if not getattr(member, "context", None):
                skipped.append(ClusterResult(member.name, ok=True, skipped=True,
                                             error="no kubeconfig context: registration only"))
                continue
            try:
                client = self._client_factory(member)
            except Exception as exc:  # a broken context is that cluster's error
                text = describe_error(exc)
                writer.probe(member.name, reachable=False, error=text)
                skipped.append(ClusterResult(member.name, ok=False, error=text))
                continue
            self.clusters[member.name] = ClusterSync(
                member.name, client, writer, self.kinds, gate=gate,
                probe_interval=self.probe_interval, watch_timeout=self.watch_timeout,
            )
        return skipped

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
        order = {m.name: i for i, m in enumerate(self.members)}
        results.sort(key=lambda r: order.get(r.name, len(order)))
        return SyncReport(tuple(results), time.monotonic() - t0)

    async def run(self, *, resume: bool = True) -> None:
        """Keep every member's inventory current until cancelled (informers + probes).

        `resume`: informers whose (cluster, kind) the cache already holds with a
        resourceVersion start by watching from it, so a restart with a warm cache
        does not relist the whole fleet; a version the server no longer has (410)
        relists that one kind.
        """
        gate = asyncio.Semaphore(self.concurrency)
        await self._register(gate)
        if resume:
            for state in await self.store.sync_states():
                cs = self.clusters.get(state["cluster"])
                if cs is None or not state["resource_version"] or state["listed_at"] is None:
                    continue
                for inf in cs.informers:
                    if inf.spec.kind == state["kind"]:
                        inf.resource_version = state["resource_version"]
        try:
            async with asyncio.TaskGroup() as tg:
                for cs in self.clusters.values():
                    tg.create_task(cs.run(), name=f"cluster {cs.name}")
                tg.create_task(self._heartbeat(), name="sync heartbeat")
        finally:
            await self._close_clients()

    async def _heartbeat(self) -> None:
        """`last_sync` says when the cache was last known current: while watches
        run that is now, refreshed every probe interval."""
        while True:
            await asyncio.sleep(min(self.probe_interval, 5.0))
            if any(cs.reachable for cs in self.clusters.values()):
                self.store.writer.set_meta("last_sync", repr(self.store.clock()))
