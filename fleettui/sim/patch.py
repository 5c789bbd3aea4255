"""The three PATCH formats the apiserver accepts (server-side apply lives in fields.py).

- JSON merge patch, RFC 7386 (`application/merge-patch+json`);
- JSON patch, RFC 6902 (`application/json-patch+json`);
- strategic merge patch (`application/strategic-merge-patch+json`): a merge patch in
  which the lists of built-in kinds that carry a `patchMergeKey` in k8s.io/api are
  merged item by item on that key, lists of primitives marked `patchStrategy=merge`
  (finalizers) are merged as sets, and the `$patch`, `$deleteFromPrimitiveList`,
  `$setElementOrder` and `$retainKeys` directives are honoured. Custom resources
  have no strategic schema: like the apiserver, they reject it with 415.

All functions are pure: they return new data and never modify their inputs.
"""

from __future__ import annotations

from typing import Any

from fleettui.sim.defaults import clone
from fleettui.sim.errors import ApiError, bad_request, invalid

# patchMergeKey of list fields in k8s.io/api, by field name. `ports` depends on the
# parent: a container's ports merge on containerPort, a Service's on port.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "schedulingGates": "name",
    "conditions": "type",
    "addresses": "type",
    "ownerReferences": "uid",
    "secrets": "name",  # ServiceAccount.secrets
    "readinessGates": "conditionType",
}
# Lists of primitives with patchStrategy=merge: merged as sets.
PRIMITIVE_SETS = frozenset({"finalizers"})


def merge_key(field: str, parent: dict[str, Any] | None) -> str | None:
    if field == "ports":
        if parent is not None and ("image" in parent or "name" in parent):  # a container
            return "containerPort"
        return "port"
    return MERGE_KEYS.get(field)


# ------------------------------------------------------------- merge (RFC 7386)

def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


# -------------------------------------------------------- JSON patch (RFC 6902)

def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f'json patch path "{path}" must start with "/"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, *, for_add: bool) -> int:
    if for_add and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise bad_request(f"json patch: invalid array index {token!r}")
    i = int(token)
    if i > len(container) or (not for_add and i == len(container)):
        raise ApiError(422, "Invalid", f"json patch: array index {i} out of bounds")
    return i


def _walk(doc: Any, tokens: list[str]) -> Any:
    cur = doc
    for t in tokens:
        if isinstance(cur, dict):
            if t not in cur:
                raise ApiError(422, "Invalid", f"json patch: missing path element {t!r}")
            cur = cur[t]
        elif isinstance(cur, list):
            cur = cur[_index(cur, t, for_add=False)]
        else:
            raise ApiError(422, "Invalid", f"json patch: cannot descend into {type(cur).__name__}")
    return cur


def _remove(doc: Any, tokens: list[str]) -> Any:
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise ApiError(422, "Invalid", f"json patch: unable to remove nonexistent key {last!r}")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, for_add=False))
    raise ApiError(422, "Invalid", "json patch: remove target is not a container")


def _add(doc: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, for_add=True), value)
    else:
        raise ApiError(422, "Invalid", "json patch: add target is not a container")
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise bad_request("json patch must be a JSON array of operations")
    doc = clone(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"json patch: malformed operation {op!r}")
        kind, tokens = op["op"], _pointer(op["path"])
        if kind in ("add", "replace", "test") and "value" not in op:
            raise bad_request(f"json patch: {kind} operation needs a value")
        if kind == "add":
            doc = _add(doc, tokens, clone(op["value"]))
        elif kind == "remove":
            _remove(doc, tokens)
        elif kind == "replace":
            if tokens:
                _walk(doc, tokens)  # must exist
                _remove(doc, tokens)
            doc = _add(doc, tokens, clone(op["value"]))
        elif kind in ("move", "copy"):
            if "from" not in op:
                raise bad_request(f"json patch: {kind} operation needs from")
            src = _pointer(op["from"])
            value = clone(_walk(doc, src)) if kind == "copy" else _remove(doc, src)
            doc = _add(doc, tokens, value)
        elif kind == "test":
            if _walk(doc, tokens) != op["value"]:
                raise ApiError(422, "Invalid", f"json patch: test operation failed at {op['path']}")
        else:
            raise bad_request(f"json patch: unknown operation {kind!r}")
    return doc


# ----------------------------------------------------------- strategic merge

def strategic_merge(target: Any, patch: Any, *, parent: dict[str, Any] | None = None) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    if patch.get("$patch") == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys") or k.startswith("$setElementOrder/"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(v, list):
                result[field] = [x for x in result[field] if x not in v]
            continue
        if v is None:
            result.pop(k, None)
        elif isinstance(v, list):
            result[k] = _merge_list(k, result.get(k), v, result, patch.get(f"$setElementOrder/{k}"))
        elif isinstance(v, dict):
            merged = strategic_merge(result.get(k), v, parent=result)
            if merged is None:
                result.pop(k, None)
            else:
                result[k] = merged
        else:
            result[k] = v
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(
    field: str, live: Any, patch: list[Any], parent: dict[str, Any], order: Any
) -> list[Any]:
    live = live if isinstance(live, list) else []
    if field in PRIMITIVE_SETS:
        out = list(live)
        for x in patch:
            if x not in out:
                out.append(x)
        return _order(out, order, None)
    key = merge_key(field, parent)
    if key is None or not all(isinstance(x, dict) for x in patch):
        if any(isinstance(x, dict) and x.get("$patch") == "replace" for x in patch):
            return [clone({k: v for k, v in x.items() if k != "$patch"}) for x in patch
                    if not (isinstance(x, dict) and x.get("$patch") == "replace" and len(x) == 1)]
        return clone(patch)
    if any(x.get("$patch") == "replace" for x in patch):
        return [clone({k: v for k, v in x.items() if k != "$patch"}) for x in patch if x.get("$patch") != "replace"]
    out = [x for x in live]
    for item in patch:
        if key not in item:
            raise bad_request(f"map: {item!r} does not contain declared merge key: {key}")
        pos = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if pos is not None:
                out.pop(pos)
            continue
        if pos is None:
            out.append(strategic_merge({}, item))
        else:
            out[pos] = strategic_merge(out[pos], item)
    return _order(out, order, key)


def _order(items: list[Any], order: Any, key: str | None) -> list[Any]:
    """$setElementOrder: put the listed elements first, in that order (kubectl sends it)."""
    if not isinstance(order, list):
        return items
    wanted = [o.get(key) if key and isinstance(o, dict) else o for o in order]
    ident = (lambda x: x.get(key) if isinstance(x, dict) else x) if key else (lambda x: x)
    ranked = sorted(range(len(items)), key=lambda i: (
        wanted.index(ident(items[i])) if ident(items[i]) in wanted else len(wanted), i))
    return [items[i] for i in ranked]


def apply_patch(kind_name: str, patch_type: str, live: dict[str, Any], body: Any, *, builtin: bool) -> Any:
    """Dispatch on the Content-Type's patch format; raises ApiError (400/415/422)."""
    if patch_type == "json":
        return json_patch(live, body)
    if not isinstance(body, dict):
        raise bad_request("the patch body must be a JSON object")
    if patch_type == "merge":
        return merge_patch(live, body)
    if patch_type == "strategic":
        if not builtin:
            raise ApiError(415, "UnsupportedMediaType",
                           "strategic merge patch is not supported for custom resources; "
                           "use a JSON merge patch or server-side apply")
        return strategic_merge(live, body)
    raise invalid(kind_name, "", "", [("FieldValueNotSupported", "patchType", f"Unsupported value: {patch_type!r}")])
