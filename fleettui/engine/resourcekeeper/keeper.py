"""`ResourceKeeper`: dispatch, delete, garbage collection and state keeping of the objects
an application places on member clusters, with what each did recorded in the store
(resources, placements, events, drift). See the package docstring for why one object."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from fleettui.engine.apply import ClusterResult, apply_manifests, delete_owned, describe
from fleettui.engine.drift_diff import allowed_paths, keep_live
from fleettui.engine.fleet import Fleet
from fleettui.engine.model import Application
from fleettui.engine.policies import garbage_collect
from fleettui.engine.policies.garbage_collect import (
    GCPolicy,  # the method garbage_collect hides the module in annotations
)
from fleettui.engine.policies.resource_rules import ResourcePolicies
from fleettui.engine.render import Manifest, Placement, placement_diff
from fleettui.engine.resourcekeeper.live_health import HealthUpdate, read_health
from fleettui.engine.resourcekeeper.statekeep import DriftReport, StateKeeper, StateTarget
from fleettui.kube import ClusterClient, errors
from fleettui.store.apps import AppStore, ResourceRow

SKIPPED = "skipped"  # placement state of a cluster the operator skipped (workflow skip-cluster)


def placement_manifests(pl: Placement) -> list[dict[str, Any]]:
    """A placement's manifests as the store keeps them (and compares them)."""
    return [{"component": m.component, "object": m.object} for m in pl.manifests]


