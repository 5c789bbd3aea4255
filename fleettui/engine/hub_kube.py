"""The Kubernetes hub: Application CRs (`core.oam.dev/v1beta1`) on a hub context.

`KubeHub` is what the CLI and TUI use: it writes Applications (server-side
apply, field manager `fleettui`) and operates workflows exactly as the vela CLI
does — a merge patch of `status.workflow` on the status subresource — so the
same commands drive real KubeVela or our own controller (`controller.py`).
`KubeSource` is the engine's view of the same CRs, used by that controller.
"""

from __future__ import annotations

from typing import Any

from fleettui.config import mode
from fleettui.engine import external, workflow
from fleettui.engine.errors import AppInvalid, EngineError, NotFoundError, OperationRefused, Problem
from fleettui.engine.hub import ApplyResult, AppStatus, ReadOnlyRefused, StatusRow
from fleettui.engine.model import API_VERSION, Application
from fleettui.engine.placement import extensions
from fleettui.engine.source import AppState
from fleettui.engine.validate import parse_application
from fleettui.kube import ClusterClient, Resource, errors
from fleettui.store.apps import AppRow, AppStore

FINALIZER = "app.oam.dev/resource-tracker-finalizer"


_LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob")


def app_row(hub: str, obj: dict[str, Any]) -> AppRow:
    """An Application CR as a row of the apps list."""
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    wf = status.get("workflow") or {}
    steps = wf.get("steps") or []
    services = status.get("services") or []
    clusters: dict[str, bool] = {}
    for s in services:
        c = s.get("cluster") or "local"
        clusters[c] = clusters.get(c, True) and bool(s.get("healthy"))
    return AppRow(hub, meta.get("namespace", ""), meta.get("name", ""), status.get("status") or "starting",
                  (status.get("latestRevision") or {}).get("name"),
                  sum(1 for s in steps if s.get("phase") in ("succeeded", "skipped")), len(steps),
                  wf.get("message") or None, len(clusters), sum(clusters.values()),
                  bool(meta.get("deletionTimestamp")), 0.0, tuple(status.get("jobs") or ()),
                  dict(status.get("placementDecisions") or {}),
                  any(r.get("kind") in _LONG_RUNNING
                      for r in status.get("appliedResources") or []))


def status_rows(obj: dict[str, Any]) -> list[StatusRow]:
    """One row per applied resource (health from the service on its cluster)."""
    status = obj.get("status") or {}
    services = status.get("services") or []
    rows = []
    for r in status.get("appliedResources") or []:
        cluster = r.get("cluster") or "local"
        svc = next((s for s in services if (s.get("cluster") or "local") == cluster
                    and (s.get("workloadDefinition") or {}).get("kind") == r.get("kind")), None) \
            or next((s for s in services if (s.get("cluster") or "local") == cluster), None)
        rows.append(StatusRow(cluster, (svc or {}).get("name", ""), r.get("kind", ""), r.get("namespace", ""),
                              r.get("name", ""), (svc or {}).get("healthy"), (svc or {}).get("message", "")))
    if not rows:
        rows = [StatusRow(s.get("cluster") or "local", s.get("name", ""), "", s.get("namespace", ""), "",
                          s.get("healthy"), s.get("message", "")) for s in services]
    return rows


