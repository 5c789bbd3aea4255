"""Validation of an Application document against what fleettui runs: every problem
found, each with its field path, so one refusal names everything to fix."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fleettui.config import names
from fleettui.engine import components as registry
from fleettui.engine.components import COMPONENT_TYPES, TRAIT_TYPES
from fleettui.engine.errors import AppInvalid, Problem
from fleettui.engine.model import (
    API_VERSION,
    KIND,
    POLICY_TYPES,
    STEP_TYPES,
    Application,
    Component,
    Policy,
    Step,
    Trait,
)
from fleettui.engine.placement import extensions
from fleettui.engine.policies import garbage_collect, replication, resource_rules
from fleettui.engine.steps import STEP_PROPERTIES, STEP_REQUIRED, export_service
from fleettui.engine.steps.check_metrics import parse_condition
from fleettui.engine.steps.notification import UNSUPPORTED_CHANNELS, webhook_url

_APP_KEYS = {"apiVersion", "kind", "metadata", "spec", "status"}
_SPEC_KEYS = {"components", "policies", "workflow"}
_COMPONENT_KEYS = {"name", "type", "properties", "traits"}
_TRAIT_KEYS = {"type", "properties"}
_POLICY_KEYS = {"name", "type", "properties"}
_WORKFLOW_KEYS = {"steps", "mode", "ref"}
_STEP_KEYS = {"name", "type", "properties", "subSteps", "dependsOn", "if", "timeout", "inputs", "outputs"}
_PROPERTY_KEYS: dict[str, set[str]] = {
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


def parse_application(doc: Any, *, default_namespace: str = "default") -> Application:
    """Validate and normalize one Application document; raise AppInvalid naming every problem."""
    p: list[Problem] = []
    if not isinstance(doc, dict):
        raise AppInvalid("<input>", [Problem("", "an Application must be a mapping")])
    meta = m if isinstance(m := doc.get("metadata"), dict) else {}
    name = n if isinstance(n := meta.get("name"), str) else ""
    namespace = meta.get("namespace") or default_namespace
    label = f"{namespace}/{name}" if name else "<unnamed>"
    if doc.get("apiVersion") != API_VERSION or doc.get("kind") != KIND:
        p.append(Problem("apiVersion", f"expected apiVersion {API_VERSION} kind {KIND}, "
                         f"got {doc.get('apiVersion')!r} {doc.get('kind')!r}"))
    if not name:
        p.append(Problem("metadata.name", "required"))
    else:
        # the name is also the value of app.oam.dev/name on every placed object
        _name(p, "metadata.name", name, names.object_name_in_labels)
    if not isinstance(namespace, str):
        p.append(Problem("metadata.namespace", "must be a string"))
        namespace, label = default_namespace, f"{default_namespace}/{name}" if name else "<unnamed>"
    else:
        _name(p, "metadata.namespace", namespace, names.dns1123_label)
    _unknown(p, doc, _APP_KEYS, "")
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        p.append(Problem("spec", "required mapping"))
        raise AppInvalid(label, p)
    _unknown(p, spec, _SPEC_KEYS, "spec")
    components = tuple(_components(p, spec.get("components")))
    policies = tuple(_policies(p, spec.get("policies"), {c.name for c in components}))
    steps = tuple(_workflow(p, spec.get("workflow"), {x.name: x for x in policies}, {c.name for c in components}))
    if not steps and not any(x.type == "topology" for x in policies):
        # KubeVela would deploy to its own hub cluster; fleettui has no "local" cluster.
        p.append(Problem("spec.policies", "no topology policy: say which clusters to deploy to"))
    if p:
        raise AppInvalid(label, p)
    document = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {k: copy.deepcopy(v) for k, v in meta.items()
                     if k in ("name", "labels", "annotations")} | {"namespace": namespace},
        "spec": copy.deepcopy(spec),
    }
    wmode = ((spec.get("workflow") or {}).get("mode") or {}) if isinstance(spec.get("workflow"), dict) else {}
    mode = (wmode.get("steps") or "StepByStep", wmode.get("subSteps") or "DAG") if isinstance(wmode, dict) \
        else ("StepByStep", "DAG")
    return Application(name, namespace, components, policies, steps, document, mode)


def _name(p: list[Problem], path: str, value: Any, rule: Callable[[str], list[str]]) -> None:
    """A name Kubernetes would refuse, refused now, in Kubernetes' words."""
    if not isinstance(value, str):
        p.append(Problem(path, "must be a string"))
        return
    errs = rule(value)
    if errs:
        p.append(Problem(path, names.invalid("", value, errs)[2:]))


