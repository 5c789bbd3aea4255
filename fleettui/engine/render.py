"""Rendering: (application, deploy step policies, fleet) -> one placement per cluster.

Pure: ref-objects are resolved beforehand (`refs.resolve`) and passed in, so
what a cluster gets is a function of its inputs and has fixture tests.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fleettui.engine import components
from fleettui.engine.errors import RenderError
from fleettui.engine.model import Application, Component
from fleettui.engine.override import patch_components
from fleettui.engine.policies import replication
from fleettui.engine.selectors import from_match_labels

LABEL_NAME = "app.oam.dev/name"
LABEL_NAMESPACE = "app.oam.dev/namespace"
LABEL_COMPONENT = "app.oam.dev/component"
LABEL_CLUSTER = "app.oam.dev/cluster"
LABEL_REVISION = "app.oam.dev/appRevision"
FIELD_MANAGER = "fleettui"

# Kinds that are never namespaced (so no namespace is defaulted onto them). Anything
# else not known here is decided by discovery at apply time.
CLUSTER_SCOPED = {
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService",
    "RuntimeClass", "CSIDriver",
}


@dataclass(frozen=True)
class MemberCluster:
    """A cluster as the topology policy sees it: its name and labels."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """One object for one cluster, with the component that produced it."""

    component: str
    object: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(apiVersion, kind, namespace, name): identity of the object in its cluster."""
        meta = self.object.get("metadata") or {}
        return (self.object["apiVersion"], self.object["kind"], meta.get("namespace") or "", meta["name"])


@dataclass(frozen=True)
class Placement:
    """The rendered manifests of one application for one cluster."""

    cluster: str
    manifests: tuple[Manifest, ...]
    components: tuple[Component, ...]  # after override: the per-cluster differences
    namespace: str | None = None  # the topology's namespace, if it sets one


def topology_clusters(app: Application, policy_name: str, fleet: Sequence[MemberCluster]) -> tuple[list[str], str | None]:
    """The clusters a topology policy selects (in its order, else fleet order) and its namespace."""
    policy = app.policy(policy_name)
    assert policy is not None and policy.type == "topology"
    props = policy.properties
    by_name = {c.name: c for c in fleet}
    field_path = f"policy {policy_name}"
    chosen: list[str] = []
    if props.get("clusters"):
        for name in props["clusters"]:
            if name not in by_name:
                raise RenderError(app.document["metadata"]["namespace"] + "/" + app.name,
                                  f"topology policy {policy_name!r} names cluster {name!r}, which is not in the fleet",
                                  field=f"{field_path}.properties.clusters")
            if name not in chosen:
                chosen.append(name)
    selector = props.get("clusterLabelSelector", props.get("clusterSelector"))
    if selector is not None:
        wanted = from_match_labels(selector)
        for c in fleet:
            if wanted.matches(c.labels) and c.name not in chosen:
                chosen.append(c.name)
    if not chosen and not props.get("allowEmpty"):
        raise RenderError(f"{app.namespace}/{app.name}",
                          f"topology policy {policy_name!r} matches no cluster",
                          field=f"{field_path}.properties")
    return chosen, props.get("namespace") or None


def step_components(app: Application, policies: Sequence[str]) -> tuple[Component, ...]:
    """Components after the step's override policies, applied in the step's order."""
    comps = app.components
    for name in policies:
        policy = app.policy(name)
        if policy is not None and policy.type == "override":
            comps = patch_components(comps, list(policy.properties.get("components") or []),
                                     policy.properties.get("selector"))
    return comps


