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
    # registrations come in runs with the same fields (a sync registers its whole fleet
    # at once): one executemany per run of one shape, in queue order
    i = 0
    while i < len(ops):
        keys = tuple(ops[i].fields)
        j = i
        while j < len(ops) and tuple(ops[j].fields) == keys:
            j += 1
        cols = ", ".join(("name", *keys))
        marks = ", ".join("?" for _ in range(len(keys) + 1))
        updates = ", ".join(f"{k}=excluded.{k}" for k in keys)
        await conn.executemany(
            f"INSERT INTO clusters ({cols}) VALUES ({marks}) ON CONFLICT (name) DO UPDATE SET {updates}",
            [(op.name, *(op.fields[k] for k in keys)) for op in ops[i:j]],
        )
        for op in ops[i:j]:
            touched.changes[Change("clusters", op.name)] = None
        i = j


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


# One statement for both outcomes, so a run of probes is one executemany in queue order
# (a thousand clusters' probes were a thousand round trips to aiosqlite's thread). A
# failed probe keeps version, last_seen and observed_at: the row shows what was last known.
_PROBE_SQL = (
    "UPDATE clusters SET reachable=:ok,"
    " version=CASE WHEN :ok THEN coalesce(:version, version) ELSE version END,"
    " latency_ms=CASE WHEN :ok THEN :latency ELSE NULL END,"
    " last_seen=CASE WHEN :ok THEN :at ELSE last_seen END,"
    " last_attempt=:at, last_error=:error,"
    " observed_at=CASE WHEN :ok THEN :at ELSE observed_at END WHERE name=:name"
)


async def _probes(conn: Conn, ops: list[Probe], touched: Touched) -> None:
    await conn.executemany(_PROBE_SQL, [
        {"ok": 1 if op.reachable else 0, "version": op.version, "latency": op.latency_ms, "at": op.at,
         "error": op.error if op.reachable else (op.error or "unreachable"), "name": op.name}
        for op in ops])
    for op in ops:
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
