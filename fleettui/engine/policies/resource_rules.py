"""KubeVela's per-resource policies, each `rules: [{selector: ...}]` with the same selector
as garbage-collect (componentNames, componentTypes, oamTypes, traitTypes, resourceTypes,
resourceNames):

- `take-over`: a matching object that exists and is not ours (another application's, or
  nobody's) is applied anyway and becomes ours — without it we refuse, as KubeVela does;
- `read-only`: a matching object is never written; it must exist, and it is only read
  (its health counts). Not ours, so never garbage collected or deleted;
- `shared-resource`: a matching object another application created as shared is joined,
  not written (policies/shared.py: KubeVela's app.oam.dev/shared-by); its owner alone
  writes and keeps it, and hands it to the next sharer when it lets go;
- `resource-update`: `strategy.op: replace` writes a matching object whole (PUT: fields
  set by others go) instead of server-side apply; `strategy.recreateFields` lists paths
  (`spec.selector`) whose change deletes the live object and creates it anew — for
  fields the API server refuses to change in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fleettui.engine.errors import Problem
from fleettui.engine.model import Application
from fleettui.engine.policies.garbage_collect import SELECTOR_KEYS, Rule, selector_problems
from fleettui.engine.render import Manifest

TYPES = ("take-over", "read-only", "shared-resource", "resource-update")
PROPERTIES = {"rules"}


def _rules(app: Application, ptype: str) -> tuple[Rule, ...]:
    out: list[Rule] = []
    for p in app.policies:
        if p.type == ptype:
            for r in p.properties.get("rules") or []:
                sel = r.get("selector") or {}
                out.append(Rule({k: tuple(str(v) for v in sel[k]) for k in SELECTOR_KEYS if k in sel}, ptype))
    return tuple(out)


@dataclass(frozen=True)
class UpdateStrategy:
    op: str = "patch"  # patch: server-side apply; replace: PUT the whole object
    recreate_fields: tuple[str, ...] = ()


def _update_rules(app: Application) -> tuple[tuple[Rule, UpdateStrategy], ...]:
    out = []
    for p in app.policies:
        if p.type == "resource-update":
            for r in p.properties.get("rules") or []:
                sel = r.get("selector") or {}
                strat = r.get("strategy") or {}
                out.append((Rule({k: tuple(str(v) for v in sel[k]) for k in SELECTOR_KEYS if k in sel}, "update"),
                            UpdateStrategy(strat.get("op") or "patch", tuple(strat.get("recreateFields") or ()))))
    return tuple(out)


def field_at(obj: Any, path: str) -> Any:
    """`spec.selector` of an object (None when any step is missing)."""
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


@dataclass(frozen=True)
class ResourcePolicies:
    take_over: tuple[Rule, ...] = ()
    read_only: tuple[Rule, ...] = ()
    shared: tuple[Rule, ...] = ()
    update: tuple[tuple[Rule, UpdateStrategy], ...] = ()

    @classmethod
    def of(cls, app: Application) -> ResourcePolicies:
        return cls(_rules(app, "take-over"), _rules(app, "read-only"), _rules(app, "shared-resource"),
                   _update_rules(app))

    def update_strategy(self, m: Manifest) -> UpdateStrategy:
        """The first matching resource-update rule's strategy (default: patch)."""
        for rule, strategy in self.update:
            if self._match((rule,), m):
                return strategy
        return UpdateStrategy()

    @staticmethod
    def _match(rules: tuple[Rule, ...], m: Manifest) -> bool:
        meta = m.object.get("metadata") or {}
        return any(r.matches(kind=str(m.object.get("kind")), name=str(meta.get("name")), component=m.component,
                             labels=meta.get("labels") or {}) for r in rules)

    def takes_over(self, m: Manifest) -> bool:
        return self._match(self.take_over, m)

    def is_read_only(self, m: Manifest) -> bool:
        return self._match(self.read_only, m)

    def is_shared(self, m: Manifest) -> bool:
        return self._match(self.shared, m)

    def never_written(self, m: Manifest) -> bool:
        """Not for state keeping to re-apply: read-only. (A shared object is kept by its
        owner only: state keeping asks the live object who that is.)"""
        return self.is_read_only(m)


def check(props: dict[str, Any], path: str, ptype: str = "take-over") -> list[Problem]:
    p: list[Problem] = []
    allowed = ("selector", "strategy") if ptype == "resource-update" else ("selector",)
    rules = props.get("rules")
    if not isinstance(rules, list) or not rules:
        return [Problem(f"{path}.rules", "required list of {selector: ...}")]
    for i, r in enumerate(rules):
        rpath = f"{path}.rules[{i}]"
        if not isinstance(r, dict):
            p.append(Problem(rpath, "must be a mapping (selector)"))
            continue
        p += [Problem(f"{rpath}.{k}", f"field {k!r} is not supported (supported: {', '.join(allowed)})") for k in r
              if k not in allowed]
        strat = r.get("strategy")
        if ptype == "resource-update":
            if not isinstance(strat, dict):
                p.append(Problem(f"{rpath}.strategy", "required mapping (op, recreateFields)"))
            else:
                p += [Problem(f"{rpath}.strategy.{k}", f"field {k!r} is not supported (supported: op, recreateFields)")
                      for k in strat if k not in ("op", "recreateFields")]
                if strat.get("op", "patch") not in ("patch", "replace"):
                    p.append(Problem(f"{rpath}.strategy.op", "must be patch or replace"))
                rf = strat.get("recreateFields")
                if rf is not None and not (isinstance(rf, list) and all(isinstance(x, str) and x for x in rf)):
                    p.append(Problem(f"{rpath}.strategy.recreateFields", "must be a list of field paths"))
        p += selector_problems(rpath, r.get("selector"))
    return p
