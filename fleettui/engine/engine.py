"""The engine: one reconcile pass of an application — revision, workflow (deploy steps in
deploy.py), status, garbage collection, delete — plus the loops that keep running
workflows and keep state (drift repair). What touches member-cluster objects is the
resource keeper's (engine/resourcekeeper); the engine decides when, per application.

The same engine runs inside fleettui for the local hub and headless as the
controller of a Kubernetes hub; only the `AppSource` differs. Everything it
learns goes into the store (`AppStore`): placements, resources with health,
drift, events — which is what the rollouts pane reads.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fleettui.engine import app_controls, external, refs
from fleettui.engine.deploy import DeployStep, RefCache, RetryListener
from fleettui.engine.errors import AppInvalid
from fleettui.engine.fleet import Fleet
from fleettui.engine.lease import LeaseHeld, holder_is_dead, new_owner
from fleettui.engine.model import Application, Step, spec_hash
from fleettui.engine.policies import garbage_collect
from fleettui.engine.policies.resource_rules import ResourcePolicies
from fleettui.engine.render import Manifest
from fleettui.engine.resourcekeeper import DriftReport, ResourceKeeper, StateTarget
from fleettui.engine.retry import RetryPolicy
from fleettui.engine.revisions import ensure_revision
from fleettui.engine.source import AppSource, AppState
from fleettui.engine.steps import StepRunner
from fleettui.engine.validate import parse_application
from fleettui.engine.workflow import (
    REASON_WAVE_GATE,
    DeployOutcome,
    WorkflowRunner,
    app_phase,
    new_workflow,
    skipped_clusters,
)
from fleettui.kube import ClusterClient
from fleettui.kube import errors as kube_errors
from fleettui.store.apps import AppStore

log = logging.getLogger(__name__)

# A delete that could not reach a cluster tries again this much later (the dashboard's
# or the controller's engine loop; the command that asked returns at once).
DELETE_RETRY_SECONDS = 30.0


class _Conflict(Exception):
    """The application changed while we worked on it: start the pass over."""


@dataclass(frozen=True)
class PassResult:
    """After a pass: is the workflow waiting on nothing we can do (done, suspended,
    terminated, failed, deleted)? and when to look again (engine clock)."""

    settled: bool
    phase: str
    wakeup: float | None = None


class Engine:
    def __init__(self, source: AppSource, records: AppStore, fleet: Fleet, *,
                 clock: Callable[[], float] = time.time, concurrency: int = 16,
                 hub_client: ClusterClient | None = None, lease_ttl: float | None = None,
                 owner: str | None = None, retry: RetryPolicy | None = None,
                 on_retry: RetryListener | None = None) -> None:
        self.source = source
        self.records = records
        self.fleet = fleet
        self.clock = clock
        self.concurrency = concurrency
        self.hub_client = hub_client  # ref-objects without `cluster` read from here
        self.lease_ttl = lease_ttl or float(os.environ.get("FLEETTUI_LEASE_TTL", "30"))
        self.owner = owner or new_owner()
        self.keeper = ResourceKeeper(records, fleet, clock=clock, concurrency=concurrency)
        self.deploy_step = DeployStep(self.keeper, ref_client=self.ref_client, retry=retry or RetryPolicy(),
                                      on_retry=on_retry)

    @property
    def on_retry(self) -> RetryListener | None:
        """Told each retry of an unreachable cluster: (namespace, name, line). Settable after
        construction: a command installs its own once it knows it follows the workflow."""
        return self.deploy_step.on_retry

    @on_retry.setter
    def on_retry(self, listener: RetryListener | None) -> None:
        self.deploy_step.on_retry = listener

    def ref_client(self, cluster: str | None) -> ClusterClient | None:
        """The client ref-objects are read from: a member cluster, or (None) the hub."""
        if cluster is None:
            return self.hub_client
        return self.fleet.client(cluster)

    # -- leases (local hub: one process runs an application at a time) --

    async def acquire(self, namespace: str, name: str) -> bool:
        """Take (or renew) the application's lease; a dead holder's lease is taken over.
        False: a live process holds it, or the application is gone."""
        if self.source.hub != "local":
            return True
        if await self.records.acquire_lease(namespace, name, self.owner, now=time.time(), ttl=self.lease_ttl):
            return True
        rec = await self.records.get_app(namespace, name)
        if rec is None or not rec.lease_owner or not holder_is_dead(rec.lease_owner):
            return False
        log.info("application %s/%s: taking over the lease of %s (process gone)", namespace, name, rec.lease_owner)
        return await self.records.acquire_lease(namespace, name, self.owner, now=time.time(), ttl=self.lease_ttl,
                                                steal_from=rec.lease_owner)

    async def _acquire_or_wait(self, namespace: str, name: str, wait: float,
                               sleep: Callable[[float], Awaitable[None]]) -> bool:
        """Acquire, waiting up to `wait` s for a live holder (e.g. the dashboard's engine in
        the middle of one pass). False: the application is gone. Raises LeaseHeld."""
        deadline = time.monotonic() + wait
        while not await self.acquire(namespace, name):
            rec = await self.records.get_app(namespace, name)
            if rec is None:
                return False
            if time.monotonic() >= deadline:
                raise LeaseHeld(namespace, name, rec.lease_owner or "?")
            await sleep(0.5)
        return True

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
        now = self.clock()
        if state.deleting:
            if state.next_wakeup is not None and state.next_wakeup > now:
                return PassResult(True, "deleting", state.next_wakeup)  # a cluster failed just now: not yet
            return await self._delete(state)
        if app_controls.paused(state.document):
            return PassResult(True, state.status.get("status", ""))
        status = copy.deepcopy(state.status)
        try:
            app = await self._running_spec(state, status)
        except AppInvalid as exc:
            # stored by an older fleettui or edited on the hub: report, do nothing
            status["status"] = "workflowFailed"
            status.setdefault("workflow", {})["message"] = str(exc)
            await self.source.save_status(state, status, now=now, next_wakeup=None)
            return PassResult(True, "workflowFailed")
        latest, changed = await ensure_revision(self.records, app, status, now=now)
        version = app_controls.publish_version(state.document)
        if version is not None and (status.get("latestRevision") or {}).get("publishVersion") != version:
            changed = True  # a new publish runs the workflow again, even over the same spec
            latest = {**latest, "publishVersion": version}
        if changed:
            status["latestRevision"] = latest
            status.pop("workflow", None)
            await self.records.add_event(namespace, name, "Revision", f"revision {latest['name']} created",
                                         now=now)
        if not status.get("workflow"):
            status["workflow"] = new_workflow(app.workflow_steps(), latest["name"], now, mode=app.mode)
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

        ref_cache: RefCache = {}

        async def deploy(step: Step, started: float) -> DeployOutcome:
            st: dict[str, Any] = next((s for top in status["workflow"]["steps"] for s in (top, *(top.get("subSteps") or []))
                       if s.get("name") == step.name), {})
            decisions = dict(status.get("placementDecisions") or {})
            outcome = await self.deploy_step.run(app, step, revision=latest["name"], ref_cache=ref_cache,
                                                 started=started, skipped=skipped_clusters(status),
                                                 decisions=decisions,
                                                 gate_passed=st.get("reason") == REASON_WAVE_GATE)
            if decisions:  # fleettui's placement decisions, for the plan and the rollouts pane
                status["placementDecisions"] = decisions
            return outcome

        other_steps = StepRunner(app, self.records, revision=latest["name"], clock=self.clock,
                                 prometheus=self.fleet.prometheus, fleet=self.fleet, phase_of=self._phase_of,
                                 keeper=self.keeper, ref_objects=lambda: self._refs(app, ref_cache))
        runner = WorkflowRunner(status["workflow"], app.workflow_steps(), now=now, deploy=deploy, persist=persist,
                                run_step=other_steps, mode=app.mode)
        wakeup = await runner.run()
        wf = status["workflow"]
        if wf.get("finished"):
            if not was_finished:
                await self.records.mark_revision_succeeded(namespace, name, latest["revision"])
                await self.records.add_event(namespace, name, "WorkflowFinished",
                                             f"workflow of {latest['name']} finished", now=self.clock())
            await self.keeper.garbage_collect(app, latest["name"], skipped=skipped_clusters(status))
            await self.keeper.refresh_health(app, revision=latest["name"])
            await persist()
        settled = bool(wf.get("finished") or wf.get("terminated") or wf.get("suspend"))
        return PassResult(settled, status.get("status", ""), wakeup)

    async def _running_spec(self, state: AppState, status: dict[str, Any]) -> Application:
        """The application to run: the document, or — while its publishVersion is the one
        already running — the published revision's document (edits wait for a publish)."""
        if app_controls.pinned(state.document, status):
            latest = status.get("latestRevision") or {}
            revs = await self.records.revisions(state.namespace, state.name)
            published = next((r for r in revs if r.hash == latest.get("revisionHash")), None)
            if published is not None:
                return parse_application(published.document, default_namespace=state.namespace)
        return await self.parse(state.document, state.namespace)

    async def parse(self, document: dict[str, Any], namespace: str) -> Application:
        """Parse, with the standalone Policy/Workflow objects it names read from the hub
        cluster (a Kubernetes hub; the local hub stores documents with them written in)."""
        ref, policies = external.references(document)
        if (ref or policies) and self.hub_client is not None:
            found = await external.fetch(document, self._lookup_external, default_namespace=namespace)
            document = external.inline(document, found, default_namespace=namespace)
        return parse_application(document, default_namespace=namespace)

    async def _refs(self, app: Application, cache: RefCache) -> dict[str, list[dict[str, Any]]]:
        """The pass's ref-objects, fetched once (shared with its deploy steps)."""
        if "refs" not in cache:
            cache["refs"] = await refs.resolve(app, self.ref_client)
        return cache["refs"]

    async def _phase_of(self, namespace: str, name: str) -> str | None:
        """status.status of another application on this hub (depends-on-app), None: no such."""
        other = await self.source.load(namespace, name)
        return None if other is None else str(other.status.get("status") or "")

    async def _lookup_external(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        assert self.hub_client is not None
        try:
            res = await self.hub_client.resource(external.API_VERSION, kind)
        except kube_errors.UnknownResource:
            return None
        return await self.hub_client.get(res, name, namespace=namespace)

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
        placed = {(r.cluster, r.namespace, r.name) for r in rows if r.kind == "Job"}
        jobs = [j for key, j in sorted((self.keeper.jobs.get((app.namespace, app.name)) or {}).items())
                if key in placed]
        if jobs:  # fleettui's: each Job's progress per cluster, for `app status` and the rollouts pane
            status["jobs"] = jobs
        elif not placed:
            status.pop("jobs", None)
        healthy = all(s["healthy"] for s in services.values())
        status["status"] = app_phase(status, deleting=False, healthy=healthy)

    # -- delete --

    async def _delete(self, state: AppState) -> PassResult:
        """Delete what the application placed, cluster by cluster in parallel. A cluster
        that fails is not asked again in this pass (a down cluster would cost a timeout per
        object); what is left stays recorded, and the pass settles with a wakeup: garbage
        collection retries when it is due, so the caller is never held by one cluster."""
        ns, name = state.namespace, state.name
        try:
            gc = garbage_collect.of(parse_application(state.document, default_namespace=ns))
        except AppInvalid:
            gc = None  # an unreadable spec: delete everything, the default
        failures = await self.keeper.delete(ns, name, gc=gc)
        if not failures:
            await self.source.finalize_delete(state)
            await self.records.remove_app(ns, name)
            return PassResult(True, "deleted")
        left = await self.keeper.objects_left(ns, name)
        status = copy.deepcopy(state.status)
        message = "; ".join(f"cluster {c}: {left.get(c, 0)} object(s) left ({failures[c]})" for c in sorted(failures))
        wf = status.setdefault("workflow", {})
        if wf.get("message") != message:  # an event per change, not one per retry of a long outage
            for c in sorted(failures):
                await self.records.add_event(ns, name, "DeleteFailed", f"cluster {c}: {failures[c]}",
                                             type="Warning", now=self.clock(), cluster=c)
        status["status"] = "deleting"
        wf["message"] = message
        wakeup = self.clock() + DELETE_RETRY_SECONDS
        await self.source.save_status(state, status, now=self.clock(), next_wakeup=wakeup)
        return PassResult(True, "deleting", wakeup)

    # -- loops --

    async def run_until_settled(self, namespace: str, name: str, *, poll: float = 1.0,
                                max_seconds: float | None = None, lease_wait: float = 5.0,
                                sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> PassResult:
        """Run the workflow until it is done, suspended, terminated or failed — or waits on
        something only time can fix (a delete with a cluster unreachable). Raises LeaseHeld
        when another live process runs the application."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        try:
            while True:
                if not await self._acquire_or_wait(namespace, name, lease_wait, sleep):
                    return PassResult(True, "deleted")
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
            # one bad pass (a store hiccup, a bug on one application) must not stop
            # every other workflow: log it and go on with the next pass
            try:
                await self.run_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("engine: a pass over the pending applications failed")
            if time.monotonic() - last_keep >= keep_state_every:
                last_keep = time.monotonic()
                try:
                    await self.keep_state()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("engine: state keeping failed")
            await sleep(poll)

    # -- state keeping --

    async def keep_state(self) -> DriftReport:
        """Compare every applied placement of finished applications with the live objects
        (one LIST per cluster and kind), repair drift and record it; an application whose
        health changed gets a pass so its status follows."""
        report = await self.keeper.keep_state(await self._state_targets())
        for ns, name in report.health_changed:
            await self._pass_if_free(ns, name)
        return report

    async def _state_targets(self) -> dict[str, list[StateTarget]]:
        """cluster -> what to keep there: every applied placement of a finished application.
        A finished application with garbage left (a cluster was down at collection time)
        gets a pass first."""
        out: dict[str, list[StateTarget]] = {}
        for ns, name in await self.source.keys():
            state = await self.source.load(ns, name)
            if state is None or state.deleting or not (state.status.get("workflow") or {}).get("finished") \
                    or app_controls.paused(state.document):
                continue
            latest = (state.status.get("latestRevision") or {}).get("name")
            if any(r.revision != latest for r in await self.records.resources(ns, name)):
                await self._pass_if_free(ns, name)
            try:
                app = await self.parse(state.document, ns)
            except AppInvalid:
                continue
            rules = ResourcePolicies.of(app)
            seen: set[tuple[str, str, str, str, str]] = set()
            for p in await self.records.placements(ns, name):
                if p.state == "applied":
                    # read-only objects are never written (shared ones: state keeping asks who owns them)
                    for m in p.manifests:
                        if not rules.never_written(Manifest(m["component"], m["object"])):
                            out.setdefault(p.cluster, []).append((app, m))
                            seen.add((p.cluster, *Manifest(m["component"], m["object"]).key))
            # what apply-component / apply-object steps applied in this revision, kept the same way
            for cluster, revision, m in await self.records.step_objects(ns, name):
                key = (cluster, *Manifest(m["component"], m["object"]).key)
                if revision == latest and key not in seen \
                        and not rules.never_written(Manifest(m["component"], m["object"])):
                    seen.add(key)
                    out.setdefault(cluster, []).append((app, m))
        return out

    async def _pass_if_free(self, namespace: str, name: str) -> None:
        """A pass unless another live process runs the application (it will see the same)."""
        if await self.acquire(namespace, name):
            try:
                await self.reconcile(namespace, name)
            finally:
                await self.release(namespace, name)


def _has_work(state: AppState, now: float) -> bool:
    if state.deleting:
        return state.next_wakeup is None or state.next_wakeup <= now
    if app_controls.paused(state.document):
        return False
    wf = state.status.get("workflow")
    latest = (state.status.get("latestRevision") or {}).get("revisionHash")
    if not wf or (latest != spec_hash(state.document.get("spec") or {})
                  and not app_controls.pinned(state.document, state.status)):
        return True
    if wf.get("terminated") or wf.get("finished"):
        return False
    if wf.get("suspend"):
        return state.next_wakeup is not None and state.next_wakeup <= now
    return True
