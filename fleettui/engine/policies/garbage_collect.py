"""KubeVela's `garbage-collect` policy: what happens to an object the application no
longer places (onAppUpdate), or places when the application is deleted (onAppDelete).

- `keepLegacyResource: true` — objects of older revisions stay until the application is
  deleted.
- `rules[]` — the first rule whose selector matches an object decides its strategy:
  `onAppUpdate` (the default: collected when a new revision no longer has it),
  `onAppDelete` (kept across updates, deleted with the application), `never` (left in the
  cluster even when the application is deleted).

Selectors (KubeVela's ResourcePolicyRuleSelector): componentNames, componentTypes,
oamTypes (COMPONENT / TRAIT), traitTypes, resourceTypes (kinds), resourceNames; every
field given must match. Types are read from the labels the renderer puts on objects
(`workload.oam.dev/type`, `trait.oam.dev/type`), so they need the live object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fleettui.engine.components import TRAIT_TYPE_LABEL, WORKLOAD_TYPE_LABEL
from fleettui.engine.errors import Problem
from fleettui.engine.model import Application

ON_UPDATE, ON_DELETE, NEVER = "onAppUpdate", "onAppDelete", "never"
STRATEGIES = (ON_UPDATE, ON_DELETE, NEVER)
SELECTOR_KEYS = ("componentNames", "componentTypes", "oamTypes", "traitTypes", "resourceTypes", "resourceNames")
PROPERTIES = {"keepLegacyResource", "continueOnFailure", "rules", "application", "order"}
OAM_TYPES = ("COMPONENT", "TRAIT")
AUXILIARY = "AuxiliaryWorkload"  # trait.oam.dev/type of a component's own extra outputs
_NEEDS_LIVE = ("componentTypes", "oamTypes", "traitTypes")


@dataclass(frozen=True)
class Rule:
    selector: Mapping[str, tuple[str, ...]]
    strategy: str

    @property
    def needs_live(self) -> bool:
        return any(k in self.selector for k in _NEEDS_LIVE)

    def matches(self, *, kind: str, name: str, component: str, labels: Mapping[str, str]) -> bool:
        trait = labels.get(TRAIT_TYPE_LABEL)
        facts = {
            "componentNames": component, "resourceTypes": kind, "resourceNames": name,
            "componentTypes": labels.get(WORKLOAD_TYPE_LABEL, ""),
            "oamTypes": "TRAIT" if trait and trait != AUXILIARY else "COMPONENT",
            "traitTypes": trait if trait and trait != AUXILIARY else "",
        }
        return all(facts[k] in values for k, values in self.selector.items())


@dataclass(frozen=True)
class GCPolicy:
    keep_legacy: bool = False
    rules: tuple[Rule, ...] = ()

    @property
    def needs_live(self) -> bool:
        return any(r.needs_live for r in self.rules)

    def strategy(self, *, kind: str, name: str, component: str, labels: Mapping[str, str] | None = None) -> str:
        for rule in self.rules:
            if rule.matches(kind=kind, name=name, component=component, labels=labels or {}):
                return rule.strategy
        return ON_UPDATE

    def keep_on_update(self, *, kind: str, name: str, component: str, labels: Mapping[str, str] | None = None) -> bool:
        if self.keep_legacy:
            return True
        return self.strategy(kind=kind, name=name, component=component, labels=labels) != ON_UPDATE

    def keep_on_delete(self, *, kind: str, name: str, component: str, labels: Mapping[str, str] | None = None) -> bool:
        return self.strategy(kind=kind, name=name, component=component, labels=labels) == NEVER


def of(app: Application) -> GCPolicy:
    """The application's garbage-collect policy (KubeVela uses the first one), or the default."""
    policy = next((p for p in app.policies if p.type == "garbage-collect"), None)
    if policy is None:
        return GCPolicy()
    props = policy.properties
    rules = tuple(Rule({k: tuple(str(v) for v in (r.get("selector") or {})[k])
                        for k in SELECTOR_KEYS if k in (r.get("selector") or {})}, r.get("strategy") or ON_UPDATE)
                  for r in props.get("rules") or [])
    return GCPolicy(bool(props.get("keepLegacyResource")), rules)


def check(props: dict[str, Any], path: str) -> list[Problem]:
    """What validation refuses, by field."""
    p: list[Problem] = []
    if props.get("keepLegacyResource") is not None and not isinstance(props["keepLegacyResource"], bool):
        p.append(Problem(f"{path}.keepLegacyResource", "must be true or false"))
    for key in ("application", "order", "continueOnFailure"):
        if key in props:
            p.append(Problem(f"{path}.{key}", f"{key} is not supported by fleettui's garbage collection"))
    rules = props.get("rules")
    if rules is None:
        return p
    if not isinstance(rules, list):
        return [*p, Problem(f"{path}.rules", "must be a list")]
    for i, r in enumerate(rules):
        rpath = f"{path}.rules[{i}]"
        if not isinstance(r, dict):
            p.append(Problem(rpath, "must be a mapping (selector, strategy)"))
            continue
        p += [Problem(f"{rpath}.{k}", f"field {k!r} is not supported (supported: selector, strategy)")
              for k in r if k not in ("selector", "strategy")]
        if r.get("strategy", ON_UPDATE) not in STRATEGIES:
            p.append(Problem(f"{rpath}.strategy", f"must be one of {', '.join(STRATEGIES)}"))
        p += selector_problems(rpath, r.get("selector"))
    return p


def selector_problems(rpath: str, sel: Any) -> list[Problem]:
    """A rule's `selector` as every resource policy takes it (garbage-collect, take-over,
    read-only, shared-resource, resource-update share KubeVela's ResourcePolicyRuleSelector)."""
    if not isinstance(sel, dict) or not sel:
        return [Problem(f"{rpath}.selector", f"required mapping of {', '.join(SELECTOR_KEYS)}")]
    p: list[Problem] = []
    for k, v in sel.items():
        if k not in SELECTOR_KEYS:
            p.append(Problem(f"{rpath}.selector.{k}", f"not supported (supported: {', '.join(SELECTOR_KEYS)})"))
        elif not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            p.append(Problem(f"{rpath}.selector.{k}", "must be a list of strings"))
        elif k == "oamTypes" and any(x not in OAM_TYPES for x in v):
            p.append(Problem(f"{rpath}.selector.oamTypes", "values are COMPONENT or TRAIT"))
    return p
