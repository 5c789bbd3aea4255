"""Writing Applications for the operator: "distribute from a selection" picks resources
in a namespace of a source cluster and target clusters, and gets back a `ref-objects`
Application (replicate to all at once, or canary-first with a gate) to show for
editing and then apply. Pure; the result always passes `validate.parse_application`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.engine.model import API_VERSION, KIND


@dataclass(frozen=True)
class SelectedResource:
    """A resource picked on the source cluster: kind as kubectl spells its resource
    (`deployment`, `configmap`, ...), group (`apps`, "" for core) and name."""

    resource: str
    name: str
    group: str = ""


def ref_objects_application(name: str, namespace: str, *, source_cluster: str,
                            resources: Sequence[SelectedResource], clusters: Sequence[str] = (),
                            cluster_labels: Mapping[str, str] | None = None, strategy: str = "replicate",
                            canary_cluster: str | None = None, target_namespace: str | None = None) -> dict[str, Any]:
    """strategy: `replicate` (one deploy to every target) or `canary` (deploy to
    `canary_cluster`, suspend at a gate, then deploy to the rest)."""
    if not resources:
        raise ValueError("pick at least one resource")
    if not clusters and cluster_labels is None:
        raise ValueError("pick target clusters by name or by label")
    objects = []
    for r in resources:
        ref: dict[str, Any] = {"resource": r.resource, "name": r.name, "cluster": source_cluster,
                               "namespace": namespace}
        if r.group:
            ref["group"] = r.group
        objects.append(ref)

    def topology(policy: str, names: Sequence[str] | None, labels: Mapping[str, str] | None) -> dict[str, Any]:
        props: dict[str, Any] = {}
        if names:
            props["clusters"] = list(names)
        if labels is not None:
            props["clusterLabelSelector"] = dict(labels)
        if target_namespace:
            props["namespace"] = target_namespace
        return {"name": policy, "type": "topology", "properties": props}

    spec: dict[str, Any] = {"components": [{"name": name, "type": "ref-objects", "properties": {"objects": objects}}]}
    if strategy == "replicate":
        spec["policies"] = [topology("targets", clusters, cluster_labels)]
    elif strategy == "canary":
        if not canary_cluster:
            raise ValueError("canary-first needs the canary cluster")
        rest = [c for c in clusters if c != canary_cluster]
        if not rest and cluster_labels is None:
            raise ValueError("canary-first needs at least one cluster besides the canary")
        _, steps = canary_gate(canary_cluster)
        spec["policies"] = [topology("canary", [canary_cluster], None), topology("rest", rest, cluster_labels)]
        spec["workflow"] = {"steps": [
            *steps, {"name": "deploy-rest", "type": "deploy", "properties": {"policies": ["rest"]}}]}
    else:
        raise ValueError(f"strategy must be replicate or canary, not {strategy!r}")
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name, "namespace": namespace},
            "spec": spec}


def canary_gate(canary_cluster: str, policies: Sequence[str] = (), *, topology: str = "canary",
                deploy_step: str = "deploy-canary", gate_step: str = "gate",
                message: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first half of every canary-first workflow (the distribute dialog's and a rule
    set's): the canary's topology policy, and the steps that deploy there (with
    `policies`, the overrides that shape what the canary gets) and then suspend at a
    gate, which `vela workflow resume` (or R in the rollouts pane) opens."""
    policy = {"name": topology, "type": "topology", "properties": {"clusters": [canary_cluster]}}
    steps = [{"name": deploy_step, "type": "deploy", "properties": {"policies": [*policies, topology]}},
             {"name": gate_step, "type": "suspend",
              "properties": {"message": message or f"canary on {canary_cluster}: check it, then resume"}}]
    return policy, steps
