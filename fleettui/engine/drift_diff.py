"""Drift as pure diffing: where a live object differs from its placement, in the fields
we manage. (Finding and repairing it on the clusters is state keeping:
engine/resourcekeeper/statekeep.py.)

Only the fields the placement sets are compared (defaults added by the API
server and fields other managers own are not drift). `apply-once` policies
exempt paths (or whole resources, path `*`) from state keeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fleettui.engine.model import Application

# metadata the server owns or that we do not manage
_IGNORED_METADATA = {"namespace", "name", "uid", "resourceVersion", "generation", "creationTimestamp",
                     "managedFields", "selfLink", "ownerReferences", "finalizers", "deletionTimestamp"}


def diff(desired: Any, live: Any, path: str = "") -> list[str]:
    """Paths (dotted, list indexes in brackets) where `live` does not carry `desired`."""
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return [path or "."]
        out: list[str] = []
        for key, value in desired.items():
            if path == "metadata" and key in _IGNORED_METADATA:
                continue
            if path == "" and key in ("status", "apiVersion", "kind"):
                continue
            sub = f"{path}.{key}" if path else key
            if key not in live:
                if value in (None, {}, []):
                    continue
                out.append(sub)
            else:
                out += diff(value, live[key], sub)
        return out
    if isinstance(desired, list):
        if not isinstance(live, list) or len(live) != len(desired):
            return [path]
        out = []
        for i, (d, v) in enumerate(zip(desired, live, strict=True)):
            out += diff(d, v, f"{path}[{i}]")
        return out
    if desired != live and not _same_scalar(desired, live):
        return [path]
    return []


def _same_scalar(a: Any, b: Any) -> bool:
    # the API server returns ints as ints but users write "80" for ports sometimes
    return str(a) == str(b) and not isinstance(a, bool) and not isinstance(b, bool)


def _path_matches(rule_path: str, drift_path: str) -> bool:
    if rule_path == "*":
        return True
    return drift_path == rule_path or drift_path.startswith(rule_path + ".") or drift_path.startswith(rule_path + "[")


def _selected(selector: dict[str, Any], component: str, component_type: str, kind: str, name: str) -> bool:
    checks = (("componentNames", component), ("componentTypes", component_type),
              ("resourceTypes", kind), ("resourceNames", name))
    return all(not selector.get(key) or value in selector[key] for key, value in checks)


def allowed_paths(app: Application, *, component: str, kind: str, name: str, affect: str) -> list[str] | None:
    """Paths where drift is allowed for this resource (`["*"]`: all of it), or None."""
    ctype = next((c.type for c in app.components if c.name == component), "")
    paths: list[str] = []
    for policy in app.policies:
        if policy.type != "apply-once":
            continue
        props = policy.properties
        rules = props.get("rules") or []
        if props.get("enable") and not rules:
            return ["*"]
        if not props.get("enable"):
            continue
        for rule in rules:
            strategy = rule.get("strategy") or {}
            if strategy.get("affect") not in (None, "", "always", affect):
                continue
            if _selected(rule.get("selector") or {}, component, ctype, kind, name):
                paths += list(strategy.get("path") or [])
    return paths or None


def effective_drift(paths: Sequence[str], allowed: Sequence[str] | None) -> list[str]:
    if not allowed:
        return list(paths)
    return [p for p in paths if not any(_path_matches(a, p) for a in allowed)]


def _parts(path: str) -> list[str | int]:
    """`spec.containers[0].image` -> ["spec", "containers", 0, "image"]."""
    out: list[str | int] = []
    for piece in path.split("."):
        name, _, rest = piece.partition("[")
        if name:
            out.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            out.append(int(index))
            rest = rest.lstrip("[")
    return out


def keep_live(desired: dict[str, Any], live: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """`desired` with the live values at `paths` (apply-once onUpdate: an update does not
    take back what the cluster changed there). A path absent live is dropped from desired."""
    import copy

    out = copy.deepcopy(desired)
    for path in paths:
        parts = _parts(path)
        if not parts:
            continue
        src: Any = live
        for part in parts:
            try:
                src = src[part]
            except (KeyError, IndexError, TypeError):
                src = _MISSING
                break
        node: Any = out
        for part in parts[:-1]:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if node is None:
            continue
        last = parts[-1]
        if src is _MISSING:
            if isinstance(node, dict):
                node.pop(last, None)
        elif isinstance(node, dict):
            node[last] = copy.deepcopy(src)
        elif isinstance(node, list) and isinstance(last, int) and last < len(node):
            node[last] = copy.deepcopy(src)
    return out


_MISSING = object()
