"""The batched inventory writer: every sync write goes through one queue.

A full sync of a large fleet produces tens of thousands of rows; one
transaction per row would spend its time in fsync and lock hand-offs. So
writes are queued and a single task applies them in batches, one transaction
per batch (flushed every `flush_interval` seconds or `batch_rows` rows,
whichever comes first), recomputes the roll-ups of the clusters it touched in
the same transaction, then publishes one change per (topic, cluster).

Objects are written as *summaries* (`fleettui.sync.summaries`): typed columns
for what the roll-ups and panes query, everything else as JSON in `data`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiosqlite

from fleettui.store.db import scalar
from fleettui.store.feed import Change, ChangeFeed
from fleettui.store.rows import HEALTH_SQL, ROLLUP_SQL, object_row
from fleettui.store.workload_health import rejudge_workloads
from fleettui.store.write_ops import (
    HANDLERS,
    AlertSourceState,
    Delete,
    Op,
    Probe,
    PutAlerts,
    PutCluster,
    RemoveCluster,
    Replace,
    SetMeta,
    SyncState,
    Touched,
    Upsert,
    op_rows,
    runs,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Flush:
    """Not a write: resolved once everything queued before it is committed."""

    future: asyncio.Future[None]


class InventoryWriter:
    """Queue of writes applied in batched transactions by one task."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        feed: ChangeFeed,
        lock: asyncio.Lock,
        *,
        clock: Callable[[], float] = time.time,
        flush_interval: float = 0.05,
        batch_rows: int = 1000,
        poll_interval: float = 0.5,
        file_check: Callable[[], str | None] | None = None,
    ) -> None:
        self._conn = conn
        self._feed = feed
        self._lock = lock
        self._clock = clock
        self.flush_interval = flush_interval
        self.batch_rows = batch_rows
        self.poll_interval = poll_interval
        self._queue: asyncio.Queue[Op | _Flush] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._data_version: int | None = None
        self._file_check = file_check
        self._file_reported = False
        self.last_error: str | None = None
        self.rows_written = 0
        self.transactions = 0

    # -- the write API (never blocks; `flush()` waits for everything queued) --

    def put_cluster(
        self,
        name: str,
        *,
        context: str | None = None,
        server: str | None = None,
        provider: str | None = None,
        region: str | None = None,
        zone: str | None = None,
        labels: Mapping[str, str] | None = None,
        source: str = "kubeconfig",
        registration: str | None = None,
        access: str = "direct",
        hub_state: Mapping[str, Any] | None = None,
    ) -> None:
        """Register (or update the registration of) a member cluster; the probe
        fields and roll-ups are left as they are."""
        fields = {
            "context": context,
            "server": server,
            "provider": provider,
            "region": region,
            "zone": zone,
            "source": source,
            "registration": registration,
            "access": access,
            "labels": json.dumps(dict(labels or {}), sort_keys=True),
            "hub_state": json.dumps(dict(hub_state), sort_keys=True) if hub_state else None,
        }
        self._queue.put_nowait(PutCluster(name, fields))

    def remove_cluster(self, name: str) -> None:
        """Forget a cluster and everything observed in it."""
        self._queue.put_nowait(RemoveCluster(name))

    def probe(
        self,
        name: str,
        *,
        reachable: bool,
        version: str | None = None,
        latency_ms: float | None = None,
        error: str | None = None,
    ) -> None:
        """Record a health probe. A failed probe keeps version and `last_seen`; a
        successful one may still carry an `error` (some kinds fail to sync)."""
        self._queue.put_nowait(Probe(name, reachable, version, latency_ms, error, self._clock()))

    def replace(
        self,
        cluster: str,
        kind: str,
        summaries: Iterable[Mapping[str, Any]],
        *,
        resource_version: str | None = None,
    ) -> None:
        """A fresh list: the (cluster, kind) set becomes exactly `summaries`."""
        now = self._clock()
        rows = [object_row(cluster, kind, s, now) for s in summaries]
        self._queue.put_nowait(Replace(cluster, kind, rows, resource_version, now))

    def upsert(self, cluster: str, kind: str, summary: Mapping[str, Any]) -> None:
        self._queue.put_nowait(Upsert(cluster, kind, object_row(cluster, kind, summary, self._clock())))

    def delete(self, cluster: str, kind: str, namespace: str | None, name: str) -> None:
        self._queue.put_nowait(Delete(cluster, kind, namespace or "", name))

    def sync_state(
        self,
        cluster: str,
        kind: str,
        *,
        resource_version: str | None = None,
        error: str | None = None,
    ) -> None:
        """Where an informer is (resourceVersion) or why it is not (error)."""
        self._queue.put_nowait(SyncState(cluster, kind, resource_version, error, self._clock()))

    def set_meta(self, key: str, value: str | None) -> None:
        self._queue.put_nowait(SetMeta(key, value))

    def put_alerts(self, cluster: str, alerts: Iterable[Any]) -> None:
        """A cluster's Prometheus answered: its alerts (`store.alerts.AlertRow`) become
        exactly these, and its source is marked fetched now."""
        now = self._clock()
        self._queue.put_nowait(PutAlerts(cluster, [a.params(now) for a in alerts], now))
        self._queue.put_nowait(AlertSourceState(cluster, None, now))

    def alert_source(self, source: str, *, error: str | None = None) -> None:
        """A fetch of an alert source worked (error None) or failed; a failure keeps the
        alerts held, so they show with the age of the last fetch that worked."""
        self._queue.put_nowait(AlertSourceState(source, error, self._clock()))

    async def flush(self) -> None:
        """Wait until everything queued so far is committed (and published)."""
        if self._task is None or self._task.done():
            raise RuntimeError("store writer is not running")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Flush(fut))
        await fut

    # -- the task --

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="store-writer")

    async def stop(self) -> None:
        if self._task is None:
            return
        if not self._task.done():
            try:
                await asyncio.wait_for(self.flush(), timeout=30)
            except Exception as exc:  # closing anyway; say what was lost
                log.warning("store writer: final flush failed: %s", exc)
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_poll = loop.time()
        while True:
            if loop.time() - last_poll >= self.poll_interval:
                # also while busy: another process's writes must not wait for a lull
                await self._poll_external()
                self._poll_file()
                last_poll = loop.time()
            try:
                # asyncio.timeout, not wait_for, which on 3.11 can swallow a cancellation
                async with asyncio.timeout(self.poll_interval):
                    first = await self._queue.get()
            except TimeoutError:
                continue
            batch = [first]
            size = _size(first)
            deadline = loop.time() + self.flush_interval
            while size < self.batch_rows and not isinstance(batch[-1], _Flush):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    op = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    try:
                        async with asyncio.timeout(remaining):
                            op = await self._queue.get()
                    except TimeoutError:
                        break
                batch.append(op)
                size += _size(op)
            await self._commit(batch)

    async def _commit(self, batch: list[Op | _Flush]) -> None:
        flushes = [op.future for op in batch if isinstance(op, _Flush)]
        ops = [op for op in batch if not isinstance(op, _Flush)]
        changes: dict[Change, None] = {}
        error: BaseException | None = None
        if ops:
            for attempt in range(2):
                try:
                    async with self._lock:
                        changes = await self._apply(ops)
                    error = None
                    break
                except Exception as exc:  # disk full, lock timeout: retry once, then drop
                    error = exc
                    log.warning("store writer: batch of %d ops failed (%s)", len(ops), exc)
                    await asyncio.sleep(0.2 * (attempt + 1))
            if error is not None:
                self.last_error = f"{type(error).__name__}: {error}"
            else:
                self.rows_written += sum(op_rows(op) for op in ops)
                self.transactions += 1
                await self._note_own_write()
        for change in changes:
            self._feed.publish(change)
        for fut in flushes:
            if not fut.done():
                if error is not None:
                    fut.set_exception(RuntimeError(f"store write failed: {error}"))
                else:
                    fut.set_result(None)

    async def _apply(self, ops: list[Op]) -> dict[Change, None]:
        """One transaction: each run of consecutive ops of one type goes to that type's
        handler (a full sync queues hundreds of lists at once, a watch burst hundreds of
        upserts: one executemany per statement for the run, not one round trip to
        aiosqlite's thread per op), then the roll-ups of every cluster touched."""
        conn = self._conn
        touched = Touched()
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for run in runs(ops):
                await HANDLERS[type(run[0])](conn, run, touched)
            if touched.rollup:
                # before the counts: they include unhealthy workloads. Only where pods or
                # workloads changed: a full sync of 1,000 clusters re-judged each cluster
                # in every batch any of its kinds landed in, half the writer's round trips
                for cluster in touched.workloads:
                    await rejudge_workloads(conn, cluster)
                await conn.executemany(ROLLUP_SQL, [{"c": c} for c in touched.rollup])
                for cluster in touched.rollup:
                    touched.changes[Change("clusters", cluster)] = None
            if touched.rollup or touched.health:
                await conn.executemany(HEALTH_SQL, [(c,) for c in touched.rollup | touched.health])
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return touched.changes

    # -- noticing other processes --

    async def _note_own_write(self) -> None:
        # our own commits do not change our data_version; re-read it anyway so a
        # write by another process between two of ours is still noticed next poll
        if self._data_version is None:
            self._data_version = await self._read_data_version()

    async def _read_data_version(self) -> int:
        return int(await scalar(self._conn, "PRAGMA data_version"))

    async def _poll_external(self) -> None:
        """`PRAGMA data_version` changes when another connection commits: that is
        another fleettui process (or another Store on the same file)."""
        try:
            async with self._lock:
                version = await self._read_data_version()
        except Exception as exc:
            log.debug("data_version poll failed: %s", exc)
            return
        if self._data_version is not None and version != self._data_version:
            self._feed.publish(Change("external", None))
        self._data_version = version


    def _poll_file(self) -> None:
        if self._file_check is None or self._file_reported:
            return
        if self._file_check() is not None:
            self._file_reported = True
            self._feed.publish(Change("cache", None))


def _size(op: Op | _Flush) -> int:
    return 0 if isinstance(op, _Flush) else op_rows(op)
