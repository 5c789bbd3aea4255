"""Export, unexport and import a Service across the clusterset (MCS API), for the CLI and the TUI.

ACK One's model: the export is created in the provider cluster, the import in each
consumer cluster; the MCS controller there does the rest. Every write goes through the
kube layer's client, so its read-only guard (the one choke point) refuses them in
read-only and watch mode before anything is sent. The preview is computed from the
cache (store/mcs.py), before any write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleettui.kube import errors
from fleettui.kube.client import ClusterClient
from fleettui.store.mcs import LocalExport, preview_export, preview_unexport
from fleettui.store.services import local_exports, local_service

if TYPE_CHECKING:
    from fleettui.store.store import Store

GROUP = "multicluster.x-k8s.io"
# v1alpha1 is what every MCS CRD release serves; v1beta1 only the newest
VERSIONS = (f"{GROUP}/v1alpha1", f"{GROUP}/v1beta1")
VERBS = ("export", "unexport", "import")


class ServiceActionError(Exception):
    """An action that cannot be done as asked (unknown cluster, nothing to import)."""


@dataclass(frozen=True)
class ServiceAction:
    verb: str  # export | unexport | import
    namespace: str
    name: str
    cluster: str  # export/unexport: the provider; import: the provider (exported there first if need be)
    to: tuple[str, ...] = ()  # import: the consumer clusters

    def __post_init__(self) -> None:
        if self.verb not in VERBS:
            raise ServiceActionError(f"unknown action {self.verb!r} (expected {', '.join(VERBS)})")
        if self.verb == "import" and not self.to:
            raise ServiceActionError("import needs the consumer clusters (--to C2,C3)")
        if self.cluster in self.to:
            raise ServiceActionError(f"{self.cluster} is the provider; a consumer must be another cluster")

    @property
    def title(self) -> str:
        where = f" from {self.cluster} into {', '.join(self.to)}" if self.verb == "import" else f" in {self.cluster}"
        return f"{self.verb} {self.namespace}/{self.name}{where}"


async def preview(store: Store, action: ServiceAction) -> list[str]:
    """What the action would do to the merged ServiceImport, as sentences (from the cache)."""
    current = await local_exports(store, action.namespace, action.name)
    exporting = {e.cluster for e in current}
    lines: list[str] = []
    if action.verb == "unexport":
        if action.cluster not in exporting:
            return [f"{action.cluster} does not export {action.namespace}/{action.name}: nothing to do"]
        return preview_unexport(current, action.cluster)
    if action.cluster not in exporting:
        svc = await local_service(store, action.cluster, action.namespace, action.name)
        new = LocalExport(action.cluster, float("inf"), svc)  # the youngest export: the others win
        lines += [f"export in {action.cluster}: {line}" for line in preview_export(current, new)]
    elif action.verb == "export":
        lines.append(f"{action.cluster} already exports it: no change")
    for consumer in action.to:
        lines.append(f"import into {consumer}: ServiceImport {action.namespace}/{action.name} "
                     f"({action.name}.{action.namespace}.svc.clusterset.local)")
    return lines


def manifest(kind: str, api_version: str, namespace: str, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind,
                           "metadata": {"name": name, "namespace": namespace}}
    if kind == "ServiceImport":
        # the controller fills ports, ips and the rest (ACK One); type is the user's
        obj["spec"] = {"type": "ClusterSetIP", "ports": []}
    return obj


async def _resource(client: ClusterClient, kind: str) -> tuple[Any, str]:
    for api_version in VERSIONS:
        try:
            return await client.resource(api_version, kind), api_version
        except errors.NotFound:
            continue
    raise ServiceActionError(f"{client.name} does not serve {kind} ({GROUP}): is an MCS implementation installed?")


async def execute(clients: dict[str, ClusterClient], action: ServiceAction) -> list[str]:
    """Do it; returns one sentence per write. Raises errors.ReadOnlyViolation from the guard."""
    done = []
    provider = clients[action.cluster]
    res, api_version = await _resource(provider, "ServiceExport")
    if action.verb == "unexport":
        gone = await provider.delete(res, action.name, namespace=action.namespace)
        done.append(f"ServiceExport {action.namespace}/{action.name} deleted in {action.cluster}" if gone is not None
                    else f"{action.cluster} had no ServiceExport {action.namespace}/{action.name}")
        return done
    existing = await provider.get(res, action.name, namespace=action.namespace)
    if existing is None:
        await provider.create(res, manifest("ServiceExport", api_version, action.namespace, action.name),
                              namespace=action.namespace, field_manager="fleettui")
        done.append(f"ServiceExport {action.namespace}/{action.name} created in {action.cluster}")
    for consumer in action.to:
        client = clients[consumer]
        ires, iversion = await _resource(client, "ServiceImport")
        if await client.get(ires, action.name, namespace=action.namespace) is not None:
            done.append(f"{consumer} already imports {action.namespace}/{action.name}")
            continue
        await client.create(ires, manifest("ServiceImport", iversion, action.namespace, action.name),
                            namespace=action.namespace, field_manager="fleettui")
        done.append(f"ServiceImport {action.namespace}/{action.name} created in {consumer}")
    return done
