"""KubeVela's built-in component types and traits, rendered natively (no CUE runtime).

One registry: a component type name -> how it renders and which properties it takes; a
trait name -> its patcher and properties. Adding a type or a trait touches this file and
the module that implements it; validation, rendering and the documentation table read
the registry.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fleettui.engine.components import affinity, outputs, traits, workloads
from fleettui.engine.components.base import Output, RenderContext
from fleettui.engine.override import json_merge_patch, json_patch

WORKLOAD_TYPE_LABEL = "workload.oam.dev/type"
TRAIT_TYPE_LABEL = "trait.oam.dev/type"
TRAIT_RESOURCE_LABEL = "trait.oam.dev/resource"


@dataclass(frozen=True)
class TraitType:
    """`properties` None: any key (labels, annotations, json-merge-patch take a free map)."""

    name: str
    patch: traits.Patcher
    properties: frozenset[str] | None
    required: tuple[str, ...] = ()
    # the nested fields the definition's closed schema would refuse: (relative path, why)
    problems: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None


def _fixed(fn: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]) -> traits.Patcher:
    return lambda ctx, w, p, out: fn(w, p)


_CONTAINER = {"containerName", "containers"}
_TRAITS = [
    TraitType("scaler", traits.scaler_trait, frozenset({"replicas"})),
    TraitType("labels", traits.metadata_trait("labels"), None),
    TraitType("annotations", traits.metadata_trait("annotations"), None),
    TraitType("json-merge-patch", _fixed(json_merge_patch), None),
    TraitType("json-patch", _fixed(lambda w, p: json_patch(w, p.get("operations") or [])), frozenset({"operations"})),
    TraitType("env", traits.each_container_trait(traits.env_trait, "env"), frozenset(_CONTAINER | {"env", "unset", "replace"})),
    TraitType("resource", traits.resource_trait, frozenset({"cpu", "memory", "requests", "limits"})),
    TraitType("command", traits.each_container_trait(traits.command_trait, "command"),
              frozenset(_CONTAINER | {"command", "args", "addArgs", "delArgs"})),
    TraitType("container-image", traits.each_container_trait(traits.image_trait, "container-image"),
              frozenset(_CONTAINER | {"image", "imagePullPolicy"})),
    TraitType("container-ports", traits.each_container_trait(traits.ports_trait, "container-ports"),
              frozenset(_CONTAINER | {"ports"})),
    TraitType("securitycontext", traits.each_container_trait(traits.security_trait, "securitycontext"),
              frozenset(_CONTAINER | {"addCapabilities", "dropCapabilities", "allowPrivilegeEscalation", "privileged",
                                      "readOnlyRootFilesystem", "runAsNonRoot", "runAsUser", "runAsGroup"})),
    TraitType("startup-probe", traits.startup_probe_trait,
              frozenset({"containerName", "probes", "exec", "httpGet", "grpc", "tcpSocket", "initialDelaySeconds",
                         "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold",
                         "terminationGracePeriodSeconds"})),
    TraitType("sidecar", traits.sidecar_trait,
              frozenset({"name", "image", "cmd", "args", "env", "volumes", "livenessProbe", "readinessProbe"}),
              ("name", "image")),
    TraitType("init-container", traits.init_container_trait,
              frozenset({"name", "image", "imagePullPolicy", "cmd", "args", "env", "mountName", "appMountPath",
                         "initMountPath", "extraVolumeMounts"}), ("name", "image", "appMountPath", "initMountPath")),
    TraitType("lifecycle", traits.lifecycle_trait, frozenset({"postStart", "preStop"})),
    TraitType("affinity", affinity.affinity_trait, affinity.PROPERTIES, problems=affinity.problems),
    TraitType("hostalias", traits.host_alias_trait, frozenset({"hostAliases"}), ("hostAliases",),
              problems=traits.host_alias_problems),
    TraitType("topologyspreadconstraints", traits.topology_spread_trait, frozenset({"constraints"}), ("constraints",)),
    TraitType("k8s-update-strategy", traits.update_strategy_trait,
              frozenset({"targetAPIVersion", "targetKind", "strategy"})),
    TraitType("expose", outputs.expose, frozenset({"port", "ports", "annotations", "matchLabels", "type"})),
    TraitType("gateway", outputs.gateway,
              frozenset({"domain", "http", "class", "classInSpec", "secretName", "gatewayHost", "name", "pathType",
                         "annotations", "labels", "existingServiceName"}), ("http",)),
    TraitType("storage", outputs.storage, frozenset({"pvc", "configMap", "secret", "emptyDir", "hostPath"})),
    TraitType("hpa", outputs.hpa,
              frozenset({"min", "max", "targetAPIVersion", "targetKind", "cpu", "mem", "podCustomMetrics"})),
    TraitType("cpuscaler", outputs.cpuscaler, frozenset({"min", "max", "cpuUtil", "targetAPIVersion", "targetKind"})),
    TraitType("service-account", outputs.service_account, frozenset({"name", "create", "privileges"}), ("name",)),
]
TRAITS: dict[str, TraitType] = {t.name: t for t in _TRAITS}

# k8s-objects and ref-objects are rendered in engine/render.py (their objects are given,
# not templated); every other type is a definition rendered here.
COMPONENT_TYPES: tuple[str, ...] = ("k8s-objects", "ref-objects", *workloads.SHAPES)
TRAIT_TYPES: tuple[str, ...] = tuple(TRAITS)
COMPONENT_PROPERTIES: dict[str, frozenset[str]] = {
    "k8s-objects": frozenset({"objects"}), "ref-objects": frozenset({"objects"}),
    **{name: shape.properties for name, shape in workloads.SHAPES.items()}}
COMPONENT_REQUIRED: Mapping[str, tuple[str, ...]] = workloads.REQUIRED


def is_templated(component_type: str) -> bool:
    return component_type in workloads.SHAPES


def render_definition(ctx: RenderContext, component_type: str, properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The workload, then the component's own outputs, labelled as KubeVela labels them."""
    workload, extra = workloads.render(ctx, component_type, copy.deepcopy(properties))
    workload["metadata"].setdefault("labels", {})[WORKLOAD_TYPE_LABEL] = component_type
    return [workload, *(_labelled(o) for o in extra)]


def apply_traits(ctx: RenderContext, objects: list[dict[str, Any]],
                 trait_list: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each trait patches the workload (objects[0]) in order; trait outputs follow the
    objects, in trait order. ValueError names the failing trait."""
    workload, added = objects[0], []
    for ttype, props in trait_list:
        out: list[Output] = []
        try:
            workload = TRAITS[ttype].patch(ctx, workload, props, out)
        except (KeyError, TypeError, ValueError) as exc:
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"trait {ttype}: {detail}") from exc
        added += [_labelled(o) for o in out]
    return [workload, *objects[1:], *added]


def _labelled(o: Output) -> dict[str, Any]:
    obj = o.object
    obj["metadata"].setdefault("labels", {}).update({TRAIT_TYPE_LABEL: o.trait_type, TRAIT_RESOURCE_LABEL: o.name})
    return obj


__all__ = ["COMPONENT_TYPES", "TRAIT_TYPES", "TRAITS", "RenderContext", "apply_traits", "render_definition"]
