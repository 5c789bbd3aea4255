"""The inventory writer's operations: one frozen value per write, one handler each.

`InventoryWriter` queues these and applies them in batched transactions;
`HANDLERS` maps each op type to the coroutine that applies a run of them (so a
run of watch upserts or of fresh lists is one executemany per statement).
Adding a write is one dataclass, one handler, one entry in `HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from fleettui.store.feed import Change
from fleettui.store.rows import UPSERT_OBJECT_SQL, WORKLOAD_KINDS

# The kinds a workload's health is judged from (workload_health): only their changes
# need the re-judging query, not a fresh list of Namespaces, Services or Events.
_JUDGED_KINDS = frozenset((*WORKLOAD_KINDS, "Pod"))


@dataclass(frozen=True, slots=True)
class PutCluster:
    name: str
    fields: Mapping[str, Any]  # clusters columns → values (registration fields only)


@dataclass(frozen=True, slots=True)
class RemoveCluster:
    name: str


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    reachable: bool
    version: str | None
    latency_ms: float | None
    error: str | None
    at: float


@dataclass(frozen=True, slots=True)
class Replace:
    cluster: str
    kind: str
    rows: list[tuple[Any, ...]]  # UPSERT_OBJECT_SQL parameters, one per object
    resource_version: str | None
    at: float


@dataclass(frozen=True, slots=True)
class Upsert:
    cluster: str
    kind: str
    row: tuple[Any, ...]  # UPSERT_OBJECT_SQL parameters


@dataclass(frozen=True, slots=True)
class Delete:
    cluster: str
    kind: str
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class SyncState:
    cluster: str
    kind: str
    resource_version: str | None
    error: str | None
    at: float


@dataclass(frozen=True, slots=True)
class SetMeta:
    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class PutAlerts:
    """A source answered: the cluster's alerts become exactly `rows` (AlertRow.params)."""

    cluster: str
    rows: list[tuple[Any, ...]]
    at: float


@dataclass(frozen=True, slots=True)
class AlertSourceState:
    """A fetch of one alert source (a cluster's Prometheus, `@alertmanager`) worked or failed.
    A failure keeps the alerts already held: they show with their age, never vanish."""

    source: str
    error: str | None
    at: float


Op = (PutCluster | RemoveCluster | Probe | Replace | Upsert | Delete | SyncState | SetMeta | PutAlerts
      | AlertSourceState)


@dataclass
class Touched:
    """What a batch changed: whose roll-ups and health to recompute, what to publish."""

    rollup: set[str] = field(default_factory=set)
    # the clusters (a subset of `rollup`) whose pods or workloads changed
    workloads: set[str] = field(default_factory=set)
    health: set[str] = field(default_factory=set)
    changes: dict[Change, None] = field(default_factory=dict)

    def objects(self, cluster: str, kind: str) -> None:
        self.rollup.add(cluster)
        if kind in _JUDGED_KINDS:
            self.workloads.add(cluster)
        self.changes[Change(_topic(kind), cluster)] = None



def op_rows(op: Op) -> int:
    """How many rows an op writes, for the batch size."""
    if isinstance(op, Replace | PutAlerts):
        return max(1, len(op.rows))
    return 1


def _topic(kind: str) -> str:
    return "events" if kind == "Event" else "objects"


def runs(ops: list[Op]) -> Iterable[list[Op]]:
    """Consecutive ops of one type, in queue order. A (cluster, kind) listed twice ends a
    run of Replaces: the later list must win, and one run deletes before it inserts."""
    run: list[Op] = []
    lists: set[tuple[str, str]] = set()
    for op in ops:
        if run and (type(op) is not type(run[0])
                    or (isinstance(op, Replace) and (op.cluster, op.kind) in lists)):
            yield run
            run, lists = [], set()
        run.append(op)
        if isinstance(op, Replace):
            lists.add((op.cluster, op.kind))
    if run:
        yield run


# -- one handler per op type; each takes a run of its own type --

Conn = aiosqlite.Connection


async def _put_clusters(conn: Conn, ops: list[PutCluster], touched: Touched) -> None:
    for op in ops:
        fields = op.fields
        cols = ", ".join(("name", *fields))
        marks = ", ".join("?" for _ in range(len(fields) + 1))
        updates = ", ".join(f"{k}=excluded.{k}" for k in fields)
        await conn.execute(
            f"INSERT INTO clusters ({cols}) VALUES ({marks}) ON CONFLICT (name) DO UPDATE SET {updates}",
            (op.name, *fields.values()),
        )
        touched.changes[Change("clusters", op.name)] = None


async def _remove_clusters(conn: Conn, ops: list[RemoveCluster], touched: Touched) -> None:
    for op in ops:
        await conn.execute("DELETE FROM objects WHERE cluster=?", (op.name,))
        await conn.execute("DELETE FROM sync_state WHERE cluster=?", (op.name,))
        await conn.execute("DELETE FROM alerts WHERE cluster=?", (op.name,))
        await conn.execute("DELETE FROM alert_sources WHERE source=?", (op.name,))
        await conn.execute("DELETE FROM clusters WHERE name=?", (op.name,))
        touched.rollup.discard(op.name)
        touched.workloads.discard(op.name)
        touched.health.discard(op.name)
        touched.changes[Change("clusters", op.name)] = None


