"""KubeVela's `replication` policy: in a deploy step that names it, each selected component
(`selector`, every component when absent) becomes one copy per key in `keys`, named
`<component>-<key>` (KubeVela's pkg/oam/util: the replica key joins the name, which the
definitions use as `context.name`). Applied after the step's overrides, as KubeVela's
deploy executor does (topology → override → replication)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from fleettui.config import names
from fleettui.engine.errors import Problem
from fleettui.engine.model import Application, Component

PROPERTIES = {"keys", "selector"}


def replicate(app: Application, policies: Sequence[str], comps: tuple[Component, ...]) -> tuple[Component, ...]:
    for name in policies:
        policy = app.policy(name)
        if policy is None or policy.type != "replication":
            continue
        keys = [str(k) for k in policy.properties.get("keys") or []]
        selected = set(policy.properties.get("selector") or [c.name for c in comps])
        out: list[Component] = []
        for c in comps:
            if c.name in selected:
                out += [dataclasses.replace(c, name=f"{c.name}-{k}") for k in keys]
            else:
                out.append(c)
        comps = tuple(out)
    return comps


def check(props: dict[str, Any], path: str, components: set[str]) -> list[Problem]:
    p: list[Problem] = []
    keys = props.get("keys")
    if not (isinstance(keys, list) and keys and all(isinstance(k, str) and k for k in keys)):
        return [Problem(f"{path}.keys", "required non-empty list of strings")]
    if len(set(keys)) != len(keys):
        p.append(Problem(f"{path}.keys", "duplicate key"))
    selector = props.get("selector")
    if selector is not None and not (isinstance(selector, list) and all(isinstance(s, str) for s in selector)):
        p.append(Problem(f"{path}.selector", "must be a list of component names"))
        selector = None
    for j, s in enumerate(selector or []):
        if s not in components:
            p.append(Problem(f"{path}.selector[{j}]", f"no component {s!r} (components: {', '.join(sorted(components))})"))
    for comp in selector or sorted(components):
        for k in keys:
            # the copy's name is the value of app.oam.dev/component and often an object name
            errs = names.object_name_in_labels(f"{comp}-{k}")
            if errs:
                p.append(Problem(f"{path}.keys", f"{comp}-{k}: " + "; ".join(errs)))
    return p
