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
from typing import Any

import aiosqlite

from fleettui.store.feed import Change, ChangeFeed
from fleettui.store.rows import (
    HEALTH_SQL,
    ROLLUP_SQL,
    UPSERT_OBJECT_SQL,
    object_row,
)
from fleettui.store.workload_health import rejudge_workloads

log = logging.getLogger(__name__)

class _Flush:
    __slots__ = ("future",)

    def __init__(self, future: asyncio.Future[None]) -> None:
        self.future = future


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
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
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
        }
        self._queue.put_nowait(("cluster", name, fields))

    def remove_cluster(self, name: str) -> None:
        """Forget a cluster and everything observed in it."""
        self._queue.put_nowait(("remove", name))

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
        self._queue.put_nowait(("probe", name, reachable, version, latency_ms, error, self._clock()))

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
        self._queue.put_nowait(("replace", cluster, kind, rows, resource_version, now))

    def upsert(self, cluster: str, kind: str, summary: Mapping[str, Any]) -> None:
        self._queue.put_nowait(("upsert", cluster, kind, object_row(cluster, kind, summary, self._clock())))

    def delete(self, cluster: str, kind: str, namespace: str | None, name: str) -> None:
        self._queue.put_nowait(("delete", cluster, kind, namespace or "", name))

    def sync_state(
        self,
        cluster: str,
        kind: str,
        *,
        resource_version: str | None = None,
        error: str | None = None,
    ) -> None:
        """Where an informer is (resourceVersion) or why it is not (error)."""
        self._queue.put_nowait(("state", cluster, kind, resource_version, error, self._clock()))

    def set_meta(self, key: str, value: str | None) -> None:
        self._queue.put_nowait(("meta", key, value))

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
            size = _op_rows(first)
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
                size += _op_rows(op)
            await self._commit(batch)

    async def _commit(self, batch: list[Any]) -> None:
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
                self.rows_written += sum(_op_rows(op) for op in ops)
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

    async def _apply(self, ops: list[Any]) -> dict[Change, None]:
        conn = self._conn
        changes: dict[Change, None] = {}
        rollup: set[str] = set()
        health: set[str] = set()
        await conn.execute("BEGIN IMMEDIATE")
        try:
            i = 0
            while i < len(ops):
                op = ops[i]
                tag = op[0]
                if tag in ("upsert", "delete"):
                    # consecutive watch events of one type go in one executemany
                    j = i
                    while j < len(ops) and ops[j][0] == tag:
                        j += 1
                    group = ops[i:j]
                    if tag == "upsert":
                        await conn.executemany(UPSERT_OBJECT_SQL, [o[3] for o in group])
                    else:
                        await conn.executemany(
                            "DELETE FROM objects WHERE cluster=? AND kind=? AND namespace=? AND name=?",
                            [o[1:5] for o in group],
                        )
                    for o in group:
                        rollup.add(o[1])
                        changes[Change(_topic(o[2]), o[1])] = None
                    i = j
                    continue
                if tag == "replace":
                    # a full sync queues hundreds of lists at once: one executemany per
                    # statement for the whole run of them, not three calls per list
                    # (each call is a round trip to aiosqlite's thread). A (cluster,
                    # kind) listed twice in the run ends it: the later list must win.
                    j, seen = i, set()
                    while j < len(ops) and ops[j][0] == "replace" and ops[j][1:3] not in seen:
                        seen.add(ops[j][1:3])
                        j += 1
                    group = ops[i:j]
                    await conn.executemany(
                        "DELETE FROM objects WHERE cluster=? AND kind=?", [o[1:3] for o in group]
                    )
                    await conn.executemany(
                        UPSERT_OBJECT_SQL, [row for o in group for row in o[3]]
                    )
                    await conn.executemany(
                        "INSERT INTO sync_state (cluster, kind, resource_version, listed_at,"
                        " updated_at, count, last_error) VALUES (?,?,?,?,?,?,NULL)"
                        " ON CONFLICT (cluster, kind) DO UPDATE SET resource_version=excluded.resource_version,"
                        " listed_at=excluded.listed_at, updated_at=excluded.updated_at,"
                        " count=excluded.count, last_error=NULL",
                        [(c, k, rv, now, now, len(rows)) for _, c, k, rows, rv, now in group],
                    )
                    for _, cluster, kind, *_rest in group:
                        rollup.add(cluster)
                        changes[Change(_topic(kind), cluster)] = None
                    i = j
                    continue
                elif tag == "cluster":
                    _, name, fields = op
                    cols = ", ".join(("name", *fields))
                    marks = ", ".join("?" for _ in range(len(fields) + 1))
                    updates = ", ".join(f"{k}=excluded.{k}" for k in fields)
                    await conn.execute(
                        f"INSERT INTO clusters ({cols}) VALUES ({marks})"
                        f" ON CONFLICT (name) DO UPDATE SET {updates}",
                        (name, *fields.values()),
                    )
                    changes[Change("clusters", name)] = None
                elif tag == "remove":
                    name = op[1]
                    await conn.execute("DELETE FROM objects WHERE cluster=?", (name,))
                    await conn.execute("DELETE FROM sync_state WHERE cluster=?", (name,))
                    await conn.execute("DELETE FROM clusters WHERE name=?", (name,))
                    rollup.discard(name)
                    health.discard(name)
                    changes[Change("clusters", name)] = None
                elif tag == "probe":
                    _, name, reachable, version, latency_ms, error, at = op
                    if reachable:
                        await conn.execute(
                            "UPDATE clusters SET reachable=1, version=coalesce(?, version),"
                            " latency_ms=?, last_seen=?, last_attempt=?, last_error=?,"
                            " observed_at=? WHERE name=?",
                            (version, latency_ms, at, at, error, at, name),
                        )
                    else:
                        await conn.execute(
                            "UPDATE clusters SET reachable=0, latency_ms=NULL, last_attempt=?,"
                            " last_error=? WHERE name=?",
                            (at, error or "unreachable", name),
                        )
                    health.add(name)
                    changes[Change("clusters", name)] = None
                elif tag == "state":
                    _, cluster, kind, rv, error, at = op
                    await conn.execute(
                        "INSERT INTO sync_state (cluster, kind, resource_version, updated_at, last_error)"
                        " VALUES (?,?,?,?,?) ON CONFLICT (cluster, kind) DO UPDATE SET"
                        " resource_version=coalesce(excluded.resource_version, resource_version),"
                        " updated_at=excluded.updated_at, last_error=excluded.last_error",
                        (cluster, kind, rv, at, error),
                    )
                elif tag == "meta":
                    await conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (op[1], op[2])
                    )
                i += 1
            if rollup:
                for cluster in rollup:  # before the counts: they include unhealthy workloads
                    await rejudge_workloads(conn, cluster)
                await conn.executemany(ROLLUP_SQL, [{"c": c} for c in rollup])
                for cluster in rollup:
                    changes[Change("clusters", cluster)] = None
            if rollup or health:
                await conn.executemany(HEALTH_SQL, [(c,) for c in rollup | health])
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return changes

    # -- noticing other processes --

    async def _note_own_write(self) -> None:
        # our own commits do not change our data_version; re-read it anyway so a
        # write by another process between two of ours is still noticed next poll
        if self._data_version is None:
            self._data_version = await self._read_data_version()

    async def _read_data_version(self) -> int:
        cur = await self._conn.execute("PRAGMA data_version")
        row = await cur.fetchone()
        return int(row[0])

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


def _op_rows(op: Any) -> int:
    if isinstance(op, _Flush):
        return 0
    if op[0] == "replace":
        return max(1, len(op[3]))
    return 1


def _topic(kind: str) -> str:
    return "events" if kind == "Event" else "objects"
