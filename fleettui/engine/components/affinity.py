"""The `affinity` trait, after vela-templates/definitions/internal/trait/affinity.cue
(written here in Python): pod affinity and anti-affinity, node affinity and tolerations
on the pod template.

The definition's parameter schema is closed CUE, so a field it does not declare, a
weight outside 1..100 or an effect that is no taint effect fails the render on a
KubeVela hub; `problems` finds the same things at validation time, each with its
field, and the patcher refuses them too (an override can bring them in after
validation). Defaults are the schema's: a label-selector or node-selector expression
without `operator` is `In`, a toleration without `operator` is `Equal`.
"""

from __future__ import annotations

import copy
from typing import Any

from fleettui.engine.components.base import Output, RenderContext
from fleettui.engine.components.traits import pod_spec

PROPERTIES = frozenset({"podAffinity", "podAntiAffinity", "nodeAffinity", "tolerations"})
_POD_RULES = {"required", "preferred"}
_TERM = {"labelSelector", "namespace", "namespaces", "topologyKey", "namespaceSelector"}
_SELECTOR = {"matchLabels", "matchExpressions"}
_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist")
_NODE_OPS = (*_SELECTOR_OPS, "Gt", "Lt")
_TOLERATION = {"key", "operator", "value", "effect", "tolerationSeconds"}
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

Problems = list[tuple[str, str]]


