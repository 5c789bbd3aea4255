"""Validation of `spec.components`: types, their properties (a templated type's
parameters, k8s-objects' objects, ref-objects' references) and their traits."""

from __future__ import annotations

from typing import Any

from fleettui.config import names
from fleettui.engine import components as registry
from fleettui.engine.components import COMPONENT_TYPES, TRAIT_TYPES
from fleettui.engine.errors import Problem
from fleettui.engine.model import Component, Trait
from fleettui.engine.validate_fields import (
    COMPONENT_KEYS,
    check_labels,
    check_name,
    properties_of,
    unknown_fields,
)

_TRAIT_KEYS = {"type", "properties"}
_REF_OBJECT_KEYS = {"apiVersion", "kind", "resource", "group", "name", "namespace", "cluster",
                    "labelSelector"}


def parse_components(p: list[Problem], raw: Any) -> list[Component]:
    if not isinstance(raw, list) or not raw:
        p.append(Problem("spec.components", "at least one component is required"))
        return []
    out: list[Component] = []
    seen: set[str] = set()
    for i, c in enumerate(raw):
        path = f"spec.components[{i}]"
        if not isinstance(c, dict):
            p.append(Problem(path, "must be a mapping"))
            continue
        unknown_fields(p, c, COMPONENT_KEYS, path)
        name, ctype = c.get("name"), c.get("type")
        if not isinstance(name, str) or not name:
            p.append(Problem(f"{path}.name", "required"))
            continue
        if name in seen:
            p.append(Problem(f"{path}.name", f"duplicate component name {name!r}"))
        # the value of app.oam.dev/component on what it places
        check_name(p, f"{path}.name", name, names.object_name_in_labels)
        seen.add(name)
        if ctype not in COMPONENT_TYPES:
            p.append(Problem(f"{path}.type", f"component type {ctype!r} is not supported "
                             f"(supported: {', '.join(COMPONENT_TYPES)})"))
            continue
        props = properties_of(p, c.get("properties"), ctype, f"{path}.properties")
        if registry.is_templated(ctype):
            _definition_props(p, props, ctype, f"{path}.properties")
        else:
            _objects(p, props, ctype, f"{path}.properties.objects")
        traits = tuple(parse_traits(p, c.get("traits"), f"{path}.traits"))
        out.append(Component(name, ctype, props, traits))
    return out


def _objects(p: list[Problem], props: dict[str, Any], ctype: str, path: str) -> None:
    objs = props.get("objects")
    if not isinstance(objs, list) or not objs:
        p.append(Problem(path, "at least one object is required"))
        return
    for j, o in enumerate(objs):
        opath = f"{path}[{j}]"
        if not isinstance(o, dict):
            p.append(Problem(opath, "must be a mapping"))
            continue
        if ctype == "k8s-objects":
            for key in ("apiVersion", "kind"):
                if not isinstance(o.get(key), str) or not o.get(key):
                    p.append(Problem(f"{opath}.{key}", "required"))
            meta = m if isinstance(m := o.get("metadata"), dict) else {}
            name = meta.get("name")
            if not isinstance(name, str) or not name:
                p.append(Problem(f"{opath}.metadata.name", "required"))
            else:
                check_name(p, f"{opath}.metadata.name", name, names.dns1123_subdomain)
            if meta.get("namespace") is not None:
                check_name(p, f"{opath}.metadata.namespace", meta["namespace"], names.dns1123_label)
            if meta.get("labels") is not None:
                check_labels(p, f"{opath}.metadata.labels", meta["labels"])
        else:
            unknown_fields(p, o, _REF_OBJECT_KEYS, opath)
            if not (o.get("resource") or o.get("kind")):
                p.append(Problem(f"{opath}.resource", "required (e.g. deployment, configmap)"))
            if o.get("name") and o.get("labelSelector"):
                p.append(Problem(opath, "name and labelSelector are exclusive"))
            if not o.get("name") and not o.get("labelSelector"):
                p.append(Problem(f"{opath}.name", "name or labelSelector is required"))
            if o.get("name"):
                check_name(p, f"{opath}.name", o["name"], names.dns1123_subdomain)
            if o.get("namespace"):
                check_name(p, f"{opath}.namespace", o["namespace"], names.dns1123_label)


def _definition_props(p: list[Problem], props: dict[str, Any], ctype: str, path: str) -> None:
    """Required parameters of a templated type, and the shape of the ones people get wrong."""
    for key in registry.COMPONENT_REQUIRED.get(ctype, ()):
        if props.get(key) in (None, ""):
            p.append(Problem(f"{path}.{key}", f"required by component type {ctype}"))
    ports = props.get("ports")
    if ports is not None:
        if not isinstance(ports, list):
            p.append(Problem(f"{path}.ports", "must be a list"))
            ports = []
        for j, port in enumerate(ports):
            if not isinstance(port, dict) or not isinstance(port.get("port"), int):
                p.append(Problem(f"{path}.ports[{j}].port", "required port number"))
                continue
            unknown_fields(p, port, {"port", "containerPort", "name", "protocol", "expose", "nodePort"}, f"{path}.ports[{j}]")
    vm = props.get("volumeMounts")
    if isinstance(vm, dict):
        unknown_fields(p, vm, {"pvc", "configMap", "secret", "emptyDir", "hostPath"}, f"{path}.volumeMounts")
    for key in ("env", "imagePullSecrets", "cmd", "args", "volumes", "hostAliases"):
        if props.get(key) is not None and not isinstance(props[key], list):
            p.append(Problem(f"{path}.{key}", "must be a list"))


def _trait_props(p: list[Problem], props: dict[str, Any], ttype: str, path: str, *, patch: bool) -> None:
    spec = registry.TRAITS[ttype]
    if spec.properties is not None:
        unknown_fields(p, props, set(spec.properties), path)
    if spec.problems is not None:
        p.extend(Problem(f"{path}.{where}", why) for where, why in spec.problems(props))
    if patch:  # an override's trait patch is merged into the component's: nothing required
        return
    for key in spec.required:
        if props.get(key) in (None, ""):
            p.append(Problem(f"{path}.{key}", f"required by trait {ttype}"))


def parse_traits(p: list[Problem], raw: Any, path: str, *, patch: bool = False) -> list[Trait]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        p.append(Problem(path, "must be a list"))
        return []
    out: list[Trait] = []
    for i, t in enumerate(raw):
        tpath = f"{path}[{i}]"
        if not isinstance(t, dict):
            p.append(Problem(tpath, "must be a mapping"))
            continue
        unknown_fields(p, t, _TRAIT_KEYS | ({"disable"} if patch else set()), tpath)
        if t.get("type") not in TRAIT_TYPES:
            p.append(Problem(f"{tpath}.type", f"trait type {t.get('type')!r} is not supported "
                             f"(supported: {', '.join(TRAIT_TYPES)})"))
            continue
        props = t.get("properties") or {}
        if not isinstance(props, dict):
            p.append(Problem(f"{tpath}.properties", "must be a mapping"))
            continue
        _trait_props(p, props, t["type"], f"{tpath}.properties", patch=patch)
        out.append(Trait(t["type"], props))
    return out
