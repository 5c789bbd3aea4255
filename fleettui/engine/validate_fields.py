"""What every part of Application validation shares: a problem list filled in place,
names and labels checked in Kubernetes' words, unknown fields named with what is
supported, and the table of properties each component, policy and step type takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fleettui.config import names
from fleettui.engine import components as registry
from fleettui.engine.errors import Problem
from fleettui.engine.placement import extensions
from fleettui.engine.policies import garbage_collect, replication, resource_rules
from fleettui.engine.steps import STEP_PROPERTIES

COMPONENT_KEYS = {"name", "type", "properties", "traits"}
PROPERTY_KEYS: dict[str, set[str]] = {
    **{t: set(keys) for t, keys in registry.COMPONENT_PROPERTIES.items()},
    "topology": {"clusters", "clusterLabelSelector", "clusterSelector", "allowEmpty", "namespace"},
    "override": {"components", "selector"},
    "apply-once": {"enable", "rules"},
    "garbage-collect": garbage_collect.PROPERTIES,
    "replication": replication.PROPERTIES,
    **{t: resource_rules.PROPERTIES for t in resource_rules.TYPES},
    "deploy": {"policies", "parallelism", "auto", *extensions.STEP_KEYS["deploy"]},
    **extensions.POLICY_KEYS,
    "suspend": {"duration", "message"},
    "step-group": set(),
    **STEP_PROPERTIES,
}
_REF_OBJECT_KEYS = {"apiVersion", "kind", "resource", "group", "name", "namespace", "cluster",
                    "labelSelector"}


def check_name(p: list[Problem], path: str, value: Any, rule: Callable[[str], list[str]]) -> None:
    """A name Kubernetes would refuse, refused now, in Kubernetes' words."""
    if not isinstance(value, str):
        p.append(Problem(path, "must be a string"))
        return
    errs = rule(value)
    if errs:
        p.append(Problem(path, names.invalid("", value, errs)[2:]))


def check_labels(p: list[Problem], path: str, labels: Any, *, selector: bool = False) -> None:
    """Label keys and values (a selector's values are compared as strings, so 3 means "3")."""
    if not isinstance(labels, dict):
        p.append(Problem(path, "must be a mapping of label to value"))
        return
    for key, value in labels.items():
        if not isinstance(key, str):
            p.append(Problem(path, f"label key {key!r} must be a string"))
            continue
        check_name(p, f"{path}.{key}", key, names.qualified_name)
        if selector and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            check_name(p, f"{path}.{key}", value, names.label_value)
        else:
            p.append(Problem(f"{path}.{key}", f"value must be a string (quote it: '{value}')"))


def unknown_fields(p: list[Problem], obj: dict[str, Any], known: set[str], path: str) -> None:
    for key in obj:
        if key not in known:
            where = f"{path}.{key}" if path else key
            p.append(Problem(where, f"field {key!r} is not supported (supported: {', '.join(sorted(known)) or 'none'})"))


def properties_of(p: list[Problem], raw: Any, kind: str, path: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        p.append(Problem(path, "must be a mapping"))
        return {}
    unknown_fields(p, raw, PROPERTY_KEYS[kind], path)
    return raw