class ResourceKeeper:
    def __init__(self, records: AppStore, fleet: Fleet, *, clock: Callable[[], float],
                 concurrency: int = 16) -> None:
        self.records = records
        self.fleet = fleet
        self.clock = clock
        self._sem = asyncio.Semaphore(concurrency)  # clusters worked on at once, over every operation
        self._state = StateKeeper(records, clock)
        # (namespace, app) -> (cluster, namespace, name) -> the last progress read of a Job
        self.jobs: dict[tuple[str, str], dict[tuple[str, str, str], dict[str, Any]]] = {}

    # -- dispatch --

    async def dispatch(self, app: Application, pl: Placement, *, revision: str, step: str,
                       ref_objects: Mapping[str, list[dict[str, Any]]], parallelism: int = 5) -> ClusterResult:
        """Apply one placement, record what was applied and the placement's state. A cluster
        that fails is a failed (or, when it may come back, pending) placement, never an
        exception."""
        ns, name, now = app.namespace, app.name, self.clock
        overrides = placement_diff(app, pl, revision=revision, ref_objects=ref_objects)
        async with self._sem:
            try:
                client = self.fleet.client(pl.cluster)
                known = frozenset((r.api_version, r.kind, r.namespace, r.name)
                                  for r in await self.records.resources(ns, name, cluster=pl.cluster))
                to_apply, kept = await self.apply_once_on_update(app, client, list(pl.manifests), known)
                result = await apply_manifests(client, to_apply, parallelism=parallelism,
                                               app_namespace=ns, app=name, known=known,
                                               rules=ResourcePolicies.of(app))
                result.applied.extend(kept)  # left as they are on purpose, still ours
            except errors.KubeError as exc:
                result = ClusterResult(pl.cluster, error=describe(exc), transient=True)
        if result.applied:
            await self.records.record_resources(ns, name, pl.cluster,
                                                [_resource_row(m, revision) for m in result.applied], now=now())
        if result.ok:
            state, message = "applied", f"applied {len(result.applied)} object(s)"
        else:
            state = "pending" if result.transient else "failed"
            message = f"applied {len(result.applied)} of {len(pl.manifests)}; {result.error}"
            await self.records.add_event(ns, name, "ApplyFailed", f"cluster {pl.cluster}: {message}",
                                         type="Warning", now=now(), cluster=pl.cluster)
        await self.records.save_placement(ns, name, pl.cluster, revision=revision, step=step,
                                          manifests=placement_manifests(pl), overrides=overrides, state=state,
                                          message=message, now=now())
        return result

    async def mark_skipped(self, app: Application, pl: Placement, *, revision: str, step: str) -> None:
        """The operator carries on without this cluster: it keeps whatever it runs now."""
        msg = "skipped by the operator (workflow skip-cluster): keeps what it had; workflow restart tries it again"
        await self.records.save_placement(app.namespace, app.name, pl.cluster, revision=revision, step=step,
                                          manifests=placement_manifests(pl), overrides=[], state=SKIPPED,
                                          message=msg, now=self.clock())
        await self.records.add_event(app.namespace, app.name, "ClusterSkipped", f"cluster {pl.cluster}: {msg}",
                                     type="Warning", now=self.clock(), cluster=pl.cluster)

    async def apply_once_on_update(self, app: Application, client: ClusterClient, manifests: list[Manifest],
                                    known: frozenset[tuple[str, str, str, str]]
                                    ) -> tuple[list[Manifest], list[Manifest]]:
        """apply-once (affect onUpdate or always): an object that exists keeps its live values
        at the allowed paths (`*`: it is not updated at all)."""
        if not any(p.type == "apply-once" for p in app.policies):
            return manifests, []
        out, kept = [], []
        for m in manifests:
            paths = allowed_paths(app, component=m.component, kind=m.key[1], name=m.key[3], affect="onUpdate")
            if not paths or m.key not in known:
                out.append(m)
                continue
            res = await client.resource(m.key[0], m.key[1])
            live = await client.get(res, m.key[3], namespace=m.key[2] or None)
            if live is None:
                out.append(m)
            elif "*" in paths:
                kept.append(m)
            else:
                out.append(Manifest(m.component, keep_live(m.object, live, paths)))
        return out, kept

    # -- health of what was placed --

    async def refresh_health(self, app: Application, *, clusters: set[str] | None = None,
                             revision: str | None = None) -> list[str]:
        """Read every resource of the app (on `clusters`), store its health; the unhealthy ones."""
        by_cluster: dict[str, list[ResourceRow]] = {}
        for r in await self.records.resources(app.namespace, app.name):
            if (clusters is None or r.cluster in clusters) and (revision is None or r.revision == revision):
                by_cluster.setdefault(r.cluster, []).append(r)
        updates: list[HealthUpdate] = []
        jobs: list[dict[str, Any]] = []
        types = {c.name: c.type for c in app.components}

        async def check(cluster: str, items: list[ResourceRow]) -> None:
            async with self._sem:
                try:
                    updates.extend(await read_health(self.fleet.client(cluster), cluster, items, types, jobs))
                except errors.KubeError as exc:
                    updates.extend((cluster, r.api_version, r.kind, r.namespace, r.name, None,
                                    f"cluster unreachable: {describe(exc)}") for r in items)

        await asyncio.gather(*(check(c, items) for c, items in by_cluster.items()))
        await self.records.set_health(app.namespace, app.name, updates, now=self.clock())
        if jobs:
            known = self.jobs.setdefault((app.namespace, app.name), {})
            known.update({(j["cluster"], j["namespace"], j["name"]): j for j in jobs})
        return [f"{c}/{k} {n}: {m or 'unknown'}" for c, _, k, _, n, ok, m in sorted(updates) if ok is not True]

    # -- garbage collection and delete --

    async def garbage_collect(self, app: Application, revision: str, *,
                              skipped: frozenset[str] = frozenset()) -> None:
        """Delete what the current revision no longer places (older revisions' objects,
        clusters the topology dropped). Only objects still labelled as ours. A cluster the
        operator skipped keeps what it runs: collecting its older revision would take the
        application away from it."""
        gc = garbage_collect.of(app)
        if gc.keep_legacy:
            return  # older revisions' objects stay until the application is deleted
        stale = [r for r in await self.records.resources(app.namespace, app.name)
                 if r.revision != revision and r.cluster not in skipped
                 and not (not gc.needs_live and gc.keep_on_update(kind=r.kind, name=r.name, component=r.component))]
        for r in stale:
            def keep(live: dict[str, Any], r: ResourceRow = r) -> bool:
                labels = (live.get("metadata") or {}).get("labels") or {}
                return gc.keep_on_update(kind=r.kind, name=r.name, component=r.component, labels=labels)

            try:
                deleted = await delete_owned(self.fleet.client(r.cluster), r.api_version, r.kind, r.namespace,
                                             r.name, app_namespace=app.namespace, app=app.name,
                                             keep=keep if gc.needs_live else None)
                if not deleted:
                    continue  # a rule keeps it across updates: still ours, deleted with the application
            except errors.KubeError as exc:
                await self.records.add_event(app.namespace, app.name, "GCFailed",
                                             f"cluster {r.cluster}: {r.kind} {r.name}: {describe(exc)}",
                                             type="Warning", now=self.clock(), cluster=r.cluster)
                continue
            await self.records.forget_resource(app.namespace, app.name, r.cluster, r.api_version, r.kind,
                                               r.namespace, r.name)
            await self.records.add_event(app.namespace, app.name, "GarbageCollected",
                                         f"cluster {r.cluster}: deleted {r.kind} {r.namespace}/{r.name}",
                                         now=self.clock(), cluster=r.cluster)
        remaining = {r.cluster for r in await self.records.resources(app.namespace, app.name)}
        for p in await self.records.placements(app.namespace, app.name, with_manifests=False):
            if p.revision != revision and p.cluster not in remaining and p.cluster not in skipped:
                await self.records.delete_placement(app.namespace, app.name, p.cluster)

    async def delete(self, namespace: str, name: str, *,
                     gc: GCPolicy | None = None) -> dict[str, str]:
        """Delete everything the application placed, cluster by cluster in parallel; the
        clusters that failed, with why. A cluster that fails is not asked again here (a
        down cluster would cost a timeout per object); what is left stays recorded."""
        policy = gc or garbage_collect.GCPolicy()
        by_cluster: dict[str, list[ResourceRow]] = {}
        for r in await self.records.resources(namespace, name):
            by_cluster.setdefault(r.cluster, []).append(r)
        failures: dict[str, str] = {}

        async def one_cluster(cluster: str, rows: list[ResourceRow]) -> None:
            async with self._sem:
                for r in rows:
                    def keep(live: dict[str, Any], r: ResourceRow = r) -> bool:
                        labels = (live.get("metadata") or {}).get("labels") or {}
                        return policy.keep_on_delete(kind=r.kind, name=r.name, component=r.component, labels=labels)

                    try:
                        # a `never` rule leaves the object in the cluster; it is forgotten all the same
                        await delete_owned(self.fleet.client(cluster), r.api_version, r.kind, r.namespace, r.name,
                                           app_namespace=namespace, app=name, keep=keep if policy.rules else None)
                    except errors.KubeError as exc:
                        failures[cluster] = describe(exc)
                        return
                    await self.records.forget_resource(namespace, name, cluster, r.api_version, r.kind,
                                                       r.namespace, r.name)

        await asyncio.gather(*(one_cluster(c, rows) for c, rows in by_cluster.items()))
        return failures

    async def objects_left(self, namespace: str, name: str) -> dict[str, int]:
        """cluster -> how many of the application's objects are still recorded there."""
        left: dict[str, int] = {}
        for r in await self.records.resources(namespace, name):
            left[r.cluster] = left.get(r.cluster, 0) + 1
        return left

    # -- state keeping --

    async def keep_state(self, targets: Mapping[str, list[StateTarget]]) -> DriftReport:
        """Check every cluster's targets (one LIST per kind), repair drift, store the health
        seen; `report.health_changed` names the applications whose status should follow."""
        report = DriftReport()

        async def check_cluster(cluster: str, items: list[StateTarget]) -> None:
            async with self._sem:
                try:
                    # inside the try: a cluster outside this session's fleet (--context) is
                    # that cluster's error, not the end of state keeping for everyone
                    client = self.fleet.client(cluster)
                    await self._state.check_cluster(client, cluster, items, report)
                except errors.KubeError as exc:
                    report.errors[cluster] = describe(exc)

        await asyncio.gather(*(check_cluster(c, items) for c, items in targets.items()))
        await self._state.store_health(report)
        return report


def _resource_row(m: Manifest, revision: str) -> dict[str, Any]:
    api_version, kind, ns, name = m.key
    return {"api_version": api_version, "kind": kind, "namespace": ns, "name": name, "component": m.component,
            "revision": revision}
