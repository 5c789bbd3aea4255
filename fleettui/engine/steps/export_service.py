"""The `export-service` step, after vela-templates/definitions/internal/workflowstep/
export-service.cue: make an address reachable by a Service name in every cluster a
topology policy selects.

KubeVela's step does not use the MCS API (ServiceExport/ServiceImport): it writes, to
each cluster of the topology, a selector-less ClusterIP Service `name` (default: the
application's name) in `namespace` (default: the application's) with one TCP port
`port` -> `targetPort`, and an Endpoints object of the same name holding `ip:targetPort`.
The cluster's EndpointSlice mirroring controller then publishes that address as an
EndpointSlice, so pods there reach `ip` (typically a Service or load balancer address in
another cluster) by the local DNS name. The step succeeds once every cluster has both
objects (op.#Apply waits for nothing more).

Differences, refused at validation with the field named: without `topology` KubeVela
writes to its own hub cluster, which the local hub does not have, so `topology` is
required; it must name a topology policy of the application. Both objects are recorded
with the revision as apply-object's are: a revision without the step collects them and
deleting the application deletes them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fleettui.engine.apply import apply_manifests
from fleettui.engine.errors import RenderError
from fleettui.engine.fleet import Fleet
from fleettui.engine.model import Application, Step
from fleettui.engine.render import (
    LABEL_COMPONENT,
    LABEL_NAME,
    LABEL_NAMESPACE,
    Manifest,
    topology_clusters,
)
from fleettui.engine.workflow import DeployOutcome
from fleettui.kube import errors
from fleettui.store.apps import AppStore

PROPERTIES = {"name", "namespace", "ip", "port", "targetPort", "topology"}
REQUIRED = ("ip", "port", "targetPort")


def problems(props: dict[str, Any], topology_policies: set[str]) -> list[tuple[str, str]]:
    """What the definition's parameter schema refuses, and a topology that is no topology policy."""
    out = []
    for key in ("port", "targetPort"):
        v = props.get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 65535):
            out.append((key, "must be a port number (1-65535)"))
    for key in ("ip", "name", "namespace", "topology"):
        if props.get(key) is not None and not isinstance(props[key], str):
            out.append((key, "must be a string"))
    topo = props.get("topology")
    if topo in (None, ""):
        out.append(("topology", "required: without it KubeVela exports to its own hub cluster, "
                                "which fleettui does not have (name a topology policy)"))
    elif isinstance(topo, str) and topo and topo not in topology_policies:
        out.append(("topology", f"no topology policy {topo!r} (topology policies: "
                                f"{', '.join(sorted(topology_policies)) or 'none'})"))
    return out


def objects(app: Application, props: dict[str, Any]) -> list[dict[str, Any]]:
    """The Service and its Endpoints, as the definition writes them."""
    meta = {"name": props.get("name") or app.name, "namespace": props.get("namespace") or app.namespace}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": dict(meta),
               "spec": {"type": "ClusterIP",
                        "ports": [{"protocol": "TCP", "port": props["port"], "targetPort": props["targetPort"]}]}}
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": dict(meta),
                 "subsets": [{"addresses": [{"ip": props["ip"]}], "ports": [{"port": props["targetPort"]}]}]}
    return [service, endpoints]


async def export_service(app: Application, step: Step, *, fleet: Fleet, records: AppStore, revision: str,
                         now: float) -> DeployOutcome:
    props = step.properties
    try:
        clusters, _ = topology_clusters(app, str(props["topology"]), fleet.members)
    except RenderError as exc:
        return DeployOutcome(failed=True, reason="Execute", message=str(exc))
    labels = {LABEL_NAME: app.name, LABEL_NAMESPACE: app.namespace, LABEL_COMPONENT: step.name}
    manifests = []
    for obj in objects(app, props):
        obj["metadata"]["labels"] = dict(labels)
        manifests.append(Manifest(step.name, obj))

    async def one(cluster: str) -> tuple[str, str | None, bool]:
        try:
            client = fleet.client(cluster)
        except errors.KubeError as exc:
            return cluster, str(exc), False
        known = frozenset((r.api_version, r.kind, r.namespace, r.name)
                          for r in await records.resources(app.namespace, app.name, cluster=cluster))
        result = await apply_manifests(client, manifests, app_namespace=app.namespace, app=app.name, known=known)
        if result.applied:
            await records.record_resources(app.namespace, app.name, cluster, [{
                "api_version": m.key[0], "kind": m.key[1], "namespace": m.key[2], "name": m.key[3],
                "component": step.name, "revision": revision} for m in result.applied], now=now)
        return cluster, result.error if not result.ok else None, result.transient

    results = await asyncio.gather(*(one(c) for c in clusters))
    failed = [(c, err) for c, err, transient in results if err and not transient]
    waiting = [(c, err) for c, err, transient in results if err and transient]
    if failed:
        return DeployOutcome(failed=True, reason="Execute",
                             message="; ".join(f"cluster {c}: {err}" for c, err in failed))
    if waiting:  # an unreachable cluster may come back: the step keeps trying, as a deploy does
        return DeployOutcome(message="; ".join(f"cluster {c}: {err}" for c, err in waiting))
    name, ns = manifests[0].key[3], manifests[0].key[2]
    return DeployOutcome(done=True, message=f"exported {props['ip']}:{props['targetPort']} as Service {ns}/{name} "
                                            f"port {props['port']} to {', '.join(clusters) or 'no cluster'}")
