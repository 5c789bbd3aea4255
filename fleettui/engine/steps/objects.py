"""Steps that act on single objects and applications:

- `apply-object` (`value`, `cluster`): server-side apply of one object to one member
  cluster, labelled as the application's, recorded with the current revision and the
  object itself — so a new revision without the step collects it, deleting the application
  deletes it and state keeping repairs its drift (KubeVela tracks it in the application's
  resource tracker the same way). KubeVela's empty `cluster` means its own hub cluster;
  fleettui has none there, so it is required.
- `depends-on-app` (`name`, `namespace`): waits until that application on the same hub
  is running. KubeVela creates a missing one from a ConfigMap of the same name; fleettui
  waits for it instead (and says so in the step's message).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from fleettui.engine.apply import TRANSIENT, apply_manifests, describe
from fleettui.engine.errors import RenderError
from fleettui.engine.fleet import Fleet
from fleettui.engine.model import Application, Step
from fleettui.engine.policies.resource_rules import ResourcePolicies
from fleettui.engine.render import (
    LABEL_COMPONENT,
    LABEL_NAME,
    LABEL_NAMESPACE,
    Manifest,
    render_component,
)
from fleettui.engine.resourcekeeper import ResourceKeeper
from fleettui.engine.workflow import DeployOutcome
from fleettui.kube import errors
from fleettui.store.apps import AppStore

PhaseOf = Callable[[str, str], Awaitable[str | None]]  # (namespace, name) -> status.status, None: no such app


def step_component(step: Step) -> str:
    """What app.oam.dev/component says on an object a step applied."""
    return step.name


async def apply_object(app: Application, step: Step, *, fleet: Fleet, records: AppStore, revision: str,
                       now: float) -> DeployOutcome:
    obj = copy.deepcopy(step.properties["value"])
    cluster = str(step.properties["cluster"])
    meta = obj.setdefault("metadata", {})
    meta.setdefault("labels", {}).update({LABEL_NAME: app.name, LABEL_NAMESPACE: app.namespace,
                                          LABEL_COMPONENT: step_component(step)})
    try:
        client = fleet.client(cluster)
        res = await client.resource(obj["apiVersion"], obj["kind"])
    except errors.KubeError as exc:
        if isinstance(exc, TRANSIENT):
            return DeployOutcome(message=f"cluster {cluster}: {describe(exc)}")
        return DeployOutcome(failed=True, reason="Execute", message=f"cluster {cluster}: {exc}")
    if res.namespaced and not meta.get("namespace"):
        # where the apply puts it, written down: tracking, collection and state keeping find it there
        meta["namespace"] = client.default_namespace
    m = Manifest(step_component(step), obj)
    known = frozenset((r.api_version, r.kind, r.namespace, r.name)
                      for r in await records.resources(app.namespace, app.name, cluster=cluster))
    result = await apply_manifests(client, [m], app_namespace=app.namespace, app=app.name, known=known,
                                   rules=ResourcePolicies.of(app))
    if not result.ok:
        if result.transient:  # the cluster may come back: the step keeps trying, as a deploy does
            return DeployOutcome(message=f"cluster {cluster}: {result.error}")
        return DeployOutcome(failed=True, reason="Execute", message=f"cluster {cluster}: {result.error}")
    api_version, kind, ns, name = m.key
    await records.record_resources(app.namespace, app.name, cluster, [{
        "api_version": api_version, "kind": kind, "namespace": ns, "name": name,
        "component": step_component(step), "revision": revision, "object": obj}], now=now)
    try:  # the object as the cluster has it: the step's `output.value`, as op.#Apply returns it
        live = await client.get(await client.resource(api_version, kind), name, namespace=ns or None)
    except errors.KubeError:
        live = obj
    return DeployOutcome(done=True, output=live,
                         message=f"applied {kind} {ns + '/' if ns else ''}{name} to cluster {cluster}")


async def depends_on_app(step: Step, *, namespace: str, phase_of: PhaseOf) -> DeployOutcome:
    ns = str(step.properties.get("namespace") or namespace)
    name = str(step.properties["name"])
    phase = await phase_of(ns, name)
    if phase is None:
        return DeployOutcome(message=f"waiting for application {ns}/{name}: not found on this hub "
                                     "(fleettui does not create it from a ConfigMap)")
    if phase == "running":
        return DeployOutcome(done=True, message=f"application {ns}/{name} is running")
    return DeployOutcome(message=f"waiting for application {ns}/{name} to be running (phase {phase or 'unknown'})")



async def apply_component(app: Application, step: Step, *, keeper: ResourceKeeper, revision: str,
                          ref_objects: dict[str, list[dict[str, Any]]]) -> DeployOutcome:
    """`apply-component` (`component`, `cluster`, `namespace`): one component, as declared
    (no override policy: KubeVela's step applies the component alone), to one cluster, then
    wait for its health like a deploy step. Its objects are tracked with the revision and
    kept as applied, as a deploy step's are: collected, deleted, and repaired by state
    keeping (they are not the cluster's placement, which a deploy step owns)."""
    name, cluster = str(step.properties["component"]), str(step.properties["cluster"])
    comp = next((c for c in app.components if c.name == name), None)
    if comp is None:
        return DeployOutcome(failed=True, reason="Execute", message=f"no component {name!r}")
    try:
        manifests = render_component(app, comp, cluster=cluster, namespace=step.properties.get("namespace") or None,
                                     revision=revision, ref_objects=ref_objects)
        client = keeper.fleet.client(cluster)
    except (RenderError, errors.KubeError) as exc:
        return DeployOutcome(failed=True, reason="Execute", message=str(exc))
    records = keeper.records
    known = frozenset((r.api_version, r.kind, r.namespace, r.name)
                      for r in await records.resources(app.namespace, app.name, cluster=cluster))
    try:  # apply-once (onUpdate): an object that exists keeps its live values at the allowed paths
        to_apply, kept = await keeper.apply_once_on_update(app, client, manifests, known)
    except errors.KubeError as exc:
        if isinstance(exc, TRANSIENT):
            return DeployOutcome(message=f"cluster {cluster}: {describe(exc)}")
        return DeployOutcome(failed=True, reason="Execute", message=f"cluster {cluster}: {describe(exc)}")
    result = await apply_manifests(client, to_apply, app_namespace=app.namespace, app=app.name, known=known,
                                   rules=ResourcePolicies.of(app))
    result.applied.extend(kept)  # left as they are on purpose, still ours
    if result.applied:
        await records.record_resources(app.namespace, app.name, cluster, [{
            "api_version": m.key[0], "kind": m.key[1], "namespace": m.key[2], "name": m.key[3],
            "component": m.component, "revision": revision, "object": m.object} for m in result.applied],
            now=keeper.clock())
    if not result.ok:
        if result.transient:
            return DeployOutcome(message=f"cluster {cluster}: {result.error}")
        return DeployOutcome(failed=True, reason="Execute", message=f"cluster {cluster}: {result.error}")
    unhealthy = [u for u in await keeper.refresh_health(app, clusters={cluster}, revision=revision)
                 if any(f" {m.key[3]}:" in u for m in manifests)]
    if unhealthy:
        return DeployOutcome(message="waiting for healthy: " + "; ".join(unhealthy[:5]))
    return DeployOutcome(done=True, message=f"component {name} applied to cluster {cluster} and healthy")
