"""Override policies and traits, with KubeVela's merge semantics.

KubeVela merges override properties with `mergo.Merge(base, patch, WithOverride)`
(pkg/policy/envbinding/patch.go): maps merge key by key, recursively; a list
or a scalar in the patch *replaces* the base value whole (lists are not merged
by element). Traits are matched by type: properties merged the same way,
`disable: true` removes the trait, an unknown one is appended. A patch without
a name applies to every component (of its type, when it names one); a name may
be a `*` pattern; a name matching nothing adds a component; `selector` keeps
only the named components.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from fleettui.engine.model import Component, Trait


def merge(base: Any, patch: Any) -> Any:
    """mergo WithOverride on decoded JSON: maps deep-merged, everything else replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def merge_component(base: Component, patch: dict[str, Any]) -> Component:
    props = merge(base.properties, patch.get("properties") or {})
    traits: dict[str, Trait] = {t.type: t for t in base.traits}
    order = [t.type for t in base.traits]
    for t in patch.get("traits") or []:
        ttype = t["type"]
        if ttype in traits:
            if t.get("disable"):
                del traits[ttype]
                continue
            traits[ttype] = Trait(ttype, merge(traits[ttype].properties, t.get("properties") or {}))
        elif not t.get("disable"):
            traits[ttype] = Trait(ttype, copy.deepcopy(t.get("properties") or {}))
            order.append(ttype)
    return Component(base.name, base.type, props, tuple(traits[x] for x in order if x in traits))


def _as_component(patch: dict[str, Any]) -> Component:
    return Component(
        patch["name"],
        patch.get("type") or "",
        copy.deepcopy(patch.get("properties") or {}),
        tuple(Trait(t["type"], copy.deepcopy(t.get("properties") or {}))
              for t in patch.get("traits") or [] if not t.get("disable")),
    )


_VALID_NAME = re.compile(r"[a-z]([a-z-]{0,61}[a-z])?")


def patch_components(base: tuple[Component, ...], patches: list[dict[str, Any]],
                     selector: list[str] | None) -> tuple[Component, ...]:
    comps = {c.name: c for c in base}
    order = [c.name for c in base]
    for patch in patches:
        name, ptype = patch.get("name") or "", patch.get("type") or ""
        if not name:
            for cname, comp in list(comps.items()):
                if not ptype or ptype == comp.type:
                    comps[cname] = merge_component(comp, patch)
            continue
        # KubeVela uses MatchString (unanchored) on the pattern; we anchor it, so `web`
        # does not also patch `web-canary` — a deliberate, documented difference.
        add = bool(_VALID_NAME.fullmatch(name))
        try:
            pattern = re.compile("^" + name.replace("*", ".*") + "$")
        except re.error:
            pattern = None
        if pattern is not None:
            for cname, comp in list(comps.items()):
                if pattern.match(cname):
                    add = False
                    if ptype and ptype != comp.type:
                        comps[cname] = _as_component({**patch, "name": cname})
                    else:
                        comps[cname] = merge_component(comp, patch)
        if add and ptype:
            comps[name] = _as_component(patch)
            order.append(name)
    if selector:
        order = [n for n in order if n in selector]
    return tuple(comps[n] for n in order)


# -- traits: patches of the component's workload (its first object) --


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = json_merge_patch(out.get(key), value)
    return out


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def json_patch(doc: Any, operations: list[dict[str, Any]]) -> Any:
    """RFC 6902 (add, remove, replace, move, copy, test); ValueError names the failing op."""
    doc = copy.deepcopy(doc)
    for i, op in enumerate(operations):
        try:
            kind, parts = op["op"], _pointer(op["path"])
            if kind in ("move", "copy"):
                src = _pointer(op["from"])
                value = copy.deepcopy(_walk(doc, src))
                if kind == "move":
                    doc = _remove(doc, src)
                doc = _add(doc, parts, value)
            elif kind == "add":
                doc = _add(doc, parts, copy.deepcopy(op["value"]))
            elif kind == "remove":
                doc = _remove(doc, parts)
            elif kind == "replace":
                doc = _add(_remove(doc, parts), parts, copy.deepcopy(op["value"]))
            elif kind == "test":
                if _walk(doc, parts) != op["value"]:
                    raise ValueError("test failed")
            else:
                raise ValueError(f"unknown op {kind!r}")
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ValueError(f"operations[{i}] ({op.get('op')} {op.get('path')}): {exc}") from exc
    return doc


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            parent.insert(int(last), value)
    else:
        parent[last] = value
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        del parent[int(last)]
    else:
        del parent[last]
    return doc