async def _probes(conn: Conn, ops: list[Probe], touched: Touched) -> None:
    for op in ops:
        if op.reachable:
            await conn.execute(
                "UPDATE clusters SET reachable=1, version=coalesce(?, version), latency_ms=?, last_seen=?,"
                " last_attempt=?, last_error=?, observed_at=? WHERE name=?",
                (op.version, op.latency_ms, op.at, op.at, op.error, op.at, op.name),
            )
        else:  # a failed probe keeps version and last_seen: the row shows what was last known
            await conn.execute(
                "UPDATE clusters SET reachable=0, latency_ms=NULL, last_attempt=?, last_error=? WHERE name=?",
                (op.at, op.error or "unreachable", op.name),
            )
        touched.health.add(op.name)
        touched.changes[Change("clusters", op.name)] = None


async def _replaces(conn: Conn, ops: list[Replace], touched: Touched) -> None:
    await conn.executemany("DELETE FROM objects WHERE cluster=? AND kind=?", [(o.cluster, o.kind) for o in ops])
    await conn.executemany(UPSERT_OBJECT_SQL, [row for o in ops for row in o.rows])
    await conn.executemany(
        "INSERT INTO sync_state (cluster, kind, resource_version, listed_at, updated_at, count, last_error)"
        " VALUES (?,?,?,?,?,?,NULL) ON CONFLICT (cluster, kind) DO UPDATE SET"
        " resource_version=excluded.resource_version, listed_at=excluded.listed_at,"
        " updated_at=excluded.updated_at, count=excluded.count, last_error=NULL",
        [(o.cluster, o.kind, o.resource_version, o.at, o.at, len(o.rows)) for o in ops],
    )
    for o in ops:
        touched.objects(o.cluster, o.kind)


async def _upserts(conn: Conn, ops: list[Upsert], touched: Touched) -> None:
    await conn.executemany(UPSERT_OBJECT_SQL, [o.row for o in ops])
    for o in ops:
        touched.objects(o.cluster, o.kind)


async def _deletes(conn: Conn, ops: list[Delete], touched: Touched) -> None:
    await conn.executemany(
        "DELETE FROM objects WHERE cluster=? AND kind=? AND namespace=? AND name=?",
        [(o.cluster, o.kind, o.namespace, o.name) for o in ops],
    )
    for o in ops:
        touched.objects(o.cluster, o.kind)


async def _sync_states(conn: Conn, ops: list[SyncState], touched: Touched) -> None:
    await conn.executemany(
        "INSERT INTO sync_state (cluster, kind, resource_version, updated_at, last_error)"
        " VALUES (?,?,?,?,?) ON CONFLICT (cluster, kind) DO UPDATE SET"
        " resource_version=coalesce(excluded.resource_version, resource_version),"
        " updated_at=excluded.updated_at, last_error=excluded.last_error",
        [(o.cluster, o.kind, o.resource_version, o.at, o.error) for o in ops],
    )


async def _set_meta(conn: Conn, ops: list[SetMeta], touched: Touched) -> None:
    await conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [(o.key, o.value) for o in ops])


async def _put_alerts(conn: Conn, ops: list[PutAlerts], touched: Touched) -> None:
    await conn.executemany("DELETE FROM alerts WHERE cluster=?", [(o.cluster,) for o in ops])
    await conn.executemany(
        "INSERT OR REPLACE INTO alerts (cluster, fingerprint, alertname, severity, state, labels, annotations,"
        " active_at, value, silenced_by, inhibited_by, observed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [row for o in ops for row in o.rows],
    )
    for o in ops:
        touched.changes[Change("alerts", o.cluster)] = None


async def _alert_sources(conn: Conn, ops: list[AlertSourceState], touched: Touched) -> None:
    await conn.executemany(
        "INSERT INTO alert_sources (source, fetched_at, attempted_at, error) VALUES (?,?,?,?)"
        " ON CONFLICT (source) DO UPDATE SET fetched_at=coalesce(excluded.fetched_at, fetched_at),"
        " attempted_at=excluded.attempted_at, error=excluded.error",
        [(o.source, None if o.error else o.at, o.at, o.error) for o in ops],
    )
    for o in ops:
        touched.changes[Change("alerts", None if o.source.startswith("@") else o.source)] = None


HANDLERS: dict[type, Callable[[Conn, Any, Touched], Awaitable[None]]] = {
    PutCluster: _put_clusters,
    RemoveCluster: _remove_clusters,
    Probe: _probes,
    Replace: _replaces,
    Upsert: _upserts,
    Delete: _deletes,
    SyncState: _sync_states,
    SetMeta: _set_meta,
    PutAlerts: _put_alerts,
    AlertSourceState: _alert_sources,
}
