"""The local hub: Applications kept in the SQLite store, run by the engine inside the
fleettui process. Operations edit the stored status exactly as the vela CLI edits
an Application's status (see workflow.py), with compare-and-swap, so an engine
pass running in another process never overwrites them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fleettui.config import mode
from fleettui.engine import workflow
from fleettui.engine.engine import Engine
from fleettui.engine.errors import AppInvalid, NotFoundError, OperationRefused
from fleettui.engine.hub import ApplyResult, AppStatus, PlanEntry, ReadOnlyRefused, StatusRow
from fleettui.engine.model import Application
from fleettui.engine.placement import waves
from fleettui.engine.placement.room import load_nodes
from fleettui.engine.placement.schedule import schedule, step_policies
from fleettui.engine.placement.waves import plan_waves
from fleettui.engine.refs import resolve
from fleettui.engine.render import all_policies_of, placement_diff, render_step
from fleettui.engine.revisions import rollback_target
from fleettui.engine.validate import parse_application
from fleettui.store.apps import AppRow, AppStore


class LocalHub:
    name = "local"

    def __init__(self, records: AppStore, *, engine: Engine | None = None, read_only: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.records = records
        self.engine = engine
        self._read_only = read_only
        self.clock = clock

    @property
    def read_only(self) -> bool:
        """Built read-only, or in a read-only process (`--read-only`, `--watch`)."""
        return self._read_only or mode.current().read_only

    def _guard(self, what: str) -> None:
        # an early, friendly refusal (before planning contacts clusters); the store and
        # the kube guard refuse the writes themselves whatever this hub was built with
        policy = mode.current()
        if policy.read_only:
            raise ReadOnlyRefused(policy.refusal(what))
        if self._read_only:
            raise ReadOnlyRefused(f"read-only mode: refused to {what}")

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.fleet.close()

    # -- declaring --

    async def apply_external(self, obj: dict[str, Any]) -> str:
        """The local hub keeps no standalone Policy/Workflow: an application is stored with
        the ones it names written in (engine/external.py), from the same file."""
        raise OperationRefused(f"the local hub keeps no standalone {obj.get('kind')}: give it in the same "
                               "file as the Application that names it")

    async def plan(self, document: dict[str, Any]) -> tuple[Application, list[PlanEntry]]:
        """Validate and render every deploy step against the fleet (nothing is written)."""
        app = parse_application(document)
        if self.engine is None:
            return app, []
        ref_objects = await resolve(app, self.engine.ref_client)
        out: list[PlanEntry] = []
        steps = [s for top in app.workflow_steps() for s in (top, *top.sub_steps) if s.type == "deploy"]
        for step, policies in zip(steps, all_policies_of(app), strict=True):
            placements = render_step(app, policies, self.engine.fleet.members, revision="plan",
                                     ref_objects=ref_objects)
            why: dict[str, list[str]] = {}
            if step_policies(app, policies):
                candidates = [pl.cluster for pl in placements]
                nodes = await load_nodes(self.records.store, candidates)
                placements, decisions = schedule(app, policies, placements, nodes=nodes,
                                                 fleet=self.engine.fleet.members, revision="plan")
                for d in decisions.values():
                    for line in d["reasons"]:
                        why.setdefault(line.split(":", 1)[0], []).append(line.split(": ", 1)[1])
                placed = {pl.cluster for pl in placements}
                out += [PlanEntry(step.name, c, (), placement=tuple(why.get(c, ()))) for c in candidates
                        if c not in placed]
            if step.properties.get("batches"):
                labels = {m.name: m.labels for m in self.engine.fleet.members}
                plan = plan_waves([pl.cluster for pl in placements], labels, waves.parse(step.properties["batches"]))
                for i, wave in enumerate(plan):
                    for c in wave:
                        why.setdefault(c, []).append(f"wave {i + 1}/{len(plan)}")
                order = {c: i for i, c in enumerate(c for wave in plan for c in wave)}
                placements = sorted(placements, key=lambda pl: order[pl.cluster])
            for pl in placements:
                diffs = [f"{where}: {_short(x)} -> {_short(y)}"
                         for where, x, y in placement_diff(app, pl, revision="plan", ref_objects=ref_objects)]
                objects = tuple(f"{m.key[1]} {m.key[2] + '/' if m.key[2] else ''}{m.key[3]}" for m in pl.manifests)
                out.append(PlanEntry(step.name, pl.cluster, objects, tuple(diffs), tuple(why.get(pl.cluster, ()))))
        return app, out

    async def apply(self, document: dict[str, Any]) -> ApplyResult:
        self._guard("apply an application")
        app, plan = await self.plan(document)
        before = await self.records.get_app(app.namespace, app.name)
        gen = await self.records.put_app(app.namespace, app.name, app.document, now=self.clock())
        action = "created" if before is None else ("configured" if gen != before.generation else "unchanged")
        if action != "unchanged":
            await self.records.add_event(app.namespace, app.name, "Applied", f"application {action}", now=self.clock())
        return ApplyResult(app.namespace, app.name, action, tuple(plan))

    # -- reading --

    async def list(self) -> list[AppRow]:
        return await self.records.apps()

    async def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        rec = await self.records.get_app(namespace, name)
        if rec is None:
            return None
        return {**rec.document, "metadata": {**rec.document.get("metadata", {}), "generation": rec.generation},
                "status": rec.status}

    async def status(self, namespace: str, name: str) -> AppStatus:
        app = await self.get(namespace, name)
        if app is None:
            raise NotFoundError(f"application {namespace}/{name} not found on the local hub")
        placements = {p.cluster: p for p in await self.records.placements(namespace, name, with_manifests=False)}
        rows = [StatusRow(r.cluster, r.component, r.kind, r.namespace, r.name, r.healthy, r.message or "",
                          placements[r.cluster].state if r.cluster in placements else "")
                for r in await self.records.resources(namespace, name)]
        seen = {r.cluster for r in rows}
        rows += [StatusRow(c, "", "", "", "", False if p.state == "failed" else None, p.message or "", p.state)
                 for c, p in placements.items() if c not in seen]
        return AppStatus(app, tuple(sorted(rows, key=lambda r: (r.cluster, r.component, r.kind, r.name))))

    # -- workflow operations --

    async def _edit(self, namespace: str, name: str, edit: Callable[[dict[str, Any]], dict[str, Any] | None]) -> bool:
        for _ in range(5):
            rec = await self.records.get_app(namespace, name)
            if rec is None:
                raise NotFoundError(f"application {namespace}/{name} not found on the local hub")
            status = dict(rec.status)
            new = edit(status)
            if new is None:
                return False
            rv = await self.records.save_status(namespace, name, new, now=self.clock(),
                                                next_wakeup=rec.next_wakeup, expect_rv=rec.status_rv)
            if rv is not None:
                return True
        raise OperationRefused(f"application {namespace}/{name} keeps changing; try again")

    async def _op(self, namespace: str, name: str, op: str, fn: Callable[[dict[str, Any]], dict[str, Any] | None],
                  done: str) -> str:
        self._guard(f"{op} the workflow of {namespace}/{name}")

        def edit(status: dict[str, Any]) -> dict[str, Any] | None:
            wf = fn(status)
            if wf is None:
                return None
            status["workflow"] = wf
            status["status"] = workflow.app_phase(status, deleting=False, healthy=True) \
                if not wf.get("finished") else status.get("status", "running")
            return status

        if not await self._edit(namespace, name, edit):
            return f"workflow {name} is not suspended."
        await self.records.add_event(namespace, name, op.capitalize(), done, now=self.clock())
        return done

    async def resume(self, namespace: str, name: str, step: str | None = None) -> str:
        msg = f"Successfully resume workflow {name}" + (f" from step {step}" if step else "")
        return await self._op(namespace, name, "resume", lambda s: workflow.resume(s, step), msg)

    async def suspend(self, namespace: str, name: str, step: str | None = None) -> str:
        msg = f"Successfully suspend workflow {name}" + (f" from step {step}" if step else "")
        return await self._op(namespace, name, "suspend", lambda s: workflow.suspend(s, step), msg)

    async def terminate(self, namespace: str, name: str) -> str:
        return await self._op(namespace, name, "terminate", workflow.terminate,
                              f"Successfully terminate workflow {name}")

    async def skip_cluster(self, namespace: str, name: str, cluster: str) -> str:
        """Carry on without one cluster (e.g. down for longer than the retry window)."""
        self._guard(f"skip a cluster in the workflow of {namespace}/{name}")
        if self.engine is not None and cluster not in self.engine.fleet.names():
            raise NotFoundError(f"cluster {cluster} is not in the fleet (clusters: "
                                f"{', '.join(self.engine.fleet.names()) or 'none'})")

        def edit(status: dict[str, Any]) -> dict[str, Any] | None:
            wf = workflow.skip_cluster(status, cluster)
            if wf is None:
                return None
            status["workflow"] = wf
            return status

        if not await self._edit(namespace, name, edit):
            return f"cluster {cluster} is skipped already in workflow {name}"
        msg = (f"Successfully skip cluster {cluster} in workflow {name}: it keeps what it runs now; "
               f"`fleettui workflow restart {name} -n {namespace}` tries it again")
        await self.records.add_event(namespace, name, "SkipCluster", msg, now=self.clock(), cluster=cluster)
        return msg

    async def restart(self, namespace: str, name: str, step: str | None = None) -> str:
        self._guard(f"restart the workflow of {namespace}/{name}")
        rec = await self.records.get_app(namespace, name)
        if rec is None:
            raise NotFoundError(f"application {namespace}/{name} not found on the local hub")
        if not rec.status.get("workflow"):
            raise OperationRefused("the workflow in application is not running")
        if step is None:
            def edit(status: dict[str, Any]) -> dict[str, Any]:
                status.pop("workflow", None)  # vela: status.workflow = nil; the engine starts over
                status["status"] = "runningWorkflow"
                return status
        else:
            steps = parse_application(rec.document, default_namespace=namespace).workflow_steps()

            def edit(status: dict[str, Any]) -> dict[str, Any]:
                status["workflow"] = workflow.restart_from(status, steps, step)
                status["status"] = "runningWorkflow"
                return status
        await self._edit(namespace, name, edit)
        msg = f"Successfully restart workflow {name}" + (f" from step {step}" if step else "")
        await self.records.add_event(namespace, name, "Restart", msg, now=self.clock())
        return msg

    async def rollback(self, namespace: str, name: str, revision: str | int | None = None) -> str:
        self._guard(f"roll back {namespace}/{name}")
        rec = await self.records.get_app(namespace, name)
        if rec is None:
            raise NotFoundError(f"application {namespace}/{name} not found on the local hub")
        wf = rec.status.get("workflow") or {}
        if wf and not (wf.get("terminated") or wf.get("suspend") or wf.get("finished")) and revision is None:
            raise OperationRefused("can not rollback a running workflow (suspend or terminate it first, "
                                   "or name the --revision)")
        current = (rec.status.get("latestRevision") or {}).get("revision")
        try:
            document = await rollback_target(self.records, namespace, name, current, revision)
        except LookupError as exc:
            raise OperationRefused(str(exc)) from exc
        try:
            parse_application(document, default_namespace=namespace)
        except AppInvalid as exc:
            raise OperationRefused(f"revision cannot be rolled back to: {exc}") from exc
        await self.records.put_app(namespace, name, document, now=self.clock())
        rec2 = await self.records.get_app(namespace, name)
        assert rec2 is not None
        from fleettui.engine.model import spec_hash

        target = next(r for r in await self.records.revisions(namespace, name) if r.hash == spec_hash(document["spec"]))
        msg = f"Successfully rollback application {name} to revision {target.name}"
        await self.records.add_event(namespace, name, "Rollback", msg, now=self.clock())
        return msg

    async def delete(self, namespace: str, name: str) -> str:
        self._guard(f"delete {namespace}/{name}")
        if not await self.records.set_deleting(namespace, name, now=self.clock()):
            raise NotFoundError(f"application {namespace}/{name} not found on the local hub")
        await self.records.add_event(namespace, name, "Deleting", "deleting the application and its resources",
                                     now=self.clock())
        return f"application {namespace}/{name} deleting"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
