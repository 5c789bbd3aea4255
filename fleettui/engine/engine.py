"""The engine: one reconcile pass of an application — revision, workflow (render ->
apply -> health per deploy step), status, garbage collection — plus the loops
that keep running workflows and keep state (drift repair).

The same engine runs inside fleettui for the local hub and headless as the
controller of a Kubernetes hub; only the `AppSource` differs. Everything it
learns goes into the store (`AppStore`): placements, resources with health,
drift, events — which is what the rollouts pane reads.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fleettui.engine import health as health_mod
from fleettui.engine import refs
from fleettui.engine.apply import ClusterResult, apply_manifests, delete_owned, describe
from fleettui.engine.drift import allowed_paths, keep_live
from fleettui.engine.errors import AppInvalid, RenderError
from fleettui.engine.fleet import Fleet
from fleettui.engine.model import Application, Step, parse, spec_hash
from fleettui.engine.render import Manifest, Placement, placement_diff, render_step
from fleettui.engine.revisions import ensure_revision
from fleettui.engine.source import AppSource, AppState
from fleettui.engine.workflow import DeployOutcome, WorkflowRunner, app_phase, new_workflow
from fleettui.kube import ClusterClient, errors
from fleettui.store.apps import AppStore

MAX_TRANSIENT_ATTEMPTS = 10


class _Conflict(Exception):
    """The application changed while we worked on it: start the pass over."""


@dataclass(frozen=True)
class PassResult:
    """After a pass: is the workflow waiting on nothing we can do (done, suspended,
    terminated, failed, deleted)? and when to look again (engine clock)."""

    settled: bool
    phase: str
    wakeup: float | None = None


@dataclass
class DriftReport:
    checked: int = 0
    drifted: int = 0
    repaired: int = 0
    allowed: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # cluster -> error
    observed: list[tuple[tuple[str, str], tuple[Any, ...]]] = field(default_factory=list)  # health seen


def _manifests_json(pl: Placement) -> list[dict[str, Any]]:
    return [{"component": m.component, "object": m.object} for m in pl.manifests]


class Engine:
    def __init__(self, source: AppSource, records: AppStore, fleet: Fleet, *,
                 clock: Callable[[], float] = time.time, concurrency: int = 16,
                 hub_client: ClusterClient | None = None, lease_ttl: float | None = None,
                 owner: str | None = None) -> None:
        self.source = source
        self.records = records
        self.fleet = fleet
        self.clock = clock
        self.concurrency = concurrency
        self.hub_client = hub_client  # ref-objects without `cluster` read from here
        self.lease_ttl = lease_ttl or float(os.environ.get("FLEETTUI_LEASE_TTL", "30"))
        self.owner = owner or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._attempts: dict[tuple[str, str, str, str], int] = {}
        self._allowed_seen: set[tuple[Any, ...]] = set()
        self._sem = asyncio.Semaphore(concurrency)

    # -- leases (local hub: one process runs an application at a time) --

    async def acquire(self, namespace: str, name: str) -> bool:
        if self.source.hub != "local":
            return True
        return await self.records.acquire_lease(namespace, name, self.owner, now=time.time(), ttl=self.lease_ttl)

    async def release(self, namespace: str, name: str) -> None:
        if self.source.hub == "local":
            await self.records.release_lease(namespace, name, self.owner)

    # -- one pass --

    async def reconcile(self, namespace: str, name: str) -> PassResult:
        for _ in range(5):
            try:
                return await self._reconcile(namespace, name)
            except _Conflict:
                continue
        return PassResult(False, "runningWorkflow")

    async def _reconcile(self, namespace: str, name: str) -> PassResult:
        state = await self.source.load(namespace, name)
        if state is None:
            return PassResult(True, "deleted")
        if state.deleting:
            return await self._delete(state)
        now = self.clock()
        status = copy.deepcopy(state.status)
        try:
            app = parse(state.document, default_namespace=namespace)
        except AppInvalid as exc:
            # stored by an older fleettui or edited on the hub: report, do nothing
            status["status"] = "workflowFailed"
            status.setdefault("workflow", {})["message"] = str(exc)
            await self.source.save_status(state, status, now=now, next_wakeup=None)
            return PassResult(True, "workflowFailed")
        latest, changed = await ensure_revision(self.records, app, status, now=now)
        if changed:
            status["latestRevision"] = latest
            status.pop("workflow", None)
            await self.records.add_event(namespace, name, "Revision", f"revision {latest['name']} created",
                                         now=now)
        if not status.get("workflow"):
            status["workflow"] = new_workflow(app.workflow_steps(), latest["name"], now)
        was_finished = bool(status["workflow"].get("finished"))
        current: dict[str, Any] = {"state": state, "saved": (state.status, state.next_wakeup)}

        async def persist() -> None:
            await self._fill_status(app, status, state.generation)
            if current["saved"] == (status, runner.wakeup):
                return  # nothing changed: no write (a controller would see its own writes as events)
            rv = await self.source.save_status(current["state"], status, now=self.clock(), next_wakeup=runner.wakeup)
            if rv is None:
                raise _Conflict()
            current["state"] = AppState(**{**current["state"].__dict__, "rv": rv})
            current["saved"] = (copy.deepcopy(status), runner.wakeup)

        ref_cache: dict[str, Any] = {}

        async def deploy(step: Step) -> DeployOutcome:
            return await self._deploy(app, latest["name"], step, ref_cache)

        runner = WorkflowRunner(status["workflow"], app.workflow_steps(), now=now, deploy=deploy, persist=persist)
        wakeup = await runner.run()
        wf = status["workflow"]
        if wf.get("finished"):
            if not was_finished:
                await self.records.mark_revision_succeeded(namespace, name, latest["revision"])
                await self.records.add_event(namespace, name, "WorkflowFinished",
                                             f"workflow of {latest['name']} finished", now=self.clock())
            await self._gc(app, latest["name"])
            await self._refresh_health(app, revision=latest["name"])
            await persist()
        settled = bool(wf.get("finished") or wf.get("terminated") or wf.get("suspend"))
        return PassResult(settled, status.get("status", ""), wakeup)

    async def _fill_status(self, app: Application, status: dict[str, Any], generation: int) -> None:
        """status.services / appliedResources / status from what the store knows."""
        latest = (status.get("latestRevision") or {}).get("name")
        # what the current revision placed; objects of older revisions await garbage collection
        rows = [r for r in await self.records.resources(app.namespace, app.name) if r.revision == latest]
        services: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            svc = services.setdefault((r.component, r.cluster), {
                "name": r.component, "namespace": r.namespace or app.namespace, "cluster": r.cluster,
                "healthy": True, "message": "",
                "workloadDefinition": {"apiVersion": r.api_version, "kind": r.kind},
            })
            if r.healthy is not True:
                svc["healthy"] = False
                note = f"{r.kind} {r.name}: {r.message or 'health unknown'}"
                svc["message"] = f"{svc['message']}; {note}" if svc["message"] else note
            elif not svc["message"] and r.message:
                svc["message"] = r.message
        status["services"] = list(services.values())
        status["appliedResources"] = [
            {"cluster": r.cluster, "creator": "workflow", "namespace": r.namespace, "name": r.name,
             "kind": r.kind, "apiVersion": r.api_version} for r in rows]
        status["observedGeneration"] = generation
        healthy = all(s["healthy"] for s in services.values())
        status["status"] = app_phase(status, deleting=False, healthy=healthy)

    # -- deploy step --

    async def _deploy(self, app: Application, revision: str, step: Step, ref_cache: dict[str, Any]) -> DeployOutcome:
        ns, name = app.namespace, app.name
        policies = list(step.properties.get("policies") or [])
        try:
            if "refs" not in ref_cache:
                ref_cache["refs"] = await refs.resolve(app, self._ref_client)
            placements = render_step(app, policies, self.fleet.members, revision=revision,
                                     ref_objects=ref_cache["refs"])
        except RenderError as exc:
            await self.records.add_event(ns, name, "RenderFailed", str(exc), type="Warning", now=self.clock(),
                                         cluster=exc.cluster)
            return DeployOutcome(failed=True, message=str(exc), reason="Render")
        existing = {p.cluster: p for p in await self.records.placements(ns, name)}
        todo = []
        for pl in placements:
            ex = existing.get(pl.cluster)
            if ex and ex.state == "applied" and ex.revision == revision and ex.manifests == _manifests_json(pl):
                continue  # applied before (maybe by a process that died since): do not re-apply
            todo.append(pl)
        results = await asyncio.gather(*(self._apply_placement(app, revision, step, pl, ref_cache['refs'])
                                         for pl in todo))
        failed, retrying, exhausted = [], [], False
        for r in results:
            if r.ok:
                continue
            key = (ns, name, step.name, r.cluster)
            if r.transient:
                self._attempts[key] = self._attempts.get(key, 0) + 1
                if self._attempts[key] >= MAX_TRANSIENT_ATTEMPTS:
                    exhausted = True
                    failed.append(f"cluster {r.cluster}: {r.error}")
                else:
                    retrying.append(f"cluster {r.cluster}: {r.error} (retrying, attempt {self._attempts[key]})")
            else:
                failed.append(f"cluster {r.cluster}: {r.error}")
        if failed:
            return DeployOutcome(failed=True, message=f"application {ns}/{name}: " + "; ".join(failed),
                                 reason="FailedAfterRetries" if exhausted else "Execute")
        if retrying:
            return DeployOutcome(message=f"application {ns}/{name}: " + "; ".join(retrying))
        for pl in placements:
            self._attempts.pop((ns, name, step.name, pl.cluster), None)
        unhealthy = await self._refresh_health(app, clusters={p.cluster for p in placements},
                                               revision=revision)
        if unhealthy:
            return DeployOutcome(message="waiting for healthy: " + "; ".join(unhealthy[:5])
                                 + (f" (+{len(unhealthy) - 5} more)" if len(unhealthy) > 5 else ""))
        return DeployOutcome(done=True)

    async def _apply_placement(self, app: Application, revision: str, step: Step, pl: Placement,
                               ref_objects: dict[str, Any]) -> ClusterResult:
        ns, name, now = app.namespace, app.name, self.clock
        overrides = placement_diff(app, pl, revision=revision, ref_objects=ref_objects)
        manifests = _manifests_json(pl)
        parallelism = int(step.properties.get("parallelism", 5))
        async with self._sem:
            try:
                client = self.fleet.client(pl.cluster)
                known = frozenset((r.api_version, r.kind, r.namespace, r.name)
                                  for r in await self.records.resources(ns, name, cluster=pl.cluster))
                to_apply, kept = await self._apply_once_on_update(app, client, list(pl.manifests), known)
                result = await apply_manifests(client, to_apply, parallelism=parallelism,
                                               app_namespace=ns, app=name, known=known)
                result.applied.extend(kept)  # left as they are on purpose, still ours
            except errors.KubeError as exc:
                result = ClusterResult(pl.cluster, error=describe(exc), transient=True)
        if result.applied:
            await self.records.record_resources(ns, name, pl.cluster, [_resource_row(m, revision) for m in result.applied],
                                                now=now())
        if result.ok:
            state, message = "applied", f"applied {len(result.applied)} object(s)"
        else:
            state = "pending" if result.transient else "failed"
            message = f"applied {len(result.applied)} of {len(pl.manifests)}; {result.error}"
            await self.records.add_event(ns, name, "ApplyFailed", f"cluster {pl.cluster}: {message}",
                                         type="Warning", now=now(), cluster=pl.cluster)
        await self.records.save_placement(ns, name, pl.cluster, revision=revision, step=step.name,
                                          manifests=manifests, overrides=overrides, state=state,
                                          message=message, now=now())
        return result

    async def _apply_once_on_update(self, app: Application, client: ClusterClient, manifests: list[Manifest],
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

    # -- health --

    async def _refresh_health(self, app: Application, *, clusters: set[str] | None = None,
                              revision: str | None = None) -> list[str]:
        """Read every resource of the app (on `clusters`), store its health; the unhealthy ones."""
        rows = [r for r in await self.records.resources(app.namespace, app.name)
                if (clusters is None or r.cluster in clusters) and (revision is None or r.revision == revision)]
        by_cluster: dict[str, list[Any]] = {}
        for r in rows:
            by_cluster.setdefault(r.cluster, []).append(r)
        updates: list[tuple[str, str, str, str, str, bool | None, str | None]] = []

        async def check(cluster: str, items: list[Any]) -> None:
            async with self._sem:
                try:
                    client = self.fleet.client(cluster)
                    for r in items:
                        res = await client.resource(r.api_version, r.kind)
                        live = await client.get(res, r.name, namespace=r.namespace or None)
                        eps = None
                        if r.kind == "Service" and live is not None:
                            ep_res = await client.resource("v1", "Endpoints")
                            eps = await client.get(ep_res, r.name, namespace=r.namespace)
                        ok, msg = health_mod.judge(live, endpoints=eps)
                        updates.append((cluster, r.api_version, r.kind, r.namespace, r.name, ok, msg))
                except errors.KubeError as exc:
                    for r in items:
                        updates.append((cluster, r.api_version, r.kind, r.namespace, r.name, None,
                                        f"cluster unreachable: {describe(exc)}"))

        await asyncio.gather(*(check(c, items) for c, items in by_cluster.items()))
        await self.records.set_health(app.namespace, app.name, updates, now=self.clock())
        return [f"{c}/{k} {n}: {m or 'unknown'}" for c, _, k, _, n, ok, m in sorted(updates) if ok is not True]

    # -- garbage collection --

    async def _gc(self, app: Application, revision: str) -> None:
        """Delete what the current revision no longer places (older revisions' objects,
        clusters the topology dropped). Only objects still labelled as ours."""
        stale = [r for r in await self.records.resources(app.namespace, app.name) if r.revision != revision]
        for r in stale:
            try:
                await delete_owned(self.fleet.client(r.cluster), r.api_version, r.kind, r.namespace, r.name,
                                   app_namespace=app.namespace, app=app.name)
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
            if p.revision != revision and p.cluster not in remaining:
                await self.records.delete_placement(app.namespace, app.name, p.cluster)

    async def _delete(self, state: AppState) -> PassResult:
        ns, name = state.namespace, state.name
        left = 0
        for r in await self.records.resources(ns, name):
            try:
                await delete_owned(self.fleet.client(r.cluster), r.api_version, r.kind, r.namespace, r.name,
                                   app_namespace=ns, app=name)
                await self.records.forget_resource(ns, name, r.cluster, r.api_version, r.kind, r.namespace, r.name)
            except errors.KubeError as exc:
                left += 1
                await self.records.add_event(ns, name, "DeleteFailed", f"cluster {r.cluster}: {describe(exc)}",
                                             type="Warning", now=self.clock(), cluster=r.cluster)
        if left:
            status = copy.deepcopy(state.status)
            status["status"] = "deleting"
            status.setdefault("workflow", {})["message"] = f"{left} object(s) could not be deleted yet; retrying"
            await self.source.save_status(state, status, now=self.clock(), next_wakeup=None)
            return PassResult(False, "deleting")
        await self.source.finalize_delete(state)
        await self.records.remove_app(ns, name)
        return PassResult(True, "deleted")

    def _ref_client(self, cluster: str | None) -> ClusterClient | None:
        if cluster is None:
            return self.hub_client
        return self.fleet.client(cluster)

    # -- loops --

    async def run_until_settled(self, namespace: str, name: str, *, poll: float = 1.0,
                                max_seconds: float | None = None,
                                sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> PassResult | None:
        """Run the workflow until it is done, suspended, terminated or failed (None: another
        process holds the application's lease and runs it)."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        try:
            while True:
                if not await self.acquire(namespace, name):
                    return None
                result = await self.reconcile(namespace, name)
                if result.settled or (deadline is not None and time.monotonic() > deadline):
                    return result
                await sleep(poll)
        finally:
            await self.release(namespace, name)

    async def run_pending(self) -> dict[tuple[str, str], PassResult]:
        """One pass over every application that has work to do (any process can pick
        up what a previous one left: an unfinished workflow, an elapsed suspend duration)."""
        out = {}
        for ns, name in await self.source.keys():
            state = await self.source.load(ns, name)
            if state is None or not _has_work(state, self.clock()):
                continue
            if not await self.acquire(ns, name):
                continue
            try:
                out[(ns, name)] = await self.reconcile(ns, name)
            finally:
                await self.release(ns, name)
        return out

    async def run(self, *, poll: float = 2.0, keep_state_every: float = 60.0,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Forever: advance workflows; every `keep_state_every` seconds, repair drift."""
        last_keep = 0.0
        while True:
            await self.run_pending()
            if time.monotonic() - last_keep >= keep_state_every:
                last_keep = time.monotonic()
                await self.keep_state()
            await sleep(poll)

    # -- state keeping --

    async def keep_state(self) -> DriftReport:
        """Compare every applied placement of finished applications with the live objects
        (one LIST per cluster and kind), repair drift and record it."""
        from fleettui.engine.drift_check import check_fleet

        return await check_fleet(self)


def _has_work(state: AppState, now: float) -> bool:
    if state.deleting:
        return True
    wf = state.status.get("workflow")
    latest = (state.status.get("latestRevision") or {}).get("revisionHash")
    if not wf or latest != spec_hash(state.document.get("spec") or {}):
        return True
    if wf.get("terminated") or wf.get("finished"):
        return False
    if wf.get("suspend"):
        return state.next_wakeup is not None and state.next_wakeup <= now
    return True


def _resource_row(m: Manifest, revision: str) -> dict[str, Any]:
    api_version, kind, ns, name = m.key
    return {"api_version": api_version, "kind": kind, "namespace": ns, "name": name, "component": m.component,
            "revision": revision}
