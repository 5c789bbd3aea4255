"""Validation of `spec.policies`: KubeVela's policy types, anonymous ones named as
KubeVela names them, each type's properties; and the override entries that name no
component (a warning, not a refusal)."""

from __future__ import annotations

from typing import Any

from fleettui.config import names
from fleettui.engine.components import COMPONENT_TYPES
from fleettui.engine.errors import Problem
from fleettui.engine.model import POLICY_TYPES, Application, Policy
from fleettui.engine.placement import extensions
from fleettui.engine.policies import garbage_collect, replication, resource_rules
from fleettui.engine.validate_components import parse_traits
from fleettui.engine.validate_fields import (
    COMPONENT_KEYS,
    check_labels,
    check_name,
    properties_of,
    unknown_fields,
)

_POLICY_KEYS = {"name", "type", "properties"}


def parse_policies(p: list[Problem], raw: Any, components: set[str]) -> list[Policy]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        p.append(Problem("spec.policies", "must be a list"))
        return []
    out: list[Policy] = []
    for i, pol in enumerate(raw):
        path = f"spec.policies[{i}]"
        if not isinstance(pol, dict):
            p.append(Problem(path, "must be a mapping"))
            continue
        unknown_fields(p, pol, _POLICY_KEYS, path)
        name, ptype = pol.get("name"), pol.get("type")
        if name in (None, "") and isinstance(ptype, str):
            # an anonymous policy gets the name KubeVela gives it (pkg/appfile/parser.go),
            # so the default workflow's step is `deploy-topology-auto-gen-0` on both hubs
            name = f"{ptype}-auto-gen-{i}"
        if not isinstance(name, str) or not name:
            p.append(Problem(f"{path}.name", "required"))
            continue
        if any(x.name == name for x in out):
            p.append(Problem(f"{path}.name", f"duplicate policy name {name!r}"))
        if ptype not in POLICY_TYPES:
            p.append(Problem(f"{path}.type", f"policy type {ptype!r} is not supported "
                             f"(supported: {', '.join(POLICY_TYPES)})"))
            continue
        props = properties_of(p, pol.get("properties"), ptype, f"{path}.properties")
        ppath = f"{path}.properties"
        if ptype == "topology":
            if not props.get("clusters") and "clusterLabelSelector" not in props \
                    and "clusterSelector" not in props:
                p.append(Problem(ppath, "clusters or clusterLabelSelector is required "
                                 "(clusterLabelSelector: {} selects every cluster)"))
            if "clusters" in props and not (isinstance(props["clusters"], list)
                                            and all(isinstance(c, str) for c in props["clusters"])):
                p.append(Problem(f"{ppath}.clusters", "must be a list of cluster names"))
            for key in ("clusterLabelSelector", "clusterSelector"):
                if key in props and props[key] is not None:
                    check_labels(p, f"{ppath}.{key}", props[key], selector=True)
            if props.get("namespace"):
                check_name(p, f"{ppath}.namespace", props["namespace"], names.dns1123_label)
        elif ptype == "override":
            comps = props.get("components")
            if not isinstance(comps, list):
                p.append(Problem(f"{ppath}.components", "required list"))
                comps = []
            for j, c in enumerate(comps):
                cpath = f"{ppath}.components[{j}]"
                if not isinstance(c, dict):
                    p.append(Problem(cpath, "must be a mapping"))
                    continue
                unknown_fields(p, c, COMPONENT_KEYS, cpath)
                if c.get("type") not in (None, "", *COMPONENT_TYPES):
                    p.append(Problem(f"{cpath}.type", f"component type {c.get('type')!r} is not supported"))
                if c.get("properties") is not None and not isinstance(c.get("properties"), dict):
                    p.append(Problem(f"{cpath}.properties", "must be a mapping"))
                parse_traits(p, c.get("traits"), f"{cpath}.traits", patch=True)
            sel = props.get("selector")
            if sel is not None and not (isinstance(sel, list) and all(isinstance(s, str) for s in sel)):
                p.append(Problem(f"{ppath}.selector", "must be a list of component names"))
        elif ptype == "replication":
            p += replication.check(props, ppath, components)
        elif ptype in resource_rules.TYPES:
            p += resource_rules.check(props, ppath, ptype)
        elif ptype == "garbage-collect":
            p += garbage_collect.check(props, ppath)
        elif ptype == "apply-once":
            rules = props.get("rules") or []
            for j, r in enumerate(rules if isinstance(rules, list) else []):
                rpath = f"{ppath}.rules[{j}]"
                if not isinstance(r, dict) or not isinstance(r.get("strategy"), dict) \
                        or not isinstance(r["strategy"].get("path"), list):
                    p.append(Problem(f"{rpath}.strategy.path", "required list of paths"))
                    continue
                unknown_fields(p, r, {"selector", "strategy"}, rpath)
                unknown_fields(p, r["strategy"], {"affect", "path"}, f"{rpath}.strategy")
                if r["strategy"].get("affect") not in (None, "", "onUpdate", "onStateKeep", "always"):
                    p.append(Problem(f"{rpath}.strategy.affect", "must be onUpdate, onStateKeep or always"))
                unknown_fields(p, r.get("selector") or {}, {"componentNames", "componentTypes",
                                                       "resourceTypes", "resourceNames"}, f"{rpath}.selector")
        elif ptype in extensions.POLICY_KEYS:
            p.extend(Problem(f, m) for f, m in extensions.policy_problems(ptype, props, ppath))
        out.append(Policy(name, ptype, props))
    return out


def unknown_override_components(app: Application) -> list[str]:
    """Override entries naming a component the application does not have. KubeVela
    ignores them silently; they are almost always a typo, so the CLI warns."""
    known = {c.name for c in app.components}
    out = []
    for policy in app.policies:
        if policy.type != "override":
            continue
        props = policy.properties
        named = [c.get("name") for c in props.get("components") or [] if isinstance(c, dict)]
        named += list(props.get("selector") or [])
        out += [f"override policy {policy.name!r} names component {n!r}, which the application "
                f"does not have (components: {', '.join(sorted(known))}); it changes nothing"
                for n in dict.fromkeys(named) if n and n not in known]
    return out