class KubeHub:
    def __init__(self, client: ClusterClient, *, read_only: bool = False, records: AppStore | None = None) -> None:
        self.client = client
        self.records = records  # the local controller's cache: its revisions, when the hub keeps none
        self.name = client.context
        self._read_only = read_only
        self._res: Resource | None = None

    @property
    def read_only(self) -> bool:
        """Built read-only, or its client is (which includes a read-only process)."""
        return self._read_only or self.client.read_only

    def _guard(self, what: str) -> None:
        policy = mode.current()
        if policy.read_only:
            raise ReadOnlyRefused(policy.refusal(what))
        if self.read_only:
            raise ReadOnlyRefused(f"read-only mode: refused to {what}")

    async def close(self) -> None:
        await self.client.close()

    async def res(self) -> Resource:
        if self._res is None:
            try:
                self._res = await self.client.resource(API_VERSION, "Application")
            except errors.UnknownResource as exc:
                raise EngineError(f"hub {self.name} does not serve KubeVela Applications ({exc}); "
                                  "is KubeVela installed there?") from exc
        return self._res

    async def _get(self, namespace: str, name: str) -> dict[str, Any]:
        obj = await self.client.get(await self.res(), name, namespace=namespace)
        if obj is None:
            raise NotFoundError(f"application {namespace}/{name} not found on hub {self.name}")
        return obj

    async def lookup_external(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """A standalone Policy/Workflow on the hub (None: not there, or the hub serves none)."""
        try:
            res = await self.client.resource(external.API_VERSION, kind)
        except errors.UnknownResource:
            return None
        return await self.client.get(res, name, namespace=namespace)

    async def apply_external(self, obj: dict[str, Any]) -> str:
        """Server-side apply of a standalone Policy/Workflow to the hub (KubeVela resolves it)."""
        self._guard(f"apply a {obj.get('kind')}")
        try:
            await self.client.apply(obj, field_manager="fleettui", force=True)
        except errors.UnknownResource as exc:
            raise EngineError(f"hub {self.name} does not serve {external.API_VERSION} {obj.get('kind')} "
                              f"({exc}); is KubeVela installed there?") from exc
        return f"{obj['kind'].lower()}.core.oam.dev/{obj['metadata']['name']}"

    async def _parse(self, document: dict[str, Any]) -> Application:
        """Validation with the Policy/Workflow objects the document names read from the hub
        (the Application is applied as written: the hub's KubeVela resolves them itself),
        and fleettui's own extensions refused: the hub may be run by a real KubeVela, which
        has no definitions for them (a late failure, or a field dropped)."""
        found = await external.fetch(document, self.lookup_external) if isinstance(document, dict) else {}
        app = parse_application(external.inline(document, found) if found else document)
        ours = extensions.fleettui_only(app)
        if ours:
            raise AppInvalid(f"{app.namespace}/{app.name}", [
                Problem(f, f"{m} that a KubeVela hub does not run; apply it to the local hub (without --hub)")
                for f, m in ours])
        return app

    async def plan(self, document: dict[str, Any]) -> tuple[Any, list[Any]]:
        """Validation only: the hub's controller decides the placements."""
        return await self._parse(document), []

    async def apply(self, document: dict[str, Any]) -> ApplyResult:
        self._guard("apply an application")
        app = await self._parse(document)
        before = await self.client.get(await self.res(), app.name, namespace=app.namespace)
        body = {**{k: v for k, v in app.document.items() if k != "status"},
                "spec": {k: v for k, v in document["spec"].items()}}  # workflow.ref kept for the hub
        after = await self.client.apply(body, field_manager="fleettui", force=True)
        if before is None:
            action = "created"
        else:
            changed = (after.get("metadata") or {}).get("generation") != (before.get("metadata") or {}).get("generation")
            action = "configured" if changed else "unchanged"
        return ApplyResult(app.namespace, app.name, action)

    async def list(self) -> list[AppRow]:
        items = (await self.client.list(await self.res())).items
        return sorted((app_row(self.name, o) for o in items), key=lambda r: (r.namespace, r.name))

    async def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        return await self.client.get(await self.res(), name, namespace=namespace)

    async def status(self, namespace: str, name: str) -> AppStatus:
        obj = await self._get(namespace, name)
        return AppStatus(obj, tuple(status_rows(obj)))

    async def _patch_workflow(self, namespace: str, name: str, wf: dict[str, Any], keys: tuple[str, ...]) -> None:
        """The merge patch vela sends: only the workflow fields the operation changed."""
        body = {"status": {"workflow": {k: wf[k] for k in keys if k in wf}}}
        await self.client.patch(await self.res(), name, body, namespace=namespace, patch_type="merge",
                                subresource="status")

    async def resume(self, namespace: str, name: str, step: str | None = None) -> str:
        self._guard(f"resume the workflow of {namespace}/{name}")
        obj = await self._get(namespace, name)
        wf = workflow.resume(obj.get("status") or {}, step)
        if wf is None:
            return f"workflow {name} is not suspended."
        await self._patch_workflow(namespace, name, wf, ("suspend", "steps"))
        return f"Successfully resume workflow {name}" + (f" from step {step}" if step else "")

    async def suspend(self, namespace: str, name: str, step: str | None = None) -> str:
        self._guard(f"suspend the workflow of {namespace}/{name}")
        obj = await self._get(namespace, name)
        wf = workflow.suspend(obj.get("status") or {}, step)
        await self._patch_workflow(namespace, name, wf, ("suspend", "steps"))
        return f"Successfully suspend workflow {name}" + (f" from step {step}" if step else "")

    async def terminate(self, namespace: str, name: str) -> str:
        self._guard(f"terminate the workflow of {namespace}/{name}")
        obj = await self._get(namespace, name)
        wf = workflow.terminate(obj.get("status") or {})
        await self._patch_workflow(namespace, name, wf, ("terminated", "suspend", "steps"))
        return f"Successfully terminate workflow {name}"

    async def skip_cluster(self, namespace: str, name: str, cluster: str) -> str:
        """fleettui's controller honours it; a real KubeVela ignores the field (use terminate)."""
        self._guard(f"skip a cluster in the workflow of {namespace}/{name}")
        obj = await self._get(namespace, name)
        wf = workflow.skip_cluster(obj.get("status") or {}, cluster)
        if wf is None:
            return f"cluster {cluster} is skipped already in workflow {name}"
        await self._patch_workflow(namespace, name, wf, (workflow.SKIPPED_CLUSTERS,))
        return f"Successfully skip cluster {cluster} in workflow {name}"

    async def restart(self, namespace: str, name: str, step: str | None = None) -> str:
        self._guard(f"restart the workflow of {namespace}/{name}")
        obj = await self._get(namespace, name)
        status = dict(obj.get("status") or {})
        if not status.get("workflow"):
            raise OperationRefused("the workflow in application is not running")
        if step is None:
            status.pop("workflow")  # vela: app.Status.Workflow = nil; Status().Update
        else:
            steps = (await self._parse(obj)).workflow_steps()
            status["workflow"] = workflow.restart_from(status, steps, step)
        await self.client.replace(await self.res(), {**obj, "status": status}, namespace=namespace,
                                  subresource="status")
        return f"Successfully restart workflow {name}" + (f" from step {step}" if step else "")

    async def rollback(self, namespace: str, name: str, revision: str | int | None = None) -> str:
        """vela's rollback: the spec of an ApplicationRevision becomes the Application's spec."""
        self._guard(f"roll back {namespace}/{name}")
        obj = await self._get(namespace, name)
        status = obj.get("status") or {}
        wf = status.get("workflow")
        if wf and not (wf.get("terminated") or wf.get("suspend") or wf.get("finished")) and revision is None:
            raise OperationRefused("can not rollback a running workflow")
        if revision is None:
            target = (status.get("latestRevision") or {}).get("name")
        else:
            text = str(revision)
            target = text if not text.isdigit() else f"{name}-v{text}"
        if not target:
            raise OperationRefused(f"the latest revision is not set: {name}")
        try:
            rev_res = await self.client.resource(API_VERSION, "ApplicationRevision")
        except errors.UnknownResource as exc:
            return await self._rollback_from_cache(obj, namespace, name, revision, exc)
        rev = await self.client.get(rev_res, target, namespace=namespace)
        if rev is None:
            raise OperationRefused(f"revision {target} of {namespace}/{name} not found on hub {self.name}")
        spec = (((rev.get("spec") or {}).get("application") or {}).get("spec"))
        if not spec:
            raise OperationRefused(f"revision {target} holds no application spec")
        await self.client.replace(await self.res(), {**obj, "spec": spec}, namespace=namespace)
        return f"Successfully rollback application {name} to revision {target}"

    async def _rollback_from_cache(self, obj: dict[str, Any], namespace: str, name: str,
                                   revision: str | int | None, cause: Exception) -> str:
        """Our controller keeps revisions in its cache (the hub serves no ApplicationRevision)."""
        from fleettui.engine.revisions import rollback_target

        if self.records is None or not await self.records.revisions(namespace, name):
            raise OperationRefused(f"hub {self.name} keeps no ApplicationRevisions and this cache has no "
                                   f"revisions of {namespace}/{name} (run rollback where its controller runs)") from cause
        current = ((obj.get("status") or {}).get("latestRevision") or {}).get("revision")
        try:
            document = await rollback_target(self.records, namespace, name, current, revision)
        except LookupError as exc:
            raise OperationRefused(str(exc)) from exc
        await self.client.replace(await self.res(), {**obj, "spec": document["spec"]}, namespace=namespace)
        return f"Successfully rollback application {name} to the spec of an earlier revision"

    async def delete(self, namespace: str, name: str) -> str:
        self._guard(f"delete {namespace}/{name}")
        gone = await self.client.delete(await self.res(), name, namespace=namespace)
        if gone is None:
            raise NotFoundError(f"application {namespace}/{name} not found on hub {self.name}")
        return f"application {namespace}/{name} deleting"


class KubeSource:
    """The engine's AppSource over Application CRs (used by `fleettui controller --hub`).
    Status writes replace the status subresource with the resourceVersion read, so a
    `vela workflow resume` written meanwhile makes ours fail (409) and we re-read."""

    def __init__(self, hub: KubeHub) -> None:
        self.kube = hub
        self.hub = hub.name
        self.own_rv: dict[tuple[str, str], str] = {}  # rvs we wrote: their watch events are ours
        self.wakeups: dict[tuple[str, str], float] = {}

    async def keys(self) -> list[tuple[str, str]]:
        items = (await self.kube.client.list(await self.kube.res())).items
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in items]

    async def load(self, namespace: str, name: str) -> AppState | None:
        obj = await self.kube.client.get(await self.kube.res(), name, namespace=namespace)
        if obj is None:
            return None
        meta = obj["metadata"]
        deleting = bool(meta.get("deletionTimestamp"))
        if not deleting and FINALIZER not in (meta.get("finalizers") or []):
            obj = await self.kube.client.patch(
                await self.kube.res(), name,
                {"metadata": {"finalizers": [*(meta.get("finalizers") or []), FINALIZER],
                              "resourceVersion": meta["resourceVersion"]}},
                namespace=namespace, patch_type="merge")
            meta = obj["metadata"]
            self.own_rv[(namespace, name)] = meta["resourceVersion"]
        document = {k: v for k, v in obj.items() if k != "status"}
        return AppState(namespace, name, document, obj.get("status") or {}, meta["resourceVersion"], deleting,
                        int(meta.get("generation") or 1), self.wakeups.get((namespace, name)))

    async def save_status(self, state: AppState, status: dict[str, Any], *, now: float,
                          next_wakeup: float | None) -> str | None:
        if next_wakeup is None:
            self.wakeups.pop((state.namespace, state.name), None)
        else:
            self.wakeups[(state.namespace, state.name)] = next_wakeup
        body = {**state.document, "metadata": {**state.document["metadata"], "resourceVersion": state.rv},
                "status": status}
        try:
            obj = await self.kube.client.replace(await self.kube.res(), body, namespace=state.namespace,
                                                 subresource="status")
        except (errors.Conflict, errors.NotFound):
            return None
        rv = obj["metadata"]["resourceVersion"]
        self.own_rv[(state.namespace, state.name)] = rv
        return rv

    async def finalize_delete(self, state: AppState) -> None:
        obj = await self.kube.client.get(await self.kube.res(), state.name, namespace=state.namespace)
        if obj is None:
            return
        finalizers = [f for f in obj["metadata"].get("finalizers") or [] if f != FINALIZER]
        await self.kube.client.patch(
            await self.kube.res(), state.name,
            {"metadata": {"finalizers": finalizers, "resourceVersion": obj["metadata"]["resourceVersion"]}},
            namespace=state.namespace, patch_type="merge")
        self.own_rv.pop((state.namespace, state.name), None)
        self.wakeups.pop((state.namespace, state.name), None)