def _labels(p: list[Problem], path: str, labels: Any, *, selector: bool = False) -> None:
    """Label keys and values (a selector's values are compared as strings, so 3 means "3")."""
    if not isinstance(labels, dict):
        p.append(Problem(path, "must be a mapping of label to value"))
        return
    for key, value in labels.items():
        if not isinstance(key, str):
            p.append(Problem(path, f"label key {key!r} must be a string"))
            continue
        _name(p, f"{path}.{key}", key, names.qualified_name)
        if selector and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            _name(p, f"{path}.{key}", value, names.label_value)
        else:
            p.append(Problem(f"{path}.{key}", f"value must be a string (quote it: '{value}')"))


def _unknown(p: list[Problem], obj: dict[str, Any], known: set[str], path: str) -> None:
    for key in obj:
        if key not in known:
            where = f"{path}.{key}" if path else key
            p.append(Problem(where, f"field {key!r} is not supported (supported: {', '.join(sorted(known)) or 'none'})"))


def _props(p: list[Problem], raw: Any, kind: str, path: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        p.append(Problem(path, "must be a mapping"))
        return {}
    _unknown(p, raw, _PROPERTY_KEYS[kind], path)
    return raw


def _components(p: list[Problem], raw: Any) -> list[Component]:
    if not isinstance(raw, list) or not raw:
        p.append(Problem("spec.components", "at least one component is required"))
        return []
    out: list[Component] = []
    seen: set[str] = set()
    for i, c in enumerate(raw):
        path = f"spec.components[{i}]"
        if not isinstance(c, dict):
            p.append(Problem(path, "must be a mapping"))
            continue
        _unknown(p, c, _COMPONENT_KEYS, path)
        name, ctype = c.get("name"), c.get("type")
        if not isinstance(name, str) or not name:
            p.append(Problem(f"{path}.name", "required"))
            continue
        if name in seen:
            p.append(Problem(f"{path}.name", f"duplicate component name {name!r}"))
        # the value of app.oam.dev/component on what it places
        _name(p, f"{path}.name", name, names.object_name_in_labels)
        seen.add(name)
        if ctype not in COMPONENT_TYPES:
            p.append(Problem(f"{path}.type", f"component type {ctype!r} is not supported "
                             f"(supported: {', '.join(COMPONENT_TYPES)})"))
            continue
        props = _props(p, c.get("properties"), ctype, f"{path}.properties")
        if registry.is_templated(ctype):
            _definition_props(p, props, ctype, f"{path}.properties")
        else:
            _objects(p, props, ctype, f"{path}.properties.objects")
        traits = tuple(_traits(p, c.get("traits"), f"{path}.traits"))
        out.append(Component(name, ctype, props, traits))
    return out


def _objects(p: list[Problem], props: dict[str, Any], ctype: str, path: str) -> None:
    objs = props.get("objects")
    if not isinstance(objs, list) or not objs:
        p.append(Problem(path, "at least one object is required"))
        return
    for j, o in enumerate(objs):
        opath = f"{path}[{j}]"
        if not isinstance(o, dict):
            p.append(Problem(opath, "must be a mapping"))
            continue
        if ctype == "k8s-objects":
            for key in ("apiVersion", "kind"):
                if not isinstance(o.get(key), str) or not o.get(key):
                    p.append(Problem(f"{opath}.{key}", "required"))
            meta = m if isinstance(m := o.get("metadata"), dict) else {}
            name = meta.get("name")
            if not isinstance(name, str) or not name:
                p.append(Problem(f"{opath}.metadata.name", "required"))
            else:
                _name(p, f"{opath}.metadata.name", name, names.dns1123_subdomain)
            if meta.get("namespace") is not None:
                _name(p, f"{opath}.metadata.namespace", meta["namespace"], names.dns1123_label)
            if meta.get("labels") is not None:
                _labels(p, f"{opath}.metadata.labels", meta["labels"])
        else:
            _unknown(p, o, _REF_OBJECT_KEYS, opath)
            if not (o.get("resource") or o.get("kind")):
                p.append(Problem(f"{opath}.resource", "required (e.g. deployment, configmap)"))
            if o.get("name") and o.get("labelSelector"):
                p.append(Problem(opath, "name and labelSelector are exclusive"))
            if not o.get("name") and not o.get("labelSelector"):
                p.append(Problem(f"{opath}.name", "name or labelSelector is required"))
            if o.get("name"):
                _name(p, f"{opath}.name", o["name"], names.dns1123_subdomain)
            if o.get("namespace"):
                _name(p, f"{opath}.namespace", o["namespace"], names.dns1123_label)


def _definition_props(p: list[Problem], props: dict[str, Any], ctype: str, path: str) -> None:
    """Required parameters of a templated type, and the shape of the ones people get wrong."""
    for key in registry.COMPONENT_REQUIRED.get(ctype, ()):
        if props.get(key) in (None, ""):
            p.append(Problem(f"{path}.{key}", f"required by component type {ctype}"))
    ports = props.get("ports")
    if ports is not None:
        if not isinstance(ports, list):
            p.append(Problem(f"{path}.ports", "must be a list"))
            ports = []
        for j, port in enumerate(ports):
            if not isinstance(port, dict) or not isinstance(port.get("port"), int):
                p.append(Problem(f"{path}.ports[{j}].port", "required port number"))
                continue
            _unknown(p, port, {"port", "containerPort", "name", "protocol", "expose", "nodePort"}, f"{path}.ports[{j}]")
    vm = props.get("volumeMounts")
    if isinstance(vm, dict):
        _unknown(p, vm, {"pvc", "configMap", "secret", "emptyDir", "hostPath"}, f"{path}.volumeMounts")
    for key in ("env", "imagePullSecrets", "cmd", "args", "volumes", "hostAliases"):
        if props.get(key) is not None and not isinstance(props[key], list):
            p.append(Problem(f"{path}.{key}", "must be a list"))


def _trait_props(p: list[Problem], props: dict[str, Any], ttype: str, path: str, *, patch: bool) -> None:
    spec = registry.TRAITS[ttype]
    if spec.properties is not None:
        _unknown(p, props, set(spec.properties), path)
    if spec.problems is not None:
        p.extend(Problem(f"{path}.{where}", why) for where, why in spec.problems(props))
    if patch:  # an override's trait patch is merged into the component's: nothing required
        return
    for key in spec.required:
        if props.get(key) in (None, ""):
            p.append(Problem(f"{path}.{key}", f"required by trait {ttype}"))


def _traits(p: list[Problem], raw: Any, path: str, *, patch: bool = False) -> list[Trait]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        p.append(Problem(path, "must be a list"))
        return []
    out: list[Trait] = []
    for i, t in enumerate(raw):
        tpath = f"{path}[{i}]"
        if not isinstance(t, dict):
            p.append(Problem(tpath, "must be a mapping"))
            continue
        _unknown(p, t, _TRAIT_KEYS | ({"disable"} if patch else set()), tpath)
        if t.get("type") not in TRAIT_TYPES:
            p.append(Problem(f"{tpath}.type", f"trait type {t.get('type')!r} is not supported "
                             f"(supported: {', '.join(TRAIT_TYPES)})"))
            continue
        props = t.get("properties") or {}
        if not isinstance(props, dict):
            p.append(Problem(f"{tpath}.properties", "must be a mapping"))
            continue
        _trait_props(p, props, t["type"], f"{tpath}.properties", patch=patch)
        out.append(Trait(t["type"], props))
    return out


def _policies(p: list[Problem], raw: Any, components: set[str]) -> list[Policy]:
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
        _unknown(p, pol, _POLICY_KEYS, path)
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
        props = _props(p, pol.get("properties"), ptype, f"{path}.properties")
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
                    _labels(p, f"{ppath}.{key}", props[key], selector=True)
            if props.get("namespace"):
                _name(p, f"{ppath}.namespace", props["namespace"], names.dns1123_label)
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
                _unknown(p, c, _COMPONENT_KEYS, cpath)
                if c.get("type") not in (None, "", *COMPONENT_TYPES):
                    p.append(Problem(f"{cpath}.type", f"component type {c.get('type')!r} is not supported"))
                if c.get("properties") is not None and not isinstance(c.get("properties"), dict):
                    p.append(Problem(f"{cpath}.properties", "must be a mapping"))
                _traits(p, c.get("traits"), f"{cpath}.traits", patch=True)
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
                _unknown(p, r, {"selector", "strategy"}, rpath)
                _unknown(p, r["strategy"], {"affect", "path"}, f"{rpath}.strategy")
                if r["strategy"].get("affect") not in (None, "", "onUpdate", "onStateKeep", "always"):
                    p.append(Problem(f"{rpath}.strategy.affect", "must be onUpdate, onStateKeep or always"))
                _unknown(p, r.get("selector") or {}, {"componentNames", "componentTypes",
                                                       "resourceTypes", "resourceNames"}, f"{rpath}.selector")
        elif ptype in extensions.POLICY_KEYS:
            p.extend(Problem(f, m) for f, m in extensions.policy_problems(ptype, props, ppath))
        out.append(Policy(name, ptype, props))
    return out


def _workflow(p: list[Problem], raw: Any, policies: dict[str, Policy], components: set[str]) -> list[Step]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        p.append(Problem("spec.workflow", "must be a mapping"))
        return []
    _unknown(p, raw, _WORKFLOW_KEYS, "spec.workflow")
    if raw.get("ref") not in (None, ""):
        # resolved before parsing (engine/external.py); one left here names a Workflow not found
        p.append(Problem("spec.workflow.ref", f"no Workflow {raw['ref']!r} (core.oam.dev/v1alpha1) found: give it "
                         "in the same file as another document, or create it on the hub"))
    mode = raw.get("mode") or {}
    if not isinstance(mode, dict):
        p.append(Problem("spec.workflow.mode", "must be a mapping (steps, subSteps)"))
        mode = {}
    _unknown(p, mode, {"steps", "subSteps"}, "spec.workflow.mode")
    for key in ("steps", "subSteps"):
        if mode.get(key, "StepByStep") not in ("StepByStep", "DAG"):
            p.append(Problem(f"spec.workflow.mode.{key}", "must be StepByStep or DAG"))
    steps = _steps(p, raw.get("steps") or [], "spec.workflow.steps", policies, top=True, components=components)
    names = [s.name for s in steps] + [x.name for s in steps for x in s.sub_steps]
    for n in {n for n in names if names.count(n) > 1}:
        p.append(Problem("spec.workflow.steps", f"duplicate step name {n!r}"))
    _step_links(p, steps, "spec.workflow.steps", set(names))
    produced = {o["name"] for s in steps for x in (s, *s.sub_steps) for o in x.outputs}
    for i, s in enumerate(steps):
        for path, x in [(f"spec.workflow.steps[{i}]", s)] + [
                (f"spec.workflow.steps[{i}].subSteps[{k}]", sub) for k, sub in enumerate(s.sub_steps)]:
            for j, item in enumerate(x.inputs):
                if item["from"] not in produced:
                    p.append(Problem(f"{path}.inputs[{j}].from", f"no step outputs {item['from']!r} "
                                     f"(outputs: {', '.join(sorted(produced)) or 'none'})"))
    return steps


def _steps(p: list[Problem], raw: Any, path: str, policies: dict[str, Policy], *, top: bool,
           components: set[str]) -> list[Step]:
    if not isinstance(raw, list):
        p.append(Problem(path, "must be a list"))
        return []
    out: list[Step] = []
    for i, s in enumerate(raw):
        spath = f"{path}[{i}]"
        if not isinstance(s, dict):
            p.append(Problem(spath, "must be a mapping"))
            continue
        _unknown(p, s, _STEP_KEYS, spath)
        name, stype = s.get("name"), s.get("type")
        if not isinstance(name, str) or not name:
            p.append(Problem(f"{spath}.name", "required"))
            continue
        allowed = STEP_TYPES if top else tuple(t for t in STEP_TYPES if t != "step-group")
        if stype not in allowed:
            p.append(Problem(f"{spath}.type", f"step type {stype!r} is not supported here "
                             f"(supported: {', '.join(allowed)})"))
            continue
        props = _props(p, s.get("properties"), stype, f"{spath}.properties")
        if stype == "deploy":
            for j, pol in enumerate(props.get("policies") or []):
                target = policies.get(pol)
                if target is None:
                    p.append(Problem(f"{spath}.properties.policies[{j}]", f"no policy named {pol!r} (neither "
                                     "in spec.policies nor a core.oam.dev/v1alpha1 Policy in the file or on the hub)"))
                elif target.type not in ("topology", "override", "replication", *extensions.POLICY_KEYS):
                    p.append(Problem(f"{spath}.properties.policies[{j}]",
                                     f"policy {pol!r} of type {target.type} cannot be used by deploy"))
            if not any(policies.get(x) and policies[x].type == "topology" for x in props.get("policies") or []):
                p.append(Problem(f"{spath}.properties.policies", "a deploy step needs a topology policy"))
            par = props.get("parallelism", 5)
            if not isinstance(par, int) or isinstance(par, bool) or par < 1:
                p.append(Problem(f"{spath}.properties.parallelism", "must be a positive integer"))
            if not isinstance(props.get("auto", True), bool):
                p.append(Problem(f"{spath}.properties.auto", "must be true or false"))
            p.extend(Problem(f, m) for f, m in extensions.batches_problems(props, f"{spath}.properties"))
        elif stype == "suspend" and props.get("duration") is not None:
            from fleettui.engine.durations import parse_duration

            try:
                parse_duration(props["duration"])
            except ValueError as exc:
                p.append(Problem(f"{spath}.properties.duration", str(exc)))
        elif stype == "export-service":
            topologies = {n for n, x in policies.items() if x.type == "topology"}
            p.extend(Problem(f"{spath}.properties.{f}", m) for f, m in export_service.problems(props, topologies))
        inputs, outputs = _step_io(p, s, spath)
        # a property an input sets is there when the step runs (KubeVela fills it the same way)
        filled = {i["parameterKey"].split(".")[0]: "<input>" for i in inputs}
        _step_props(p, {**filled, **props} if filled else props, stype, f"{spath}.properties", components)
        subs: list[Step] = []
        if stype == "step-group":
            subs = _steps(p, s.get("subSteps") or [], f"{spath}.subSteps", policies, top=False,
                          components=components)
        elif "subSteps" in s:
            p.append(Problem(f"{spath}.subSteps", "only a step-group has subSteps"))
        depends = s.get("dependsOn") or []
        if not (isinstance(depends, list) and all(isinstance(d, str) for d in depends)):
            p.append(Problem(f"{spath}.dependsOn", "must be a list of step names"))
            depends = []
        cond = s.get("if")
        if cond is not None:
            from fleettui.engine import conditions

            try:
                conditions.parse(str(cond))
            except conditions.ConditionError as exc:
                p.append(Problem(f"{spath}.if", str(exc)))
                cond = None
        timeout = s.get("timeout")
        if timeout is not None:
            from fleettui.engine.durations import parse_duration

            try:
                parse_duration(timeout)
            except ValueError as exc:
                p.append(Problem(f"{spath}.timeout", str(exc)))
                timeout = None
        out.append(Step(name, stype, props, tuple(subs), tuple(depends), str(cond) if cond is not None else None,
                        timeout, inputs, outputs))
    return out


def _step_io(p: list[Problem], s: dict[str, Any], spath: str) -> tuple[tuple[dict[str, str], ...],
                                                                      tuple[dict[str, str], ...]]:
    from fleettui.engine import stepio

    ins: list[dict[str, str]] = []
    outs: list[dict[str, str]] = []
    for key, fields, into in (("inputs", ("from", "parameterKey"), ins), ("outputs", ("name", "valueFrom"), outs)):
        raw = s.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            p.append(Problem(f"{spath}.{key}", f"must be a list of {{{', '.join(fields)}}}"))
            continue
        for j, item in enumerate(raw):
            ipath = f"{spath}.{key}[{j}]"
            if not isinstance(item, dict):
                p.append(Problem(ipath, f"must be a mapping ({', '.join(fields)})"))
                continue
            _unknown(p, item, set(fields), ipath)
            bad = [f for f in fields if not isinstance(item.get(f), str) or not item.get(f)]
            for f in bad:
                if key == "inputs" and f == "parameterKey":
                    p.append(Problem(f"{ipath}.parameterKey", "required: the property the value goes to "
                                     "(fleettui does not put inputs in a context only)"))
                else:
                    p.append(Problem(f"{ipath}.{f}", "required"))
            if bad:
                continue
            if key == "outputs":
                why = stepio.check_value_from(item["valueFrom"])
                if why:
                    p.append(Problem(f"{ipath}.valueFrom", why))
                    continue
            into.append({f: item[f] for f in fields})
    return tuple(ins), tuple(outs)


def _step_links(p: list[Problem], steps: list[Step], path: str, every: set[str]) -> None:
    """dependsOn names a step at the same level; `if` reads steps that exist."""
    from fleettui.engine import conditions

    level = {s.name for s in steps}
    for i, s in enumerate(steps):
        for j, d in enumerate(s.depends_on):
            if d not in level or d == s.name:
                p.append(Problem(f"{path}[{i}].dependsOn[{j}]", f"no step {d!r} at this level "
                                 f"(steps: {', '.join(sorted(level - {s.name})) or 'none'})"))
        if s.if_:
            for ref in conditions.refs(conditions.parse(s.if_)):
                if ref.step not in every:
                    p.append(Problem(f"{path}[{i}].if", f"no step {ref.step!r} (steps: {', '.join(sorted(every))})"))
        if s.sub_steps:
            _step_links(p, list(s.sub_steps), f"{path}[{i}].subSteps", every)


def _step_props(p: list[Problem], props: dict[str, Any], stype: str, path: str, components: set[str]) -> None:
    """Required parameters of the other step types, and the values a pass would fail on."""
    from fleettui.engine.durations import parse_duration

    for key in STEP_REQUIRED.get(stype, ()):
        if props.get(key) in (None, ""):
            p.append(Problem(f"{path}.{key}", f"required by step type {stype}"))
    if stype == "check-metrics":
        if props.get("query") is not None and not isinstance(props["query"], str):
            p.append(Problem(f"{path}.query", "must be a PromQL string"))
        if props.get("condition") not in (None, ""):
            try:
                parse_condition(props["condition"])
            except ValueError as exc:
                p.append(Problem(f"{path}.condition", str(exc)))
        for key in ("duration", "failDuration"):
            if props.get(key) is not None:
                try:
                    parse_duration(props[key])
                except ValueError as exc:
                    p.append(Problem(f"{path}.{key}", str(exc)))
        endpoint = props.get("metricEndpoint")
        if endpoint is not None and not (isinstance(endpoint, str) and endpoint.startswith(("http://", "https://"))):
            p.append(Problem(f"{path}.metricEndpoint", "must be an http(s) URL"))
    elif stype == "notification":
        for key in UNSUPPORTED_CHANNELS:
            if key in props:
                p.append(Problem(f"{path}.{key}", f"notification channel {key} is not supported "
                                 "(supported: webhook)"))
        if "webhook" not in props:
            p.append(Problem(f"{path}.webhook", "required (the only channel fleettui sends to)"))
            return
        hook = props["webhook"]
        if not isinstance(hook, dict):
            p.append(Problem(f"{path}.webhook", "must be a mapping (url, message)"))
            return
        _unknown(p, hook, {"url", "message"}, f"{path}.webhook")
        url = webhook_url(props)
        if isinstance(hook.get("url"), dict) and "secretRef" in hook["url"]:
            p.append(Problem(f"{path}.webhook.url.secretRef", "a URL from a Secret is not supported "
                             "(give url.value)"))
        elif not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            p.append(Problem(f"{path}.webhook.url.value", "required http(s) URL"))
    elif stype == "apply-object":
        value = props.get("value")
        if value is not None:
            if not isinstance(value, dict):
                p.append(Problem(f"{path}.value", "must be a Kubernetes object"))
            else:
                for key in ("apiVersion", "kind"):
                    if not isinstance(value.get(key), str) or not value.get(key):
                        p.append(Problem(f"{path}.value.{key}", "required"))
                meta = m if isinstance(m := value.get("metadata"), dict) else {}
                if not meta.get("name"):
                    p.append(Problem(f"{path}.value.metadata.name", "required"))
    elif stype == "apply-component":
        comp = props.get("component")
        if isinstance(comp, str) and comp and comp not in components:
            p.append(Problem(f"{path}.component", f"no component {comp!r} (components: {', '.join(sorted(components))})"))
        if props.get("namespace"):
            _name(p, f"{path}.namespace", props["namespace"], names.dns1123_label)
    elif stype == "depends-on-app":
        if props.get("name") is not None:
            _name(p, f"{path}.name", props["name"], names.object_name_in_labels)
        if props.get("namespace") is not None:
            _name(p, f"{path}.namespace", props["namespace"], names.dns1123_label)
    elif stype == "print-message-in-status" and props.get("message") is not None \
            and not isinstance(props["message"], str):
        p.append(Problem(f"{path}.message", "must be a string"))


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
