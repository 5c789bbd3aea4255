"""Validation of `spec.workflow`: mode, steps and sub-steps, each type's properties,
`dependsOn`, `if`, `timeout`, and `inputs`/`outputs` between steps."""

from __future__ import annotations

from typing import Any

from fleettui.config import names
from fleettui.engine.errors import Problem
from fleettui.engine.model import STEP_TYPES, Policy, Step
from fleettui.engine.placement import extensions
from fleettui.engine.steps import STEP_REQUIRED, export_service
from fleettui.engine.steps.check_metrics import parse_condition
from fleettui.engine.steps.notification import UNSUPPORTED_CHANNELS, webhook_url
from fleettui.engine.validate_fields import check_name, properties_of, unknown_fields

_WORKFLOW_KEYS = {"steps", "mode", "ref"}
_STEP_KEYS = {"name", "type", "properties", "subSteps", "dependsOn", "if", "timeout", "inputs", "outputs"}


def parse_workflow(p: list[Problem], raw: Any, policies: dict[str, Policy], components: set[str]) -> list[Step]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        p.append(Problem("spec.workflow", "must be a mapping"))
        return []
    unknown_fields(p, raw, _WORKFLOW_KEYS, "spec.workflow")
    if raw.get("ref") not in (None, ""):
        # resolved before parsing (engine/external.py); one left here names a Workflow not found
        p.append(Problem("spec.workflow.ref", f"no Workflow {raw['ref']!r} (core.oam.dev/v1alpha1) found: give it "
                         "in the same file as another document, or create it on the hub"))
    mode = raw.get("mode") or {}
    if not isinstance(mode, dict):
        p.append(Problem("spec.workflow.mode", "must be a mapping (steps, subSteps)"))
        mode = {}
    unknown_fields(p, mode, {"steps", "subSteps"}, "spec.workflow.mode")
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
        unknown_fields(p, s, _STEP_KEYS, spath)
        name, stype = s.get("name"), s.get("type")
        if not isinstance(name, str) or not name:
            p.append(Problem(f"{spath}.name", "required"))
            continue
        allowed = STEP_TYPES if top else tuple(t for t in STEP_TYPES if t != "step-group")
        if stype not in allowed:
            p.append(Problem(f"{spath}.type", f"step type {stype!r} is not supported here "
                             f"(supported: {', '.join(allowed)})"))
            continue
        props = properties_of(p, s.get("properties"), stype, f"{spath}.properties")
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
            unknown_fields(p, item, set(fields), ipath)
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
        unknown_fields(p, hook, {"url", "message"}, f"{path}.webhook")
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
            check_name(p, f"{path}.namespace", props["namespace"], names.dns1123_label)
    elif stype == "depends-on-app":
        if props.get("name") is not None:
            check_name(p, f"{path}.name", props["name"], names.object_name_in_labels)
        if props.get("namespace") is not None:
            check_name(p, f"{path}.namespace", props["namespace"], names.dns1123_label)
    elif stype == "print-message-in-status" and props.get("message") is not None \
            and not isinstance(props["message"], str):
        p.append(Problem(f"{path}.message", "must be a string"))
