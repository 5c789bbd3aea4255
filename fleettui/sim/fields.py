"""Field ownership (metadata.managedFields) and server-side apply.

A field set is a set of paths; a path is a tuple of the tokens fieldsV1 uses:
`f:<field>` for a map key, `k:{"name":"web"}` for a list item identified by its merge
key, `v:"value"` for a member of a list of primitives kept as a set, and `.` for
"the list item itself". Lists without a merge key are atomic: owned as one leaf.

`record_update` does what the apiserver does on create/update/patch: the writing
manager (operation Update) takes ownership of the fields it changed and other managers
lose them. `apply` is server-side apply: conflicts with other owners of a value being
changed are a 409 unless forced; fields the applier owned before and no longer sends
are removed unless someone else owns them too.
"""

from __future__ import annotations

import json
from typing import Any

from fleettui.sim.defaults import clone
from fleettui.sim.errors import ApiError
from fleettui.sim.patch import PRIMITIVE_SETS, merge_key

Path = tuple[str, ...]
_MISSING = object()
_SERVER_META = frozenset({
    "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
    "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "generateName",
})


def _walk(value: Any, path: Path, out: set[Path], parent: dict[str, Any] | None, field: str) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _walk(v, path + (f"f:{k}",), out, value, k)
    elif isinstance(value, list) and value:
        if field in PRIMITIVE_SETS:
            for v in value:
                out.add(path + (f"v:{json.dumps(v, separators=(',', ':'))}",))
            return
        key = merge_key(field, parent)
        if key and all(isinstance(x, dict) and key in x for x in value):
            for item in value:
                item_path = path + (f"k:{json.dumps({key: item[key]}, separators=(',', ':'))}",)
                out.add(item_path + (".",))
                for k, v in item.items():
                    _walk(v, item_path + (f"f:{k}",), out, item, k)
            return
        out.add(path)
    else:
        out.add(path)


def field_paths(obj: dict[str, Any], *, subresource: str | None = None, status_isolated: bool = True) -> set[Path]:
    """Leaf paths of the fields an object (or applied configuration) sets."""
    out: set[Path] = set()
    for k, v in obj.items():
        if k in ("apiVersion", "kind"):
            continue
        if subresource == "status" and k != "status":
            continue
        if subresource is None and status_isolated and k == "status":
            continue
        if k == "metadata" and isinstance(v, dict):
            for mk, mv in v.items():
                if mk not in _SERVER_META:
                    _walk(mv, ("f:metadata", f"f:{mk}"), out, v, mk)
            continue
        _walk(v, (f"f:{k}",), out, obj, k)
    return out


def value_at(obj: Any, path: Path) -> Any:
    cur = obj
    for tok in path:
        if tok == ".":
            return cur
        if tok.startswith("f:"):
            if not isinstance(cur, dict) or tok[2:] not in cur:
                return _MISSING
            cur = cur[tok[2:]]
        elif tok.startswith("k:"):
            want = json.loads(tok[2:])
            if not isinstance(cur, list):
                return _MISSING
            cur = next((x for x in cur if isinstance(x, dict)
                        and all(x.get(k) == v for k, v in want.items())), _MISSING)
            if cur is _MISSING:
                return cur
        elif tok.startswith("v:"):
            v = json.loads(tok[2:])
            return v if isinstance(cur, list) and v in cur else _MISSING
    return cur