def render_component(app: Application, comp: Component, *, cluster: str, namespace: str | None,
                     revision: str, ref_objects: Mapping[str, list[dict[str, Any]]]) -> list[Manifest]:
    """The objects of one component for one cluster, traits applied to the workload (the first)."""
    label = f"{app.namespace}/{app.name}"
    ctx = components.RenderContext(app.name, app.namespace, comp.name, revision)
    if comp.type == "k8s-objects":
        objects = [copy.deepcopy(o) for o in comp.properties.get("objects") or []]
    elif comp.type == "ref-objects":
        objects = [copy.deepcopy(o) for o in ref_objects.get(comp.name, [])]
    elif components.is_templated(comp.type):
        try:
            objects = components.render_definition(ctx, comp.type, comp.properties)
        except (KeyError, TypeError, ValueError) as exc:
            raise RenderError(label, f"component {comp.name!r} of type {comp.type}: cannot render ({exc})",
                              cluster=cluster, field=f"component {comp.name}.properties") from exc
    else:
        raise RenderError(label, f"component {comp.name!r} has unsupported type {comp.type!r}",
                          cluster=cluster, field=f"component {comp.name}.type")
    if not objects:
        raise RenderError(label, f"component {comp.name!r} has no objects", cluster=cluster,
                          field=f"component {comp.name}.properties.objects")
    try:
        objects = components.apply_traits(ctx, objects, [(t.type, t.properties) for t in comp.traits])
    except ValueError as exc:
        raise RenderError(label, f"component {comp.name!r}: {exc}",
                          cluster=cluster, field=f"component {comp.name}.traits") from exc
    out = []
    for obj in objects:
        meta = obj.setdefault("metadata", {})
        if obj.get("kind") not in CLUSTER_SCOPED:
            if namespace:  # topology.namespace overrides, as KubeVela does
                meta["namespace"] = namespace
            else:
                meta.setdefault("namespace", app.namespace)
        labels = meta.setdefault("labels", {})
        labels.update({
            LABEL_NAME: app.name,
            LABEL_NAMESPACE: app.namespace,
            LABEL_COMPONENT: comp.name,
            LABEL_CLUSTER: cluster,
            LABEL_REVISION: revision,
        })
        obj.pop("status", None)
        out.append(Manifest(comp.name, obj))
    return out


def render_step(app: Application, policies: Sequence[str], fleet: Sequence[MemberCluster], *,
                revision: str, ref_objects: Mapping[str, list[dict[str, Any]]] | None = None) -> list[Placement]:
    """The placements of one deploy step: for every topology policy of the step, every
    cluster it selects gets the components after the step's overrides."""
    comps = replication.replicate(app, policies, step_components(app, policies))
    placements: dict[str, Placement] = {}
    for name in policies:
        policy = app.policy(name)
        if policy is None or policy.type != "topology":
            continue
        clusters, namespace = topology_clusters(app, name, fleet)
        for cluster in clusters:
            manifests: list[Manifest] = []
            seen: set[tuple[str, str, str, str]] = set()
            for comp in comps:
                for m in render_component(app, comp, cluster=cluster, namespace=namespace,
                                          revision=revision, ref_objects=ref_objects or {}):
                    if m.key in seen:
                        raise RenderError(f"{app.namespace}/{app.name}",
                                          f"two components render {m.key[1]} {m.key[2]}/{m.key[3]}",
                                          cluster=cluster, field=f"component {comp.name}")
                    seen.add(m.key)
                    manifests.append(m)
            placements[cluster] = Placement(cluster, tuple(manifests), comps, namespace)
    return list(placements.values())


def all_policies_of(app: Application) -> list[list[str]]:
    """The policy lists of every deploy step (sub-steps included), in workflow order."""
    out: list[list[str]] = []
    for step in app.workflow_steps():
        for s in (step, *step.sub_steps):
            if s.type == "deploy":
                out.append(list(s.properties.get("policies") or []))
    return out


def override_diff(base: Any, patched: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, before, after) for every leaf the overrides changed: the per-cluster
    differences the rollouts pane shows."""
    if isinstance(base, dict) and isinstance(patched, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in sorted(set(base) | set(patched), key=str):
            sub = f"{path}.{key}" if path else str(key)
            out += override_diff(base.get(key), patched.get(key), sub)
        return out
    if isinstance(base, list) and isinstance(patched, list) and len(base) == len(patched):
        return [d for i, (x, y) in enumerate(zip(base, patched, strict=True))
                for d in override_diff(x, y, f"{path}[{i}]")]
    return [] if base == patched else [(path, base, patched)]


def placement_diff(app: Application, pl: Placement, *, revision: str,
                   ref_objects: Mapping[str, list[dict[str, Any]]] | None = None) -> list[list[Any]]:
    """What the overrides changed on this cluster: [where, before, after] per changed field
    of the rendered objects (where: "Kind name: path"); an object only the override adds
    or removes shows as a whole."""
    base: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for comp in app.components:
        try:
            for m in render_component(app, comp, cluster=pl.cluster, namespace=pl.namespace, revision=revision,
                                      ref_objects=ref_objects or {}):
                base[m.key] = m.object
        except RenderError:
            continue
    out: list[list[Any]] = []
    for m in pl.manifests:
        before = base.pop(m.key, None)
        label = f"{m.key[1]} {m.key[3]}"
        if before is None:
            out.append([label, None, "added"])
            continue
        out += [[f"{label}: {path}", x, y] for path, x, y in override_diff(before, m.object)]
    out += [[f"{key[1]} {key[3]}", "present", None] for key in base]
    return out
