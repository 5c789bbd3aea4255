"""`Store`: the local SQLite cache the screen reads, and the only thing it reads.

Two connections: the writer's (owned by `store.writer`, batched transactions)
and a reader's, so a pane's query never waits behind a long write (WAL lets
readers see the last committed state while a write is in progress).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from fleettui.config import mode
from fleettui.store import queries as q
from fleettui.store.cachefile import FileWatch
from fleettui.store.db import connect, open_database
from fleettui.store.feed import Change, ChangeFeed, Subscription
from fleettui.store.models import (
    ClusterDetail,
    ClusterRow,
    EventRow,
    FleetSummary,
    JoinRow,
    NamespaceRow,
    NodeRow,
    ObjectRow,
    PodRow,
    ServiceRow,
    TopologyNode,
    WorkloadRow,
)
from fleettui.store.rollup_health import HEALTHY, is_problem, worst
from fleettui.store.rows import OUTLINE_KINDS_SQL, WORKLOAD_KINDS, WORKLOAD_KINDS_SQL
from fleettui.store.topology import build_outline, build_topology
from fleettui.store.writer import InventoryWriter

T = TypeVar("T")

# Meta keys the screen writes for the sync, which runs on another thread or in another
# process and shares only this file with it. They are hints, not cluster writes: the
# read-only mode does not refuse them (watch mode's screen still sets `sync.focus`).
# `sync.rediscover`: a membership action just changed the hub; its value (the time it was
# written) changing asks the sync to re-discover the members now (sync/rediscovery.py).
REDISCOVER_META = "sync.rediscover"


def _expand(path: str | Path) -> Path:
    return Path(os.path.expanduser(path))


class Store:
    """Open with `await Store.open(path)`; close with `await store.close()` (or `async with`)."""

    def __init__(
        self,
        path: Path,
        conn: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        *,
        recovered_from: Path | None,
        read_only: bool = False,
        clock: Callable[[], float],
        flush_interval: float,
        batch_rows: int,
        poll_interval: float,
    ) -> None:
        self.path = path
        self.recovered_from = recovered_from
        self.read_only = read_only
        self.clock = clock
        try:
            self._file: FileWatch | None = FileWatch.of(path)
        except OSError:
            self._file = None
        self.feed = ChangeFeed()
        self._conn = conn
        self._reader = reader
        self._reused: dict[str, dict[Any, tuple[tuple[Any, ...], Any]]] = {}  # see reuse()
        self._outline_nodes: dict[str, tuple[tuple, TopologyNode]] = {}  # see topology_outline()
        self._lock = asyncio.Lock()
        self.writer = InventoryWriter(
            conn,
            self.feed,
            self._lock,
            clock=clock,
            flush_interval=flush_interval,
            batch_rows=batch_rows,
            poll_interval=poll_interval,
            file_check=self.file_problem,
        )
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        flush_interval: float = 0.05,
        batch_rows: int = 1000,
        poll_interval: float = 0.5,
        read_only_fallback: bool = False,
    ) -> Store:
        """Create or migrate the cache at `path`; a corrupt file is moved aside and
        rebuilt (`store.recovered_from` names where it went). A cache this user
        may not write raises `CachePermissionError`, unless `read_only_fallback`
        (commands that only read): then it is opened read-only (`store.read_only`)."""
        path = _expand(path)
        conn, recovered, read_only = await open_database(path, read_only_fallback=read_only_fallback)
        try:
            reader = await connect(path, read_only=read_only)
        except BaseException:
            await conn.close()
            raise
        store = cls(
            path,
            conn,
            reader,
            recovered_from=recovered,
            read_only=read_only,
            clock=clock,
            flush_interval=flush_interval,
            batch_rows=batch_rows,
            poll_interval=poll_interval,
        )
        store.writer.start()
        return store

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.writer.stop()
        self.feed.close()
        await self._reader.close()
        await self._conn.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def file_problem(self) -> str | None:
        """Why the file this store has open is no longer the cache at its path (deleted,
        replaced, truncated), or None. The writer polls it and publishes a `cache`
        change when it turns up; the dashboard then reopens (rebuilds) the cache."""
        return self._file.check() if self._file is not None else None

    # -- change feed --

    def subscribe(self, topics: Iterable[str] | None = None) -> Subscription:
        """Changes from now on (topics: clusters, objects, events, apps, external, cache)."""
        return self.feed.subscribe(frozenset(topics) if topics is not None else None)

    def publish(self, topic: str, cluster: str | None = None) -> None:
        """For writers outside the inventory writer (the engine's `apps` tables)."""
        self.feed.publish(Change(topic, cluster))

    # -- raw SQL: private to fleettui.store --
    # Other packages read and write through named queries (the methods below,
    # `store.writer`, `store.apps.AppStore`), so a schema change touches only this
    # package; tests/store/test_sql_boundary.py fails on a call from outside.

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction on the writer connection, serialized with the batched
        writer; commits on exit, rolls back on error (used by `store/apps.py`).

        These tables hold what the operator declared (the local hub's applications),
        not a copy of what clusters report, so a read-only process may not write them;
        the inventory writer (a cache of observed state) keeps working in watch mode."""
        mode.require_writable("change the applications held in the cache")
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def _observed_transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction for other packages' caches of *observed* state (the metrics
        pulled from each cluster's Prometheus): like the inventory writer, it keeps working
        in watch mode, because it records what the clusters report, never a decision."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def _fetchall(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """A read query on the reader connection."""
        cur = await self._reader.execute(sql, params)
        rows = await cur.fetchall()
        await cur.close()
        # no row_factory is set, so sqlite3 hands back plain tuples (aiosqlite's stubs say Row)
        return cast(list[tuple[Any, ...]], list(rows))

    async def _fetchone(self, sql: str, params: Any = ()) -> tuple[Any, ...] | None:
        """A read query on the reader connection: the first row or None."""
        cur = await self._reader.execute(sql, params)
        row = await cur.fetchone()
        await cur.close()
        return cast(tuple[Any, ...] | None, row)  # a plain tuple, as above

    # -- queries the panes use --

    async def schema_version(self) -> int:
        row = await self._fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def meta(self, key: str) -> str | None:
        row = await self._fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    async def last_sync(self) -> float | None:
        """When the last completed sync pass (or live update) finished."""
        value = await self.meta("last_sync")
        return float(value) if value else None

    def reuse(self, query: str, rows: list[tuple[Any, ...]], build: Callable[[tuple[Any, ...]], T],
              key: Callable[[tuple[Any, ...]], Any] = itemgetter(0)) -> list[T]:
        """`build(row)` for each row, except that a row whose columns are what they were
        the last time `query` was read gives back the very object built then (the
        values are frozen). The dashboard reads every cluster (and its usage) on each
        refresh; building 1,000 rows, JSON parsed, took ~15-30 ms of the UI loop each
        time, and an unchanged row is cheap for the panes to compare (the same object).
        For queries over a whole table only: one memo per `query`."""
        last, built = self._reused.get(query, {}), {}
        out = []
        for r in rows:
            k = key(r)
            hit = last.get(k)
            value = hit[1] if hit is not None and hit[0] == r else build(r)
            built[k] = (r, value)
            out.append(value)
        self._reused[query] = built
        return out

    async def clusters(self) -> list[ClusterRow]:
        rows = await self._fetchall(f"SELECT {q.CLUSTER_COLUMNS} FROM clusters ORDER BY name")
        return self.reuse("clusters", rows, q.cluster_row)

    async def cluster_names(self) -> list[str]:
        """Every cluster's name, without building its row (the palette's jump targets)."""
        return [r[0] for r in await self._fetchall("SELECT name FROM clusters ORDER BY name")]

    async def pending_joins(self) -> list[JoinRow]:
        """Clusters the hub has not accepted (joining, or denied), with their CSRs."""
        rows = await self._fetchall(
            "SELECT name, hub_state, observed_at FROM clusters WHERE hub_state IS NOT NULL ORDER BY name")
        return [j for j in (q.join_row(r) for r in rows) if j is not None]

    async def cluster(self, name: str) -> ClusterRow | None:
        row = await self._fetchone(f"SELECT {q.CLUSTER_COLUMNS} FROM clusters WHERE name = ?", (name,))
        return q.cluster_row(row) if row else None

    async def fleet_summary(self) -> FleetSummary:
        row = await self._fetchone(
            "SELECT count(*), coalesce(sum(health = 'healthy'), 0), coalesce(sum(reachable = 0), 0),"
            " coalesce(sum(nodes_ready), 0), coalesce(sum(nodes_total), 0),"
            " coalesce(sum(workloads_total), 0), coalesce(sum(workloads_unhealthy), 0),"
            " coalesce(sum(pods_running), 0), coalesce(sum(pods_pending), 0),"
            " coalesce(sum(pods_failed), 0), coalesce(sum(warning_events), 0),"
            " coalesce(sum(access = 'gateway'), 0) FROM clusters"
        )
        assert row is not None
        return FleetSummary(
            clusters_total=row[0],
            clusters_healthy=row[1],
            clusters_unreachable=row[2],
            nodes_ready=row[3],
            nodes_total=row[4],
            workloads_total=row[5],
            workloads_unhealthy=row[6],
            pods_running=row[7],
            pods_pending=row[8],
            pods_failed=row[9],
            warning_events=row[10],
            clusters_via_gateway=row[11],
            last_sync=await self.last_sync(),
        )

    async def _objects(self, kinds: tuple[str, ...], cluster: str | None, namespace: str | None,
                       extra: str = "", order: str = "cluster, namespace, name",
                       limit: int | None = None) -> list[tuple]:
        where = [f"kind IN ({', '.join('?' for _ in kinds)})"]
        params: list[Any] = list(kinds)
        if cluster is not None:
            where.append("cluster = ?")
            params.append(cluster)
        if namespace is not None:
            where.append("namespace = ?")
            params.append(namespace)
        if extra:
            where.append(extra)
        sql = f"SELECT {q.OBJECT_COLUMNS} FROM objects WHERE {' AND '.join(where)} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return await self._fetchall(sql, params)

    async def nodes(self, cluster: str | None = None) -> list[NodeRow]:
        rows = await self._objects(("Node",), cluster, None, order="cluster, name")
        # requested CPU/memory per node, summed from the pods scheduled on it
        req = await self._fetchall(
            "SELECT cluster, node, sum(cpu_m), sum(mem_b), count(*) FROM objects"
            " WHERE kind = 'Pod' AND phase IN ('Pending', 'Running') AND node IS NOT NULL"
            + (" AND cluster = ?" if cluster is not None else "")
            + " GROUP BY cluster, node",
            (cluster,) if cluster is not None else (),
        )
        by_node = {(r[0], r[1]): r[2:] for r in req}
        out = []
        for r in rows:
            n = q.node_row(r)
            cpu, mem, pods = by_node.get((n.cluster, n.name), (0, 0, 0))
            out.append(
                NodeRow(**{**n.__dict__, "cpu_req_m": int(cpu or 0), "mem_req_b": int(mem or 0),
                           "pods": int(pods or 0)})
            )
        return out

    async def workloads(self, cluster: str | None = None, *, namespace: str | None = None,
                        unhealthy_only: bool = False) -> list[WorkloadRow]:
        extra = "health IN ('degraded', 'unhealthy')" if unhealthy_only else ""
        rows = await self._objects(WORKLOAD_KINDS, cluster, namespace, extra,
                                   order="cluster, namespace, kind, name")
        return [q.workload_row(r) for r in rows]

    async def pods(self, cluster: str | None = None, *, namespace: str | None = None) -> list[PodRow]:
        return [q.pod_row(r) for r in await self._objects(("Pod",), cluster, namespace)]

    async def services(self, cluster: str | None = None, *, namespace: str | None = None) -> list[ServiceRow]:
        return [q.service_row(r) for r in await self._objects(("Service",), cluster, namespace)]

    async def objects(self, kind: str, cluster: str | None = None, *,
                      namespace: str | None = None) -> list[ObjectRow]:
        """Every cached object of one kind (for one cluster, one namespace), by cluster,
        namespace, name: the named query for kinds without a row type of their own."""
        return [q.object_row(r) for r in await self._objects((kind,), cluster, namespace)]

    async def object_names(self, kind: str, cluster: str, namespace: str) -> list[str]:
        """Names of one kind in a namespace (e.g. ConfigMaps: names are all the cache keeps)."""
        rows = await self._fetchall(
            "SELECT name FROM objects WHERE kind = ? AND cluster = ? AND namespace = ? ORDER BY name",
            (kind, cluster, namespace),
        )
        return [r[0] for r in rows]

    async def events(self, cluster: str | None = None, *, namespace: str | None = None,
                     limit: int = 100) -> list[EventRow]:
        """Warning events, newest first."""
        rows = await self._objects(("Event",), cluster, namespace,
                                   order="coalesce(ts, observed_at) DESC, cluster, name", limit=limit)
        return [q.event_row(r) for r in rows]

    async def namespaces(self, cluster: str | None = None) -> list[NamespaceRow]:
        rows = await self._objects(("Namespace",), cluster, None, order="cluster, name")
        stats = await self._fetchall(
            f"SELECT cluster, namespace, sum(kind IN {WORKLOAD_KINDS_SQL}),"
            f" sum(kind IN {WORKLOAD_KINDS_SQL} AND health IN ('degraded', 'unhealthy')),"
            f" sum(kind = 'Pod'), group_concat(CASE WHEN kind IN {WORKLOAD_KINDS_SQL} THEN health END)"
            " FROM objects WHERE namespace != ''"
            + (" AND cluster = ?" if cluster is not None else "")
            + " GROUP BY cluster, namespace",
            (cluster,) if cluster is not None else (),
        )
        by_ns = {(s[0], s[1]): s[2:] for s in stats}
        out = []
        for r in rows:
            wl, bad, pods, healths = by_ns.get((r[0], r[3]), (0, 0, 0, None))
            health = worst((healths or "").split(",") if healths else [], empty=HEALTHY)
            if (r[6] or "Active") == "Terminating":
                health = worst([health, "progressing"])
            out.append(q.namespace_row(r, int(wl or 0), int(bad or 0), int(pods or 0), health))
        return out

    async def cluster_detail(self, name: str, *, events: int = 50) -> ClusterDetail | None:
        cluster = await self.cluster(name)
        if cluster is None:
            return None
        return ClusterDetail(
            cluster=cluster,
            nodes=tuple(await self.nodes(name)),
            namespaces=tuple(await self.namespaces(name)),
            unhealthy_workloads=tuple(await self.workloads(name, unhealthy_only=True)),
            warning_events=tuple(await self.events(name, limit=events)),
        )

    async def topology(self) -> TopologyNode:
        return build_topology(
            await self.clusters(), await self.namespaces(), await self.workloads(), await self.nodes()
        )

    async def topology_outline(self, opened: Iterable[str] = ()) -> TopologyNode:
        """The topology down to the clusters, with each cluster's counts from one grouped
        query, and the subtrees of the `opened` clusters only: what a large fleet's tree
        shows without reading every cluster's namespaces, workloads and nodes."""
        # one IN list: `kind IN (...) OR kind IN (...)` made SQLite merge two index scans
        # through a temporary b-tree, three times slower at 1,000 clusters
        rows = await self._fetchall(
            f"SELECT cluster, health, sum(kind != 'Namespace') FROM objects"
            f" WHERE kind IN {OUTLINE_KINDS_SQL} GROUP BY cluster, health")
        counts: dict[str, dict[str, int]] = {}
        for cluster, health, n in rows:
            per = counts.setdefault(cluster, {})
            if n:
                per[health] = per.get(health, 0) + int(n)
        clusters = await self.clusters()
        known = {c.name for c in clusters}
        opened = sorted(set(opened) & known)
        namespaces, workloads, nodes = [], [], []
        for name in opened:
            namespaces += await self.namespaces(name)
            workloads += await self.workloads(name)
            nodes += await self.nodes(name)
        return build_outline(clusters, counts, expandable=counts.keys(), namespaces=namespaces,
                             workloads=workloads, nodes=nodes, opened=opened, memo=self._outline_nodes)

    async def cluster_identities(self) -> dict[str, str]:
        """Each cluster's identity as last cached: the uid of its `kube-system` Namespace,
        which a cluster keeps for life and a rebuilt cluster behind the same context does
        not share (the sync compares it to tell a new incarnation from a reconnect)."""
        rows = await self._fetchall(
            "SELECT cluster, uid FROM objects WHERE kind = 'Namespace' AND name = 'kube-system'"
            " AND uid IS NOT NULL"
        )
        return {r[0]: r[1] for r in rows}

    async def placed_clusters(self) -> set[str]:
        """Clusters some application is placed on (any hub): the sync watches these
        closely in a fleet too large to watch every cluster."""
        return {r[0] for r in await self._fetchall("SELECT DISTINCT cluster FROM app_placements")}

    async def object_counts(self, cluster: str | None = None) -> dict[str, int]:
        """How many objects of each kind are cached (for one cluster or all)."""
        rows = await self._fetchall(
            "SELECT kind, count(*) FROM objects"
            + (" WHERE cluster = ?" if cluster is not None else "")
            + " GROUP BY kind ORDER BY kind",
            (cluster,) if cluster is not None else (),
        )
        return {r[0]: r[1] for r in rows}

    async def sync_states(self, cluster: str | None = None) -> list[dict[str, Any]]:
        """Informer positions: cluster, kind, resource_version, listed_at, updated_at, count, last_error."""
        rows = await self._fetchall(
            "SELECT cluster, kind, resource_version, listed_at, updated_at, count, last_error"
            " FROM sync_state" + (" WHERE cluster = ?" if cluster is not None else "")
            + " ORDER BY cluster, kind",
            (cluster,) if cluster is not None else (),
        )
        keys = ("cluster", "kind", "resource_version", "listed_at", "updated_at", "count", "last_error")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    async def problems(self, cluster: str | None = None) -> list[WorkloadRow]:
        """Unhealthy workloads across the fleet (or one cluster)."""
        return [w for w in await self.workloads(cluster) if is_problem(w.health)]