def to_fields_v1(paths: set[Path]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for p in sorted(paths):
        node = root
        for tok in p:
            node = node.setdefault(tok, {})
    return root


def from_fields_v1(tree: Any, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    if not isinstance(tree, dict):
        return out
    if not tree and prefix:
        out.add(prefix)
    for k, v in tree.items():
        out |= from_fields_v1(v, prefix + (k,))
    return out


def _entries(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not obj:
        return []
    return [dict(e) for e in obj.get("metadata", {}).get("managedFields") or () if isinstance(e, dict)]


def _entry(manager: str, operation: str, api_version: str, now: str, paths: set[Path],
           subresource: str | None) -> dict[str, Any]:
    e = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now,
         "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)}
    if subresource:
        e["subresource"] = subresource
    return e


def _same(e: dict[str, Any], manager: str, operation: str, subresource: str | None) -> bool:
    return (e.get("manager") == manager and e.get("operation") == operation
            and (e.get("subresource") or None) == subresource)


def record_update(new: dict[str, Any], old: dict[str, Any] | None, manager: str, now: str,
                  api_version: str, *, subresource: str | None = None) -> None:
    """Set new.metadata.managedFields after a non-apply write by `manager`."""
    new_paths = field_paths(new, subresource=subresource, status_isolated=subresource is None)
    if old is None:
        changed, removed = new_paths, set()
    else:
        old_paths = field_paths(old, subresource=subresource, status_isolated=subresource is None)
        changed = {p for p in new_paths if p not in old_paths or value_at(new, p) != value_at(old, p)}
        removed = old_paths - new_paths
    entries = []
    mine: set[Path] = set()
    for e in _entries(old):
        paths = from_fields_v1(e.get("fieldsV1"))
        if _same(e, manager, "Update", subresource):
            mine = paths - removed
            continue
        paths = paths - changed - removed
        if paths:
            e["fieldsV1"] = to_fields_v1(paths)
            entries.append(e)
    mine |= changed
    if mine:
        entries.append(_entry(manager, "Update", api_version, now, mine, subresource))
    new["metadata"]["managedFields"] = entries
    if not entries:
        new["metadata"].pop("managedFields")


# ----------------------------------------------------------- server-side apply

def _merge(live: Any, applied: Any, parent: dict[str, Any] | None, field: str) -> Any:
    if isinstance(applied, dict):
        out = dict(live) if isinstance(live, dict) else {}
        for k, v in applied.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _merge(out.get(k), v, out, k)
        return out
    if isinstance(applied, list):
        if not isinstance(live, list):
            return clone(applied)
        if field in PRIMITIVE_SETS:
            return list(live) + [x for x in applied if x not in live]
        key = merge_key(field, parent)
        if key and all(isinstance(x, dict) and key in x for x in applied):
            out = list(live)
            for item in applied:
                pos = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == item[key]), None)
                if pos is None:
                    out.append(clone(item))
                else:
                    out[pos] = _merge(out[pos], item, None, "")
            return out
        return clone(applied)
    return applied


def _delete_path(obj: Any, path: Path) -> None:
    if path and path[-1] == ".":
        path = path[:-1]
    parent = value_at(obj, path[:-1])
    tok = path[-1]
    if tok.startswith("f:") and isinstance(parent, dict):
        parent.pop(tok[2:], None)
    elif tok.startswith("k:") and isinstance(parent, list):
        want = json.loads(tok[2:])
        parent[:] = [x for x in parent if not (isinstance(x, dict) and all(x.get(k) == v for k, v in want.items()))]
    elif tok.startswith("v:") and isinstance(parent, list):
        v = json.loads(tok[2:])
        parent[:] = [x for x in parent if x != v]


def apply(live: dict[str, Any] | None, applied: dict[str, Any], manager: str, *, force: bool,
          now: str, api_version: str, subresource: str | None = None,
          status_isolated: bool = True, resource_name: str = "") -> dict[str, Any]:
    """The object after `manager` applies `applied` to `live` (None: create).

    Raises the apiserver's 409 Conflict (reason Conflict, causes FieldManagerConflict)
    when another manager owns a field whose value would change, unless `force`.
    """
    applied = clone(applied)
    if subresource is None and status_isolated:
        applied.pop("status", None)
    applied_paths = field_paths(applied, subresource=subresource, status_isolated=status_isolated)
    entries = _entries(live)
    conflicts: list[tuple[str, str, Path]] = []
    others: list[tuple[dict[str, Any], set[Path]]] = []
    previous: set[Path] = set()
    for e in entries:
        paths = from_fields_v1(e.get("fieldsV1"))
        if _same(e, manager, "Apply", subresource):
            previous = paths
            continue
        if (e.get("subresource") or None) != subresource:
            others.append((e, paths))
            continue
        clash = {p for p in applied_paths & paths
                 if p[-1] != "." and value_at(live, p) != value_at(applied, p)}
        if clash and not force:
            conflicts += [(e.get("manager", ""), e.get("apiVersion", ""), p) for p in sorted(clash)]
        others.append((e, paths - clash))
    if conflicts:
        raise _conflict_error(conflicts, resource_name)
    merged = _merge(clone(live) if live else {}, applied, None, "")
    owned_by_others = set().union(*(p for _, p in others)) if others else set()
    for p in sorted(previous - applied_paths - owned_by_others, key=len, reverse=True):
        _delete_path(merged, p)
    out: list[dict[str, Any]] = []
    for e, paths in others:
        if paths:
            e["fieldsV1"] = to_fields_v1(paths)
            out.append(e)
    out.append(_entry(manager, "Apply", api_version, now, applied_paths, subresource))
    merged.setdefault("metadata", {})["managedFields"] = out
    return merged


def _dotted(path: Path) -> str:
    parts = []
    for tok in path:
        if tok.startswith("f:"):
            parts.append("." + tok[2:])
        elif tok.startswith("k:"):
            key = json.loads(tok[2:])
            parts.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in key.items()) + "]")
        elif tok.startswith("v:"):
            parts.append(f"[={tok[2:]}]")
    return "".join(parts)


def _conflict_error(conflicts: list[tuple[str, str, Path]], name: str) -> ApiError:
    n = len(conflicts)
    managers = {(m, v) for m, v, _ in conflicts}
    if n == 1:
        m, v, p = conflicts[0]
        message = f'Apply failed with 1 conflict: conflict with "{m}" using {v}: {_dotted(p)}'
    elif len(managers) == 1:
        m, v = next(iter(managers))
        lines = "\n".join(f"- {_dotted(p)}" for _, _, p in conflicts)
        message = f'Apply failed with {n} conflicts: conflicts with "{m}" using {v}:\n{lines}'
    else:
        lines = "\n".join(f'- conflict with "{m}" using {v}: {_dotted(p)}' for m, v, p in conflicts)
        message = f"Apply failed with {n} conflicts:\n{lines}"
    causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}', "field": _dotted(p)}
              for m, v, p in conflicts]
    return ApiError(409, "Conflict", message, details={"name": name, "causes": causes})
