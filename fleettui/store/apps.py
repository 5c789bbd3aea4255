"""The engine's tables (migration 0002): applications, revisions, placements,
resources with health, drift records and application events — and the
read-side queries the rollouts pane uses.

Writes happen in `store._transaction()` (raw SQL stays in this package) and publish topic `apps`; reads use the
reader connection, so a pane's query never waits behind the engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fleettui.store.db import scalar
from fleettui.store.store import Store

LOCAL_HUB = "local"
TOPIC = "apps"


@dataclass(frozen=True)
class AppRow:
    """One application in the apps list: phase, revision and workflow progress."""

    hub: str
    namespace: str
    name: str
    phase: str
    revision: str | None
    steps_done: int
    steps_total: int
    message: str | None
    clusters: int
    clusters_healthy: int
    deleting: bool
    updated_at: float
    # fleettui's own status sections, for the pane's short form: each Job's progress per
    # cluster (status.jobs) and the placement decisions (status.placementDecisions)
    jobs: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    decisions: dict[str, Any] = field(default_factory=dict, compare=False)
    long_running: bool = True  # places a workload that runs on (Deployment, ...), not only Jobs

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.hub, self.namespace, self.name)


@dataclass(frozen=True)
class AppClusterCell:
    """One cell of the apps x clusters matrix."""

    hub: str
    namespace: str
    app: str
    cluster: str
    health: str  # healthy | progressing | unhealthy | unknown
    resources: int
    resources_healthy: int
    placement_state: str | None  # pending | applied | failed | None (no placement row)
    message: str | None


@dataclass(frozen=True)
class ResourceRow:
    cluster: str
    api_version: str
    kind: str
    namespace: str
    name: str
    component: str
    revision: str
    healthy: bool | None
    message: str | None
    applied_at: float | None
    checked_at: float | None


@dataclass(frozen=True)
class PlacementRow:
    cluster: str
    revision: str
    step: str
    state: str
    message: str | None
    applied_at: float | None
    manifests: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[list[Any]] = field(default_factory=list)  # [path, before, after]


@dataclass(frozen=True)
class RevisionRow:
    revision: int
    name: str
    hash: str
    created_at: float
    succeeded: bool
    document: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DriftRow:
    at: float
    cluster: str
    kind: str
    namespace: str
    name: str
    paths: list[str]
    action: str
    message: str | None


@dataclass(frozen=True)
class AppEventRow:
    at: float
    type: str
    reason: str
    message: str
    cluster: str | None


@dataclass(frozen=True)
class AppRecord:
    """The full stored application (what the engine and the Hub read)."""

    hub: str
    namespace: str
    name: str
    document: dict[str, Any]
    generation: int
    status: dict[str, Any]
    phase: str
    deleting: bool
    next_wakeup: float | None
    lease_owner: str | None
    lease_expires: float | None
    created_at: float
    updated_at: float
    status_rv: int = 0  # compare-and-swap token for status writes


@dataclass(frozen=True)
class AppDetail:
    """Everything the application view shows: steps (in `app.status['workflow']`),
    placements with their override diffs, resources with health, revisions, events, drift."""

    app: AppRecord
    row: AppRow
    placements: list[PlacementRow]
    resources: list[ResourceRow]
    revisions: list[RevisionRow]
    events: list[AppEventRow]
    drift: list[DriftRow]

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list((self.app.status.get("workflow") or {}).get("steps") or [])


_APP_COLS = ("hub, namespace, name, document, generation, status, phase, deleting, next_wakeup,"
             " lease_owner, lease_expires, created_at, updated_at, status_rv")


def _record(r: tuple) -> AppRecord:
    return AppRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], json.loads(r[5] or "{}"), r[6],
                     bool(r[7]), r[8], r[9], r[10], r[11], r[12], r[13])


def _cell_health(total: int, healthy: int, unhealthy_known: int, state: str | None) -> str:
    if state == "failed":
        return "unhealthy"
    if total == 0:
        return "progressing" if state == "pending" else "unknown"
    if healthy == total:
        return "healthy"
    return "progressing" if unhealthy_known < total else "unhealthy"


class AppStore:
    """The engine tables of one hub ('local' or a hub context) in a `Store`."""

    def __init__(self, store: Store, hub: str = LOCAL_HUB) -> None:
        self.store = store
        self.hub = hub

    def _publish(self, cluster: str | None = None) -> None:
        self.store.publish(TOPIC, cluster)

    # -- applications --

    async def put_app(self, namespace: str, name: str, document: dict[str, Any], *, now: float) -> int:
        """Create or update the document; the generation goes up when it changed. Returns it."""
        doc = json.dumps(document, sort_keys=True)
        async with self.store._transaction() as db:
            cur = await db.execute("SELECT document, generation, deleting FROM applications"
                                   " WHERE hub = ? AND namespace = ? AND name = ?", (self.hub, namespace, name))
            row = await cur.fetchone()
            if row is None:
                gen = 1
                await db.execute(
                    "INSERT INTO applications (hub, namespace, name, document, generation, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, 1, ?, ?)", (self.hub, namespace, name, doc, now, now))
            else:
                gen = row[1] + (1 if row[0] != doc or row[2] else 0)
                await db.execute(
                    "UPDATE applications SET document = ?, generation = ?, deleting = 0, updated_at = ?,"
                    " status_rv = status_rv + 1"
                    " WHERE hub = ? AND namespace = ? AND name = ?", (doc, gen, now, self.hub, namespace, name))
        self._publish()
        return gen

    async def get_app(self, namespace: str, name: str) -> AppRecord | None:
        row = await self.store._fetchone(f"SELECT {_APP_COLS} FROM applications"
                                        " WHERE hub = ? AND namespace = ? AND name = ?", (self.hub, namespace, name))
        return _record(row) if row else None

    async def app_records(self) -> list[AppRecord]:
        rows = await self.store._fetchall(f"SELECT {_APP_COLS} FROM applications WHERE hub = ?"
                                         " ORDER BY namespace, name", (self.hub,))
        return [_record(r) for r in rows]

    async def save_status(self, namespace: str, name: str, status: dict[str, Any], *, now: float,
                          next_wakeup: float | None = None, expect_rv: int | None = None) -> int | None:
        """Write the status (and its denormalized columns); returns the new `status_rv`,
        or None when `expect_rv` no longer matches (someone else wrote meanwhile)."""
        wf = status.get("workflow") or {}
        steps = wf.get("steps") or []
        done = sum(1 for s in steps if s.get("phase") in ("succeeded", "skipped"))
        latest = (status.get("latestRevision") or {}).get("name")
        sql = ("UPDATE applications SET status = ?, phase = ?, revision = ?, steps_done = ?, steps_total = ?,"
               " message = ?, next_wakeup = ?, updated_at = ?, status_rv = status_rv + 1"
               " WHERE hub = ? AND namespace = ? AND name = ?")
        params: list[Any] = [json.dumps(status, sort_keys=True), status.get("status") or "starting", latest, done,
                             len(steps), wf.get("message") or None, next_wakeup, now, self.hub, namespace, name]
        if expect_rv is not None:
            sql += " AND status_rv = ?"
            params.append(expect_rv)
        async with self.store._transaction() as db:
            cur = await db.execute(sql, params)
            if cur.rowcount != 1:
                return None
            rv = await scalar(db, "SELECT status_rv FROM applications WHERE hub = ? AND namespace = ? AND name = ?",
                              (self.hub, namespace, name))
        self._publish()
        return int(rv)

    async def set_deleting(self, namespace: str, name: str, *, now: float) -> bool:
        async with self.store._transaction() as db:
            cur = await db.execute("UPDATE applications SET deleting = 1, phase = 'deleting', updated_at = ?, next_wakeup = NULL,"
                                   " status_rv = status_rv + 1"
                                   " WHERE hub = ? AND namespace = ? AND name = ?", (now, self.hub, namespace, name))
            ok = cur.rowcount == 1
        self._publish()
        return ok

    async def remove_app(self, namespace: str, name: str) -> None:
        """Forget the application and everything recorded about it."""
        async with self.store._transaction() as db:
            await db.execute("DELETE FROM applications WHERE hub = ? AND namespace = ? AND name = ?",
                             (self.hub, namespace, name))
            for table in ("app_revisions", "app_placements", "app_resources", "app_drift", "app_events"):
                await db.execute(f"DELETE FROM {table} WHERE hub = ? AND namespace = ? AND app = ?",
                                 (self.hub, namespace, name))
        self._publish()

    # -- leases: one process runs an application's workflow at a time --

    async def acquire_lease(self, namespace: str, name: str, owner: str, *, now: float, ttl: float,
                            steal_from: str | None = None) -> bool:
        """Take or renew the lease; `steal_from`: also from that holder (known to be dead),
        compare-and-swap so two processes that both saw it dead do not both win."""
        async with self.store._transaction() as db:
            cur = await db.execute(
                "UPDATE applications SET lease_owner = ?, lease_expires = ?"
                " WHERE hub = ? AND namespace = ? AND name = ?"
                " AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires < ? OR lease_owner = ?)",
                (owner, now + ttl, self.hub, namespace, name, owner, now, steal_from))
            return cur.rowcount == 1

    async def release_lease(self, namespace: str, name: str, owner: str) -> None:
        async with self.store._transaction() as db:
            await db.execute("UPDATE applications SET lease_owner = NULL, lease_expires = NULL"
                             " WHERE hub = ? AND namespace = ? AND name = ? AND lease_owner = ?",
                             (self.hub, namespace, name, owner))

    # -- revisions --

    async def add_revision(self, namespace: str, app: str, revision: int, name: str, hash_: str,
                           document: dict[str, Any], *, now: float) -> None:
        async with self.store._transaction() as db:
            await db.execute("INSERT OR REPLACE INTO app_revisions (hub, namespace, app, revision, name, hash,"
                             " document, created_at, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                             (self.hub, namespace, app, revision, name, hash_, json.dumps(document), now))
        self._publish()

    async def mark_revision_succeeded(self, namespace: str, app: str, revision: int) -> None:
        async with self.store._transaction() as db:
            await db.execute("UPDATE app_revisions SET succeeded = 1 WHERE hub = ? AND namespace = ?"
                             " AND app = ? AND revision = ?", (self.hub, namespace, app, revision))

    async def revisions(self, namespace: str, app: str) -> list[RevisionRow]:
        rows = await self.store._fetchall(
            "SELECT revision, name, hash, created_at, succeeded, document FROM app_revisions"
            " WHERE hub = ? AND namespace = ? AND app = ? ORDER BY revision", (self.hub, namespace, app))
        return [RevisionRow(r[0], r[1], r[2], r[3], bool(r[4]), json.loads(r[5])) for r in rows]

    # -- placements and resources --

    async def save_placement(self, namespace: str, app: str, cluster: str, *, revision: str, step: str,
                             manifests: list[dict[str, Any]], overrides: list[list[Any]], state: str,
                             message: str | None, now: float) -> None:
        async with self.store._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO app_placements (hub, namespace, app, cluster, revision, step, manifests,"
                " overrides, state, message, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.hub, namespace, app, cluster, revision, step, json.dumps(manifests), json.dumps(overrides),
                 state, message, now if state == "applied" else None))
        self._publish(cluster)

    async def delete_placement(self, namespace: str, app: str, cluster: str) -> None:
        async with self.store._transaction() as db:
            await db.execute("DELETE FROM app_placements WHERE hub = ? AND namespace = ? AND app = ? AND cluster = ?",
                             (self.hub, namespace, app, cluster))
        self._publish(cluster)

    async def placements(self, namespace: str, app: str, *, with_manifests: bool = True) -> list[PlacementRow]:
        rows = await self.store._fetchall(
            "SELECT cluster, revision, step, state, message, applied_at, manifests, overrides FROM app_placements"
            " WHERE hub = ? AND namespace = ? AND app = ? ORDER BY cluster", (self.hub, namespace, app))
        return [PlacementRow(r[0], r[1], r[2], r[3], r[4], r[5],
                             json.loads(r[6]) if with_manifests else [], json.loads(r[7])) for r in rows]

    async def record_resources(self, namespace: str, app: str, cluster: str, rows: list[dict[str, Any]],
                               *, now: float) -> None:
        """Upsert applied resources: dicts with api_version, kind, namespace, name, component, revision
        and — for an object a step applied by itself, not a placement — `object`, what it applied."""
        async with self.store._transaction() as db:
            await db.executemany(
                "INSERT INTO app_resources (hub, namespace, app, cluster, api_version, kind, res_namespace, name,"
                " component, revision, applied_at, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (hub, namespace, app, cluster, api_version, kind, res_namespace, name) DO UPDATE SET"
                " component = excluded.component, revision = excluded.revision, applied_at = excluded.applied_at,"
                " manifest = excluded.manifest",
                [(self.hub, namespace, app, cluster, r["api_version"], r["kind"], r["namespace"], r["name"],
                  r["component"], r["revision"], now, json.dumps(r["object"]) if r.get("object") else None)
                 for r in rows])
        self._publish(cluster)

    async def forget_resource(self, namespace: str, app: str, cluster: str, api_version: str, kind: str,
                              res_namespace: str, name: str) -> None:
        async with self.store._transaction() as db:
            await db.execute("DELETE FROM app_resources WHERE hub = ? AND namespace = ? AND app = ? AND cluster = ?"
                             " AND api_version = ? AND kind = ? AND res_namespace = ? AND name = ?",
                             (self.hub, namespace, app, cluster, api_version, kind, res_namespace, name))
        self._publish(cluster)

    async def set_health(self, namespace: str, app: str, rows: list[tuple[str, str, str, str, str, bool | None,
                                                                          str | None]], *, now: float) -> None:
        """rows: (cluster, api_version, kind, res_namespace, name, healthy, message)."""
        async with self.store._transaction() as db:
            await db.executemany(
                "UPDATE app_resources SET healthy = ?, message = ?, checked_at = ? WHERE hub = ? AND namespace = ?"
                " AND app = ? AND cluster = ? AND api_version = ? AND kind = ? AND res_namespace = ? AND name = ?",
                [(None if h is None else int(h), m, now, self.hub, namespace, app, c, av, k, rns, n)
                 for c, av, k, rns, n, h, m in rows])
        self._publish()

    async def resources(self, namespace: str, app: str, *, cluster: str | None = None) -> list[ResourceRow]:
        sql = ("SELECT cluster, api_version, kind, res_namespace, name, component, revision, healthy, message,"
               " applied_at, checked_at FROM app_resources WHERE hub = ? AND namespace = ? AND app = ?")
        params: list[Any] = [self.hub, namespace, app]
        if cluster is not None:
            sql += " AND cluster = ?"
            params.append(cluster)
        rows = await self.store._fetchall(sql + " ORDER BY cluster, component, kind, name", params)
        return [ResourceRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], None if r[7] is None else bool(r[7]),
                            r[8], r[9], r[10]) for r in rows]

    async def step_objects(self, namespace: str, app: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(cluster, revision, {"component", "object"}) of every object a step applied by itself."""
        rows = await self.store._fetchall(
            "SELECT cluster, revision, component, manifest FROM app_resources WHERE hub = ? AND namespace = ?"
            " AND app = ? AND manifest IS NOT NULL ORDER BY cluster, kind, res_namespace, name",
            (self.hub, namespace, app))
        return [(r[0], r[1], {"component": r[2], "object": json.loads(r[3])}) for r in rows]

    # -- drift and events --

    async def add_drift(self, namespace: str, app: str, cluster: str, kind: str, res_namespace: str, name: str,
                        paths: list[str], action: str, message: str | None, *, now: float) -> None:
        async with self.store._transaction() as db:
            await db.execute("INSERT INTO app_drift (hub, namespace, app, cluster, kind, res_namespace, name, paths,"
                             " action, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (self.hub, namespace, app, cluster, kind, res_namespace, name, json.dumps(paths),
                              action, message, now))
        self._publish(cluster)

    async def drift(self, namespace: str, app: str, *, limit: int = 100) -> list[DriftRow]:
        rows = await self.store._fetchall(
            "SELECT at, cluster, kind, res_namespace, name, paths, action, message FROM app_drift"
            " WHERE hub = ? AND namespace = ? AND app = ? ORDER BY at DESC, id DESC LIMIT ?",
            (self.hub, namespace, app, limit))
        return [DriftRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    async def add_event(self, namespace: str, app: str, reason: str, message: str, *, now: float,
                        type: str = "Normal", cluster: str | None = None) -> None:
        async with self.store._transaction() as db:
            await db.execute("INSERT INTO app_events (hub, namespace, app, at, type, reason, message, cluster)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (self.hub, namespace, app, now, type, reason, message, cluster))
        self._publish(cluster)

    async def events(self, namespace: str, app: str, *, limit: int = 100) -> list[AppEventRow]:
        rows = await self.store._fetchall(
            "SELECT at, type, reason, message, cluster FROM app_events WHERE hub = ? AND namespace = ? AND app = ?"
            " ORDER BY at DESC, id DESC LIMIT ?", (self.hub, namespace, app, limit))
        return [AppEventRow(*r) for r in rows]

    # -- the rollouts pane --

    async def apps(self, *, all_hubs: bool = False) -> list[AppRow]:
        """Applications with phase, revision and workflow progress, and how many clusters are healthy."""
        rows = await self.store._fetchall(
            "SELECT a.hub, a.namespace, a.name, a.phase, a.revision, a.steps_done, a.steps_total, a.message,"
            " a.deleting, a.updated_at,"
            " (SELECT count(DISTINCT cluster) FROM app_placements p WHERE p.hub = a.hub AND p.namespace = a.namespace"
            "   AND p.app = a.name),"
            " (SELECT count(*) FROM (SELECT cluster FROM app_resources r WHERE r.hub = a.hub"
            "   AND r.namespace = a.namespace AND r.app = a.name GROUP BY cluster"
            "   HAVING min(coalesce(r.healthy, 0)) = 1)),"
            " json_extract(a.status, '$.jobs'), json_extract(a.status, '$.placementDecisions'),"
            " EXISTS (SELECT 1 FROM app_resources r WHERE r.hub = a.hub AND r.namespace = a.namespace"
            "   AND r.app = a.name AND r.kind IN ('Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'CronJob'))"
            " FROM applications a" + ("" if all_hubs else " WHERE a.hub = ?") + " ORDER BY a.hub, a.namespace, a.name",
            () if all_hubs else (self.hub,))
        return [AppRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[10], r[11], bool(r[8]), r[9],
                       tuple(json.loads(r[12]) if r[12] else ()), json.loads(r[13]) if r[13] else {}, bool(r[14]))
                for r in rows]

    async def matrix(self, *, all_hubs: bool = False) -> list[AppClusterCell]:
        """Applications x clusters with health: one cell per (application, cluster) placed."""
        where = "" if all_hubs else " WHERE p.hub = ?"
        rows = await self.store._fetchall(
            "SELECT p.hub, p.namespace, p.app, p.cluster, p.state, p.message,"
            " count(r.name), coalesce(sum(r.healthy = 1), 0), coalesce(sum(r.healthy = 0), 0),"
            " group_concat(CASE WHEN r.healthy = 0 THEN r.kind || ' ' || r.name || ': ' || coalesce(r.message, '')"
            "   END, '; ')"
            " FROM app_placements p LEFT JOIN app_resources r ON r.hub = p.hub AND r.namespace = p.namespace"
            "   AND r.app = p.app AND r.cluster = p.cluster" + where +
            " GROUP BY p.hub, p.namespace, p.app, p.cluster ORDER BY p.hub, p.namespace, p.app, p.cluster",
            () if all_hubs else (self.hub,))
        return [AppClusterCell(r[0], r[1], r[2], r[3], _cell_health(r[6], r[7], r[8], r[4]), r[6], r[7], r[4],
                               r[5] or r[9]) for r in rows]

    async def detail(self, namespace: str, name: str) -> AppDetail | None:
        app = await self.get_app(namespace, name)
        if app is None:
            return None
        row = next((r for r in await self.apps() if r.namespace == namespace and r.name == name), None)
        assert row is not None
        return AppDetail(app, row, await self.placements(namespace, name), await self.resources(namespace, name),
                         await self.revisions(namespace, name), await self.events(namespace, name),
                         await self.drift(namespace, name))