def _mapping(p: Problems, value: Any, path: str, known: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        p.append((path, "must be a mapping"))
        return {}
    p.extend((f"{path}.{k}", f"field {k!r} is not supported (supported: {', '.join(sorted(known))})")
             for k in value if k not in known)
    return value


def _list(p: Problems, value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        p.append((path, "must be a list"))
        return []
    return value


def _weight(p: Problems, value: Any, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        p.append((path, "required integer from 1 to 100"))


def _expressions(p: Problems, value: Any, path: str, ops: tuple[str, ...]) -> None:
    for i, e in enumerate(_list(p, value, path)):
        e = _mapping(p, e, f"{path}[{i}]", {"key", "operator", "values"})
        if not isinstance(e.get("key"), str) or not e.get("key"):
            p.append((f"{path}[{i}].key", "required"))
        if e.get("operator", "In") not in ops:
            p.append((f"{path}[{i}].operator", f"must be one of {', '.join(ops)}"))
        if "values" in e and not (isinstance(e["values"], list) and all(isinstance(v, str) for v in e["values"])):
            p.append((f"{path}[{i}].values", "must be a list of strings"))


def _selector(p: Problems, value: Any, path: str) -> None:
    sel = _mapping(p, value, path, _SELECTOR)
    if "matchLabels" in sel and not (isinstance(sel["matchLabels"], dict)
                                     and all(isinstance(v, str) for v in sel["matchLabels"].values())):
        p.append((f"{path}.matchLabels", "must be a mapping of label to string value"))
    if "matchExpressions" in sel:
        _expressions(p, sel["matchExpressions"], f"{path}.matchExpressions", _SELECTOR_OPS)


def _term(p: Problems, value: Any, path: str) -> None:
    term = _mapping(p, value, path, _TERM)
    if not isinstance(term.get("topologyKey"), str) or not term.get("topologyKey"):
        p.append((f"{path}.topologyKey", "required"))
    if "namespace" in term:
        # the definition passes it through, but PodAffinityTerm has no such field: the
        # API server refuses the workload at apply time, so it is refused here instead
        p.append((f"{path}.namespace", "not a PodAffinityTerm field (Kubernetes refuses it); use namespaces"))
    if "namespaces" in term and not (isinstance(term["namespaces"], list)
                                     and all(isinstance(n, str) for n in term["namespaces"])):
        p.append((f"{path}.namespaces", "must be a list of namespace names"))
    for key in ("labelSelector", "namespaceSelector"):
        if key in term:
            _selector(p, term[key], f"{path}.{key}")


def _node_term(p: Problems, value: Any, path: str) -> None:
    term = _mapping(p, value, path, {"matchExpressions", "matchFields"})
    for key in ("matchExpressions", "matchFields"):
        if key in term:
            _expressions(p, term[key], f"{path}.{key}", _NODE_OPS)


def problems(props: dict[str, Any]) -> Problems:
    """Every field of `props` the definition's schema would refuse, as (relative path, why)."""
    p: Problems = []
    for kind in ("podAffinity", "podAntiAffinity"):
        if kind not in props:
            continue
        rules = _mapping(p, props[kind], kind, _POD_RULES)
        for i, term in enumerate(_list(p, rules["required"], f"{kind}.required") if "required" in rules else []):
            _term(p, term, f"{kind}.required[{i}]")
        for i, pref in enumerate(_list(p, rules["preferred"], f"{kind}.preferred") if "preferred" in rules else []):
            pref = _mapping(p, pref, f"{kind}.preferred[{i}]", {"weight", "podAffinityTerm"})
            _weight(p, pref.get("weight"), f"{kind}.preferred[{i}].weight")
            if "podAffinityTerm" not in pref:
                p.append((f"{kind}.preferred[{i}].podAffinityTerm", "required"))
            else:
                _term(p, pref["podAffinityTerm"], f"{kind}.preferred[{i}].podAffinityTerm")
    if "nodeAffinity" in props:
        node = _mapping(p, props["nodeAffinity"], "nodeAffinity", _POD_RULES)
        if "required" in node:
            req = _mapping(p, node["required"], "nodeAffinity.required", {"nodeSelectorTerms"})
            if "nodeSelectorTerms" not in req:
                p.append(("nodeAffinity.required.nodeSelectorTerms", "required"))
            for i, term in enumerate(_list(p, req.get("nodeSelectorTerms", []),
                                           "nodeAffinity.required.nodeSelectorTerms")):
                _node_term(p, term, f"nodeAffinity.required.nodeSelectorTerms[{i}]")
        for i, pref in enumerate(_list(p, node["preferred"], "nodeAffinity.preferred") if "preferred" in node else []):
            pref = _mapping(p, pref, f"nodeAffinity.preferred[{i}]", {"weight", "preference"})
            _weight(p, pref.get("weight"), f"nodeAffinity.preferred[{i}].weight")
            if "preference" not in pref:
                p.append((f"nodeAffinity.preferred[{i}].preference", "required"))
            else:
                _node_term(p, pref["preference"], f"nodeAffinity.preferred[{i}].preference")
    for i, t in enumerate(_list(p, props["tolerations"], "tolerations") if "tolerations" in props else []):
        t = _mapping(p, t, f"tolerations[{i}]", _TOLERATION)
        if t.get("operator", "Equal") not in ("Equal", "Exists"):
            p.append((f"tolerations[{i}].operator", "must be Equal or Exists"))
        if "effect" in t and t["effect"] not in _EFFECTS:
            p.append((f"tolerations[{i}].effect", f"must be one of {', '.join(_EFFECTS)}"))
        if "tolerationSeconds" in t and (not isinstance(t["tolerationSeconds"], int)
                                         or isinstance(t["tolerationSeconds"], bool)):
            p.append((f"tolerations[{i}].tolerationSeconds", "must be an integer"))
    return p


def _with_default_ops(sel: dict[str, Any], default: str) -> dict[str, Any]:
    out = copy.deepcopy(sel)
    for key in ("matchExpressions", "matchFields"):
        for e in out.get(key) or []:
            e.setdefault("operator", default)
    return out


def _pod_term(term: dict[str, Any]) -> dict[str, Any]:
    """The definition's field order: labelSelector, namespaces, topologyKey, namespaceSelector."""
    out: dict[str, Any] = {}
    if "labelSelector" in term:
        out["labelSelector"] = _with_default_ops(term["labelSelector"], "In")
    if "namespaces" in term:
        out["namespaces"] = list(term["namespaces"])
    out["topologyKey"] = term["topologyKey"]
    if "namespaceSelector" in term:
        out["namespaceSelector"] = _with_default_ops(term["namespaceSelector"], "In")
    return out


def _pod_rules(rules: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "required" in rules:
        out["requiredDuringSchedulingIgnoredDuringExecution"] = [_pod_term(t) for t in rules["required"]]
    if "preferred" in rules:
        out["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": x["weight"], "podAffinityTerm": _pod_term(x["podAffinityTerm"])} for x in rules["preferred"]]
    return out


def _node_rules(rules: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "required" in rules:
        out["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
            _with_default_ops(t, "In") for t in rules["required"]["nodeSelectorTerms"]]}
    if "preferred" in rules:
        out["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": x["weight"], "preference": _with_default_ops(x["preference"], "In")} for x in rules["preferred"]]
    return out


def affinity_trait(ctx: RenderContext, w: dict[str, Any], p: dict[str, Any], outputs: list[Output]) -> dict[str, Any]:
    bad = problems(p)
    if bad:
        raise ValueError("; ".join(f"{where}: {why}" for where, why in bad))
    w = copy.deepcopy(w)
    spec = pod_spec(w, "affinity")
    # the patch is a strategic merge: structs merge key by key, and the rule lists (no
    # patch strategy in the PodSpec schema) replace what the workload had
    affinity = dict(spec.get("affinity") or {})
    for kind in ("podAffinity", "podAntiAffinity", "nodeAffinity"):
        if kind in p:
            rules = _node_rules(p[kind]) if kind == "nodeAffinity" else _pod_rules(p[kind])
            affinity[kind] = {**(affinity.get(kind) or {}), **rules}
    if affinity:
        spec["affinity"] = affinity
    if "tolerations" in p:
        spec["tolerations"] = [
            {k: t[k] for k in ("key", "effect", "value") if k in t} | {"operator": t.get("operator", "Equal")}
            | ({"tolerationSeconds": t["tolerationSeconds"]} if "tolerationSeconds" in t else {})
            for t in p["tolerations"]]
    return w
