"""The apiserver's most common validation failures (422 Invalid), for the built-in kinds.

Not the whole of pkg/apis/*/validation: the rules a person or a renderer trips over in
practice — label syntax, a workload without selector or containers, a selector that
does not match its template, a container without image, an out-of-range port, replicas
below zero, bad ConfigMap keys. Messages use the apiserver's field paths and wording.
"""

from __future__ import annotations

import re
from typing import Any

from fleettui.sim import crd_schema, errors
from fleettui.sim.resources import ResourceType

Cause = tuple[str, str, str]

_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_WORKLOADS = {"deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps"}


def _label_key(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _PREFIX.match(prefix)):
        return "prefix part must be a lowercase RFC 1123 subdomain"
    if not name or len(name) > 63 or not _QUALIFIED.match(name):
        return ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character")
    return None


def _labels(labels: Any, path: str, causes: list[Cause]) -> None:
    if not isinstance(labels, dict):
        return
    for k, v in labels.items():
        why = _label_key(str(k))
        if why:
            causes.append(("FieldValueInvalid", path, f'Invalid value: "{k}": {why}'))
        if not isinstance(v, str) or len(v) > 63 or (v and not _QUALIFIED.match(v)):
            causes.append(("FieldValueInvalid", f"{path}", f'Invalid value: "{v}": a valid label must be an '
                           "empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
                           "start and end with an alphanumeric character"))


def _containers(pod_spec: Any, path: str, causes: list[Cause]) -> None:
    if not isinstance(pod_spec, dict):
        causes.append(("FieldValueRequired", path, "Required value"))
        return
    containers = pod_spec.get("containers")
    if not isinstance(containers, list) or not containers:
        causes.append(("FieldValueRequired", f"{path}.containers", "Required value"))
        return
    seen: set[str] = set()
    for i, c in enumerate(containers):
        where = f"{path}.containers[{i}]"
        if not isinstance(c, dict):
            causes.append(("FieldValueInvalid", where, "Invalid value: must be an object"))
            continue
        name = c.get("name")
        if not name:
            causes.append(("FieldValueRequired", f"{where}.name", "Required value"))
        elif not isinstance(name, str) or not _DNS_LABEL.match(name) or len(name) > 63:
            causes.append(("FieldValueInvalid", f"{where}.name", f'Invalid value: "{name}": a lowercase RFC '
                           "1123 label must consist of lower case alphanumeric characters or '-'"))
        elif name in seen:
            causes.append(("FieldValueDuplicate", f"{where}.name", f'Duplicate value: "{name}"'))
        else:
            seen.add(name)
        if not c.get("image"):
            causes.append(("FieldValueRequired", f"{where}.image", "Required value"))
        for j, p in enumerate(c.get("ports") or []):
            port = p.get("containerPort") if isinstance(p, dict) else None
            if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
                causes.append(("FieldValueInvalid", f"{where}.ports[{j}].containerPort",
                               f"Invalid value: {port!r}: must be between 1 and 65535, inclusive"))


def _selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    if not isinstance(selector, dict):
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values) \
                or (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
            return False
    return True


def validate(rt: ResourceType, obj: dict[str, Any], schema: dict[str, Any] | None = None) -> None:
    """Raise 422 Invalid listing every cause found (the apiserver reports them all).
    `schema`: a custom resource's openAPIV3Schema, from its CRD (crd_schema.py)."""
    causes: list[Cause] = crd_schema.check(schema, obj) if schema else []
    meta = obj.get("metadata") or {}
    _labels(meta.get("labels"), "metadata.labels", causes)
    spec = obj.get("spec")
    if rt.key in _WORKLOADS:
        spec = spec if isinstance(spec, dict) else {}
        replicas = spec.get("replicas")
        if replicas is not None and (not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0):
            causes.append(("FieldValueInvalid", "spec.replicas",
                           f"Invalid value: {replicas!r}: must be greater than or equal to 0"))
        selector = spec.get("selector")
        template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
        tlabels = (template.get("metadata") or {}).get("labels") or {}
        if not selector:
            causes.append(("FieldValueRequired", "spec.selector", "Required value"))
        elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
            causes.append(("FieldValueInvalid", "spec.selector",
                           "Invalid value: empty selector is invalid for deployment"))
        elif not _selector_matches(selector, tlabels):
            causes.append(("FieldValueInvalid", "spec.template.metadata.labels",
                           f"Invalid value: {tlabels!r}: `selector` does not match template `labels`"))
        _labels(tlabels, "spec.template.metadata.labels", causes)
        _containers(template.get("spec"), "spec.template.spec", causes)
    elif rt.key == "pods":
        _containers(spec, "spec", causes)
    elif rt.key in ("jobs.batch",):
        template = (spec or {}).get("template") if isinstance(spec, dict) else None
        _containers((template or {}).get("spec"), "spec.template.spec", causes)
    elif rt.key == "services" and isinstance(spec, dict):
        for i, p in enumerate(spec.get("ports") or []):
            port = p.get("port") if isinstance(p, dict) else None
            if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
                causes.append(("FieldValueInvalid", f"spec.ports[{i}].port",
                               f"Invalid value: {port!r}: must be between 1 and 65535, inclusive"))
    elif rt.key in ("configmaps", "secrets"):
        for field in ("data", "binaryData", "stringData"):
            for k in (obj.get(field) or {}):
                if not _CONFIG_KEY.match(str(k)) or len(str(k)) > 253:
                    causes.append(("FieldValueInvalid", f"{field}[{k}]", f'Invalid value: "{k}": a valid config '
                                   "key must consist of alphanumeric characters, '-', '_' or '.'"))
    if causes:
        raise errors.invalid(rt.kind, rt.group, meta.get("name", ""), causes)
